package io.dlog.compat.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dlog.compat.DLogBrokerExtension;
import io.dlog.compat.tools.ChildJvm;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Properties;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.acl.AccessControlEntry;
import org.apache.kafka.common.acl.AccessControlEntryFilter;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclBindingFilter;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.acl.AclPermissionType;
import org.apache.kafka.common.config.SaslConfigs;
import org.apache.kafka.common.errors.GroupAuthorizationException;
import org.apache.kafka.common.errors.InvalidRequestException;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.apache.kafka.common.errors.TransactionalIdAuthorizationException;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourcePattern;
import org.apache.kafka.common.resource.ResourcePatternFilter;
import org.apache.kafka.common.resource.ResourceType;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * ACLs with Kafka's StandardAuthorizer settings: users authenticate with PLAIN; User:admin and the
 * PLAINTEXT listener's ANONYMOUS are super users; ACLs set with Kafka's Admin API and kafka-acls allow
 * and deny produce, consume, group membership, topic creation and transactional ids.
 *
 * <p>The tests share one broker and ACLs outlive a test, so a grant wider than a test's own fresh names (a
 * cluster-wide CREATE) goes to a user no other test uses: bob's CREATE on the cluster once let the broker
 * create the streams test's internal topics before that test granted CREATE (the tests run in JUnit's
 * method-name order, which put the cluster grant first).
 */
class AclAuthorizationTest {
    private static final String USERS = "org.apache.kafka.common.security.plain.PlainLoginModule required "
            + "user_admin=\"admin-secret\" user_alice=\"alice-secret\" user_bob=\"bob-secret\" user_carol=\"carol-secret\" "
            + "user_dave=\"dave-secret\" user_erin=\"erin-secret\";";

    @RegisterExtension
    static final DLogBrokerExtension DLOG = new DLogBrokerExtension()
            .withListeners("PLAINTEXT", "SASL_PLAINTEXT")
            .with("sasl.enabled.mechanisms", "PLAIN")
            .with("listener.name.sasl_plaintext.plain.sasl.jaas.config", USERS)
            .with("authorizer.class.name", "org.apache.kafka.metadata.authorizer.StandardAuthorizer")
            .with("super.users", "User:admin;User:ANONYMOUS")
            .with("allow.everyone.if.no.acl.found", "false")
            .with("group.streams.heartbeat.interval.ms", "500");

    @Test
    void shouldRefuseProduceUntilKafkaAclsAllowsWriteOnATopicPrefix() throws Exception {
        // Given
        String prefix = "orders-" + UUID.randomUUID().toString().substring(0, 6);
        String topic = prefix + "-eu";
        createTopic(topic);

        // When / Then: no ACL at all, allow.everyone.if.no.acl.found=false
        assertThatThrownBy(() -> produce(user("alice"), topic, "refused")).hasCauseInstanceOf(TopicAuthorizationException.class);

        ChildJvm.Result added = ChildJvm.run(Duration.ofSeconds(60), "org.apache.kafka.tools.AclCommand", "--bootstrap-server",
                DLOG.bootstrapServers(), "--add", "--allow-principal", "User:alice", "--operation", "Write", "--operation", "Describe",
                "--topic", prefix, "--resource-pattern-type", "prefixed");
        assertThat(added.exitCode()).as(added.toString()).isZero();
        produce(user("alice"), topic, "allowed");
        assertThatThrownBy(() -> produce(user("bob"), topic, "refused")).hasCauseInstanceOf(TopicAuthorizationException.class);

        ChildJvm.Result listed = ChildJvm.run(Duration.ofSeconds(60), "org.apache.kafka.tools.AclCommand", "--bootstrap-server",
                DLOG.bootstrapServers(), "--list", "--topic", prefix, "--resource-pattern-type", "prefixed");
        assertThat(listed.stdout()).as(listed.toString()).contains("User:alice").contains("WRITE").contains("PREFIXED");
    }

    @Test
    void shouldConsumeInAGroupOnlyWithReadOnTheTopicAndTheGroup() throws Exception {
        // Given
        String topic = "reads-" + UUID.randomUUID().toString().substring(0, 6);
        String group = "g-" + UUID.randomUUID().toString().substring(0, 6);
        createTopic(topic);
        produce(DLOG.clientProps(), topic, "v1");
        allow("bob", ResourceType.TOPIC, topic, PatternType.LITERAL, AclOperation.READ);

        // Then: READ on the topic but not on the group
        assertThatThrownBy(() -> consume(user("bob"), topic, group)).isInstanceOf(GroupAuthorizationException.class);

        allow("bob", ResourceType.GROUP, group, PatternType.LITERAL, AclOperation.READ);
        assertThat(consume(user("bob"), topic, group)).containsExactly("v1");
    }

