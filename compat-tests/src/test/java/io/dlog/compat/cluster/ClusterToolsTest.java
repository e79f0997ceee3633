package io.dlog.compat.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import io.dlog.compat.tools.ChildJvm;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.common.config.ConfigResource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Kafka's own command-line tools (4.3.1, run as users run them) against a three-node DLog cluster:
 * kafka-topics creates a topic with three replicas through one node and describes it through another,
 * kafka-configs sets a config through one node that another reports (a topic's, and a group's that a
 * restarted node still reports), kafka-metadata-quorum describes the metadata group.
 */
class ClusterToolsTest {
    @RegisterExtension
    static final DLogClusterExtension CLUSTER = DLogClusterExtension.inProcess(3);

    private static final Duration TIMEOUT = Duration.ofSeconds(90);

    @Test
    void shouldCreateWithThreeReplicasThroughOneNodeAndDescribeThroughAnother(DLogCluster cluster) throws Exception {
        String topic = "tools-" + UUID.randomUUID().toString().substring(0, 8);

        ChildJvm.Result created = ChildJvm.run(TIMEOUT, "org.apache.kafka.tools.TopicCommand", "--bootstrap-server",
                cluster.bootstrapServers(1), "--create", "--topic", topic, "--partitions", "3", "--replication-factor", "3");
        ChildJvm.Result described = ChildJvm.run(TIMEOUT, "org.apache.kafka.tools.TopicCommand", "--bootstrap-server",
                cluster.bootstrapServers(2), "--describe", "--topic", topic);

        assertThat(created.exitCode()).as(created.toString()).isZero();
        assertThat(described.exitCode()).as(described.toString()).isZero();
        assertThat(described.stdout()).contains("ReplicationFactor: 3").contains("PartitionCount: 3");
        List<String> partitionLines = described.stdoutLines().stream().filter(l -> l.contains("Partition: ")).toList();
        assertThat(partitionLines).hasSize(3).allSatisfy(line -> assertThat(line).containsPattern("Replicas: \\d,\\d,\\d"));
    }

    @Test
    void shouldShowAConfigSetThroughOneNodeWhenAskedThroughAnother(DLogCluster cluster) throws Exception {
        String topic = CLUSTER.newTopic(1, 3);

        ChildJvm.Result altered = ChildJvm.run(TIMEOUT, "kafka.admin.ConfigCommand", "--bootstrap-server",
                cluster.bootstrapServers(3), "--alter", "--entity-type", "topics", "--entity-name", topic,
                "--add-config", "retention.ms=7200000");
        ChildJvm.Result described = ChildJvm.run(TIMEOUT, "kafka.admin.ConfigCommand", "--bootstrap-server",
                cluster.bootstrapServers(1), "--describe", "--entity-type", "topics", "--entity-name", topic);

        assertThat(altered.exitCode()).as(altered.toString()).isZero();
        assertThat(described.exitCode()).as(described.toString()).isZero();
        assertThat(described.stdout()).contains("retention.ms=7200000");
    }

    @Test
    void shouldKeepAGroupConfigSetThroughOneNodeOnEveryNodeAndAcrossARestart(DLogCluster cluster) throws Exception {
        String group = "cfg-" + UUID.randomUUID().toString().substring(0, 8);
        ConfigResource resource = new ConfigResource(ConfigResource.Type.GROUP, group);

        ChildJvm.Result altered = ChildJvm.run(TIMEOUT, "kafka.admin.ConfigCommand", "--bootstrap-server",
                cluster.bootstrapServers(3), "--alter", "--entity-type", "groups", "--entity-name", group,
                "--add-config", "share.auto.offset.reset=earliest");
        assertThat(altered.exitCode()).as(altered.toString()).isZero();
        assertThat(groupConfig(cluster, 1, resource)).isEqualTo("earliest");

        cluster.restart(2);
        cluster.awaitFormed();
        assertThat(groupConfig(cluster, 2, resource)).isEqualTo("earliest");
    }

    /** share.auto.offset.reset of the group as node {@code nodeId} describes it (once its image has it). */
    private static String groupConfig(DLogCluster cluster, int nodeId, ConfigResource resource) throws Exception {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, cluster.bootstrapServers(nodeId)))) {
            long deadline = System.nanoTime() + TIMEOUT.toNanos();
            String value;
            do {
                value = admin.describeConfigs(List.of(resource)).all().get(30, TimeUnit.SECONDS).get(resource)
                        .get("share.auto.offset.reset").value();
                if (!"earliest".equals(value)) {
                    Thread.sleep(100);
                }
            } while (!"earliest".equals(value) && System.nanoTime() < deadline);
            return value;
        }
    }

    @Test
    void shouldDescribeTheMetadataQuorumWithKafkaMetadataQuorum(DLogCluster cluster) throws Exception {
        ChildJvm.Result status = ChildJvm.run(TIMEOUT, "org.apache.kafka.tools.MetadataQuorumCommand", "--bootstrap-server",
                cluster.bootstrapServers(2), "describe", "--status");
        ChildJvm.Result replication = ChildJvm.run(TIMEOUT, "org.apache.kafka.tools.MetadataQuorumCommand",
                "--bootstrap-server", cluster.bootstrapServers(3), "describe", "--replication");

        assertThat(status.exitCode()).as(status.toString()).isZero();
        assertThat(status.stdout()).containsPattern("LeaderId:\\s+[123]").contains("ClusterId:").contains("CurrentVoters:")
                .contains("\"id\": 1", "\"id\": 2", "\"id\": 3").contains("CurrentObservers:       []");
        assertThat(replication.exitCode()).as(replication.toString()).isZero();
        assertThat(replication.stdout()).contains("Leader").contains("Follower");
    }
}
