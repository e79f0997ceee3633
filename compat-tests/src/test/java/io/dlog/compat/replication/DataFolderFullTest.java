package io.dlog.compat.replication;

import static org.assertj.core.api.Assertions.assertThat;

import io.dlog.compat.cluster.ProcessCluster;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartitionInfo;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A node whose data folder fails (here: fills up, as a partition it leads grows, before a partition is created on it,
 * or as its metadata log grows) stops, as a Kafka broker whose log directories have all failed halts, and the other
 * replicas take over its partitions: the writes go on and nothing acknowledged is lost. Before, the partition went
 * offline there (every append KAFKA_STORAGE_ERROR, or no log at all) while the node kept leading it, so the partition
 * took no write until someone restarted the node; a metadata log it could not write left it fenced for good.
 *
 * <p>The node's data folder is a small tmpfs of its own, mounted in a user and mount namespace ({@code unshare -rm})
 * that the node's JVM runs in; the test is skipped where the machine does not allow that.
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class DataFolderFullTest {
    private static final int SMALL_DISK_NODE = 3;
    private static final int DISK_MB = 48;
    private static final int RECORD_BYTES = 8 * 1024;
    /** Twice what fits on the small disk. */
    private static final int RECORDS = 2 * DISK_MB * 1024 * 1024 / RECORD_BYTES;
    private ProcessCluster cluster;

    @AfterEach
    void close() {
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    void shouldStopTheNodeWhoseDataFolderIsFullAndWriteOnThroughTheOthers() throws Exception {
        Assumptions.assumeTrue(canMountTmpfs(), "unshare -rm with a tmpfs mount is not allowed here");
        // Given: node 3 on a 48 MB disk leads a partition that the test writes twice that much to
        startWithSmallDisk();
        String topic = "fills";
        try (Admin admin = cluster.admin()) {
            admin.createTopics(List.of(new NewTopic(topic, Map.of(0, List.of(SMALL_DISK_NODE, 1, 2)))
                    .configs(Map.of("min.insync.replicas", "2")))).all().get();
        }
        assertThat(cluster.awaitIsr(topic, 3).leader().id()).isEqualTo(SMALL_DISK_NODE);

        // When
        List<String> acknowledged = Collections.synchronizedList(new ArrayList<>());
        List<Exception> failures = Collections.synchronizedList(new ArrayList<>());
        String padding = "x".repeat(RECORD_BYTES);
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(producerProps())) {
            for (int i = 0; i < RECORDS; i++) {
                String value = "v-" + i;
                producer.send(new ProducerRecord<>(topic, 0, null, value + ":" + padding), (meta, failure) -> {
                    if (failure == null) {
                        acknowledged.add(value);
                    } else {
                        failures.add(failure);
                    }
                });
            }
            producer.flush();
        }

        // Then: node 3 stopped by itself, with a line that says why, and the partition moved on
        OptionalInt exit = cluster.awaitOwnExit(SMALL_DISK_NODE, Duration.ofSeconds(30));
        assertThat(exit).as("node %d stopped by itself%n%s", SMALL_DISK_NODE, cluster.logTail(SMALL_DISK_NODE))
                .hasValue(1);
        assertThat(Files.readString(cluster.logFile(SMALL_DISK_NODE))).contains("Stopping this node: its data folder");
        assertThat(failures).as("sends that failed").isEmpty();
        assertThat(acknowledged).hasSize(RECORDS);
        List<String> read = PartitionReader.readToEnd(cluster.bootstrapServers(), topic).stream()
                .map(v -> v.substring(0, v.indexOf(':'))).toList();
        assertThat(new HashSet<>(read)).as("no duplicates").hasSize(read.size());
        assertThat(read).as("every acknowledged write, in order").containsExactlyElementsOf(acknowledged);
        try (Admin admin = cluster.admin()) {
            TopicPartitionInfo now = admin.describeTopics(List.of(topic)).allTopicNames().get().get(topic)
                    .partitions().get(0);
            assertThat(now.leader().id()).isNotEqualTo(SMALL_DISK_NODE);
        }
    }

    @Test
    void shouldStopTheNodeWhoseFullFolderTakesNoNewPartition() throws Exception {
        Assumptions.assumeTrue(canMountTmpfs(), "unshare -rm with a tmpfs mount is not allowed here");
        // Given: node 3's folder filled from outside (through its mount namespace)
        startWithSmallDisk();
        fillFromOutside();

        // When: a topic is created with a replica on it
        String topic = "new-on-full";
        // (its folder takes neither the partition nor, often first, the metadata log's entry for it; the create is
        // retried if node 3 stopped before it answered)
        cluster.createTopic(new NewTopic(topic, Map.of(0, List.of(SMALL_DISK_NODE, 1, 2))));

        // Then: node 3 stops, and the partition takes writes on the others
        OptionalInt exit = cluster.awaitOwnExit(SMALL_DISK_NODE, Duration.ofSeconds(30));
        assertThat(exit).as("node %d stopped by itself%n%s", SMALL_DISK_NODE, cluster.logTail(SMALL_DISK_NODE))
                .hasValue(1);
        assertThat(Files.readString(cluster.logFile(SMALL_DISK_NODE))).contains("Stopping this node: its data folder");
        List<String> written = new ArrayList<>();
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(producerProps())) {
            for (int i = 0; i < 10; i++) {
                producer.send(new ProducerRecord<>(topic, 0, null, "w-" + i + ":")).get(60, TimeUnit.SECONDS);
                written.add("w-" + i);
            }
        }
        List<String> read = PartitionReader.readToEnd(cluster.bootstrapServers(), topic).stream()
                .map(v -> v.substring(0, v.indexOf(':'))).toList();
        assertThat(read).containsExactlyElementsOf(written);
    }

    @Test
    void shouldStopTheNodeWhoseMetadataLogMeetsAFullFolder() throws Exception {
        Assumptions.assumeTrue(canMountTmpfs(), "unshare -rm with a tmpfs mount is not allowed here");
        // Given: a topic on nodes 1 and 2 only, and node 3's folder filled from outside
        startWithSmallDisk();
        String topic = "elsewhere";
        try (Admin admin = cluster.admin()) {
            admin.createTopics(List.of(new NewTopic(topic, Map.of(0, List.of(1, 2))))).all().get(30, TimeUnit.SECONDS);
        }
        fillFromOutside();

        // When: metadata entries (topic config changes, a few KB each) reach node 3's metadata log
        ConfigResource resource = new ConfigResource(ConfigResource.Type.TOPIC, topic);
        String replicas = java.util.stream.IntStream.range(1, 400).mapToObj(p -> p + ":1")
                .collect(java.util.stream.Collectors.joining(","));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
        try (Admin admin = cluster.admin()) {
            for (int i = 0; cluster.isRunning(SMALL_DISK_NODE) && System.nanoTime() - deadline < 0; i++) {
                admin.incrementalAlterConfigs(Map.of(resource, List.of(new AlterConfigOp(new ConfigEntry(
                        "leader.replication.throttled.replicas", "0:" + (1 + i % 2) + "," + replicas),
                        AlterConfigOp.OpType.SET)))).all().get(30, TimeUnit.SECONDS);
            }
        }

        // Then: node 3 stopped, saying why, and the others go on
        OptionalInt exit = cluster.awaitOwnExit(SMALL_DISK_NODE, Duration.ofSeconds(10));
        assertThat(exit).as("node %d stopped by itself%n%s", SMALL_DISK_NODE, cluster.logTail(SMALL_DISK_NODE))
                .hasValue(1);
        assertThat(Files.readString(cluster.logFile(SMALL_DISK_NODE))).contains("failed (the metadata log: ");
        cluster.createTopic(new NewTopic("after", Map.of(0, List.of(1, 2))));
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(producerProps())) {
            producer.send(new ProducerRecord<>("after", 0, null, "a:")).get(60, TimeUnit.SECONDS);
        }
        assertThat(PartitionReader.readToEnd(cluster.bootstrapServers(), "after")).containsExactly("a:");
    }

    /** Fills node 3's folder with a file, through its mount namespace ({@code /proc/<pid>/root}). */
    private void fillFromOutside() throws Exception {
        Path inside = Path.of("/proc/" + cluster.pid(SMALL_DISK_NODE) + "/root" + cluster.dataDir(SMALL_DISK_NODE));
        Process fill = new ProcessBuilder("dd", "if=/dev/zero", "of=" + inside.resolve("filler"), "bs=1M",
                "count=" + (DISK_MB + 1)).redirectErrorStream(true).start();
        fill.getInputStream().readAllBytes();
        assertThat(fill.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(fill.exitValue()).as("dd stops at a full disk").isNotZero();
    }

    /** Three child JVMs; node 3's data folder is a tmpfs of {@link #DISK_MB} MB in a mount namespace of its own. */
    private void startWithSmallDisk() throws java.io.IOException {
        Map<String, String> quickFence = Map.of("broker.session.timeout.ms", "6000",
                "broker.heartbeat.interval.ms", "1000");
        String mountThenRun = "mount -t tmpfs -o size=" + DISK_MB + "m tmpfs \"$0\" && exec \"$@\"";
        cluster = ProcessCluster.start(3, quickFence, c -> {
            try {
                Path data = c.dataDir(SMALL_DISK_NODE);
                Files.createDirectories(data);
                c.launchWithin(SMALL_DISK_NODE, List.of("unshare", "-rm", "sh", "-c", mountThenRun, data.toString()));
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
    }

    private Properties producerProps() {
        Properties props = cluster.clientProps();
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        props.put(ProducerConfig.LINGER_MS_CONFIG, "5");
        props.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, "120000");
        props.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        props.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        return props;
    }

    static boolean canMountTmpfs() throws InterruptedException {
        try {
            Path probe = Files.createTempDirectory("dlog-tmpfs-probe");
            try {
                Process p = new ProcessBuilder("unshare", "-rm", "sh", "-c", "mount -t tmpfs -o size=1m tmpfs \"$0\"",
                        probe.toString()).redirectErrorStream(true).start();
                return p.waitFor(10, TimeUnit.SECONDS) && p.exitValue() == 0;
            } finally {
                Files.deleteIfExists(probe);
            }
        } catch (java.io.IOException e) {
            return false;
        }
    }
}
