package io.dlog.testcontainers;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.junit.jupiter.api.Test;
import org.testcontainers.junit.jupiter.Container;
import org.testcontainers.junit.jupiter.Testcontainers;

/**
 * The DLog image under Testcontainers, with real Kafka clients on the host. Skipped where no Docker daemon runs
 * (the image cannot be built or run there); -Ddlog.image=NAME uses an image built already.
 */
@Testcontainers(disabledWithoutDocker = true)
class DLogContainerTest {
    @Container
    static final DLogContainer DLOG = DLogImage.containers().get().withEnv("KAFKA_NUM_PARTITIONS", "3");

    @Test
    void shouldServeClientsOnTheHostWithSettingsFromTheEnvironment() throws Exception {
        // When
        EmbeddedDLogTest.produce(DLOG.getBootstrapServers(), "from-host", 5);

        // Then: the records come back, and the auto-created topic took KAFKA_NUM_PARTITIONS
        assertThat(EmbeddedDLogTest.consume(DLOG.getBootstrapServers(), "from-host", 5)).hasSize(5);
        try (Admin admin = EmbeddedDLogTest.admin(DLOG.getBootstrapServers())) {
            TopicDescription topic = admin.describeTopics(List.of("from-host")).allTopicNames().get().get("from-host");
            assertThat(topic.partitions()).hasSize(3);
        }
    }

    @Test
    void shouldReportHealthyThroughTheImagesHealthCheck() throws Exception {
        // When: the command the image's HEALTHCHECK runs
        var result = DLOG.execInContainer("dlog", "status", "--health", "--config", DLogContainer.CONFIG_FILE, "--env-config");

        // Then
        assertThat(result.getExitCode()).as(result.getStderr()).isZero();
        assertThat(result.getStdout()).startsWith("node 1 is live in cluster ");
    }

    @Test
    void shouldRunAsTheNonRootUser() throws Exception {
        assertThat(DLOG.execInContainer("id", "-un").getStdout().trim()).isEqualTo("dlog");
    }

    @Test
    void shouldCreateReplicatedTopicsOnlyUpToItsOneNode() throws Exception {
        try (Admin admin = EmbeddedDLogTest.admin(DLOG.getBootstrapServers())) {
            admin.createTopics(List.of(new NewTopic("single", 2, (short) 1))).all().get();
            assertThat(admin.describeCluster().nodes().get()).hasSize(1);
        }
    }
}
