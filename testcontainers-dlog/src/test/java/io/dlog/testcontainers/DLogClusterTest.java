package io.dlog.testcontainers;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.junit.jupiter.api.Test;
import org.testcontainers.junit.jupiter.Container;
import org.testcontainers.junit.jupiter.Testcontainers;

/** Three DLog containers on one network forming a cluster. Skipped where no Docker daemon runs. */
@Testcontainers(disabledWithoutDocker = true)
class DLogClusterTest {
    @Container
    static final DLogCluster CLUSTER = new DLogCluster(DLogImage.containers(), 3);

    @Test
    void shouldReplicateOverTheThreeContainers() throws Exception {
        try (Admin admin = EmbeddedDLogTest.admin(CLUSTER.getBootstrapServers())) {
            // Given
            admin.createTopics(List.of(new NewTopic("replicated", 3, (short) 3))).all().get();

            // When
            EmbeddedDLogTest.produce(CLUSTER.getBootstrapServers(), "replicated", 20);

            // Then
            assertThat(admin.describeCluster().nodes().get()).hasSize(3);
            TopicDescription topic = admin.describeTopics(List.of("replicated")).allTopicNames().get().get("replicated");
            assertThat(topic.partitions()).allSatisfy(partition -> assertThat(partition.isr()).hasSize(3));
        }
        assertThat(EmbeddedDLogTest.consume(CLUSTER.getBootstrapServers(), "replicated", 20)).hasSize(20);
    }
}
