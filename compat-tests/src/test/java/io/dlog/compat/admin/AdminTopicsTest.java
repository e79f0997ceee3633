package io.dlog.compat.admin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dlog.compat.DLogBrokerExtension;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.CreatePartitionsOptions;
import org.apache.kafka.clients.admin.CreateTopicsOptions;
import org.apache.kafka.clients.admin.CreateTopicsResult;
import org.apache.kafka.clients.admin.NewPartitions;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.TopicCollection;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.errors.InvalidConfigurationException;
import org.apache.kafka.common.errors.InvalidPartitionsException;
import org.apache.kafka.common.errors.InvalidReplicaAssignmentException;
import org.apache.kafka.common.errors.InvalidReplicationFactorException;
import org.apache.kafka.common.errors.InvalidTopicException;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.errors.UnknownTopicIdException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** CreateTopics, DeleteTopics and CreatePartitions through the real Kafka 4.x Admin client. */
class AdminTopicsTest {
    @RegisterExtension
    static final DLogBrokerExtension DLOG = new DLogBrokerExtension().with("num.partitions", "2");

    private Admin admin;

    @BeforeEach
    void setUp() {
        admin = DLOG.admin();
    }

    @AfterEach
    void tearDown() {
        admin.close();
    }

    @Test
    void shouldCreateTopicAndReportIdPartitionsAndConfigs() throws Exception {
        // Given
        String name = unique();

        // When
        CreateTopicsResult result = admin.createTopics(List.of(new NewTopic(name, 3, (short) 1)
                .configs(Map.of("cleanup.policy", "compact", "retention.ms", "3600000"))));

        // Then
        assertThat(result.numPartitions(name).get(30, TimeUnit.SECONDS)).isEqualTo(3);
        assertThat(result.replicationFactor(name).get()).isEqualTo(1);
        assertThat(result.topicId(name).get()).isNotEqualTo(Uuid.ZERO_UUID);
        assertThat(result.config(name).get().get("cleanup.policy").value()).isEqualTo("compact");
        assertThat(result.config(name).get().get("retention.ms").value()).isEqualTo("3600000");
        assertThat(admin.listTopics().names().get()).contains(name);
    }

    @Test
    void shouldUseBrokerDefaultsWhenTheTopicNamesNone() throws Exception {
        String name = unique();

        CreateTopicsResult result = admin.createTopics(List.of(new NewTopic(name, Optional.empty(), Optional.empty())));

        assertThat(result.numPartitions(name).get(30, TimeUnit.SECONDS)).isEqualTo(2);
        assertThat(result.replicationFactor(name).get()).isEqualTo(1);
    }

    @Test
    void shouldValidateOnlyWithoutCreating() throws Exception {
        String name = unique();

        CreateTopicsResult result = admin.createTopics(List.of(new NewTopic(name, 4, (short) 1)),
                new CreateTopicsOptions().validateOnly(true));

        assertThat(result.numPartitions(name).get(30, TimeUnit.SECONDS)).isEqualTo(4);
        assertThat(admin.listTopics().names().get()).doesNotContain(name);
    }

    @Test
    void shouldRefuseBadCreationsWithKafkasExceptions() {
        String existing = DLOG.newTopic(1);

        assertCause(admin.createTopics(List.of(new NewTopic(existing, 1, (short) 1))).all(), TopicExistsException.class);
        assertCause(admin.createTopics(List.of(new NewTopic(unique(), 1, (short) 3))).all(),
                InvalidReplicationFactorException.class, "cannot be reached because only 1 broker(s) are registered");
        assertCause(admin.createTopics(List.of(new NewTopic(unique(), 1, (short) 1)
                .configs(Map.of("retention.ms", "soon")))).all(), InvalidConfigurationException.class, "retention.ms");
        assertCause(admin.createTopics(List.of(new NewTopic(unique(), 1, (short) 1)
                .configs(Map.of("no.such.config", "1")))).all(), InvalidConfigurationException.class, "no.such.config");
        assertCause(admin.createTopics(List.of(new NewTopic(unique(), 0, (short) 1))).all(), InvalidPartitionsException.class);
        assertCause(admin.createTopics(List.of(new NewTopic("bad name!", 1, (short) 1))).all(), InvalidTopicException.class);
    }

