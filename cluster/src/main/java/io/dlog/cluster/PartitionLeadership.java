package io.dlog.cluster;

import io.dlog.log.metadata.MetadataException.Reason;
import io.dlog.log.metadata.MetadataImage;
import io.dlog.log.metadata.PartitionState;
import io.dlog.log.metadata.TopicImage;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Leader election and ISR rules, applied inside the metadata state machine, so every node derives the
 * same leaders from the same log. Pure functions of the image.
 *
 * <p>Kafka's rules: a new leader comes from the ISR (it holds every committed batch), in replica order
 * (the preferred replica first); a replica that stops heartbeating leaves the ISR, except the last member,
 * which stays so that it can lead again when it returns; with {@code unclean.leader.election.enable} a
 * partition with no live ISR member takes any live replica.
 */
final class PartitionLeadership {
    static final String UNCLEAN_ELECTION = "unclean.leader.election.enable";

    private PartitionLeadership() {
    }

    /** States of new partitions: the live replicas are in sync, the first of them leads. */
    static List<PartitionState> initialStates(MetadataImage image, List<List<Integer>> assignment) {
        List<PartitionState> states = new ArrayList<>(assignment.size());
        for (List<Integer> replicas : assignment) {
            List<Integer> live = replicas.stream().filter(image::isLive).toList();
            states.add(live.isEmpty()
                    ? new PartitionState(PartitionState.NO_LEADER, 0, replicas, 0)
                    : new PartitionState(live.get(0), 0, live, 0));
        }
        return states;
    }

    /** Broker {@code id} is fenced: it leaves every ISR (unless last) and its partitions move. */
    static MetadataImage brokerGone(MetadataImage image, int id) {
        return eachPartition(image, (topic, p, state) -> leave(topic, p, state, image, id, false));
    }

    /**
     * Broker {@code id} registered again: a restart (a new incarnation, its replication state gone), or a data folder
     * replaced. It leaves every ISR as when fenced; and every partition it replicates gets a new partition epoch,
     * even where it was out of the ISR already, so that an ISR change the leader proposed from the fetches of the
     * old incarnation, if it commits after this registration, is refused as stale instead of adding a replica whose
     * log may have lost its tail since (Kafka guards the same race with broker epochs in AlterPartition, KIP-903).
     *
     * @param folderReplaced its data folder was replaced: it leaves even the ISRs it was the last member of, which
     *                       become empty (the partition stays offline until an unclean election), since leading them
     *                       with an empty log would lose what they committed (Kafka's controller likewise stops
     *                       counting replicas of a directory that is gone); and every replica of it is marked
     *                       emptied, so that an unclean election takes any other live replica first
     */
    static MetadataImage brokerRestarted(MetadataImage image, int id, boolean folderReplaced) {
        return eachPartition(image, (topic, p, state) -> {
            if (!topic.replicas(p).contains(id) && state.leader() != id && !state.isr().contains(id)) {
                return state;
            }
            PartitionState left = leave(topic, p, state, image, id, folderReplaced);
            if (left == state) {
                left = state.withIsr(state.isr()); // out of the ISR already: only the partition epoch moves
            }
            return folderReplaced ? left.withEmptied(id) : left;
        });
    }

    private static PartitionState leave(TopicImage topic, int p, PartitionState state, MetadataImage image, int id,
                                        boolean dataLost) {
        if (!state.isr().contains(id) && state.leader() != id) {
            return state;
        }
        List<Integer> isr = new ArrayList<>(state.isr());
        isr.remove(Integer.valueOf(id));
        if (isr.isEmpty() && !dataLost) {
            isr.add(id); // the last in-sync replica: it alone may lead again
        }
        if (state.leader() != id) {
            return isr.equals(state.isr()) ? state : state.withIsr(isr);
        }
        int next = topic.replicas(p).stream().filter(r -> r != id && isr.contains(r) && image.isLive(r))
                .findFirst().orElse(PartitionState.NO_LEADER);
        return state.withLeader(next, isr);
    }