    @Test
    void shouldHideTopicsWithoutDescribeFromListings() throws Exception {
        String visible = "seen-" + UUID.randomUUID().toString().substring(0, 6);
        String hidden = "unseen-" + UUID.randomUUID().toString().substring(0, 6);
        createTopic(visible);
        createTopic(hidden);
        allow("bob", ResourceType.TOPIC, visible, PatternType.LITERAL, AclOperation.DESCRIBE);

        try (Admin bob = Admin.create(user("bob"))) {
            Set<String> names = bob.listTopics().names().get(30, TimeUnit.SECONDS);
            assertThat(names).contains(visible).doesNotContain(hidden);
            assertThatThrownBy(() -> bob.describeTopics(List.of(hidden)).allTopicNames().get(30, TimeUnit.SECONDS))
                    .hasCauseInstanceOf(TopicAuthorizationException.class);
        }
    }

    @Test
    void shouldCreateTopicsOnlyWithCreateAndLetADenyWinOverAnAllow() throws Exception {
        String prefix = "made" + UUID.randomUUID().toString().substring(0, 6) + "-";
        try (Admin alice = Admin.create(user("alice"))) {
            assertThatThrownBy(() -> alice.createTopics(List.of(new NewTopic(prefix + "a", 1, (short) 1))).all().get(30, TimeUnit.SECONDS))
                    .hasCauseInstanceOf(TopicAuthorizationException.class);

            allow("alice", ResourceType.TOPIC, prefix, PatternType.PREFIXED, AclOperation.CREATE);
            alice.createTopics(List.of(new NewTopic(prefix + "a", 1, (short) 1))).all().get(30, TimeUnit.SECONDS);

            acl(new AclBinding(new ResourcePattern(ResourceType.TOPIC, prefix + "denied-", PatternType.PREFIXED),
                    new AccessControlEntry("User:alice", "*", AclOperation.CREATE, AclPermissionType.DENY)));
            assertThatThrownBy(() -> alice.createTopics(List.of(new NewTopic(prefix + "denied-b", 1, (short) 1))).all()
                    .get(30, TimeUnit.SECONDS)).hasCauseInstanceOf(TopicAuthorizationException.class);
        }
    }

    @Test
    void shouldCreateAnyTopicWithCreateOnTheCluster() throws Exception {
        // dave only: CREATE on the cluster would let him create any topic in every other test
        allow("dave", ResourceType.CLUSTER, "kafka-cluster", PatternType.LITERAL, AclOperation.CREATE);
        String name = "daves-" + UUID.randomUUID().toString().substring(0, 6);
        try (Admin dave = Admin.create(user("dave"))) {
            dave.createTopics(List.of(new NewTopic(name, 1, (short) 1))).all().get(30, TimeUnit.SECONDS);
        }
        try (Admin admin = DLOG.admin()) {
            assertThat(admin.listTopics().names().get(30, TimeUnit.SECONDS)).contains(name);
        }
    }

    @Test
    void shouldNeedWriteOnTheTransactionalId() throws Exception {
        // Given
        String topic = "txn-" + UUID.randomUUID().toString().substring(0, 6);
        String transactionalId = "tx-" + UUID.randomUUID().toString().substring(0, 6);
        createTopic(topic);
        allow("alice", ResourceType.TOPIC, topic, PatternType.LITERAL, AclOperation.WRITE);
        Properties props = user("alice");
        props.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, transactionalId);

