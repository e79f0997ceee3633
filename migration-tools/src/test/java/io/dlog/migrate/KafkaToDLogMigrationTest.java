package io.dlog.migrate;

import static io.dlog.migrate.MigrationFixture.admin;
import static io.dlog.migrate.MigrationFixture.consumer;
import static io.dlog.migrate.MigrationFixture.migrate;
import static io.dlog.migrate.MigrationFixture.producer;
import static io.dlog.migrate.MigrationFixture.readAll;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dlog.broker.DLogBroker;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.RecordsToDelete;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.InvalidTopicException;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * dlog-migrate from a real Apache Kafka 4.x broker (a child JVM) to an in-process DLog node: every kind of
 * record the log can hold arrives at its offset, verify proves it, groups resume where they committed.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class KafkaToDLogMigrationTest {
    @TempDir
    static Path dir;
    private KafkaProcess kafka;
    private DLogBroker dlog;
    private Admin source;
    private Admin target;

    @BeforeAll
    void startClusters() throws Exception {
        // The cleaner wakes often, so the compacted topic is cleaned within the test. No time retention: the records
        // carry 2023 timestamps, and Kafka's first retention check (log.initial.task.delay.ms, 30 s after start) would
        // delete them from the source under a test that runs late.
        kafka = KafkaProcess.start(dir.resolve("kafka"), "log.cleaner.backoff.ms=200", "log.retention.ms=-1");
        dlog = MigrationFixture.startDLog(dir.resolve("dlog"));
        source = admin(kafka.bootstrapServers());
        target = admin(dlog.bootstrapServers());
    }

    @AfterAll
    void stopClusters() throws Exception {
        if (source != null) {
            source.close();
        }
        if (target != null) {
            target.close();
        }
        if (dlog != null) {
            dlog.close();
        }
        if (kafka != null) {
            kafka.close();
        }
    }

    private String[] args(String command, String... more) {
        String[] base = command.equals("cutover")
                ? new String[] {command, "--target", dlog.bootstrapServers()}
                : new String[] {command, "--source", kafka.bootstrapServers(), "--target", dlog.bootstrapServers()};
        String[] all = new String[base.length + more.length];
        System.arraycopy(base, 0, all, 0, base.length);
        System.arraycopy(more, 0, all, base.length, more.length);
        return all;
    }

    @Test
    void shouldCopyEveryKindOfRecordAtItsOffsetAndLetAGroupResumeExactly() throws Exception {
        // Given topics with keys, headers, null values, four codecs, a log start moved by DeleteRecords,
        // a cleaned compacted topic, committed and aborted transactions, and a group with committed offsets
        create(source, new NewTopic("a.mixed", 3, (short) 1));
        create(source, new NewTopic("a.compacted", 1, (short) 1).configs(Map.of("cleanup.policy", "compact",
                "segment.ms", "100", "min.cleanable.dirty.ratio", "0.01", "min.compaction.lag.ms", "0")));
        create(source, new NewTopic("a.txn", 2, (short) 1));
        produceMixed("a.mixed");
        Clusters.get(source.deleteRecords(Map.of(new TopicPartition("a.mixed", 0), RecordsToDelete.beforeOffset(7)))
                .all());
        produceCompactedAndAwaitCleaning("a.compacted");
        produceTransactions("a.txn");
        Map<TopicPartition, OffsetAndMetadata> committed = commitHalfway("a-group", "a.mixed");

        // When the tool plans, runs and verifies
        MigrationFixture.Outcome plan = migrate(args("plan", "--topics", "a\\..*", "--groups", "a-.*"));
        MigrationFixture.Outcome run = migrate(args("run", "--topics", "a\\..*", "--groups", "a-.*"));
        MigrationFixture.Outcome verify = migrate(args("verify", "--topics", "a\\..*", "--groups", "a-.*"));

        // Then the plan named everything, run and verify exit 0, and the logs are the same record for record
        assertThat(plan.exitCode()).as(plan.toString()).isZero();
        assertThat(plan.out()).contains("topic a.compacted: 1 partitions", "cleanup.policy=compact", "group a-group");
        assertThat(run.exitCode()).as(run.toString()).isZero();
        assertThat(verify.exitCode()).as(verify.toString()).isZero();
        for (TopicPartition tp : List.of(new TopicPartition("a.mixed", 0), new TopicPartition("a.compacted", 0),
                new TopicPartition("a.txn", 1))) {
            assertThat(summary(readAll(dlog.bootstrapServers(), tp))).isEqualTo(summary(readAll(kafka.bootstrapServers(), tp)));
        }
        assertThat(readAll(dlog.bootstrapServers(), new TopicPartition("a.mixed", 0)).get(0).offset()).isEqualTo(7);
        // (the cases were really there: the cleaner left offset gaps, the aborted records are in the log)
        List<Long> compacted = readAll(kafka.bootstrapServers(), new TopicPartition("a.compacted", 0)).stream()
                .map(ConsumerRecord::offset).toList();
        long compactedStart = Clusters.get(source.listOffsets(Map.of(new TopicPartition("a.compacted", 0),
                org.apache.kafka.clients.admin.OffsetSpec.earliest())).all()).get(new TopicPartition("a.compacted", 0)).offset();
        assertThat(compacted.get(0) > compactedStart
                || java.util.stream.IntStream.range(1, compacted.size()).anyMatch(i -> compacted.get(i) > compacted.get(i - 1) + 1))
                .as("offset gaps in %s from log start %d", compacted, compactedStart).isTrue();
        assertThat(summary(readAll(dlog.bootstrapServers(), new TopicPartition("a.txn", 0)))).anyMatch(r -> r.contains("=abort"));

        // And the copy is read-only until cutover
        try (KafkaProducer<String, String> producer = producer(dlog.bootstrapServers(), ProducerConfig.LINGER_MS_CONFIG, "0")) {
            assertThatThrownBy(() -> producer.send(new ProducerRecord<>("a.mixed", 0, "k", "v")).get(30, TimeUnit.SECONDS))
                    .isInstanceOf(ExecutionException.class).hasCauseInstanceOf(InvalidTopicException.class);
        }

        // When the topics are cut over and the group's consumer moves to DLog
        MigrationFixture.Outcome cutover = migrate(args("cutover", "--topics", "a\\..*"));
        assertThat(cutover.exitCode()).as(cutover.toString()).isZero();
        Map<TopicPartition, Long> firstSeen = new HashMap<>();
        try (KafkaConsumer<String, String> moved = consumer(dlog.bootstrapServers(), "a-group", "auto.offset.reset", "none")) {
            moved.subscribe(List.of("a.mixed"));
            long deadline = System.currentTimeMillis() + 60_000;
            while (firstSeen.size() < 3 && System.currentTimeMillis() < deadline) {
                for (ConsumerRecord<String, String> r : moved.poll(Duration.ofMillis(200))) {
                    firstSeen.putIfAbsent(new TopicPartition(r.topic(), r.partition()), r.offset());
                }
            }
        }

        // Then it resumes exactly at its committed offsets: no duplicate, no gap
        Map<TopicPartition, Long> expected = new HashMap<>();
        committed.forEach((tp, om) -> expected.put(tp, om.offset()));
        assertThat(firstSeen).isEqualTo(expected);

        // And the topic takes writes again, after the copied offsets
        try (KafkaProducer<String, String> producer = producer(dlog.bootstrapServers(), ProducerConfig.LINGER_MS_CONFIG, "0")) {
            long end = Clusters.get(source.listOffsets(Map.of(new TopicPartition("a.mixed", 1),
                    org.apache.kafka.clients.admin.OffsetSpec.latest())).all()).get(new TopicPartition("a.mixed", 1)).offset();
            assertThat(producer.send(new ProducerRecord<>("a.mixed", 1, "after", "cutover")).get(30, TimeUnit.SECONDS).offset())
                    .isEqualTo(end);
        }
    }

    @Test
    void shouldCarryIdempotentProducerStateAcrossSoASwitchingProducerContinuesItsSequence() throws Exception {
        // Given a partition written by two idempotent producers, one of them twice as often
        create(source, new NewTopic("g.producers", 1, (short) 1));
        try (KafkaProducer<String, String> first = producer(kafka.bootstrapServers(), ProducerConfig.LINGER_MS_CONFIG, "0");
             KafkaProducer<String, String> second = producer(kafka.bootstrapServers(), ProducerConfig.LINGER_MS_CONFIG, "0")) {
            for (int i = 0; i < 12; i++) {
                first.send(new ProducerRecord<>("g.producers", 0, "a", "a" + i)).get();
                if (i % 2 == 0) {
                    second.send(new ProducerRecord<>("g.producers", 0, "b", "b" + i)).get();
                }
            }
        }

        // When the topic is migrated and cut over
        assertThat(migrate(args("run", "--topics", "g\\.producers")).exitCode()).isZero();
        assertThat(migrate(args("cutover", "--topics", "g\\.producers")).exitCode()).isZero();

        // Then DLog knows every producer id with the epoch and last sequence the source has (DescribeProducers), which
        // is what lets a retried batch be recognised and the next one continue the sequence
        TopicPartition tp = new TopicPartition("g.producers", 0);
        assertThat(producers(target, tp)).hasSize(2).isEqualTo(producers(source, tp));
    }

    /** "producer id/epoch/last sequence" of every producer a partition's leader keeps, sorted. */
    private static List<String> producers(Admin admin, TopicPartition tp) throws Exception {
        return Clusters.get(admin.describeProducers(List.of(tp)).partitionResult(tp)).activeProducers().stream()
                .map(p -> p.producerId() + "/" + p.producerEpoch() + "/" + p.lastSequence()).sorted().toList();
    }

    @Test
    void verifyShouldReportARecordThatDiffers() throws Exception {
        // Given a topic migrated and cut over
        create(source, new NewTopic("b.altered", 1, (short) 1));
        produceValues("b.altered", "one", "two", "three");
        assertThat(migrate(args("run", "--topics", "b\\.altered")).exitCode()).isZero();
        assertThat(migrate(args("cutover", "--topics", "b\\.altered")).exitCode()).isZero();

        // When the source topic is re-created with the same offsets but one value altered
        Clusters.get(source.deleteTopics(List.of("b.altered")).all());
        awaitGone(source, "b.altered");
        create(source, new NewTopic("b.altered", 1, (short) 1));
        produceValues("b.altered", "one", "TWO", "three");
        MigrationFixture.Outcome verify = migrate(args("verify", "--topics", "b\\.altered"));

        // Then verify exits 1 and names the partition whose records differ
        assertThat(verify.exitCode()).as(verify.toString()).isEqualTo(1);
        assertThat(verify.out()).contains("b.altered-0: records differ").doesNotContain("log end offset");
    }

    @Test
    void shouldFollowNewRecordsAndCommitsUntilCutover() throws Exception {
        // Given a topic with a group, migrated with --follow in the background
        create(source, new NewTopic("d.follow", 2, (short) 1));
        produceValues("d.follow", "r0", "r1", "r2", "r3");
        TopicPartition tp = new TopicPartition("d.follow", 0);
        commit("d-group", tp, 2);
        java.util.concurrent.CompletableFuture<MigrationFixture.Outcome> follow = java.util.concurrent.CompletableFuture.supplyAsync(
                () -> migrate(args("run", "--topics", "d\\.follow", "--groups", "d-.*", "--follow", "--interval-ms", "200")));
        awaitTarget(() -> endOffset(target, tp) == 4 && committedOffset(target, "d-group", tp) == 2, "the first copy");

        // When records are produced and offsets committed on the source afterwards
        produceValues("d.follow", "r4", "r5", "r6");
        commit("d-group", tp, 6);

        // Then they arrive on the target while the tool follows
        awaitTarget(() -> endOffset(target, tp) == 7 && committedOffset(target, "d-group", tp) == 6, "the followed records");
        assertThat(follow).isNotDone();
        MigrationFixture.Outcome verify = migrate(args("verify", "--topics", "d\\.follow", "--groups", "d-.*"));
        assertThat(verify.exitCode()).as(verify.toString()).isZero();

        // And cutover ends the follow run with exit 0
        assertThat(migrate(args("cutover", "--topics", "d\\.follow")).exitCode()).isZero();
        MigrationFixture.Outcome run = follow.get(60, TimeUnit.SECONDS);
        assertThat(run.exitCode()).as(run.toString()).isZero();
        assertThat(run.out()).contains("cut over");
    }

    @Test
    void shouldResumeWithoutDuplicatesAfterTheToolIsKilledMidCopy() throws Exception {
        // Given a topic large enough that copying it takes a moment
        create(source, new NewTopic("e.big", 2, (short) 1));
        try (KafkaProducer<String, String> p = producer(kafka.bootstrapServers(), ProducerConfig.LINGER_MS_CONFIG, "20",
                ProducerConfig.BATCH_SIZE_CONFIG, "65536")) {
            String payload = "p".repeat(1000);
            for (int i = 0; i < 40_000; i++) {
                p.send(new ProducerRecord<>("e.big", i % 2, "k" + i, payload + i));
            }
            p.flush();
        }

        // When the tool runs in its own JVM and is killed -9 once the copy has started
        Process tool = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-cp",
                System.getProperty("java.class.path"), DLogMigrate.class.getName(), "run", "--source", kafka.bootstrapServers(),
                "--target", dlog.bootstrapServers(), "--topics", "e\\.big", "--interval-ms", "100")
                .redirectErrorStream(true).redirectOutput(dir.resolve("tool.out").toFile()).start();
        TopicPartition p0 = new TopicPartition("e.big", 0);
        awaitTarget(() -> Clusters.get(target.listTopics().names()).contains("e.big") && endOffset(target, p0) > 0, "the copy to start");
        boolean killedWhileRunning = tool.isAlive();
        tool.destroyForcibly();
        assertThat(tool.waitFor(30, TimeUnit.SECONDS)).isTrue();

        // Then running it again completes, and verify finds the same log on both sides
        MigrationFixture.Outcome rerun = migrate(args("run", "--topics", "e\\.big"));
        MigrationFixture.Outcome verify = migrate(args("verify", "--topics", "e\\.big"));
        assertThat(killedWhileRunning).as("the tool was still running when killed").isTrue();
        assertThat(rerun.exitCode()).as(rerun.toString()).isZero();
        assertThat(rerun.out()).contains("resume copying");
        assertThat(verify.exitCode()).as(verify.toString()).isZero();
        assertThat(endOffset(target, p0) + endOffset(target, new TopicPartition("e.big", 1))).isEqualTo(40_000);
    }

    private interface Check {
        boolean holds() throws Exception;
    }

    /** Waits until the check holds; a topic or partition not there yet counts as "not yet". */
    private static void awaitTarget(Check check, String what) throws Exception {
        long deadline = System.currentTimeMillis() + 60_000;
        while (!holdsYet(check)) {
            if (System.currentTimeMillis() > deadline) {
                throw new AssertionError("timed out waiting for " + what);
            }
            Thread.sleep(100);
        }
    }

    private static boolean holdsYet(Check check) throws Exception {
        try {
            return check.holds();
        } catch (org.apache.kafka.common.errors.UnknownTopicOrPartitionException e) {
            return false;
        }
    }

    private static long endOffset(Admin admin, TopicPartition tp) throws Exception {
        return Clusters.get(admin.listOffsets(Map.of(tp, org.apache.kafka.clients.admin.OffsetSpec.latest())).all()).get(tp).offset();
    }

    private static long committedOffset(Admin admin, String group, TopicPartition tp) throws Exception {
        OffsetAndMetadata om = Clusters.get(admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata()).get(tp);
        return om == null ? -1 : om.offset();
    }

    private void commit(String group, TopicPartition tp, long offset) {
        try (KafkaConsumer<String, String> c = consumer(kafka.bootstrapServers(), group)) {
            c.assign(List.of(tp));
            c.commitSync(Map.of(tp, new OffsetAndMetadata(offset)));
        }
    }

    // ------------------------------------------------------------------ source data

    /** Creates the topic and waits until every partition has a leader (producers fail fast before that). */
    private static void create(Admin admin, NewTopic topic) throws Exception {
        Clusters.get(admin.createTopics(List.of(topic)).all());
        awaitTarget(() -> Clusters.get(admin.describeTopics(List.of(topic.name())).allTopicNames()).get(topic.name())
                .partitions().stream().allMatch(p -> p.leader() != null && !p.leader().isEmpty()), "the leaders of " + topic.name());
    }

    private static void awaitGone(Admin admin, String topic) throws Exception {
        long deadline = System.currentTimeMillis() + 30_000;
        while (Clusters.get(admin.listTopics().names()).contains(topic) && System.currentTimeMillis() < deadline) {
            Thread.sleep(100);
        }
        Thread.sleep(500); // Kafka deletes the partition folders asynchronously
    }

    private void produceValues(String topic, String... values) throws Exception {
        try (KafkaProducer<String, String> p = producer(kafka.bootstrapServers(), ProducerConfig.LINGER_MS_CONFIG, "0")) {
            for (int i = 0; i < values.length; i++) {
                p.send(new ProducerRecord<>(topic, 0, 1_700_000_000_000L + i, "k" + i, values[i])).get();
            }
        }
    }

    /** Batches of five (one flush each) in every codec, with keys, headers and null values, on three partitions. */
    private void produceMixed(String topic) throws Exception {
        int n = 0;
        for (String codec : List.of("none", "gzip", "lz4", "zstd", "snappy")) {
            try (KafkaProducer<String, String> p = producer(kafka.bootstrapServers(), ProducerConfig.COMPRESSION_TYPE_CONFIG, codec,
                    ProducerConfig.BATCH_SIZE_CONFIG, "1048576")) {
                for (int round = 0; round < 2; round++) {
                    for (int partition = 0; partition < 3; partition++) {
                        for (int i = 0; i < 5; i++, n++) {
                            RecordHeaders headers = new RecordHeaders();
                            headers.add("h", ("header-" + n).getBytes(StandardCharsets.UTF_8));
                            headers.add("empty", new byte[0]);
                            String key = n % 4 == 0 ? null : "key-" + n;
                            String value = n % 7 == 0 ? null : codec + "-value-" + n + "-" + "x".repeat(n % 50);
                            p.send(new ProducerRecord<>(topic, partition, null, key, value, headers));
                        }
                    }
                    p.flush();
                }
            }
        }
    }

    private void produceCompactedAndAwaitCleaning(String topic) throws Exception {
        int produced = 0;
        try (KafkaProducer<String, String> p = producer(kafka.bootstrapServers(), ProducerConfig.LINGER_MS_CONFIG, "0")) {
            for (int round = 0; round < 8; round++) {
                for (int key = 0; key < 5; key++) {
                    p.send(new ProducerRecord<>(topic, 0, "key-" + key, key == 3 && round == 7 ? null : "v" + round)).get();
                    produced++;
                }
                Thread.sleep(150); // segment.ms=100: the next append rolls a new segment
            }
        }
        TopicPartition tp = new TopicPartition(topic, 0);
        long deadline = System.currentTimeMillis() + 60_000;
        while (readAll(kafka.bootstrapServers(), tp).size() >= produced - 10) {
            if (System.currentTimeMillis() > deadline) {
                throw new AssertionError("Kafka's cleaner did not compact " + topic + " within 60 s");
            }
            Thread.sleep(500);
            // appends keep rolling segments so that the dirty ones become cleanable
            try (KafkaProducer<String, String> p = producer(kafka.bootstrapServers(), ProducerConfig.LINGER_MS_CONFIG, "0")) {
                p.send(new ProducerRecord<>(topic, 0, "key-0", "again")).get();
                produced++;
            }
        }
    }

    /** A committed and an aborted transaction over both partitions, then a committed one on partition 1 only. */
    private void produceTransactions(String topic) throws Exception {
        try (KafkaProducer<String, String> p = producer(kafka.bootstrapServers(), ProducerConfig.TRANSACTIONAL_ID_CONFIG, "a-txn",
                ProducerConfig.LINGER_MS_CONFIG, "0")) {
            p.initTransactions();
            for (String outcome : List.of("commit", "abort", "commit")) {
                p.beginTransaction();
                for (int i = 0; i < 4; i++) {
                    p.send(new ProducerRecord<>(topic, outcome.equals("abort") || i % 2 == 0 ? i % 2 : 1, "t" + i, outcome + i));
                }
                if (outcome.equals("abort")) {
                    p.flush();
                    p.abortTransaction();
                } else {
                    p.commitTransaction();
                }
            }
        }
    }

    /** A consumer of the group reads part of each partition and commits what it read (with metadata). */
    private Map<TopicPartition, OffsetAndMetadata> commitHalfway(String group, String topic) {
        Map<TopicPartition, OffsetAndMetadata> commits = new HashMap<>();
        try (KafkaConsumer<String, String> c = consumer(kafka.bootstrapServers(), group, "max.poll.records", "4")) {
            List<TopicPartition> partitions = List.of(new TopicPartition(topic, 0), new TopicPartition(topic, 1),
                    new TopicPartition(topic, 2));
            c.assign(partitions);
            long deadline = System.currentTimeMillis() + 30_000;
            while (commits.size() < 3 && System.currentTimeMillis() < deadline) {
                ConsumerRecords<String, String> records = c.poll(Duration.ofMillis(200));
                for (TopicPartition tp : records.partitions()) {
                    List<ConsumerRecord<String, String>> got = records.records(tp);
                    ConsumerRecord<String, String> last = got.get(got.size() - 1);
                    commits.putIfAbsent(tp, new OffsetAndMetadata(last.offset() + 1, last.leaderEpoch(), "read-by-" + group));
                }
            }
            c.commitSync(commits);
        }
        return commits;
    }

    /** What a record is, for comparing two logs: offset, timestamp, key, value, headers. */
    private static List<String> summary(List<ConsumerRecord<byte[], byte[]>> records) {
        return records.stream().map(r -> r.offset() + "@" + r.timestamp() + " " + text(r.key()) + "=" + text(r.value())
                + " " + java.util.Arrays.stream(r.headers().toArray()).map(h -> h.key() + ":" + text(h.value())).toList()).toList();
    }

    private static String text(byte[] bytes) {
        return bytes == null ? "<null>" : new String(bytes, StandardCharsets.UTF_8);
    }
}