    /** Broker {@code id} is live again: offline partitions it can lead get it as leader. */
    static MetadataImage brokerBack(MetadataImage image, int id) {
        return eachPartition(image, (topic, p, state) -> {
            if (state.hasLeader() || !topic.replicas(p).contains(id)) {
                return state;
            }
            if (state.isr().contains(id)) {
                return state.withLeader(id, state.isr());
            }
            if (!uncleanAllowed(image, topic)) {
                return state;
            }
            return uncleanCandidate(image, topic, p, state).map(r -> state.withLeader(r, List.of(r))).orElse(state);
        });
    }

    static MetadataApplier.Applied alterPartition(MetadataImage image, MetadataCommand.AlterPartition c) {
        TopicImage topic = image.topics().get(c.topic());
        if (topic == null || !topic.topicId().equals(c.topicId()) || c.partition() < 0 || c.partition() >= topic.partitions()) {
            return MetadataApplier.Applied.refused(image, Reason.UNKNOWN_TOPIC, "This server does not host this topic-partition.");
        }
        PartitionState state = topic.state(c.partition());
        if (state.leader() != c.leader() || state.leaderEpoch() != c.leaderEpoch()) {
            return MetadataApplier.Applied.refused(image, Reason.FENCED_LEADER_EPOCH, "node " + c.leader() + " at epoch "
                    + c.leaderEpoch() + " no longer leads " + c.topic() + "-" + c.partition());
        }
        if (state.partitionEpoch() != c.partitionEpoch()) {
            return MetadataApplier.Applied.refused(image, Reason.INVALID_UPDATE_VERSION, "partition epoch "
                    + c.partitionEpoch() + " is stale; current is " + state.partitionEpoch());
        }
        List<Integer> replicas = topic.replicas(c.partition());
        if (!c.isr().contains(c.leader()) || !replicas.containsAll(c.isr())) {
            return MetadataApplier.Applied.refused(image, Reason.INVALID_COMMAND, "ISR " + c.isr()
                    + " must hold the leader and only replicas of " + replicas);
        }
        for (int member : c.isr()) {
            if (!state.isr().contains(member) && !image.isLive(member)) {
                return MetadataApplier.Applied.refused(image, Reason.INELIGIBLE_REPLICA, "replica " + member
                        + " is fenced and cannot join the ISR");
            }
        }
        return MetadataApplier.Applied.ok(withState(image, topic, c.partition(), state.withIsr(c.isr())));
    }

    static MetadataApplier.Applied electLeader(MetadataImage image, MetadataCommand.ElectLeader c) {
        TopicImage topic = image.topics().get(c.topic());
        if (topic == null || c.partition() < 0 || c.partition() >= topic.partitions()) {
            return MetadataApplier.Applied.refused(image, Reason.UNKNOWN_TOPIC, "This server does not host this topic-partition.");
        }
        PartitionState state = topic.state(c.partition());
        if (c.unclean()) {
            if (state.hasLeader()) {
                return MetadataApplier.Applied.refused(image, Reason.ELECTION_NOT_NEEDED, "Leader election not needed for topic partition.");
            }
            // A live in-sync replica, if any, leads cleanly (Kafka's election takes the ISR first in either mode).
            Optional<Integer> inSync = topic.replicas(c.partition()).stream()
                    .filter(r -> state.isr().contains(r) && image.isLive(r)).findFirst();
            if (inSync.isPresent()) {
                return MetadataApplier.Applied.ok(withState(image, topic, c.partition(),
                        state.withLeader(inSync.get(), state.isr())));
            }
            Optional<Integer> live = uncleanCandidate(image, topic, c.partition(), state);
            return live.map(r -> MetadataApplier.Applied.ok(withState(image, topic, c.partition(), state.withLeader(r, List.of(r)))))
                    .orElseGet(() -> MetadataApplier.Applied.refused(image, Reason.ELIGIBLE_LEADERS_NOT_AVAILABLE,
                            "No live replica of " + c.topic() + "-" + c.partition()));
        }
        if (state.leader() == c.leader()) {
            return MetadataApplier.Applied.refused(image, Reason.ELECTION_NOT_NEEDED, "Leader election not needed for topic partition.");
        }
        if (!image.isLive(c.leader()) || !state.isr().contains(c.leader())) {
            return MetadataApplier.Applied.refused(image, Reason.PREFERRED_LEADER_NOT_AVAILABLE, "Replica " + c.leader()
                    + " is not live or not in sync for " + c.topic() + "-" + c.partition());
        }
        return MetadataApplier.Applied.ok(withState(image, topic, c.partition(), state.withLeader(c.leader(), state.isr())));
    }

