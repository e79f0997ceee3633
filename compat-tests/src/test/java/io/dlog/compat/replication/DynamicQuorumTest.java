package io.dlog.compat.replication;

import static org.assertj.core.api.Assertions.assertThat;

import io.dlog.broker.cli.ClusterLayout;
import io.dlog.broker.cli.DLogCli;
import io.dlog.compat.cluster.ProcessCluster;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.StringJoiner;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.QuorumInfo;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Three child-JVM nodes set up as Kafka 4's docs set up a dynamic quorum (KIP-853): each node lists the controllers in
 * {@code controller.quorum.bootstrap.servers}, with no {@code controller.quorum.voters}, and its folder is formatted
 * with {@code dlog format --cluster-id ... --initial-controllers id@host:port:dirid,...} (Kafka's {@code kafka-storage
 * format} options). The cluster forms with the formatted id and voters, and an acks=all topic at RF 3 keeps every
 * acknowledged write across a kill -9 of the metadata leader.
 */
class DynamicQuorumTest {
    private static final String CLUSTER_ID = "3a_6n_Z1Suq8aBpAQJHsDg";
    private static final String[] DIRECTORY_IDS = {"A-STU-AqDhuaHQwf_29dCg", "e9EVwd_sj1MmQToMLT1-dw", "fZlVQXst8zUdCMXXedvoBA"};
    private static final String TOPIC = "dynamic";
    private ProcessCluster cluster;

    @AfterEach
    void close() {
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    void shouldFormFromFormattedFoldersAndKeepEveryAcknowledgedWriteWhenTheMetadataLeaderDies() throws Exception {
        // Given
        cluster = ProcessCluster.start(3, Map.of(), DynamicQuorumTest::formatAsADynamicQuorum);
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, cluster.bootstrapServers()))) {
            QuorumInfo quorum = admin.describeMetadataQuorum().quorumInfo().get(30, TimeUnit.SECONDS);
            assertThat(quorum.voters()).extracting(QuorumInfo.ReplicaState::replicaId).containsExactlyInAnyOrder(1, 2, 3);
            assertThat(admin.describeCluster().clusterId().get(30, TimeUnit.SECONDS)).isEqualTo(CLUSTER_ID);
            cluster.createTopic(new NewTopic(TOPIC, 1, (short) 3).configs(Map.of("min.insync.replicas", "2")));
            List<String> sent = new ArrayList<>();
            try (KafkaProducer<String, String> producer = AcksAllProducer.create(cluster.bootstrapServers())) {
                send(producer, sent, 0, 200);

                // When
                cluster.kill(quorum.leaderId());
                send(producer, sent, 200, 400);
            }
            cluster.restart(quorum.leaderId());
            cluster.awaitFormed();

            // Then
            assertThat(PartitionReader.readToEnd(cluster.bootstrapServers(), TOPIC)).containsExactlyElementsOf(sent);
        }
    }

    /** Each node's config as Kafka 4's docs write a dynamic quorum's, and its folder formatted with dlog format. */
    private static void formatAsADynamicQuorum(ProcessCluster cluster) {
        ClusterLayout layout = cluster.layout();
        StringJoiner bootstrap = new StringJoiner(",");
        StringJoiner initial = new StringJoiner(",");
        for (int id : cluster.nodeIds()) {
            ClusterLayout.Node node = layout.node(id);
            bootstrap.add(node.host() + ":" + node.controllerPort());
            initial.add(id + "@" + node.host() + ":" + node.controllerPort() + ":" + DIRECTORY_IDS[id - 1]);
        }
        for (int id : cluster.nodeIds()) {
            cluster.setNodeConfig(id, "controller.quorum.bootstrap.servers", bootstrap.toString());
            try {
                ClusterLayout.writeProperties(layout.node(id).configFile(), cluster.nodeConfig(id), "node " + id);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            int exit = DLogCli.commandLine().execute("format", "--cluster-id", CLUSTER_ID,
                    "--config", layout.node(id).configFile().toString(), "--initial-controllers", initial.toString());
            assertThat(exit).as("dlog format of node " + id).isZero();
        }
    }

    /** Sends values from..to-1 one at a time, each acknowledged before the next. */
    private static void send(KafkaProducer<String, String> producer, List<String> sent, int from, int to) throws Exception {
        for (int i = from; i < to; i++) {
            String value = "v" + i;
            producer.send(new ProducerRecord<>(TOPIC, 0, null, value)).get(120, TimeUnit.SECONDS);
            sent.add(value);
        }
    }
}
