package io.dlog.cluster;

import io.dlog.log.metadata.MetadataException.Reason;
import io.dlog.log.metadata.MetadataImage;
import io.dlog.log.metadata.PartitionState;
import io.dlog.log.metadata.TopicImage;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * Partition reassignment rules (Kafka's KRaft {@code PartitionReassignmentReplicas} and
 * {@code PartitionReassignmentRevert}), applied inside the metadata state machine. Pure functions of the image.
 *
 * <p>A move starts with one change: the replica list becomes target + removing (the current replicas not in
 * the target), {@code adding} holds the target replicas the partition lacked, the ISR is unchanged. Adding
 * replicas catch up as followers and join the ISR through the leader's ordinary AlterPartition. The move
 * completes on the apply that leaves every target replica in ISR - removing ({@link #settle}, run on every
 * partition change): the replica list becomes the target, the removing replicas leave the ISR, and a leader
 * being removed hands over to the first target replica in sync (leader epoch + 1). Every committed batch is on
 * every ISR member, and all target replicas are ISR members at that instant, so nothing acknowledged is lost.
 */
final class PartitionReassignment {
    private PartitionReassignment() {
    }

    static MetadataApplier.Applied alter(MetadataImage image, MetadataCommand.AlterReassignment c) {
        TopicImage topic = image.topics().get(c.topic());
        if (topic == null) {
            return MetadataApplier.Applied.refused(image, Reason.UNKNOWN_TOPIC, "Unable to find a topic named "
                    + c.topic() + ".");
        }
        if (c.partition() < 0 || c.partition() >= topic.partitions()) {
            return MetadataApplier.Applied.refused(image, Reason.UNKNOWN_TOPIC, "Unable to find partition "
                    + c.topic() + ":" + c.partition() + ".");
        }
        return c.target() == null ? cancel(image, topic, c.partition()) : change(image, topic, c);
    }

    private static MetadataApplier.Applied change(MetadataImage image, TopicImage topic,
                                                  MetadataCommand.AlterReassignment c) {
        List<Integer> target = c.target();
        if (target.isEmpty()) {
            return MetadataApplier.Applied.refused(image, Reason.INVALID_REPLICA_ASSIGNMENT,
                    "The manual partition assignment includes an empty replica list.");
        }
        TreeSet<Integer> seen = new TreeSet<>();
        for (int broker : new TreeSet<>(target)) {
            if (!image.brokers().containsKey(broker)) {
                return MetadataApplier.Applied.refused(image, Reason.INVALID_REPLICA_ASSIGNMENT, "The manual partition "
                        + "assignment includes broker " + broker + ", but no such broker is registered.");
            }
        }
        for (int broker : target) {
            if (!seen.add(broker)) {
                return MetadataApplier.Applied.refused(image, Reason.INVALID_REPLICA_ASSIGNMENT, "The manual partition "
                        + "assignment includes the broker " + broker + " more than once.");
            }
        }
        int p = c.partition();
        PartitionState state = topic.state(p);
        List<Integer> current = topic.replicas(p);
        if (!c.allowReplicationFactorChange()) {
            List<Integer> original = minus(current, state.adding());
            if (original.size() != target.size()) {
                return MetadataApplier.Applied.refused(image, Reason.INVALID_REPLICATION_FACTOR, "The replication factor "
                        + "is changed from " + original.size() + " to " + target.size());
            }
        }
        List<Integer> removing = new ArrayList<>(new TreeSet<>(minus(current, target)));
        List<Integer> adding = new ArrayList<>(new TreeSet<>(minus(target, current)));
        List<Integer> replicas = new ArrayList<>(target);
        replicas.addAll(removing);
        if (replicas.equals(current) && adding.equals(state.adding()) && removing.equals(state.removing())) {
            return MetadataApplier.Applied.ok(image); // nothing to change
        }
        PartitionState started = state.withReassignment(adding, removing);
        return MetadataApplier.Applied.ok(put(image, settle(image, topic.withReplicas(p, replicas, started), p)));
    }

    /** Kafka's revert: back to the replicas before the move, the adding replicas out of the ISR. */
    private static MetadataApplier.Applied cancel(MetadataImage image, TopicImage topic, int p) {
        PartitionState state = topic.state(p);
        if (!state.isReassigning()) {
            return MetadataApplier.Applied.refused(image, Reason.NO_REASSIGNMENT_IN_PROGRESS,
                    "No partition reassignment is in progress.");
        }
        List<Integer> original = minus(topic.replicas(p), state.adding());
        List<Integer> isr = minus(state.isr(), state.adding());
        if (isr.isEmpty()) {
            // Every in-sync replica was being added: reverting needs an unclean election of an original replica.
            if (!PartitionLeadership.uncleanAllowed(image, topic)) {
                return MetadataApplier.Applied.refused(image, Reason.INVALID_REPLICA_ASSIGNMENT, "Unable to revert "
                        + "partition assignment for " + topic.name() + ":" + p + " because it would require an "
                        + "unclean leader election.");
            }
            isr = List.of(original.get(0));
        }
        PartitionState reverted = state.withReassignment(List.of(), List.of());
        if (isr.contains(state.leader())) {
            reverted = reverted.withIsr(isr);
        } else {
            reverted = reverted.withLeader(firstLiveInSync(image, original, isr), isr);
        }
        return MetadataApplier.Applied.ok(put(image, topic.withReplicas(p, original, reverted)));
    }

    /**
     * Completes the partition's reassignment if the ISR now allows it (Kafka's maybeCompleteReassignment): every
     * target replica in ISR - removing. Returns the topic unchanged otherwise.
     */
    static TopicImage settle(MetadataImage image, TopicImage topic, int p) {
        PartitionState state = topic.state(p);
        if (!state.isReassigning()) {
            return topic;
        }
        List<Integer> target = minus(topic.replicas(p), state.removing());
        List<Integer> isr = minus(state.isr(), state.removing());
        if (target.isEmpty() || isr.isEmpty() || !isr.containsAll(target)) {
            return topic;
        }
        PartitionState done = state.withReassignment(List.of(), List.of());
        if (target.contains(state.leader())) {
            done = isr.equals(state.isr()) ? done : done.withIsr(isr);
        } else {
            done = done.withLeader(firstLiveInSync(image, target, isr), isr);
        }
        return topic.withReplicas(p, target, done);
    }

    /** The first of {@code replicas} that is in {@code isr} and live, or no leader (it leads when it returns). */
    private static int firstLiveInSync(MetadataImage image, List<Integer> replicas, List<Integer> isr) {
        return replicas.stream().filter(r -> isr.contains(r) && image.isLive(r)).findFirst()
                .orElse(PartitionState.NO_LEADER);
    }

    private static List<Integer> minus(List<Integer> from, List<Integer> without) {
        List<Integer> left = new ArrayList<>(from);
        left.removeAll(without);
        return left;
    }

    private static MetadataImage put(MetadataImage image, TopicImage topic) {
        Map<String, TopicImage> topics = new HashMap<>(image.topics());
        topics.put(topic.name(), topic);
        return image.withTopics(topics);
    }
}
