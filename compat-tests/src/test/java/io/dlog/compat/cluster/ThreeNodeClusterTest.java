package io.dlog.compat.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Properties;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.TopicPartitionInfo;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The harness with three in-process nodes: they form one cluster that every node describes the same way. */
class ThreeNodeClusterTest {
    @RegisterExtension
    static final DLogClusterExtension CLUSTER = DLogClusterExtension.inProcess(3);

    @Test
    void shouldShowATopicCreatedThroughOneNodeWithThreeReplicasOnEveryNode(InProcessCluster cluster) throws Exception {
        // Given
        String topic;
        try (Admin admin = adminOf(cluster, 1)) {
            topic = "rf3-" + System.nanoTime();
            admin.createTopics(List.of(new org.apache.kafka.clients.admin.NewTopic(topic, 2, (short) 3))).all().get();
        }

        // Then
        for (int nodeId : cluster.nodeIds()) {
            try (Admin admin = adminOf(cluster, nodeId)) {
                TopicDescription description = awaitTopic(admin, topic);
                assertThat(description.partitions()).hasSize(2);
                for (TopicPartitionInfo partition : description.partitions()) {
                    assertThat(partition.replicas()).extracting(n -> n.id()).containsExactlyInAnyOrder(1, 2, 3);
                }
            }
        }
    }

    @Test
    void shouldRejoinAfterANodeIsStoppedAndRestarted(InProcessCluster cluster) throws Exception {
        // When
        cluster.stop(3);
        String topic = CLUSTER.newTopic(1, 2);
        cluster.restart(3);

        // Then: the node formed again with the others and learned what changed while it was down
        cluster.awaitFormed();
        try (Admin admin = adminOf(cluster, 3)) {
            assertThat(awaitTopic(admin, topic).partitions()).hasSize(1);
        }
    }

    static Admin adminOf(DLogCluster cluster, int nodeId) {
        Properties props = new Properties();
        props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, cluster.bootstrapServers(nodeId));
        return Admin.create(props);
    }

    /** Metadata reaches a node when it applies the image; wait for that rather than for a fixed time. */
    static TopicDescription awaitTopic(Admin admin, String topic) throws Exception {
        long deadline = System.nanoTime() + DLogCluster.FORM_TIMEOUT.toNanos();
        while (true) {
            try {
                return admin.describeTopics(List.of(topic)).allTopicNames().get().get(topic);
            } catch (java.util.concurrent.ExecutionException e) {
                if (System.nanoTime() - deadline > 0) {
                    throw e;
                }
                Thread.sleep(100);
            }
        }
    }

}
