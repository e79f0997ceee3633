package io.dlog.compat.tools;

import static org.assertj.core.api.Assertions.assertThat;

import io.dlog.compat.DLogBrokerExtension;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.TopicDescription;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Kafka's kafka-topics (org.apache.kafka.tools.TopicCommand 4.3.1) against DLog, run as users run it. */
class TopicCommandTest {
    @RegisterExtension
    static final DLogBrokerExtension DLOG = new DLogBrokerExtension();

    private static final String TOPIC_COMMAND = "org.apache.kafka.tools.TopicCommand";
    private static final Duration TIMEOUT = Duration.ofSeconds(60);

    @Test
    void shouldCreateATopicWithKafkaTopics() throws Exception {
        // Given
        String topic = uniqueName();

        // When
        ChildJvm.Result result = topics("--create", "--topic", topic, "--partitions", "3", "--replication-factor", "1",
                "--config", "retention.ms=3600000");

        // Then
        assertThat(result.exitCode()).as(result.toString()).isZero();
        assertThat(result.stdout()).contains("Created topic " + topic + ".");
        assertThat(describe(topic).partitions()).hasSize(3);
    }

    @Test
    void shouldListTopicsWithKafkaTopics() throws Exception {
        // Given
        String first = DLOG.newTopic(1);
        String second = DLOG.newTopic(2);

        // When
        ChildJvm.Result result = topics("--list");

        // Then
        assertThat(result.exitCode()).as(result.toString()).isZero();
        assertThat(result.stdoutLines()).contains(first, second);
    }

    @Test
    void shouldDescribeATopicWithKafkaTopics() throws Exception {
        // Given
        String topic = DLOG.newTopic(2);

        // When
        ChildJvm.Result result = topics("--describe", "--topic", topic);

        // Then
        assertThat(result.exitCode()).as(result.toString()).isZero();
        assertThat(result.stdout()).contains("Topic: " + topic).contains("PartitionCount: 2").contains("ReplicationFactor: 1");
        assertThat(result.stdoutLines().stream().filter(line -> line.contains("Partition: "))).hasSize(2);
        assertThat(result.stdout()).contains("Partition: 0").contains("Partition: 1").contains("Leader: ");
    }

    @Test
    void shouldAddPartitionsWithKafkaTopicsAlter() throws Exception {
        // Given
        String topic = DLOG.newTopic(2);

        // When
        ChildJvm.Result result = topics("--alter", "--topic", topic, "--partitions", "5");

        // Then
        assertThat(result.exitCode()).as(result.toString()).isZero();
        assertThat(describe(topic).partitions()).hasSize(5);
    }

    @Test
    void shouldDeleteATopicWithKafkaTopics() throws Exception {
        // Given
        String topic = DLOG.newTopic(1);

        // When
        ChildJvm.Result result = topics("--delete", "--topic", topic);

        // Then
        assertThat(result.exitCode()).as(result.toString()).isZero();
        try (Admin admin = DLOG.admin()) {
            assertThat(admin.listTopics().names().get(30, TimeUnit.SECONDS)).doesNotContain(topic);
        }
    }

    @Test
    void shouldFailToCreateATopicThatExists() throws Exception {
        // Given
        String topic = DLOG.newTopic(1);

        // When
        ChildJvm.Result result = topics("--create", "--topic", topic, "--partitions", "1");

        // Then
        assertThat(result.exitCode()).as(result.toString()).isEqualTo(1);
        assertThat(result.stdout() + result.stderr()).contains("already exists");
    }

    private static ChildJvm.Result topics(String... args) throws Exception {
        String[] all = new String[args.length + 2];
        all[0] = "--bootstrap-server";
        all[1] = DLOG.bootstrapServers();
        System.arraycopy(args, 0, all, 2, args.length);
        return ChildJvm.run(TIMEOUT, TOPIC_COMMAND, all);
    }

    private static TopicDescription describe(String topic) throws Exception {
        try (Admin admin = DLOG.admin()) {
            return admin.describeTopics(List.of(topic)).allTopicNames().get(30, TimeUnit.SECONDS).get(topic);
        }
    }

    private static String uniqueName() {
        return "tool-" + UUID.randomUUID().toString().substring(0, 8);
    }
}
