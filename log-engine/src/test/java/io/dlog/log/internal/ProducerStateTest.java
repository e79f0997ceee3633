package io.dlog.log.internal;

import io.dlog.log.AppendError;
import io.dlog.log.AppendResult;
import io.dlog.log.LogConfig;
import io.dlog.log.LogManager;
import io.dlog.log.LogManagerConfig;
import io.dlog.log.PartitionLog;
import io.dlog.log.ProducerSnapshot;
import io.dlog.log.TopicPartition;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;

import static io.dlog.log.internal.LogTestSupport.T0;
import static io.dlog.log.internal.LogTestSupport.append;
import static org.assertj.core.api.Assertions.assertThat;

class ProducerStateTest {
    @TempDir
    Path dir;
    private final MutableClock clock = new MutableClock(T0);
    private final TopicPartition tp = new TopicPartition("p", 1);
    private final LogConfig config = LogConfig.DEFAULT.withSegmentBytes(400);
    private LogManager manager;
    private PartitionLog log;

    @BeforeEach
    void setUp() throws Exception {
        open();
        log = manager.getOrCreate(tp, config);
    }

    private void open() throws Exception {
        LogManagerConfig mc = new LogManagerConfig(dir, Duration.ofHours(1), Duration.ofMillis(2), 2,
                Duration.ofMinutes(10));
        manager = LogManager.open(mc, clock, t -> config);
        log = manager.get(tp).orElse(null);
    }

    @AfterEach
    void tearDown() throws Exception {
        manager.close();
    }

    private AppendResult send(long pid, int epoch, int seq, String... values) throws Exception {
        return append(log, TestBatches.of(values).producer(pid, epoch, seq).timestamp(clock.millis()).build());
    }

    @Test
    void shouldAnswerDuplicatesWithOriginalOffsets() throws Exception {
        AppendResult first = send(7, 0, 0, "a", "b");
        send(7, 0, 2, "c");
        AppendResult dup = send(7, 0, 0, "a", "b");
        assertThat(dup.succeeded()).isTrue();
        assertThat(dup.baseOffset()).isEqualTo(first.baseOffset());
        assertThat(dup.lastOffset()).isEqualTo(1);
        assertThat(log.logEndOffset()).isEqualTo(3);
    }

    @Test
    void shouldRejectDuplicatesOlderThanFiveBatchesAsOutOfOrder() throws Exception {
        for (int i = 0; i < 6; i++) {
            assertThat(send(7, 0, i, "v" + i).succeeded()).isTrue();
        }
        assertThat(send(7, 0, 0, "v0").error()).isEqualTo(AppendError.OUT_OF_ORDER_SEQUENCE_NUMBER);
        assertThat(send(7, 0, 1, "v1").succeeded()).isTrue();
        assertThat(log.logEndOffset()).isEqualTo(6);
    }

    @Test
    void shouldRejectSequenceGaps() throws Exception {
        send(7, 0, 0, "a");
        assertThat(send(7, 0, 2, "c").error()).isEqualTo(AppendError.OUT_OF_ORDER_SEQUENCE_NUMBER);
        assertThat(send(7, 0, 1, "b").succeeded()).isTrue();
    }

    @Test
    void shouldCheckEpochs() throws Exception {
        send(7, 3, 0, "a");
        assertThat(send(7, 2, 1, "b").error()).isEqualTo(AppendError.INVALID_PRODUCER_EPOCH);
        assertThat(send(7, 4, 5, "b").error()).isEqualTo(AppendError.OUT_OF_ORDER_SEQUENCE_NUMBER);
        assertThat(send(7, 4, 0, "b").succeeded()).isTrue();
        // an unknown producer starts at 0 on a partition that has forgotten no producer
        assertThat(send(8, 0, 42, "x").error()).isEqualTo(AppendError.OUT_OF_ORDER_SEQUENCE_NUMBER);
        assertThat(send(8, 0, 0, "x").succeeded()).isTrue();
        assertThat(log.activeProducers()).extracting(p -> p.producerId()).containsExactly(7L, 8L);
    }

    @Test
    void shouldWriteAnUnknownProducersLaterBatchOnlyAfterItsFirstWhileThePartitionForgetsNone() throws Exception {
        // Given: the producer's first batch (sequence 0) was refused a moment ago and is being retried

        // When: its next batch arrives first
        AppendResult early = send(8, 0, 3, "d");

        // Then: it is refused (Kafka would write it, and the retried first batch would be out of sequence for good),
        // and both are written in order once the first one comes
        assertThat(early.error()).isEqualTo(AppendError.OUT_OF_ORDER_SEQUENCE_NUMBER);
        assertThat(log.logEndOffset()).isZero();
        assertThat(send(8, 0, 0, "a", "b", "c").succeeded()).isTrue();
        assertThat(send(8, 0, 3, "d").baseOffset()).isEqualTo(3);
    }

