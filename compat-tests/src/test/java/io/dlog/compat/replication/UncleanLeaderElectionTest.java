package io.dlog.compat.replication;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dlog.broker.DLogBroker;
import io.dlog.compat.DLogBrokerExtension;
import io.dlog.compat.cluster.InProcessCluster;
import io.dlog.kafka.config.BrokerConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.ReplicaInfo;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.ElectionType;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.TopicPartitionInfo;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code unclean.leader.election.enable} end to end, as Kafka defines it: a partition whose in-sync replicas are all
 * gone stays offline while a replica that fell out of sync is live, until unclean election is allowed (the topic's
 * config, set while the partition is offline) or asked for ({@code kafka-leader-election --election-type unclean});
 * then the out-of-sync replica leads, clients write again, and what only the old leader had is lost: when that
 * leader returns it cuts its divergent tail, takes the new leader's records and joins the ISR again.
 *
 * <p>The partitions live on two broker-only nodes (4 and 5), so that both can be down while the three voters keep
 * the metadata group's quorum.
 */
class UncleanLeaderElectionTest {
    private static final String BY_CONFIG = "unclean-by-config";
    private static final String BY_REQUEST = "unclean-by-request";

    @TempDir
    Path dir;
    private InProcessCluster cluster;
    private Map<Integer, BrokerConfig> configs;
    private final Map<Integer, DLogBroker> nodes = new HashMap<>();
    private Admin admin;

    /** Three voters (nodes 1-3) running; broker-only nodes 4 and 5 configured, started by each test. */
    @BeforeEach
    void votersAndTwoBrokerOnlyNodes() throws Exception {
        cluster = InProcessCluster.start(3, Map.of("broker.session.timeout.ms", "6000", "broker.heartbeat.interval.ms", "1000"));
        configs = Map.of(4, brokerOnly(cluster, 4), 5, brokerOnly(cluster, 5));
        admin = adminOf(cluster.bootstrapServers());
    }