    @Test
    void shouldHonourSingleReplicaAssignmentsOnThisNodeOnly() throws Exception {
        String assigned = unique();
        int node = DLOG.broker().config().nodeId();

        CreateTopicsResult ok = admin.createTopics(List.of(new NewTopic(assigned, Map.of(0, List.of(node), 1, List.of(node)))));

        assertThat(ok.numPartitions(assigned).get(30, TimeUnit.SECONDS)).isEqualTo(2);
        assertCause(admin.createTopics(List.of(new NewTopic(unique(), Map.of(0, List.of(node + 1))))).all(),
                InvalidReplicaAssignmentException.class);
        assertCause(admin.createTopics(List.of(new NewTopic(unique(), Map.of(0, List.of(node, node + 1))))).all(),
                InvalidReplicaAssignmentException.class);
    }

    @Test
    void shouldDeleteTopicsByNameAndById() throws Exception {
        String byName = DLOG.newTopic(1);
        String byIdName = DLOG.newTopic(2);
        Uuid id = admin.describeTopics(List.of(byIdName)).allTopicNames().get(30, TimeUnit.SECONDS).get(byIdName).topicId();

        admin.deleteTopics(TopicCollection.ofTopicNames(List.of(byName))).all().get(30, TimeUnit.SECONDS);
        admin.deleteTopics(TopicCollection.ofTopicIds(List.of(id))).all().get(30, TimeUnit.SECONDS);

        Set<String> names = admin.listTopics().names().get();
        assertThat(names).doesNotContain(byName, byIdName);
        assertCause(admin.deleteTopics(List.of(byName)).all(), UnknownTopicOrPartitionException.class);
        assertCause(admin.deleteTopics(TopicCollection.ofTopicIds(List.of(Uuid.randomUuid()))).all(),
                UnknownTopicIdException.class);
    }

    @Test
    void shouldIncreasePartitionsOnly() throws Exception {
        String name = DLOG.newTopic(2);

        admin.createPartitions(Map.of(name, NewPartitions.increaseTo(3)), new CreatePartitionsOptions().validateOnly(true))
                .all().get(30, TimeUnit.SECONDS);
        assertThat(partitions(name)).isEqualTo(2);
        admin.createPartitions(Map.of(name, NewPartitions.increaseTo(5))).all().get(30, TimeUnit.SECONDS);
        assertThat(partitions(name)).isEqualTo(5);

        assertCause(admin.createPartitions(Map.of(name, NewPartitions.increaseTo(4))).all(),
                InvalidPartitionsException.class, "would not be an increase");
        assertCause(admin.createPartitions(Map.of(name, NewPartitions.increaseTo(5))).all(), InvalidPartitionsException.class);
        assertCause(admin.createPartitions(Map.of(name, NewPartitions.increaseTo(6, List.of(List.of(99))))).all(),
                InvalidReplicaAssignmentException.class);
        assertCause(admin.createPartitions(Map.of(unique(), NewPartitions.increaseTo(6))).all(),
                UnknownTopicOrPartitionException.class);
    }

    private int partitions(String name) throws Exception {
        return admin.describeTopics(List.of(name)).allTopicNames().get(30, TimeUnit.SECONDS).get(name).partitions().size();
    }

    static String unique() {
        return "admin-" + UUID.randomUUID().toString().substring(0, 8);
    }

    static void assertCause(org.apache.kafka.common.KafkaFuture<?> future, Class<? extends Throwable> type, String... messageParts) {
        assertThatThrownBy(() -> future.get(30, TimeUnit.SECONDS))
                .isInstanceOf(ExecutionException.class)
                .cause().isInstanceOf(type)
                .satisfies(cause -> {
                    for (String part : messageParts) {
                        assertThat(cause.getMessage()).contains(part);
                    }
                });
    }
}
