package io.dlog.kafka.metrics;

import com.codahale.metrics.Gauge;
import com.codahale.metrics.Meter;
import io.dlog.cluster.MetadataQuorum;
import io.dlog.kafka.group.GroupCoordinator;
import io.dlog.kafka.replica.ReplicaManager;
import io.dlog.kafka.topic.TopicService;
import io.dlog.log.metadata.MetadataImage;
import io.dlog.log.metadata.TopicImage;
import java.util.function.Supplier;

/**
 * The gauges Kafka operators alert on that read this node's state rather than count events:
 * {@code kafka.server:type=ReplicaManager} (with the ISR change meters), {@code kafka.controller:type=KafkaController}
 * and {@code kafka.coordinator.group:type=GroupMetadataManager}. Each gauge computes its value when read
 * (a JMX read or a scrape), from volatile state or under the owner's own lock; nothing here runs on a
 * request path.
 */
public final class ClusterGauges {
    private static final String REPLICA_MANAGER = "ReplicaManager";
    private static final String CONTROLLER = "KafkaController";
    private static final String GROUPS = "GroupMetadataManager";

    private ClusterGauges() {
    }

    /**
     * ReplicaManager's gauges and IsrShrinksPerSec/IsrExpandsPerSec, for this node's replicas, and BrokerTopicMetrics'
     * ReplicationBytesInPerSec/ReplicationBytesOutPerSec for its followers' and leaders' replication traffic.
     */
    public static void registerReplicaManager(BrokerMetrics metrics, ReplicaManager replicas) {
        gauge(metrics, MetricNames.SERVER, REPLICA_MANAGER, "UnderReplicatedPartitions",
                () -> replicas.counts().underReplicated());
        gauge(metrics, MetricNames.SERVER, REPLICA_MANAGER, "PartitionCount", () -> replicas.counts().partitions());
        gauge(metrics, MetricNames.SERVER, REPLICA_MANAGER, "LeaderCount", () -> replicas.counts().leaders());
        gauge(metrics, MetricNames.SERVER, REPLICA_MANAGER, "OfflineReplicaCount", () -> replicas.counts().offline());
        gauge(metrics, MetricNames.SERVER, REPLICA_MANAGER, "UnderMinIsrPartitionCount",
                () -> replicas.counts().underMinIsr());
        gauge(metrics, MetricNames.SERVER, REPLICA_MANAGER, "AtMinIsrPartitionCount", () -> replicas.counts().atMinIsr());
        gauge(metrics, MetricNames.SERVER, REPLICA_MANAGER, "ReassigningPartitions",
                () -> replicas.counts().reassigning());
        Meter shrinks = metrics.meter(MetricNames.name(MetricNames.SERVER, REPLICA_MANAGER, "IsrShrinksPerSec"));
        Meter expands = metrics.meter(MetricNames.name(MetricNames.SERVER, REPLICA_MANAGER, "IsrExpandsPerSec"));
        replicas.setIsrChangeListener(shrink -> (shrink ? shrinks : expands).mark());
        // Kafka keeps these two for all topics only (no topic tag), beside BytesIn/BytesOut, which leave replication out.
        Meter replicationIn = metrics.meter(MetricNames.name(MetricNames.SERVER, "BrokerTopicMetrics",
                "ReplicationBytesInPerSec"));
        Meter replicationOut = metrics.meter(MetricNames.name(MetricNames.SERVER, "BrokerTopicMetrics",
                "ReplicationBytesOutPerSec"));
        replicas.setReplicationTrafficListeners(replicationIn::mark, replicationOut::mark);
    }

    /**
     * KafkaController's gauges. DLog's active controller is the metadata Raft group's leader: it reports
     * ActiveControllerCount 1 and the cluster-wide counts (partitions without a leader, topics,
     * partitions) from its image; every other node reports 0 for all four, as Kafka's inactive
     * controllers do, so a sum over the cluster reads the same as Kafka's.
     */
    public static void registerController(BrokerMetrics metrics, TopicService topics, int nodeId) {
        Supplier<Boolean> active = () -> {
            MetadataQuorum quorum = topics.quorum();
            return quorum != null && quorum.leaderId().orElse(-1) == nodeId;
        };
        gauge(metrics, MetricNames.CONTROLLER, CONTROLLER, "ActiveControllerCount", () -> active.get() ? 1 : 0);
        gauge(metrics, MetricNames.CONTROLLER, CONTROLLER, "OfflinePartitionsCount",
                () -> active.get() ? offlinePartitions(topics.image()) : 0);
        gauge(metrics, MetricNames.CONTROLLER, CONTROLLER, "GlobalTopicCount",
                () -> active.get() ? topics.image().topics().size() : 0);
        gauge(metrics, MetricNames.CONTROLLER, CONTROLLER, "GlobalPartitionCount",
                () -> active.get() ? topics.image().topics().values().stream().mapToInt(TopicImage::partitions).sum() : 0);
    }

    private static int offlinePartitions(MetadataImage image) {
        int offline = 0;
        for (TopicImage topic : image.topics().values()) {
            for (int p = 0; p < topic.partitions(); p++) {
                if (!topic.state(p).hasLeader()) {
                    offline++;
                }
            }
        }
        return offline;
    }

    /**
     * GroupMetadataManager's gauges as Kafka 4.x keeps them (classic groups: NumGroups and one per state;
     * NumOffsets), and DLog's counts of KIP-848 consumer groups and KIP-1071 streams groups per state (Kafka has
     * those only as group-coordinator-metrics, consumer-group-count and streams-group-count, not as these MBeans).
     */
    public static void registerGroups(BrokerMetrics metrics, GroupCoordinator groups) {
        gauge(metrics, MetricNames.GROUP_COORDINATOR, GROUPS, "NumGroups",
                () -> groups.counts().classicByState().values().stream().mapToInt(Integer::intValue).sum());
        gauge(metrics, MetricNames.GROUP_COORDINATOR, GROUPS, "NumOffsets", () -> groups.counts().offsets());
        for (String state : new String[] {"Empty", "PreparingRebalance", "CompletingRebalance", "Stable", "Dead"}) {
            gauge(metrics, MetricNames.GROUP_COORDINATOR, GROUPS, "NumGroups" + state,
                    () -> groups.counts().classicByState().getOrDefault(state, 0));
        }
        for (String state : new String[] {"Empty", "Assigning", "Reconciling", "Stable"}) {
            metrics.gauge(MetricNames.name(MetricNames.DLOG, "GroupCoordinator", "NumConsumerGroups", "state", state),
                    (Gauge<Integer>) () -> groups.counts().consumerByState().getOrDefault(state, 0));
        }
        for (String state : new String[] {"Empty", "NotReady", "Assigning", "Reconciling", "Stable"}) {
            metrics.gauge(MetricNames.name(MetricNames.DLOG, "GroupCoordinator", "NumStreamsGroups", "state", state),
                    (Gauge<Integer>) () -> groups.counts().streamsByState().getOrDefault(state, 0));
        }
    }

    private static void gauge(BrokerMetrics metrics, String domain, String type, String name, Supplier<Integer> value) {
        metrics.gauge(MetricNames.name(domain, type, name), (Gauge<Integer>) value::get);
    }
}