    @AfterEach
    void stop() {
        nodes.values().forEach(DLogBroker::close);
        if (admin != null) {
            admin.close();
        }
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    void shouldKeepAPartitionOfflineUntilUncleanElectionIsAllowedThenLoseOnlyWhatTheOldLeaderAloneHad() throws Exception {
        // Given: node 4 wrote b- records alone, then stopped too: no in-sync replica is left
        List<String> acknowledged = leaderWroteAloneThenStopped(cluster, admin, configs, nodes);
        for (String topic : List.of(BY_CONFIG, BY_REQUEST)) {
            awaitPartition(admin, topic, p -> p.leader() == null);
        }

        // When: node 5, out of sync, comes back
        nodes.put(5, DLogBroker.start(configs.get(5)));
        awaitBrokers(admin, Set.of(1, 2, 3, 5));

        // Then: unclean election is off by default, so both partitions stay offline and writes fail
        assertThatThrownBy(() -> produce(cluster.bootstrapServers(), "refused-", 1, 3000))
                .hasRootCauseInstanceOf(org.apache.kafka.common.errors.TimeoutException.class);
        for (String topic : List.of(BY_CONFIG, BY_REQUEST)) {
            assertThat(describe(admin, topic).leader()).as(topic).isNull();
        }

        // When: an unclean election is asked for one partition (kafka-leader-election --election-type unclean)
        TopicPartition byRequest = new TopicPartition(BY_REQUEST, 0);
        admin.electLeaders(ElectionType.UNCLEAN, Set.of(byRequest)).partitions().get().get(byRequest)
                .ifPresent(e -> { throw new AssertionError("unclean election refused", e); });
        assertThat(awaitPartition(admin, BY_REQUEST, p -> p.leader() != null).leader().id()).isEqualTo(5);
        assertThat(describe(admin, BY_CONFIG).leader()).isNull();
        // and the other topic allows it in its config while offline (no restart, no 5-minute wait)
        admin.incrementalAlterConfigs(Map.of(new ConfigResource(ConfigResource.Type.TOPIC, BY_CONFIG),
                List.of(new AlterConfigOp(new ConfigEntry("unclean.leader.election.enable", "true"),
                        AlterConfigOp.OpType.SET)))).all().get();
        assertThat(awaitPartition(admin, BY_CONFIG, p -> p.leader() != null).leader().id()).isEqualTo(5);

        // Then: writes go on, against node 5's log: the b- records only node 4 had are gone
        acknowledged.addAll(produce(cluster.bootstrapServers(), "c-", 50));
        for (String topic : List.of(BY_CONFIG, BY_REQUEST)) {
            assertThat(PartitionReader.readToEnd(cluster.bootstrapServers(), topic)).as(topic)
                    .containsExactlyElementsOf(acknowledged);
        }

        // When: node 4 returns: it cuts its divergent tail, copies node 5's records and joins the ISR
        nodes.put(4, DLogBroker.start(configs.get(4)));
        for (String topic : List.of(BY_CONFIG, BY_REQUEST)) {
            awaitPartition(admin, topic, p -> p.isr().size() == 2);
        }
        Map<Integer, Map<String, org.apache.kafka.clients.admin.LogDirDescription>> dirs =
                admin.describeLogDirs(List.of(4, 5)).allDescriptions().get();
        for (String topic : List.of(BY_CONFIG, BY_REQUEST)) {
            TopicPartition tp = new TopicPartition(topic, 0);
            assertThat(size(dirs.get(4), tp)).as(tp + " on node 4 vs node 5").isEqualTo(size(dirs.get(5), tp));
        }

        // Then: with node 5 gone, node 4 leads cleanly and serves the same records, none of its old b- tail
        nodes.remove(5).close();
        for (String topic : List.of(BY_CONFIG, BY_REQUEST)) {
            assertThat(awaitPartition(admin, topic, p -> p.leader() != null && p.leader().id() == 4)
                    .isr()).extracting(org.apache.kafka.common.Node::id).containsExactly(4);
            assertThat(PartitionReader.readToEnd(cluster.bootstrapServers(), topic)).as(topic + " from node 4")
                    .containsExactlyElementsOf(acknowledged);
        }
    }

    /**
     * docs/operations.md, "Lost data folder": a node that was the last in-sync replica of a partition comes back on an
     * empty folder. It must not lead that partition with its empty log (which would also make the other replica cut
     * its records to match): the partition stays offline, with no in-sync replica, until an unclean election, which
     * takes the replica that kept its folder (and so its records) even with the emptied node running and first in
     * replica order.
     */
    @Test
    void shouldNotLetANodeOnAReplacedFolderLeadWhatItWasTheLastInSyncReplicaOf() throws Exception {
        List<String> acknowledged = leaderWroteAloneThenStopped(cluster, admin, configs, nodes);

        // When: node 4, the last in-sync replica, loses its folder and starts again on an empty one
        DLogBrokerExtension.deleteRecursively(configs.get(4).dataDir());
        nodes.put(4, DLogBroker.start(configs.get(4)));
        awaitBrokers(admin, Set.of(1, 2, 3, 4));

        // Then: it leads nothing it lost: offline, no in-sync replica left, writes refused
        for (String topic : List.of(BY_CONFIG, BY_REQUEST)) {
            TopicPartitionInfo offline = awaitPartition(admin, topic, p -> p.isr().isEmpty());
            assertThat(offline.leader()).as(topic).isNull();
        }
        assertThatThrownBy(() -> produce(cluster.bootstrapServers(), "refused-", 1, 3000))
                .hasRootCauseInstanceOf(org.apache.kafka.common.errors.TimeoutException.class);

        // When: the out-of-sync node starts too, the emptied one still running (and first in replica order), and an
        // unclean election is asked for
        nodes.put(5, DLogBroker.start(configs.get(5)));
        awaitBrokers(admin, Set.of(1, 2, 3, 4, 5));
        for (String topic : List.of(BY_CONFIG, BY_REQUEST)) {
            TopicPartition tp = new TopicPartition(topic, 0);
            admin.electLeaders(ElectionType.UNCLEAN, Set.of(tp)).partitions().get().get(tp)
                    .ifPresent(e -> { throw new AssertionError("unclean election refused", e); });
            // the replica that kept its folder leads: it holds the a- records, the emptied one holds none
            assertThat(awaitPartition(admin, topic, p -> p.leader() != null).leader().id()).isEqualTo(5);
        }
        acknowledged.addAll(produce(cluster.bootstrapServers(), "c-", 50));

        // Then: node 5 kept what it had; node 4 copies it and joins the ISR
        for (String topic : List.of(BY_CONFIG, BY_REQUEST)) {
            awaitPartition(admin, topic, p -> p.isr().size() == 2);
            assertThat(PartitionReader.readToEnd(cluster.bootstrapServers(), topic)).as(topic)
                    .containsExactlyElementsOf(acknowledged);
        }
    }

    /**
     * Two topics on nodes 4 (leader) and 5 with {@code min.insync.replicas=1}: a- records reach both, then node 5
     * stops and node 4 writes b- records alone (checking that each is readable as soon as acks=1 returns: a leader
     * alone in its ISR commits at its append; before, the high watermark waited for the next metadata change),
     * then node 4 stops too. Returns the a- values: all that node 5 has.
     */
    private static List<String> leaderWroteAloneThenStopped(InProcessCluster cluster, Admin admin,
                                                            Map<Integer, BrokerConfig> configs,
                                                            Map<Integer, DLogBroker> nodes) throws Exception {
        nodes.put(4, DLogBroker.start(configs.get(4)));
        nodes.put(5, DLogBroker.start(configs.get(5)));
        for (String topic : List.of(BY_CONFIG, BY_REQUEST)) {
            admin.createTopics(List.of(new NewTopic(topic, Map.of(0, List.of(4, 5)))
                    .configs(Map.of("min.insync.replicas", "1")))).all().get();
            assertThat(awaitPartition(admin, topic, p -> p.leader() != null && p.isr().size() == 2).leader().id())
                    .isEqualTo(4);
        }
        List<String> acknowledged = produce(cluster.bootstrapServers(), "a-", 50);
        nodes.remove(5).close();
        for (String topic : List.of(BY_CONFIG, BY_REQUEST)) {
            awaitPartition(admin, topic, p -> p.isr().size() == 1 && p.isr().get(0).id() == 4);
        }
        produceSeenAtOnce(cluster.bootstrapServers(), "b-", 50);
        nodes.remove(4).close();
        return acknowledged;
    }

    private BrokerConfig brokerOnly(InProcessCluster cluster, int id) throws Exception {
        Map<String, String> own = new HashMap<>(Map.of(
                "node.id", Integer.toString(id),
                "process.roles", "broker",
                "controller.quorum.voters", cluster.nodeConfig(1).get("controller.quorum.voters"),
                "controller.listener.names", "CONTROLLER",
                "listeners", "PLAINTEXT://127.0.0.1:0",
                "log.dirs", Files.createDirectories(dir.resolve("node-" + id)).toString(),
                "broker.session.timeout.ms", "6000",
                "broker.heartbeat.interval.ms", "1000"));
        return BrokerConfig.parse(own);
    }

    /** Sends {@code count} values to partition 0 of both topics with acks=all; returns them in order. */
    private static List<String> produce(String bootstrap, String prefix, int count) throws Exception {
        return produce(bootstrap, prefix, count, 60_000);
    }

    private static List<String> produce(String bootstrap, String prefix, int count, int deliveryTimeoutMs)
            throws Exception {
        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        props.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, deliveryTimeoutMs);
        props.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, Math.min(deliveryTimeoutMs, 30_000));
        props.put(ProducerConfig.LINGER_MS_CONFIG, 0);
        props.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        props.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        List<String> values = new ArrayList<>();
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(props)) {
            for (int i = 0; i < count; i++) {
                for (String topic : List.of(BY_CONFIG, BY_REQUEST)) {
                    producer.send(new ProducerRecord<>(topic, 0, null, prefix + i)).get();
                }
                values.add(prefix + i);
            }
        }
        return values;
    }

    /** Sends with acks=1 and checks, after each send, that the partition's end (high watermark) is past it. */
    private static void produceSeenAtOnce(String bootstrap, String prefix, int count) throws Exception {
        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        props.put(ProducerConfig.ACKS_CONFIG, "1");
        props.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        props.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        Properties consumerProps = new Properties();
        consumerProps.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        consumerProps.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        consumerProps.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(props);
             KafkaConsumer<String, String> consumer = new KafkaConsumer<>(consumerProps)) {
            for (int i = 0; i < count; i++) {
                for (String topic : List.of(BY_CONFIG, BY_REQUEST)) {
                    RecordMetadata sent = producer.send(new ProducerRecord<>(topic, 0, null, prefix + i)).get();
                    TopicPartition tp = new TopicPartition(topic, 0);
                    assertThat(consumer.endOffsets(List.of(tp)).get(tp)).as("%s end right after offset %d was written",
                            tp, sent.offset()).isGreaterThan(sent.offset());
                }
            }
        }
    }

    private static TopicPartitionInfo describe(Admin admin, String topic) throws Exception {
        return PartitionStates.describe(admin, topic);
    }

    private static TopicPartitionInfo awaitPartition(Admin admin, String topic,
                                                     java.util.function.Predicate<TopicPartitionInfo> condition)
            throws Exception {
        return PartitionStates.await(admin, topic, condition);
    }

    private static void awaitBrokers(Admin admin, Set<Integer> ids) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        Set<Integer> seen = Set.of();
        while (System.nanoTime() - deadline < 0) {
            seen = Set.copyOf(admin.describeCluster().nodes().get().stream().map(org.apache.kafka.common.Node::id).toList());
            if (seen.equals(ids)) {
                return;
            }
            Thread.sleep(100);
        }
        throw new AssertionError("brokers " + seen + ", not " + ids);
    }

    private static long size(Map<String, org.apache.kafka.clients.admin.LogDirDescription> dirs, TopicPartition tp) {
        return dirs.values().stream().map(d -> d.replicaInfos().get(tp)).filter(java.util.Objects::nonNull)
                .mapToLong(ReplicaInfo::size).findFirst().orElse(-1L);
    }

    private static Admin adminOf(String bootstrap) {
        Properties props = new Properties();
        props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        return Admin.create(props);
    }
}
