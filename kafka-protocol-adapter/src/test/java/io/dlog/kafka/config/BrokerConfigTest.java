package io.dlog.kafka.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.config.ConfigException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class BrokerConfigTest {

    @Test
    void shouldHaveKafkasDefaults() {
        BrokerConfig config = BrokerConfig.parse(Map.of());

        assertThat(config.nodeId()).isEqualTo(1);
        assertThat(config.numPartitions()).isEqualTo(1);
        assertThat(config.defaultReplicationFactor()).isEqualTo((short) 1);
        assertThat(config.autoCreateTopicsEnable()).isTrue();
        assertThat(config.deleteTopicEnable()).isTrue();
        assertThat(config.socketRequestMaxBytes()).isEqualTo(100 * 1024 * 1024);
        assertThat(config.value("log.retention.hours")).isEqualTo(168L);
        assertThat(config.value("log.segment.bytes")).isEqualTo(1024 * 1024 * 1024);
        assertThat(config.value("message.max.bytes")).isEqualTo(1024 * 1024 + 12);
    }

    @Test
    void shouldBuildTheCleanerConfigWithKafkasNamesAndDefaults() {
        io.dlog.log.CleanerConfig defaults = BrokerConfig.parse(Map.of()).cleanerConfig();
        assertThat(defaults.enable()).isTrue();
        assertThat(defaults.threads()).isEqualTo(1);
        assertThat(defaults.dedupeBufferSize()).isEqualTo(134_217_728L);
        assertThat(defaults.ioBufferLoadFactor()).isEqualTo(0.9);
        assertThat(defaults.ioMaxBytesPerSecond()).isEqualTo(Double.MAX_VALUE);
        assertThat(defaults.backoffMs()).isEqualTo(15_000L);
        assertThat(defaults.codec().supports(4)).isTrue();
        assertThat(BrokerConfig.parse(Map.of()).offsetsTopicSegmentBytes()).isEqualTo(104_857_600);

        io.dlog.log.CleanerConfig set = BrokerConfig.parse(Map.of("log.cleaner.threads", "2",
                "log.cleaner.dedupe.buffer.size", "1048576", "log.cleaner.io.max.bytes.per.second", "1000000",
                "log.cleaner.backoff.ms", "100", "log.cleaner.io.buffer.size", "524288")).cleanerConfig();
        assertThat(set.threads()).isEqualTo(2);
        assertThat(set.dedupeBufferSize()).isEqualTo(1_048_576L);
        assertThat(set.ioMaxBytesPerSecond()).isEqualTo(1_000_000.0);
        assertThat(set.backoffMs()).isEqualTo(100L);
        assertThat(BrokerConfig.parse(Map.of("log.cleaner.enable", "false")).cleanerConfig().enable()).isFalse();
        assertThat(BrokerConfig.parse(Map.of("log.cleaner.threads", "0")).cleanerConfig().enable()).isFalse();
    }

    @Test
    void shouldAcceptKafkasOwnServerPropertiesKeys() {
        BrokerConfig config = BrokerConfig.parse(Map.of("process.roles", "broker,controller",
                "listeners", "PLAINTEXT://:9092,CONTROLLER://:9093", "controller.listener.names", "CONTROLLER",
                "controller.quorum.voters", "1@localhost:9093", "offsets.topic.replication.factor", "1",
                "log.retention.hours", "168", "num.partitions", "3", "num.recovery.threads.per.data.dir", "1"));

        assertThat(config.numPartitions()).isEqualTo(3);
        assertThat(config.listener().port()).isEqualTo(9092);
        assertThat(config.controllerListener().orElseThrow().port()).isEqualTo(9093);
        assertThat(config.controllerQuorumVoters()).containsOnlyKeys(1);
        assertThat(config.offsetsTopicReplicationFactor()).isEqualTo((short) 1);
        assertThat(config.staticValues()).doesNotContainKey("num.recovery.threads.per.data.dir");
    }

    @Test
    void shouldRunKafka4sStockStandaloneQuorumAsASingleNode() {
        // Kafka 4's config/server.properties: a KIP-853 bootstrap address that is this node's own controller listener
        BrokerConfig config = BrokerConfig.parse(Map.of("process.roles", "broker,controller", "node.id", "1",
                "controller.quorum.bootstrap.servers", "localhost:9093",
                "listeners", "PLAINTEXT://:9092,CONTROLLER://:9093", "controller.listener.names", "CONTROLLER",
                "advertised.listeners", "PLAINTEXT://localhost:9092,CONTROLLER://localhost:9093"));

        assertThat(config.controllerQuorumVoters()).isEmpty(); // DLog's single-node quorum
        assertThat(config.listener().port()).isEqualTo(9092);
    }

    @Test
    void shouldRefuseADynamicQuorumWhoseFolderHoldsNoVotersWithAMessage(@TempDir Path dir) {
        Map<String, String> several = Map.of("process.roles", "broker,controller", "node.id", "1",
                "controller.quorum.bootstrap.servers", "localhost:9093,localhost:9094,localhost:9095",
                "listeners", "PLAINTEXT://:9092,CONTROLLER://:9093", "controller.listener.names", "CONTROLLER",
                "log.dirs", dir.toString());
        Map<String, String> elsewhere = Map.of("process.roles", "broker,controller", "node.id", "1",
                "controller.quorum.bootstrap.servers", "localhost:19093",
                "listeners", "PLAINTEXT://:9092,CONTROLLER://:9093", "controller.listener.names", "CONTROLLER",
                "log.dirs", dir.toString());

        for (Map<String, String> values : List.of(several, elsewhere)) {
            assertThatThrownBy(() -> BrokerConfig.parse(values)).isInstanceOf(ConfigException.class)
                    .hasMessageContaining("dlog format").hasMessageContaining("controller.quorum.voters")
                    .hasMessageContaining(KraftBootstrapSnapshot.file(dir).toString());
        }
    }

    @Test
    void shouldLetABrokerOnlyNodeKnowTheControllersByTheirAddressesAsKafkasBrokerPropertiesDo(@TempDir Path dir) {
        // Given: Kafka 4's config/broker.properties, its folder formatted without voters
        Map<String, String> values = Map.of("process.roles", "broker", "node.id", "4",
                "controller.quorum.bootstrap.servers", "c1:9093, [::1]:9094,c3:9095", "listeners", "PLAINTEXT://:9092",
                "controller.listener.names", "CONTROLLER", "log.dirs", dir.toString());

        // When
        BrokerConfig config = BrokerConfig.parse(values);

        // Then: no voters yet; the start asks these addresses for them
        assertThat(config.discoversVoters()).isTrue();
        assertThat(config.controllerQuorumVoters()).isEmpty();
        assertThat(config.controllerQuorumBootstrapServers()).extracting(a -> a.getHostString() + "/" + a.getPort())
                .containsExactly("c1/9093", "::1/9094", "c3/9095");
    }

    @Test
    void shouldRefuseABrokerOnlyNodeWithNoWayToFindTheControllers(@TempDir Path dir) {
        Map<String, String> none = Map.of("process.roles", "broker", "node.id", "4", "listeners", "PLAINTEXT://:9092",
                "controller.listener.names", "CONTROLLER", "log.dirs", dir.toString());
        Map<String, String> badPort = Map.of("process.roles", "broker", "node.id", "4", "listeners", "PLAINTEXT://:9092",
                "controller.quorum.bootstrap.servers", "c1:9093,c2", "controller.listener.names", "CONTROLLER",
                "log.dirs", dir.toString());

        assertThatThrownBy(() -> BrokerConfig.parse(none)).isInstanceOf(ConfigException.class)
                .hasMessageContaining("controller.quorum.bootstrap.servers").hasMessageContaining("controller.quorum.voters");
        assertThatThrownBy(() -> BrokerConfig.parse(badPort)).isInstanceOf(ConfigException.class)
                .hasMessageContaining("c1:9093,c2").hasMessageContaining("host:port");
    }

    @Test
    void shouldTakeADynamicQuorumsVotersFromItsFormattedFolder(@TempDir Path dir) throws IOException {
        // Given: the folder as kafka-storage format --initial-controllers (or dlog format) leaves it
        KraftBootstrapSnapshot.write(dir, List.of(new KraftBootstrapSnapshot.Voter(1, "A-STU-AqDhuaHQwf_29dCg", "h1", 9093),
                new KraftBootstrapSnapshot.Voter(2, "e9EVwd_sj1MmQToMLT1-dw", "h2", 9093),
                new KraftBootstrapSnapshot.Voter(3, "fZlVQXst8zUdCMXXedvoBA", "h3", 9093)), "CONTROLLER", 0L);

        // When
        BrokerConfig config = BrokerConfig.parse(Map.of("process.roles", "broker,controller", "node.id", "2",
                "controller.quorum.bootstrap.servers", "h1:9093,h2:9093,h3:9093",
                "listeners", "PLAINTEXT://:9092,CONTROLLER://:9093", "controller.listener.names", "CONTROLLER",
                "log.dirs", dir.toString()));

        // Then
        assertThat(config.controllerQuorumVoters()).containsOnlyKeys(1, 2, 3);
        assertThat(config.controllerQuorumVoters().get(3)).isEqualTo(InetSocketAddress.createUnresolved("h3", 9093));
    }

    @Test
    void shouldTakeAControllerOnlyNodeOfKafkasIsolatedMode() {
        // Kafka's isolated mode: a controller lists only its CONTROLLER listener
        BrokerConfig config = BrokerConfig.parse(Map.of("process.roles", "controller", "node.id", "1",
                "listeners", "CONTROLLER://127.0.0.1:9093", "controller.listener.names", "CONTROLLER",
                "controller.quorum.voters", "1@127.0.0.1:9093,2@127.0.0.1:9095,3@127.0.0.1:9097"));

        assertThat(config.isControllerOnly()).isTrue();
        assertThat(config.isBrokerOnly()).isFalse();
        assertThat(config.controllerListener().orElseThrow().port()).isEqualTo(9093);
        assertThat(config.controllerQuorumVoters()).containsOnlyKeys(1, 2, 3);
    }

    @Test
    void shouldRefuseAControllerOnlyNodeOutsideTheVotersOrWithoutAControllerListener() {
        Map<String, String> notAVoter = Map.of("process.roles", "controller", "node.id", "4",
                "listeners", "CONTROLLER://127.0.0.1:9093", "controller.listener.names", "CONTROLLER",
                "controller.quorum.voters", "1@127.0.0.1:9093,2@127.0.0.1:9095,3@127.0.0.1:9097");
        Map<String, String> noVoters = Map.of("process.roles", "controller", "node.id", "1",
                "listeners", "CONTROLLER://127.0.0.1:9093", "controller.listener.names", "CONTROLLER");
        Map<String, String> noControllerListener = Map.of("process.roles", "controller", "node.id", "1",
                "listeners", "PLAINTEXT://127.0.0.1:9092", "controller.listener.names", "CONTROLLER",
                "controller.quorum.voters", "1@127.0.0.1:9093");

        assertThatThrownBy(() -> BrokerConfig.parse(notAVoter)).isInstanceOf(ConfigException.class)
                .hasMessageContaining("must be among the voters");
        assertThatThrownBy(() -> BrokerConfig.parse(noVoters)).isInstanceOf(ConfigException.class)
                .hasMessageContaining("controller.quorum.voters");
        assertThatThrownBy(() -> BrokerConfig.parse(noControllerListener)).isInstanceOf(ConfigException.class)
                .hasMessageContaining("CONTROLLER://host:port");
    }

    @Test
    void shouldServeSeveralListenersWithTheirSecurityProtocols() {
        // Given
        BrokerConfig config = BrokerConfig.parse(Map.of(
                "listeners", "INTERNAL://:9092,external://:9094,SASL_SSL://:9095,CONTROLLER://:9093",
                "listener.security.protocol.map", "INTERNAL:PLAINTEXT,EXTERNAL:SSL,SASL_SSL:SASL_SSL,CONTROLLER:PLAINTEXT",
                "inter.broker.listener.name", "INTERNAL",
                "advertised.listeners", "INTERNAL://:9092,EXTERNAL://broker.example:19094,SASL_SSL://:9095",
                "listener.name.external.ssl.keystore.location", "/etc/ks.p12",
                "ssl.client.auth", "requested",
                "listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config", "x required;"));

        // Then
        assertThat(config.clientListeners()).extracting(BrokerConfig.Listener::name)
                .containsExactly("INTERNAL", "EXTERNAL", "SASL_SSL");
        assertThat(config.listener().name()).isEqualTo("INTERNAL");
        assertThat(config.securityProtocol("EXTERNAL")).isEqualTo(org.apache.kafka.common.security.auth.SecurityProtocol.SSL);
        assertThat(config.advertisedListeners()).contains(new BrokerConfig.Listener("EXTERNAL", "broker.example", 19094));
        assertThat(SecurityConfigs.forListener(config.staticValues(), "EXTERNAL"))
                .containsEntry("ssl.keystore.location", "/etc/ks.p12").containsEntry("ssl.client.auth", "requested");
        assertThat(SecurityConfigs.forListener(config.staticValues(), "INTERNAL")).containsEntry("ssl.keystore.location", null);
    }

    @Test
    void shouldRefuseListenersWithoutASecurityProtocolOrNamedTwice() {
        assertThatThrownBy(() -> BrokerConfig.parse(Map.of("listeners", "INTERNAL://:9092")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("INTERNAL has no security protocol");
        assertThatThrownBy(() -> BrokerConfig.parse(Map.of("listeners", "PLAINTEXT://:9092,PLAINTEXT://:9093")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("named twice");
        assertThatThrownBy(() -> BrokerConfig.parse(Map.of("listener.security.protocol.map", "PLAINTEXT:TLS")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("unknown security protocol TLS");
        assertThatThrownBy(() -> BrokerConfig.parse(Map.of("listeners", "PLAINTEXT://:9092,SSL://:9093",
                "advertised.listeners", "SASL_SSL://:9094"))).isInstanceOf(ConfigException.class);
        assertThatThrownBy(() -> BrokerConfig.parse(Map.of("listener.name.ssl.ssl.no.such.key", "1")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("unknown config");
    }

    @Test
    void shouldAcceptAndIgnoreEveryListedKafkaKey() {
        for (String key : KafkaIgnoredBrokerConfigs.NAMES) {
            // the keys that turn on what DLog lacks are refused when on (the test below)
            String value = KafkaIgnoredBrokerConfigs.PLUGINS.containsKey(key) ? ""
                    : key.equals("remote.log.storage.system.enable") ? "false" : "any value";
            BrokerConfig config = BrokerConfig.parse(Map.of(key, value));

            assertThat(config.staticValues()).as(key).doesNotContainKey(key);
            assertThat(BrokerConfig.names()).as(key).doesNotContain(key);
        }
    }

    @Test
    void shouldAcceptTheBrokerKeysKafka44AddsAtKafkasDefaults() {
        // Read from kafka_2.13 4.4.0's KafkaConfig.configDef(), against 4.3.1's (the version compat-tests run, whose
        // KafkaBrokerKeysTest checks every 4.3 key): a cluster configured for Kafka 4.4 must start DLog too
        Map<String, String> kafka44 = Map.ofEntries(
                Map.entry("errors.deadletterqueue.auto.create.topics.enable", "false"),
                Map.entry("errors.deadletterqueue.topic.name.prefix", "dlq."),
                Map.entry("group.consumer.assignor.offload.enable", "true"),
                Map.entry("group.share.assignor.offload.enable", "true"),
                Map.entry("group.share.dlq.manager.class.name",
                        "org.apache.kafka.server.share.dlq.DefaultShareGroupDLQManager"),
                Map.entry("group.streams.acceptable.recovery.lag", "10000"),
                Map.entry("group.streams.assignor.offload.enable", "true"),
                Map.entry("group.streams.assignors", "sticky"),
                Map.entry("group.streams.max.warmup.replicas", "20"),
                Map.entry("group.streams.min.task.offset.interval.ms", "15000"),
                Map.entry("group.streams.num.warmup.replicas", "2"),
                Map.entry("group.streams.rack.aware.assignment.tags", ""),
                Map.entry("group.streams.task.offset.interval.ms", "60000"),
                Map.entry("group.streams.topology.description.plugin.class", ""),
                Map.entry("log.remote.copy.lag.bytes", "-1"),
                Map.entry("log.remote.copy.lag.ms", "0"),
                Map.entry("max.decompressed.message.bytes", "2147483639"),
                Map.entry("sasl.oauthbearer.allow.unverified.audience", "false"),
                Map.entry("sasl.oauthbearer.allow.unverified.issuer", "false"));

        BrokerConfig all = BrokerConfig.parse(kafka44);

        assertThat(all.value("max.decompressed.message.bytes")).isEqualTo(Integer.MAX_VALUE - 8);
        assertThat(TopicConfigs.maxDecompressedMessageBytes(Map.of(),
                BrokerConfig.parse(Map.of("max.decompressed.message.bytes", "1000")))).isEqualTo(1000);
        assertThat(TopicConfigs.maxDecompressedMessageBytes(Map.of("max.decompressed.message.bytes", "500"),
                BrokerConfig.parse(Map.of("max.decompressed.message.bytes", "1000")))).isEqualTo(500);
        assertThat(BrokerConfig.parse(Map.of("max.decompressed.message.bytes", "1000"))
                .value("max.decompressed.message.bytes")).isEqualTo(1000);
        assertThatThrownBy(() -> BrokerConfig.parse(Map.of("max.decompressed.message.bytes", "0")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("max.decompressed.message.bytes");
        assertThatThrownBy(() -> BrokerConfig.parse(Map.of("group.streams.topology.description.plugin.class",
                "com.example.Plugin"))).isInstanceOf(ConfigException.class)
                .hasMessageContaining("topology description plugins");
    }

    @Test
    void shouldAcceptTheKeysOfAKafka3ServerPropertiesThatKafka4Dropped() {
        // Kafka 4 starts with these set and ignores them (as any key it does not know); so does DLog
        Map<String, String> kafka3 = Map.of(
                "zookeeper.connect", "zk1:2181,zk2:2181/kafka",
                "zookeeper.session.timeout.ms", "18000",
                "zookeeper.connection.timeout.ms", "18000",
                "inter.broker.protocol.version", "3.9",
                "log.message.format.version", "3.0",
                "log.message.timestamp.difference.max.ms", "9223372036854775807",
                "offsets.commit.required.acks", "-1",
                "share.fetch.max.fetch.records", "500",
                "internal.metadata.max.fetch.size.in.bytes", "1048576");

        BrokerConfig config = BrokerConfig.parse(kafka3);

        assertThat(config.staticValues()).isEmpty();
        assertThat(BrokerConfig.ignoredKafkaKeys()).containsAll(kafka3.keySet());
        // a key no Kafka version has is still refused, with the key meant
        assertThatThrownBy(() -> BrokerConfig.parse(Map.of("zookeeper.conect", "zk1:2181")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("unknown config 'zookeeper.conect'");
    }

    @Test
    void shouldRefuseTheAcceptedKafkaKeysThatTurnOnWhatDLogLacks() {
        assertThatThrownBy(() -> BrokerConfig.parse(Map.of("config.providers", "file")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("config.providers");
        assertThatThrownBy(() -> BrokerConfig.parse(Map.of("create.topic.policy.class.name", "com.example.Policy")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("create.topic.policy.class.name")
                .hasMessageContaining("policy plugins");
        assertThatThrownBy(() -> BrokerConfig.parse(Map.of("remote.log.storage.system.enable", "true")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("tiered storage");
        assertThat(BrokerConfig.parse(Map.of("config.providers", "", "create.topic.policy.class.name", "",
                "remote.log.storage.system.enable", "false")))
                .isNotNull();
    }

    @Test
    void shouldRefuseUnknownKeysAndBadValues() {
        assertThatThrownBy(() -> BrokerConfig.parse(Map.of("no.such.key", "1")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("no.such.key");
        assertThatThrownBy(() -> BrokerConfig.parse(Map.of("num.partitions", "zero")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("num.partitions");
    }

    @Test
    void shouldAcceptKafkasRackAwareReplicaSelectorAndRefuseOtherSelectorsAtStart() {
        assertThat(BrokerConfig.parse(Map.of()).rackAwareReplicaSelector()).isFalse();
        assertThat(BrokerConfig.parse(Map.of("replica.selector.class",
                "org.apache.kafka.common.replica.RackAwareReplicaSelector")).rackAwareReplicaSelector()).isTrue();
        assertThatThrownBy(() -> BrokerConfig.parse(Map.of("replica.selector.class", "com.example.MySelector")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("replica.selector.class")
                .hasMessageContaining("com.example.MySelector").hasMessageContaining("RackAwareReplicaSelector");
    }

    @Test
    void shouldRefuseAReplicaFetchWaitLongerThanTheLagLimitOrTheSocketTimeoutAsKafkaDoes() {
        assertThatThrownBy(() -> BrokerConfig.parse(Map.of("replica.fetch.wait.max.ms", "6000", "replica.lag.time.max.ms", "2000")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("replica.lag.time.max.ms");
        assertThatThrownBy(() -> BrokerConfig.parse(Map.of("replica.fetch.wait.max.ms", "6000", "replica.socket.timeout.ms", "5000")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("replica.socket.timeout.ms");
        assertThat(BrokerConfig.parse(Map.of("replica.fetch.wait.max.ms", "5000", "replica.lag.time.max.ms", "6000"))
                .replicaFetchWaitMaxMs()).isEqualTo(5000);
    }

    @Test
    void shouldUseBrokerIdWhenNodeIdIsNotSet() {
        assertThat(BrokerConfig.parse(Map.of("broker.id", "7")).nodeId()).isEqualTo(7);
        assertThat(BrokerConfig.parse(Map.of("broker.id", "7", "node.id", "3")).nodeId()).isEqualTo(3);
    }

    @ParameterizedTest
    @ValueSource(strings = {"log.retention.ms", "log.segment.bytes", "log.cleanup.policy", "message.max.bytes",
        "log.roll.ms", "compression.type", "min.insync.replicas", "log.message.timestamp.type", "dlog.flush.mode"})
    void shouldTreatMainTopicSynonymsAsDynamic(String key) {
        assertThat(BrokerConfig.isDynamic(key)).isTrue();
    }

    @ParameterizedTest
    @ValueSource(strings = {"log.retention.hours", "log.retention.minutes", "log.roll.hours", "num.partitions",
        "listeners", "node.id", "auto.create.topics.enable", "delete.topic.enable", "log.dirs"})
    void shouldTreatOtherKeysAsStartupOnly(String key) {
        assertThat(BrokerConfig.isDynamic(key)).isFalse();
    }

    @Test
    void shouldGroupUnitSynonyms() {
        assertThat(BrokerConfig.synonymGroup("log.retention.hours"))
                .containsExactly("log.retention.ms", "log.retention.minutes", "log.retention.hours");
        assertThat(BrokerConfig.synonymGroup("log.roll.ms")).containsExactly("log.roll.ms", "log.roll.hours");
        assertThat(BrokerConfig.synonymGroup("num.partitions")).containsExactly("num.partitions");
    }

    @Test
    void shouldExplainInvalidDynamicValues() {
        BrokerConfig config = BrokerConfig.parse(Map.of());

        assertThat(config.invalidDynamicReason(Map.of("log.retention.ms", "3600000"))).isEmpty();
        assertThat(config.invalidDynamicReason(Map.of("log.retention.ms", "-5"))).isPresent();
        assertThat(config.invalidDynamicReason(Map.of("log.segment.bytes", "10"))).hasValueSatisfying(m ->
                assertThat(m).contains("log.segment.bytes"));
        assertThat(config.invalidDynamicReason(Map.of("bogus", "1"))).hasValueSatisfying(m ->
                assertThat(m).contains("Unknown broker config name: bogus"));
    }

    @Test
    void shouldListSynonymSourcesDynamicStaticDefault() {
        BrokerConfig config = BrokerConfig.parse(Map.of("log.retention.hours", "24"))
                .withDynamic(Map.of("log.retention.ms", "1000"));

        assertThat(config.synonyms(List.of("log.retention.ms", "log.retention.minutes", "log.retention.hours")))
                .containsExactly(
                        new TopicConfigs.Synonym("log.retention.ms", "1000", TopicConfigs.Source.DYNAMIC_BROKER),
                        new TopicConfigs.Synonym("log.retention.hours", "24", TopicConfigs.Source.STATIC_BROKER),
                        new TopicConfigs.Synonym("log.retention.hours", "168", TopicConfigs.Source.DEFAULT));
        assertThat(config.dynamicValues()).containsExactly(Map.entry("log.retention.ms", "1000"));
        assertThat(config.value("log.retention.ms")).isEqualTo(1000L);
    }
}
