package io.dlog.compat.replication;

import static org.assertj.core.api.Assertions.assertThat;

import io.dlog.compat.cluster.InProcessCluster;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.Future;
import java.util.stream.Stream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.LogDirDescription;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.ReplicaInfo;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;

/**
 * Followers hold the leader's bytes exactly: after writes of very different sizes (so that fetch answers range
 * from a few bytes to several hundred KiB, and a follower's receive buffer is reused, grown and reused again), every
 * replica's log files hold the same bytes. A follower that wrote a stale or overwritten receive buffer, or lost part
 * of an answer, differs here.
 */
class ReplicaBytesTest {
    private static final String TOPIC = "copies";
    private static final int PARTITIONS = 2;

    @Test
    void shouldKeepTheLeadersBytesOnEveryFollower() throws Exception {
        try (InProcessCluster cluster = InProcessCluster.start(3, Map.of())) {
            // Given
            cluster.createTopic(new NewTopic(TOPIC, PARTITIONS, (short) 3).configs(Map.of("min.insync.replicas", "2")));
            Random random = new Random(20261204L);

            // When: small and large records, plain and compressed, acks=all and acks=1, in flight together
            try (KafkaProducer<byte[], byte[]> plain = producer(cluster, "all", "none");
                 KafkaProducer<byte[], byte[]> compressed = producer(cluster, "1", "lz4")) {
                List<Future<RecordMetadata>> sent = new java.util.ArrayList<>();
                for (int i = 0; i < 3_000; i++) {
                    int size = i % 97 == 0 ? 200_000 + random.nextInt(200_000) : 1 + random.nextInt(i % 5 == 0 ? 4_000 : 100);
                    byte[] value = new byte[size];
                    random.nextBytes(value);
                    KafkaProducer<byte[], byte[]> p = i % 3 == 0 ? compressed : plain;
                    sent.add(p.send(new ProducerRecord<>(TOPIC, i % PARTITIONS, ("k" + i).getBytes(), value)));
                    if (i % 500 == 499) {
                        for (Future<RecordMetadata> f : sent) {
                            f.get();
                        }
                        sent.clear();
                    }
                }
                for (Future<RecordMetadata> f : sent) {
                    f.get();
                }
            }

            // Then
            for (int p = 0; p < PARTITIONS; p++) {
                TopicPartition tp = new TopicPartition(TOPIC, p);
                awaitSameSize(cluster, tp);
                Map<Integer, String> digests = new TreeMap<>();
                for (int node : cluster.nodeIds()) {
                    digests.put(node, digest(logBytes(cluster.dataDir(node), tp)));
                }
                assertThat(digests.values()).as("SHA-256 of %s's log files on nodes 1-3", tp).containsOnly(digests.get(1));
            }
        }
    }

    private static KafkaProducer<byte[], byte[]> producer(InProcessCluster cluster, String acks, String compression) {
        Properties props = cluster.clientProps();
        props.put(ProducerConfig.ACKS_CONFIG, acks);
        props.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, compression);
        props.put(ProducerConfig.LINGER_MS_CONFIG, "2");
        props.put(ProducerConfig.BATCH_SIZE_CONFIG, "262144");
        props.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, "1000000");
        props.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        props.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        return new KafkaProducer<>(props);
    }

    /** Waits until every node reports the partition at one size (the followers fetched everything). */
    private static void awaitSameSize(InProcessCluster cluster, TopicPartition tp) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        Map<Integer, Long> sizes = new TreeMap<>();
        while (System.nanoTime() - deadline < 0) {
            try (Admin admin = cluster.admin()) {
                Map<Integer, Map<String, LogDirDescription>> dirs =
                        admin.describeLogDirs(cluster.nodeIds()).allDescriptions().get();
                for (int node : cluster.nodeIds()) {
                    ReplicaInfo replica = dirs.get(node).values().iterator().next().replicaInfos().get(tp);
                    sizes.put(node, replica == null ? -1L : replica.size());
                }
            }
            if (sizes.get(1) > 0 && sizes.values().stream().distinct().count() == 1) {
                return;
            }
            Thread.sleep(200);
        }
        throw new AssertionError(tp + " sizes on nodes 1-3 never matched: " + sizes);
    }

    /** The partition's segment files in offset order, concatenated (followers may cut segments elsewhere). */
    private static byte[] logBytes(Path dataDir, TopicPartition tp) throws IOException {
        Path dir;
        try (Stream<Path> found = Files.walk(dataDir)) {
            dir = found.filter(Files::isDirectory).filter(d -> d.getFileName().toString().equals(tp.topic() + "-" + tp.partition()))
                    .findFirst().orElseThrow(() -> new AssertionError("no folder of " + tp + " under " + dataDir));
        }
        List<Path> segments;
        try (Stream<Path> files = Files.list(dir)) {
            segments = files.filter(f -> f.getFileName().toString().endsWith(".log")).sorted().toList();
        }
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        for (Path segment : segments) {
            all.write(Files.readAllBytes(segment));
        }
        assertThat(all.size()).as("bytes of %s under %s", tp, dataDir).isPositive();
        return all.toByteArray();
    }

    private static String digest(byte[] bytes) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    }
}
