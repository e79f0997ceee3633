package io.dlog.cluster;

import io.dlog.log.metadata.BrokerImage;
import io.dlog.log.metadata.MetadataException;
import io.dlog.log.metadata.MetadataException.Reason;
import io.dlog.log.metadata.MetadataImage;
import io.dlog.log.metadata.TopicImage;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The metadata state machine's transition function: {@code apply(image, command) -> (image, outcome)}.
 * Pure and deterministic, so every node that applies the same log holds the same image. A command the
 * image refuses leaves the image as it was and carries the refusal back to its proposer; apply never
 * throws for a bad command.
 */
public final class MetadataApplier {

    /** The image after a command, and the refusal if the command was refused. */
    public record Applied(MetadataImage image, Optional<MetadataException> refusal) {
        static Applied ok(MetadataImage image) {
            return new Applied(image, Optional.empty());
        }

        static Applied refused(MetadataImage image, Reason reason, String message) {
            return new Applied(image, Optional.of(new MetadataException(reason, message)));
        }
    }

    private MetadataApplier() {
    }

    /** Applies {@code command} as the change at log index {@code index}. */
    public static Applied apply(MetadataImage image, MetadataCommand command, long index) {
        MetadataImage at = image.withVersion(index);
        try {
            // Java 17 has no pattern switch: one instanceof per command kind.
            if (command instanceof MetadataCommand.InitCluster c) {
                return initCluster(at, c);
            } else if (command instanceof MetadataCommand.ImportImage c) {
                return importImage(at, c);
            } else if (command instanceof MetadataCommand.RegisterBroker c) {
                return registerBroker(at, c);
            } else if (command instanceof MetadataCommand.BrokerHeartbeat c) {
                return heartbeat(at, c);
            } else if (command instanceof MetadataCommand.FenceBroker c) {
                return fence(at, c);
            } else if (command instanceof MetadataCommand.CreateTopic c) {
                return createTopic(at, c);
            } else if (command instanceof MetadataCommand.DeleteTopic c) {
                return deleteTopic(at, c);
            } else if (command instanceof MetadataCommand.CreatePartitions c) {
                return createPartitions(at, c);
            } else if (command instanceof MetadataCommand.SetTopicConfigs c) {
                return setTopicConfigs(at, c);
            } else if (command instanceof MetadataCommand.SetBrokerConfigs c) {
                return setBrokerConfigs(at, c);
            } else if (command instanceof MetadataCommand.SetGroupConfigs c) {
                Map<String, Map<String, String>> groups = new HashMap<>(at.groupConfigs());
                groups.put(c.groupId(), c.configs()); // the image drops a group left without overrides
                return Applied.ok(at.withGroupConfigs(groups));
            } else if (command instanceof MetadataCommand.AlterPartition c) {
                return PartitionLeadership.alterPartition(at, c);
            } else if (command instanceof MetadataCommand.ElectLeader c) {
                return PartitionLeadership.electLeader(at, c);
            } else if (command instanceof MetadataCommand.AlterReassignment c) {
                return PartitionReassignment.alter(at, c);
            } else if (command instanceof MetadataCommand.RaiseLeaderEpoch c) {
                return PartitionLeadership.raiseLeaderEpoch(at, c);
            } else if (command instanceof MetadataCommand.AlterScramCredentials
                    || command instanceof MetadataCommand.CreateAcls || command instanceof MetadataCommand.DeleteAcls
                    || command instanceof MetadataCommand.AlterClientQuotas) {
                return Applied.ok(SecurityApplier.apply(at, command));
            } else if (command instanceof MetadataCommand.SetFeatures c) {
                return setFeatures(at, c);
            }
            throw new IllegalStateException("unknown command " + command);
        } catch (RuntimeException e) {
            // A command that slipped past its proposer's checks must not stop the replica from applying.
            return Applied.refused(at, Reason.INVALID_COMMAND, "invalid " + command.getClass().getSimpleName()
                    + ": " + e);
        }
    }

    private static Applied setFeatures(MetadataImage image, MetadataCommand.SetFeatures c) {
        Map<String, Short> features = new HashMap<>(image.features());
        features.putAll(c.levels()); // level 0 stays recorded: disabled, not back to the node's configured level
        return Applied.ok(image.withFeatures(features));
    }