    static MetadataApplier.Applied raiseLeaderEpoch(MetadataImage image, MetadataCommand.RaiseLeaderEpoch c) {
        TopicImage topic = image.topics().get(c.topic());
        if (topic == null || c.partition() < 0 || c.partition() >= topic.partitions()) {
            return MetadataApplier.Applied.refused(image, Reason.UNKNOWN_TOPIC, "This server does not host this topic-partition.");
        }
        PartitionState state = topic.state(c.partition());
        if (state.leader() != c.leader() || state.leaderEpoch() != c.leaderEpoch()) {
            return MetadataApplier.Applied.refused(image, Reason.FENCED_LEADER_EPOCH, "node " + c.leader() + " at epoch "
                    + c.leaderEpoch() + " no longer leads " + c.topic() + "-" + c.partition());
        }
        if (state.leaderEpoch() >= c.atLeast()) {
            return MetadataApplier.Applied.ok(image);
        }
        return MetadataApplier.Applied.ok(withState(image, topic, c.partition(), state.withLeaderEpoch(c.atLeast())));
    }

    /**
     * The replica an unclean election takes: the first live one in replica order whose copy did not restart from a
     * replaced data folder since it was last in sync, else the first live one (an emptied copy, all that is left;
     * Kafka takes the first live replica either way).
     */
    private static Optional<Integer> uncleanCandidate(MetadataImage image, TopicImage topic, int p, PartitionState state) {
        List<Integer> live = topic.replicas(p).stream().filter(image::isLive).toList();
        return live.stream().filter(r -> !state.isEmptied(r)).findFirst().or(() -> live.stream().findFirst());
    }

    static boolean uncleanAllowed(MetadataImage image, TopicImage topic) {
        String value = topic.configs().getOrDefault(UNCLEAN_ELECTION, image.brokerConfigs().get(UNCLEAN_ELECTION));
        return "true".equalsIgnoreCase(value);
    }

    /** With the partition's new state; a reassignment the change completes ends on the same apply. */
    private static MetadataImage withState(MetadataImage image, TopicImage topic, int partition, PartitionState state) {
        Map<String, TopicImage> topics = new HashMap<>(image.topics());
        topics.put(topic.name(), PartitionReassignment.settle(image, topic.withState(partition, state), partition));
        return image.withTopics(topics);
    }

    @FunctionalInterface
    private interface StateChange {
        PartitionState apply(TopicImage topic, int partition, PartitionState state);
    }

    private static MetadataImage eachPartition(MetadataImage image, StateChange change) {
        Map<String, TopicImage> topics = null;
        for (TopicImage topic : image.topics().values()) {
            TopicImage changed = topic;
            for (int p = 0; p < topic.partitions(); p++) {
                PartitionState before = topic.state(p);
                PartitionState after = change.apply(topic, p, before);
                if (after != before) {
                    changed = PartitionReassignment.settle(image, changed.withState(p, after), p);
                }
            }
            if (changed != topic) {
                if (topics == null) {
                    topics = new HashMap<>(image.topics());
                }
                topics.put(topic.name(), changed);
            }
        }
        return topics == null ? image : image.withTopics(topics);
    }
}
