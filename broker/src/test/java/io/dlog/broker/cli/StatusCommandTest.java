package io.dlog.broker.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.dlog.broker.DLogBroker;
import io.dlog.kafka.config.BrokerConfig;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code dlog status} run in-process against a node running in this JVM, over the Kafka protocol. */
class StatusCommandTest {
    @TempDir
    static Path data;

    private static DLogBroker broker;

    @BeforeAll
    static void startNodeWithATopicAndALaggingGroup() throws Exception {
        String listener = "PLAINTEXT://127.0.0.1:" + CliRun.freePort();
        broker = DLogBroker.start(BrokerConfig.parse(Map.of("listeners", listener, "log.dirs", data.toString())));
        Properties props = new Properties();
        props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
        try (Admin admin = Admin.create(props)) {
            admin.createTopics(List.of(new NewTopic("orders", 3, (short) 1))).all().get();
            props.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
            props.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
            try (KafkaProducer<String, String> producer = new KafkaProducer<>(props)) {
                for (int i = 0; i < 10; i++) {
                    producer.send(new ProducerRecord<>("orders", 0, null, "order-" + i)).get();
                }
            }
            // A group that has read 4 of partition 0's 10 records: lag 6.
            admin.alterConsumerGroupOffsets("billing", Map.of(new TopicPartition("orders", 0), new OffsetAndMetadata(4))).all().get();
        }
    }

    @AfterAll
    static void stopNode() {
        if (broker != null) {
            broker.close();
        }
    }

    private static CommandRun status(Map<String, String> environment, String... args) {
        StatusCommand command = new StatusCommand();
        command.options.withEnvironment(environment);
        return CommandRun.run(command, args);
    }

    @Test
    void shouldReportTheClusterWhatEachNodeLeadsItsDiskAndTheGroupsLag() {
        // When
        CommandRun run = status(Map.of(), "--bootstrap-server", broker.bootstrapServers());

        // Then
        assertThat(run.exitCode()).as(run.toString()).isZero();
        assertThat(run.stdout()).contains("cluster id:          " + broker.clusterId())
                .contains("metadata leader:     node 1").contains("live nodes:          1")
                .contains("offline partitions:  0");
        String nodeLine = run.stdout().lines().filter(line -> line.startsWith("1 ")).findFirst().orElseThrow();
        // orders' 3 partitions and the internal topics' (__consumer_offsets, made by the commit): all led by node 1
        assertThat(nodeLine.split("\\s{2,}")).satisfies(columns -> {
            assertThat(columns[1]).isEqualTo(broker.bootstrapServers());
            assertThat(Integer.parseInt(columns[2])).isGreaterThanOrEqualTo(3);
            assertThat(columns[3]).isEqualTo("0");
            assertThat(columns[4]).matches("\\d+(\\.\\d)? (B|KiB|MiB)");
            assertThat(columns[5]).contains(" of ");
            assertThat(columns[6]).isEqualTo(data.toAbsolutePath().toString());
        });
        assertThat(run.stdout().lines()).anyMatch(line -> line.matches("billing\\s+6"));
    }

    @Test
    void shouldReportHealthyWhenTheNodeTheConfigDescribesIsLive() {
        // Given: the node as a container describes it, listening on every address
        Map<String, String> env = Map.of("KAFKA_NODE_ID", "1",
                "KAFKA_LISTENERS", "PLAINTEXT://0.0.0.0:" + broker.port());

        // When
        CommandRun run = status(env, "--health", "--env-config");

        // Then
        assertThat(run.exitCode()).as(run.toString()).isZero();
        assertThat(run.stdout().lines().toList()).containsExactly("node 1 is live in cluster " + broker.clusterId()
                + " (1 live nodes, metadata leader: node 1)");
    }

    @Test
    void shouldExitOneWhenTheConfiguredNodeIsNotLive() {
        // When: node 2's config, pointed at node 1's port
        CommandRun run = status(Map.of(), "--health", "-o", "node.id=2",
                "-o", "listeners=PLAINTEXT://127.0.0.1:" + broker.port());

        // Then
        assertThat(run.exitCode()).isEqualTo(1);
        assertThat(run.stderrLines()).containsExactly("dlog: node 2 is not among the live nodes of cluster " + broker.clusterId());
    }

    @Test
    void shouldExitOneWithOneLineWhenNoNodeAnswers() throws Exception {
        // Given
        String nobody = "127.0.0.1:" + CliRun.freePort();

        // When
        CommandRun run = status(Map.of(), "--bootstrap-server", nobody, "--timeout", "2");

        // Then
        assertThat(run.exitCode()).isEqualTo(1);
        assertThat(run.stderrLines()).containsExactly("dlog: no answer from " + nobody + " within 2 s: is a DLog node running there?");
        assertThat(run.hasStackTrace()).isFalse();
    }

    @Test
    void shouldExitTwoWhenHealthHasNoNodeToCheck() {
        // When
        CommandRun run = status(Map.of(), "--health", "--bootstrap-server", broker.bootstrapServers());

        // Then
        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.stderrLines()).singleElement().asString().contains("--health");
    }
}