    private static Applied initCluster(MetadataImage image, MetadataCommand.InitCluster c) {
        if (image.clusterId() == null) {
            return Applied.ok(image.withClusterId(c.clusterId()));
        }
        if (image.clusterId().equals(c.clusterId())) {
            return Applied.ok(image);
        }
        return Applied.refused(image, Reason.INVALID_COMMAND, "the cluster id is " + image.clusterId()
                + ", not " + c.clusterId());
    }

    private static Applied importImage(MetadataImage image, MetadataCommand.ImportImage c) {
        if (!image.topics().isEmpty()) {
            return Applied.refused(image, Reason.INVALID_COMMAND, "the cluster already has topics; nothing imported");
        }
        return Applied.ok(image.withTopics(c.image().topics())
                .withBrokerConfigs(c.image().brokerConfigs(), image.nodeConfigs()));
    }

    /**
     * A new incarnation replaces the old one at once: the old one is gone (out of every ISR, its partitions
     * led elsewhere), since its in-memory replication state died with it; then the new one may lead what
     * has no other leader.
     */
    private static Applied registerBroker(MetadataImage image, MetadataCommand.RegisterBroker c) {
        BrokerImage old = image.brokers().get(c.id());
        MetadataImage base = image;
        // A new data folder (disk replaced, folder emptied or formatted again): none of the old replicas' data is
        // there, so the node leaves even the ISRs it was the last member of, rather than lead them with empty logs.
        boolean folderReplaced = old != null && old.directoryId() != null && c.directoryId() != null
                && !old.directoryId().equals(c.directoryId());
        if (old != null && (old.incarnation() != c.incarnation() || folderReplaced)) {
            base = PartitionLeadership.brokerRestarted(replaceBroker(image, old.withFenced(true)), c.id(), folderReplaced);
        }
        Map<Integer, BrokerImage> brokers = new HashMap<>(base.brokers());
        String directoryId = c.directoryId() != null ? c.directoryId() : old == null ? null : old.directoryId();
        brokers.put(c.id(), new BrokerImage(c.id(), c.incarnation(), c.endpoints(), c.rack(), false, directoryId));
        return Applied.ok(PartitionLeadership.brokerBack(base.withBrokers(brokers), c.id()));
    }

    private static Applied heartbeat(MetadataImage image, MetadataCommand.BrokerHeartbeat c) {
        BrokerImage broker = image.brokers().get(c.id());
        if (broker == null) {
            return Applied.refused(image, Reason.UNKNOWN_BROKER, "broker " + c.id() + " is not registered");
        }
        if (broker.incarnation() != c.incarnation()) {
            return Applied.refused(image, Reason.STALE_BROKER_INCARNATION, "broker " + c.id()
                    + " registered again since; heartbeat of an old incarnation");
        }
        return Applied.ok(broker.fenced()
                ? PartitionLeadership.brokerBack(replaceBroker(image, broker.withFenced(false)), c.id()) : image);
    }

    private static Applied fence(MetadataImage image, MetadataCommand.FenceBroker c) {
        BrokerImage broker = image.brokers().get(c.id());
        if (broker == null || broker.incarnation() != c.incarnation() || broker.fenced()) {
            return Applied.ok(image); // it registered again, or is fenced already: nothing to do
        }
        return Applied.ok(PartitionLeadership.brokerGone(replaceBroker(image, broker.withFenced(true)), c.id()));
    }

    private static MetadataImage replaceBroker(MetadataImage image, BrokerImage broker) {
        Map<Integer, BrokerImage> brokers = new HashMap<>(image.brokers());
        brokers.put(broker.id(), broker);
        return image.withBrokers(brokers);
    }

