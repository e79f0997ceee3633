package io.dlog.compat.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import io.dlog.compat.cluster.DLogClusterExtension;
import io.dlog.compat.cluster.InProcessCluster;
import java.time.Duration;
import java.util.List;
import javax.management.MBeanServer;
import javax.management.ObjectName;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The replication gauges operators alert on, on a three-node in-process cluster: when a follower stops,
 * its partitions' leader shrinks their ISR (IsrShrinksPerSec) and reports them in
 * UnderReplicatedPartitions; exactly one node is the active controller.
 */
class ClusterMetricsTest {
    @RegisterExtension
    static final DLogClusterExtension CLUSTER = DLogClusterExtension.inProcess(3)
            .with("replica.lag.time.max.ms", "2000");

    @Test
    void shouldCountUnderReplicatedPartitionsOnTheLeaderWhenAFollowerStops(InProcessCluster cluster) throws Exception {
        // Given a topic with three replicas, all in sync
        String topic = "urp-" + System.nanoTime();
        int leader;
        try (Admin admin = cluster.admin()) {
            admin.createTopics(List.of(new NewTopic(topic, 1, (short) 3))).all().get();
            leader = awaitFullIsr(admin, topic).partitions().get(0).leader().id();
        }
        long activeControllers = 0;
        for (int node : cluster.nodeIds()) {
            activeControllers += gauge(cluster, node, "kafka.controller:type=KafkaController,name=ActiveControllerCount");
        }
        assertThat(activeControllers).isEqualTo(1);
        // Every partition of the leader (internal topics too) in sync first: their followers may still be catching up
        long inSync = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (gauge(cluster, leader, "kafka.server:type=ReplicaManager,name=UnderReplicatedPartitions") > 0
                && System.nanoTime() < inSync) {
            Thread.sleep(200);
        }
        assertThat(gauge(cluster, leader, "kafka.server:type=ReplicaManager,name=UnderReplicatedPartitions")).isZero();
        long shrinksBefore = count(cluster, leader, "kafka.server:type=ReplicaManager,name=IsrShrinksPerSec");

        // When a follower stops
        int follower = cluster.nodeIds().stream().filter(n -> n != leader).findFirst().orElseThrow();
        cluster.stop(follower);
        try {
            // Then the leader drops it from the ISR and counts the partition as under-replicated
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (gauge(cluster, leader, "kafka.server:type=ReplicaManager,name=UnderReplicatedPartitions") == 0
                    && System.nanoTime() < deadline) {
                Thread.sleep(200);
            }
            assertThat(gauge(cluster, leader, "kafka.server:type=ReplicaManager,name=UnderReplicatedPartitions")).isPositive();
            assertThat(count(cluster, leader, "kafka.server:type=ReplicaManager,name=IsrShrinksPerSec"))
                    .isGreaterThan(shrinksBefore);
        } finally {
            cluster.restart(follower);
        }
    }

    private static TopicDescription awaitFullIsr(Admin admin, String topic) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (true) {
            try {
                TopicDescription description = admin.describeTopics(List.of(topic)).allTopicNames().get().get(topic);
                if (description.partitions().get(0).leader() != null && description.partitions().get(0).isr().size() == 3) {
                    return description;
                }
            } catch (Exception e) {
                if (System.nanoTime() > deadline) {
                    throw e;
                }
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("ISR of " + topic + " never reached 3 replicas");
            }
            Thread.sleep(100);
        }
    }

    private static MBeanServer mBeans(InProcessCluster cluster, int node) {
        return cluster.broker(node).metrics().mBeanServer();
    }

    private static long gauge(InProcessCluster cluster, int node, String name) throws Exception {
        return ((Number) mBeans(cluster, node).getAttribute(new ObjectName(name), "Value")).longValue();
    }

    private static long count(InProcessCluster cluster, int node, String name) throws Exception {
        return (Long) mBeans(cluster, node).getAttribute(new ObjectName(name), "Count");
    }
}