    @Test
    void shouldAcceptAnUnknownProducerAnywhereOnceThePartitionForgotAProducerAcrossARestart() throws Exception {
        // Given: a strict partition across a restart, then one whose producer expired, across a restart
        send(7, 0, 0, "a");
        manager.close();
        open();
        assertThat(send(8, 0, 5, "x").error()).as("no producer forgotten yet").isEqualTo(AppendError.OUT_OF_ORDER_SEQUENCE_NUMBER);
        clock.advance(Duration.ofMinutes(11).toMillis());
        manager.runRetentionNow();
        manager.close();
        open();

        // When: a producer it does not know writes above sequence 0
        AppendResult result = send(9, 0, 17, "y");

        // Then: it may be one whose state was forgotten: Kafka's rule (KIP-360)
        assertThat(result.succeeded()).as(result.errorMessage()).isTrue();
    }

    @Test
    void shouldAcceptAnUnknownProducerAnywhereOnACompactedLog() throws Exception {
        PartitionLog compacted = manager.getOrCreate(new TopicPartition("compacted", 0),
                config.withCompaction(true, false, Duration.ofDays(1).toMillis(), 0, Long.MAX_VALUE, 0.5));
        AppendResult result = append(compacted, TestBatches.of("x").producer(8, 0, 42).timestamp(clock.millis())
                .build());
        assertThat(result.succeeded()).as(result.errorMessage()).isTrue();
    }

    @Test
    void shouldAcceptAnUnknownProducerAnywhereOnALogThatStartsAboveZero() throws Exception {
        log.truncateFullyAndStartAt(100).get();
        AppendResult result = send(8, 0, 42, "x");
        assertThat(result.succeeded()).as(result.errorMessage()).isTrue();
        assertThat(result.baseOffset()).isEqualTo(100);
    }

    @Test
    void shouldWrapSequencesAtIntMax() throws Exception {
        send(7, 0, Integer.MAX_VALUE - 1, "a", "b");
        assertThat(send(7, 0, 0, "c").succeeded()).isTrue();
    }

    @Test
    void shouldRejectWholeRequestWhenOneBatchIsOutOfSequence() throws Exception {
        var request = TestBatches.concat(TestBatches.of("a").producer(7, 0, 0).timestamp(T0).build(),
                TestBatches.of("b").producer(7, 0, 5).timestamp(T0).build());
        assertThat(append(log, request).error()).isEqualTo(AppendError.OUT_OF_ORDER_SEQUENCE_NUMBER);
        assertThat(log.logEndOffset()).isZero();
        assertThat(log.activeProducers()).isEmpty();
        var good = TestBatches.concat(TestBatches.of("a").producer(7, 0, 0).timestamp(T0).build(),
                TestBatches.of("b").producer(7, 0, 1).timestamp(T0).build());
        assertThat(append(log, good).succeeded()).isTrue();
    }

    @Test
    void shouldKeepStateAcrossCleanRestartAndRolls() throws Exception {
        for (int i = 0; i < 10; i++) {
            send(7, 1, i, "value-" + i + "-" + "x".repeat(40));
        }
        manager.close();
        open();
        assertThat(send(7, 1, 9, "value-9-" + "x".repeat(40)).baseOffset()).isEqualTo(9);
        assertThat(send(7, 1, 11, "gap").error()).isEqualTo(AppendError.OUT_OF_ORDER_SEQUENCE_NUMBER);
        assertThat(send(7, 0, 10, "old").error()).isEqualTo(AppendError.INVALID_PRODUCER_EPOCH);
    }

    @Test
    void shouldRebuildStateFromBatchHeadersWithoutSnapshots() throws Exception {
        for (int i = 0; i < 10; i++) {
            send(7, 1, i, "value-" + i + "-" + "x".repeat(40));
        }
        manager.close();
        try (var files = java.nio.file.Files.list(dir.resolve(tp.dirName()))) {
            for (Path p : files.filter(p -> p.toString().endsWith(".snapshot")).toList()) {
                java.nio.file.Files.delete(p);
            }
        }
        open();
        assertThat(send(7, 1, 8, "value-8-" + "x".repeat(40)).baseOffset()).isEqualTo(8);
        assertThat(send(7, 1, 10, "next").baseOffset()).isEqualTo(10);
    }

    @Test
    void shouldExpireIdleProducers() throws Exception {
        send(7, 0, 0, "a");
        clock.advance(Duration.ofMinutes(11).toMillis());
        manager.runRetentionNow();
        assertThat(log.activeProducers()).isEmpty();
        assertThat(send(7, 0, 17, "b").succeeded()).isTrue();
    }

    @Test
    void shouldKeepAnIdleProducerInsideATransaction() throws Exception {
        append(log, TestBatches.of("open").producer(8, 0, 0).transactional().timestamp(clock.millis()).build());
        clock.advance(Duration.ofMinutes(11).toMillis());
        manager.runRetentionNow();
        assertThat(log.activeProducers()).extracting(ProducerSnapshot::producerId).containsExactly(8L);
        assertThat(log.lastStableOffset()).isZero();
    }
}