    private static Applied createTopic(MetadataImage image, MetadataCommand.CreateTopic c) {
        if (image.topics().containsKey(c.name())) {
            return Applied.refused(image, Reason.TOPIC_ALREADY_EXISTS, "Topic '" + c.name() + "' already exists.");
        }
        if (image.topic(c.topicId()).isPresent()) {
            return Applied.refused(image, Reason.INVALID_COMMAND, "topic id " + c.topicId() + " is taken");
        }
        if (c.assignment().isEmpty()) {
            return Applied.refused(image, Reason.INVALID_PARTITIONS, "Number of partitions must be larger than 0.");
        }
        Optional<String> bad = invalidAssignment(image, c.assignment(), c.assignment().get(0).size());
        if (bad.isPresent()) {
            return Applied.refused(image, Reason.INVALID_REPLICA_ASSIGNMENT, bad.get());
        }
        Map<String, TopicImage> topics = new HashMap<>(image.topics());
        topics.put(c.name(), new TopicImage(c.name(), c.topicId(), c.assignment().size(), c.configs(), c.assignment(),
                PartitionLeadership.initialStates(image, c.assignment())));
        return Applied.ok(image.withTopics(topics));
    }

    private static Applied deleteTopic(MetadataImage image, MetadataCommand.DeleteTopic c) {
        TopicImage topic = image.topics().get(c.name());
        if (topic == null || (c.topicId() != null && !topic.topicId().equals(c.topicId()))) {
            return unknownTopic(image);
        }
        Map<String, TopicImage> topics = new HashMap<>(image.topics());
        topics.remove(c.name());
        return Applied.ok(image.withTopics(topics));
    }

    private static Applied createPartitions(MetadataImage image, MetadataCommand.CreatePartitions c) {
        TopicImage topic = image.topics().get(c.name());
        if (topic == null) {
            return unknownTopic(image);
        }
        if (c.added().isEmpty()) {
            return Applied.refused(image, Reason.INVALID_PARTITIONS, "Topic already has " + topic.partitions()
                    + " partitions.");
        }
        Optional<String> bad = invalidAssignment(image, c.added(), topic.replicationFactor());
        if (bad.isPresent()) {
            return Applied.refused(image, Reason.INVALID_REPLICA_ASSIGNMENT, bad.get());
        }
        Map<String, TopicImage> topics = new HashMap<>(image.topics());
        topics.put(c.name(), topic.withPartitions(c.added(), PartitionLeadership.initialStates(image, c.added())));
        return Applied.ok(image.withTopics(topics));
    }

    private static Applied setTopicConfigs(MetadataImage image, MetadataCommand.SetTopicConfigs c) {
        TopicImage topic = image.topics().get(c.name());
        if (topic == null) {
            return unknownTopic(image);
        }
        Map<String, TopicImage> topics = new HashMap<>(image.topics());
        topics.put(c.name(), topic.withConfigs(c.configs()));
        return Applied.ok(image.withTopics(topics));
    }

    private static Applied setBrokerConfigs(MetadataImage image, MetadataCommand.SetBrokerConfigs c) {
        if (c.node() == MetadataCommand.SetBrokerConfigs.CLUSTER_DEFAULT) {
            return Applied.ok(image.withBrokerConfigs(c.configs(), image.nodeConfigs()));
        }
        Map<Integer, Map<String, String>> perNode = new HashMap<>(image.nodeConfigs());
        if (c.configs().isEmpty()) {
            perNode.remove(c.node());
        } else {
            perNode.put(c.node(), c.configs());
        }
        return Applied.ok(image.withBrokerConfigs(image.brokerConfigs(), perNode));
    }

    /** Kafka's message for a topic the image does not have. */
    private static Applied unknownTopic(MetadataImage image) {
        return Applied.refused(image, Reason.UNKNOWN_TOPIC, "This server does not host this topic-partition.");
    }

    /** Every replica set has {@code factor} distinct registered brokers. */
    static Optional<String> invalidAssignment(MetadataImage image, List<List<Integer>> assignment, int factor) {
        for (List<Integer> replicas : assignment) {
            if (replicas.size() != factor || factor < 1) {
                return Optional.of("All partitions should have the same number of replicas (" + factor + "), got "
                        + replicas);
            }
            Set<Integer> seen = new HashSet<>();
            for (int broker : replicas) {
                if (!seen.add(broker)) {
                    return Optional.of("Duplicate brokers not allowed in replica assignment: " + replicas);
                }
                if (!image.brokers().containsKey(broker)) {
                    return Optional.of("Replica assignment names broker " + broker + ", which is not registered");
                }
            }
        }
        return Optional.empty();
    }
}