        // Then
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(props, new StringSerializer(), new StringSerializer())) {
            assertThatThrownBy(producer::initTransactions).isInstanceOf(TransactionalIdAuthorizationException.class);
        }
        allow("alice", ResourceType.TRANSACTIONAL_ID, transactionalId, PatternType.LITERAL, AclOperation.WRITE);
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(props, new StringSerializer(), new StringSerializer())) {
            producer.initTransactions();
            producer.beginTransaction();
            producer.send(new ProducerRecord<>(topic, "in-txn")).get(30, TimeUnit.SECONDS);
            producer.commitTransaction();
        }
    }

    @Test
    void shouldCreateDescribeAndDeleteAclsWithKafkasValidation() throws Exception {
        // Given
        String topic = "acl-" + UUID.randomUUID().toString().substring(0, 6);
        AclBinding binding = new AclBinding(new ResourcePattern(ResourceType.TOPIC, topic, PatternType.LITERAL),
                new AccessControlEntry("User:carol", "10.0.0.1", AclOperation.READ, AclPermissionType.ALLOW));
        AclBindingFilter byTopic = new AclBindingFilter(new ResourcePatternFilter(ResourceType.TOPIC, topic, PatternType.ANY),
                AccessControlEntryFilter.ANY);

        try (Admin admin = DLOG.admin()) {
            // When
            admin.createAcls(List.of(binding)).all().get(30, TimeUnit.SECONDS);
            Collection<AclBinding> described = admin.describeAcls(byTopic).values().get(30, TimeUnit.SECONDS);
            Collection<AclBinding> deleted = admin.deleteAcls(List.of(byTopic)).all().get(30, TimeUnit.SECONDS);

            // Then
            assertThat(described).containsExactly(binding);
            assertThat(deleted).containsExactly(binding);
            assertThat(admin.describeAcls(byTopic).values().get(30, TimeUnit.SECONDS)).isEmpty();
            assertThatThrownBy(() -> admin.createAcls(List.of(new AclBinding(new ResourcePattern(ResourceType.CLUSTER, "other",
                    PatternType.LITERAL), new AccessControlEntry("User:carol", "*", AclOperation.ALTER, AclPermissionType.ALLOW))))
                    .all().get(30, TimeUnit.SECONDS)).hasCauseInstanceOf(InvalidRequestException.class)
                    .hasMessageContaining("kafka-cluster");
        }
        try (Admin alice = Admin.create(user("alice"))) {
            assertThatThrownBy(() -> alice.describeAcls(AclBindingFilter.ANY).values().get(30, TimeUnit.SECONDS))
                    .hasCauseInstanceOf(org.apache.kafka.common.errors.ClusterAuthorizationException.class);
        }
    }

    @Test
    void shouldRefuseAStreamsMemberWithoutDescribeOnItsTopicsAndCreateItsTopicsOnlyWithCreate(
            @org.junit.jupiter.api.io.TempDir java.nio.file.Path state) throws Exception {
        // Given erin may read the group of a word count but describe none of its topics
        String input = "words-" + UUID.randomUUID().toString().substring(0, 6);
        createTopic(input);
        String appId = "wc-" + input;
        allow("erin", ResourceType.GROUP, appId, PatternType.LITERAL, AclOperation.READ);

        // When it joins on the streams protocol, then the heartbeat is refused with TOPIC_AUTHORIZATION_FAILED
        Throwable failure = runStreams(input, appId, state.resolve("1"), null);
        assertThat(failure).isNotNull();
        Throwable cause = failure;
        while (cause.getCause() != null && !(cause instanceof TopicAuthorizationException)) {
            cause = cause.getCause();
        }
        assertThat(cause).as("%s", failure).isInstanceOf(TopicAuthorizationException.class);

        // When erin may describe the topics but not create any: the internal topics are not created
        allow("erin", ResourceType.TOPIC, input, PatternType.PREFIXED, AclOperation.DESCRIBE);
        allow("erin", ResourceType.TOPIC, appId, PatternType.PREFIXED, AclOperation.DESCRIBE);
        runStreams(input, appId, state.resolve("2"), () -> {
            try (Admin admin = DLOG.admin()) {
                org.apache.kafka.clients.admin.StreamsGroupDescription group = null;
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
                while ((group == null || group.members().isEmpty()) && System.nanoTime() < deadline) {
                    try {
                        group = admin.describeStreamsGroups(List.of(appId)).describedGroups().get(appId).get(30, TimeUnit.SECONDS);
                    } catch (java.util.concurrent.ExecutionException e) {
                        assertThat(e.getCause()).isInstanceOf(org.apache.kafka.common.errors.GroupIdNotFoundException.class);
                    }
                    Thread.sleep(200);
                }
                assertThat(group.groupState().name()).isEqualTo("NOT_READY");
                assertThat(admin.listTopics().names().get(30, TimeUnit.SECONDS)).noneMatch(t -> t.startsWith(appId));

                // Then with CREATE on them the broker creates them
                allow("erin", ResourceType.TOPIC, appId, PatternType.PREFIXED, AclOperation.CREATE);
                deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
                while (admin.listTopics().names().get(30, TimeUnit.SECONDS).stream().filter(t -> t.startsWith(appId)).count() < 2
                        && System.nanoTime() < deadline) {
                    Thread.sleep(200);
                }
                assertThat(admin.listTopics().names().get(30, TimeUnit.SECONDS)).filteredOn(t -> t.startsWith(appId)).hasSize(2);
            }
            return null;
        });
    }

    /**
     * Runs erin's word count on the streams protocol until it fails or {@code whileRunning} returns; the
     * failure, if any.
     */
    private static Throwable runStreams(String input, String appId, java.nio.file.Path state,
                                        java.util.concurrent.Callable<Void> whileRunning) throws Exception {
        Properties props = io.dlog.compat.streams.WordCount.props(DLOG.bootstrapServers("SASL_PLAINTEXT"), appId, state,
                org.apache.kafka.streams.StreamsConfig.AT_LEAST_ONCE);
        user("erin").forEach(props::putIfAbsent);
        props.remove(ProducerConfig.MAX_BLOCK_MS_CONFIG);
        props.remove(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG);
        props.remove(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG);
        props.remove(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG);
        props.put(org.apache.kafka.streams.StreamsConfig.GROUP_PROTOCOL_CONFIG, "streams");
        java.util.concurrent.atomic.AtomicReference<Throwable> failure = new java.util.concurrent.atomic.AtomicReference<>();
        try (org.apache.kafka.streams.KafkaStreams streams = new org.apache.kafka.streams.KafkaStreams(
                io.dlog.compat.streams.WordCount.topology(input, input + "-out"), props)) {
            streams.setUncaughtExceptionHandler(e -> {
                failure.compareAndSet(null, e);
                return org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse.SHUTDOWN_CLIENT;
            });
            streams.start();
            if (whileRunning != null) {
                whileRunning.call();
            } else {
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
                while (failure.get() == null && System.nanoTime() < deadline) {
                    Thread.sleep(100);
                }
            }
            streams.close(Duration.ofSeconds(10));
        }
        return failure.get();
    }

    @Test
    void shouldShareConsumeOnlyWithReadOnTheGroupAndTheTopicAndGuardTheGroupsOffsetsAndConfigs() throws Exception {
        // Given a topic with records and a share group starting at the earliest offset (set by the super user)
        String topic = "shared-" + UUID.randomUUID().toString().substring(0, 6);
        String group = "sg-" + topic;
        createTopic(topic);
        produce(DLOG.clientProps(), topic, "s1");
        org.apache.kafka.common.config.ConfigResource groupResource = new org.apache.kafka.common.config.ConfigResource(
                org.apache.kafka.common.config.ConfigResource.Type.GROUP, group);
        java.util.Map<org.apache.kafka.common.config.ConfigResource, Collection<org.apache.kafka.clients.admin.AlterConfigOp>> earliest =
                java.util.Map.of(groupResource, List.of(new org.apache.kafka.clients.admin.AlterConfigOp(
                        new org.apache.kafka.clients.admin.ConfigEntry("share.auto.offset.reset", "earliest"),
                        org.apache.kafka.clients.admin.AlterConfigOp.OpType.SET)));
        try (Admin admin = DLOG.admin()) {
            admin.incrementalAlterConfigs(earliest).all().get(30, TimeUnit.SECONDS);
        }

        // Then: without DESCRIBE on the topic the client cannot even see it; with it, no READ on the group is refused;
        // with READ on the group but not on the topic, the share fetch refuses the topic's partitions; READ on both works
        // (with neither, Metadata refuses the topic and ShareGroupHeartbeat the group, Kafka's order: which of the two
        // answers the share consumer raises first is its own race)
        assertThatThrownBy(() -> shareConsume(user("bob"), topic, group))
                .isInstanceOfAny(TopicAuthorizationException.class, GroupAuthorizationException.class);
        allow("bob", ResourceType.TOPIC, topic, PatternType.LITERAL, AclOperation.DESCRIBE);
        assertThatThrownBy(() -> shareConsume(user("bob"), topic, group)).isInstanceOf(GroupAuthorizationException.class);
        allow("bob", ResourceType.GROUP, group, PatternType.LITERAL, AclOperation.READ);
        assertThatThrownBy(() -> shareConsume(user("bob"), topic, group, 10)).isInstanceOf(TopicAuthorizationException.class);
        allow("bob", ResourceType.TOPIC, topic, PatternType.LITERAL, AclOperation.READ);
        assertThat(shareConsume(user("bob"), topic, group)).containsExactly("s1");

        try (Admin bob = Admin.create(user("bob")); Admin carol = Admin.create(user("carol"))) {
            // Describing the group and its offsets needs DESCRIBE on the group (READ implies it)
            assertThatThrownBy(() -> carol.describeShareGroups(List.of(group)).all().get(30, TimeUnit.SECONDS))
                    .hasCauseInstanceOf(GroupAuthorizationException.class);
            assertThatThrownBy(() -> carol.listShareGroupOffsets(java.util.Map.of(group,
                    new org.apache.kafka.clients.admin.ListShareGroupOffsetsSpec())).all().get(30, TimeUnit.SECONDS))
                    .hasCauseInstanceOf(GroupAuthorizationException.class);
            assertThat(bob.listShareGroupOffsets(java.util.Map.of(group, new org.apache.kafka.clients.admin.ListShareGroupOffsetsSpec()))
                    .partitionsToOffsetInfo(group).get(30, TimeUnit.SECONDS)).containsKey(new org.apache.kafka.common.TopicPartition(topic, 0));
            // Altering them needs READ on the group, deleting them DELETE on it
            assertThatThrownBy(() -> carol.alterShareGroupOffsets(group, java.util.Map.of(
                    new org.apache.kafka.common.TopicPartition(topic, 0), 0L)).all().get(30, TimeUnit.SECONDS))
                    .hasCauseInstanceOf(GroupAuthorizationException.class);
            assertThatThrownBy(() -> bob.deleteShareGroupOffsets(group, Set.of(topic)).all().get(30, TimeUnit.SECONDS))
                    .hasCauseInstanceOf(GroupAuthorizationException.class);
            // Its configs need DESCRIBE_CONFIGS / ALTER_CONFIGS on the group
            assertThatThrownBy(() -> bob.describeConfigs(List.of(groupResource)).all().get(30, TimeUnit.SECONDS))
                    .hasCauseInstanceOf(GroupAuthorizationException.class);
            assertThatThrownBy(() -> bob.incrementalAlterConfigs(earliest).all().get(30, TimeUnit.SECONDS))
                    .hasCauseInstanceOf(GroupAuthorizationException.class);
            allow("bob", ResourceType.GROUP, group, PatternType.LITERAL, AclOperation.ALTER_CONFIGS);
            bob.incrementalAlterConfigs(earliest).all().get(30, TimeUnit.SECONDS);
            assertThat(bob.describeConfigs(List.of(groupResource)).all().get(30, TimeUnit.SECONDS).get(groupResource)
                    .get("share.auto.offset.reset").value()).isEqualTo("earliest");
        }
    }

    private static List<String> shareConsume(Properties base, String topic, String group) {
        return shareConsume(base, topic, group, 20);
    }

    /** What a share consumer of {@code group} receives until its first records or {@code seconds} (poll's exceptions thrown). */
    private static List<String> shareConsume(Properties base, String topic, String group, int seconds) {
        java.util.Map<String, Object> props = new java.util.HashMap<>();
        base.forEach((k, v) -> props.put((String) k, v));
        props.put(ConsumerConfig.GROUP_ID_CONFIG, group);
        List<String> values = new ArrayList<>();
        try (org.apache.kafka.clients.consumer.KafkaShareConsumer<String, String> consumer =
                     new org.apache.kafka.clients.consumer.KafkaShareConsumer<>(props, new StringDeserializer(), new StringDeserializer())) {
            consumer.subscribe(List.of(topic));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
            while (values.isEmpty() && System.nanoTime() < deadline) {
                consumer.poll(Duration.ofMillis(200)).forEach(r -> values.add(r.value()));
            }
        }
        return values;
    }

    @Test
    void shouldNeedAlterConfigsOnTheClusterForClientQuotasAndAlterForLeaderElections() throws Exception {
        // Given
        String topic = "elect-" + UUID.randomUUID().toString().substring(0, 6);
        createTopic(topic);
        org.apache.kafka.common.quota.ClientQuotaEntity entity = new org.apache.kafka.common.quota.ClientQuotaEntity(
                java.util.Map.of(org.apache.kafka.common.quota.ClientQuotaEntity.USER, "quota-user"));
        List<org.apache.kafka.common.quota.ClientQuotaAlteration> alteration = List.of(new org.apache.kafka.common.quota.ClientQuotaAlteration(
                entity, List.of(new org.apache.kafka.common.quota.ClientQuotaAlteration.Op("producer_byte_rate", 1024.0))));
        Set<org.apache.kafka.common.TopicPartition> partitions = Set.of(new org.apache.kafka.common.TopicPartition(topic, 0));
        try (Admin carol = Admin.create(user("carol"))) {
            // When / Then: nothing on the cluster
            assertThatThrownBy(() -> carol.describeClientQuotas(org.apache.kafka.common.quota.ClientQuotaFilter.all()).entities()
                    .get(30, TimeUnit.SECONDS)).hasCauseInstanceOf(org.apache.kafka.common.errors.ClusterAuthorizationException.class);
            assertThatThrownBy(() -> carol.alterClientQuotas(alteration).all().get(30, TimeUnit.SECONDS))
                    .hasCauseInstanceOf(org.apache.kafka.common.errors.ClusterAuthorizationException.class);
            assertThatThrownBy(() -> carol.electLeaders(org.apache.kafka.common.ElectionType.PREFERRED, partitions).all()
                    .get(30, TimeUnit.SECONDS)).hasCauseInstanceOf(org.apache.kafka.common.errors.ClusterAuthorizationException.class);

            // ALTER_CONFIGS (which implies DESCRIBE_CONFIGS) and ALTER on the cluster, as Kafka asks
            allow("carol", ResourceType.CLUSTER, "kafka-cluster", PatternType.LITERAL, AclOperation.ALTER_CONFIGS);
            allow("carol", ResourceType.CLUSTER, "kafka-cluster", PatternType.LITERAL, AclOperation.ALTER);
            carol.alterClientQuotas(alteration).all().get(30, TimeUnit.SECONDS);
            assertThat(carol.describeClientQuotas(org.apache.kafka.common.quota.ClientQuotaFilter.all()).entities()
                    .get(30, TimeUnit.SECONDS)).containsKey(entity);
            assertThatThrownBy(() -> carol.electLeaders(org.apache.kafka.common.ElectionType.PREFERRED, partitions).all()
                    .get(30, TimeUnit.SECONDS)).hasCauseInstanceOf(org.apache.kafka.common.errors.ElectionNotNeededException.class);
        }
    }

    private static void allow(String user, ResourceType type, String name, PatternType pattern, AclOperation operation)
            throws Exception {
        acl(new AclBinding(new ResourcePattern(type, name, pattern),
                new AccessControlEntry("User:" + user, "*", operation, AclPermissionType.ALLOW)));
    }

    private static void acl(AclBinding binding) throws Exception {
        try (Admin admin = DLOG.admin()) {
            admin.createAcls(List.of(binding)).all().get(30, TimeUnit.SECONDS);
        }
    }

    private static void createTopic(String name) throws Exception {
        try (Admin admin = DLOG.admin()) {
            admin.createTopics(List.of(new NewTopic(name, 1, (short) 1))).all().get(30, TimeUnit.SECONDS);
        }
    }

    private static Properties user(String name) {
        Properties props = new Properties();
        props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, DLOG.bootstrapServers("SASL_PLAINTEXT"));
        props.put(CommonClientConfigs.SECURITY_PROTOCOL_CONFIG, "SASL_PLAINTEXT");
        props.put(SaslConfigs.SASL_MECHANISM, "PLAIN");
        props.put(SaslConfigs.SASL_JAAS_CONFIG, "org.apache.kafka.common.security.plain.PlainLoginModule required username=\""
                + name + "\" password=\"" + name + "-secret\";");
        props.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, "20000");
        props.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, "15000");
        props.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, "15000");
        props.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, "10000");
        return props;
    }

    private static void produce(Properties props, String topic, String value) throws Exception {
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(props, new StringSerializer(), new StringSerializer())) {
            producer.send(new ProducerRecord<>(topic, value)).get(30, TimeUnit.SECONDS);
        }
    }

    private static List<String> consume(Properties base, String topic, String group) {
        Properties props = new Properties();
        props.putAll(base);
        props.put(ConsumerConfig.GROUP_ID_CONFIG, group);
        props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        List<String> values = new ArrayList<>();
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(props, new StringDeserializer(), new StringDeserializer())) {
            consumer.subscribe(List.of(topic));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (values.isEmpty() && System.nanoTime() < deadline) {
                consumer.poll(Duration.ofMillis(500)).forEach(r -> values.add(r.value()));
            }
        }
        return values;
    }
}
