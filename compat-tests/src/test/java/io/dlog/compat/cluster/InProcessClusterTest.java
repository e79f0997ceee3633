package io.dlog.compat.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dlog.compat.clients.Clients;
import io.dlog.kafka.config.BrokerConfig;
import java.io.IOException;
import java.io.Reader;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.List;
import java.util.Properties;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The in-process harness with one node: what every cluster test relies on (config, clients, stop and restart). */
class InProcessClusterTest {
    @RegisterExtension
    static final DLogClusterExtension CLUSTER = DLogClusterExtension.inProcess(1).with("num.partitions", "2");

    @Test
    void shouldWriteTheNodesServerPropertiesAndKeepItsDataInItsOwnFolder(InProcessCluster cluster) throws IOException {
        // When
        Properties written = new Properties();
        try (Reader reader = Files.newBufferedReader(cluster.layout().node(1).configFile(), StandardCharsets.UTF_8)) {
            written.load(reader);
        }

        // Then
        assertThat(written).containsEntry("node.id", "1").containsEntry("num.partitions", "2")
                .containsEntry("log.dirs", cluster.dataDir(1).toString())
                .containsEntry("controller.quorum.voters", "1@127.0.0.1:" + cluster.layout().node(1).controllerPort());
        BrokerConfig running = cluster.broker(1).config();
        assertThat(running.dataDir()).isEqualTo(cluster.dataDir(1));
        assertThat(running.numPartitions()).isEqualTo(2);
        assertThat(cluster.dataDir(1)).startsWith(cluster.root()).isNotEmptyDirectory();
    }

    @Test
    void shouldServeKafkaClientsAsOneFormedCluster(DLogCluster cluster) throws Exception {
        // Given
        String topic = CLUSTER.newTopic(1, 1);

        // When
        try (KafkaProducer<String, String> producer = Clients.stringProducer(cluster.bootstrapServers())) {
            producer.send(new ProducerRecord<>(topic, "k", "v")).get();
        }

        // Then
        try (Admin admin = cluster.admin()) {
            assertThat(admin.describeCluster().nodes().get()).extracting(Node::id).containsExactly(1);
        }
        try (KafkaConsumer<String, String> consumer = Clients.stringConsumer(cluster.bootstrapServers())) {
            assertThat(Clients.readFromBeginning(consumer, List.of(new TopicPartition(topic, 0)), 1))
                    .extracting(r -> r.value()).containsExactly("v");
        }
    }

    @Test
    void shouldStopANodeAndRestartItOnTheSameFolderAndPort(InProcessCluster cluster) throws Exception {
        // Given
        String topic = CLUSTER.newTopic(2, 1);
        int port = cluster.layout().node(1).port();

        // When
        cluster.stop(1);

        // Then
        assertThat(cluster.isRunning(1)).isFalse();
        assertThat(cluster.runningNodeIds()).isEmpty();
        assertThatThrownBy(() -> connect(port)).isInstanceOf(IOException.class);
        assertThatThrownBy(() -> cluster.broker(1)).isInstanceOf(IllegalStateException.class);

        // When
        cluster.restart(1);
        cluster.awaitFormed();

        // Then
        assertThat(cluster.broker(1).port()).isEqualTo(port);
        try (Admin admin = cluster.admin()) {
            assertThat(admin.listTopics().names().get()).contains(topic);
        }
    }

    private static void connect(int port) throws IOException {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", port), 1000);
        }
    }
}
