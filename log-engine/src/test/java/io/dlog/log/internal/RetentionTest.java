package io.dlog.log.internal;

import io.dlog.log.FlushMode;
import io.dlog.log.LogConfig;
import io.dlog.log.LogManager;
import io.dlog.log.OffsetOutOfRangeException;
import io.dlog.log.PartitionLog;
import io.dlog.log.TopicPartition;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static io.dlog.log.internal.LogTestSupport.T0;
import static io.dlog.log.internal.LogTestSupport.append;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class RetentionTest {
    @TempDir
    Path dir;
    private final MutableClock clock = new MutableClock(T0);
    private final TopicPartition tp = new TopicPartition("r", 0);
    private LogManager manager;

    @AfterEach
    void tearDown() throws Exception {
        if (manager != null) {
            manager.close();
        }
    }

    private static LogConfig config(long retentionMs, long retentionBytes) {
        return new LogConfig(300, Long.MAX_VALUE, 1 << 20, 4096, retentionMs, retentionBytes, 1 << 20, false, true,
                false, Long.MAX_VALUE, Long.MAX_VALUE, FlushMode.OS, 0);
    }

    private PartitionLog open(LogConfig config) throws Exception {
        manager = LogTestSupport.open(dir, clock, config);
        return manager.getOrCreate(tp, config);
    }

    /** Each batch is ~100 bytes, so a 300-byte segment holds two. */
    private void fill(PartitionLog log, int batches) throws Exception {
        for (int i = 0; i < batches; i++) {
            append(log, TestBatches.of("v" + i + "-" + "x".repeat(30)).timestamp(clock.millis()).build());
        }
    }

    @Test
    void shouldDeleteSegmentsOlderThanRetentionIncludingActive() throws Exception {
        PartitionLog log = open(config(10_000, -1));
        fill(log, 4); // offsets 0-3, two segments
        clock.advance(6_000);
        fill(log, 2); // offsets 4-5, third segment
        clock.advance(5_000);
        manager.runRetentionNow();
        assertThat(log.logStartOffset()).isEqualTo(4);
        assertThat(PartitionLogTest.readAll(log)).hasSize(2);
        assertThatThrownBy(() -> log.read(0, 100, Long.MAX_VALUE, true)).isInstanceOf(OffsetOutOfRangeException.class);
        clock.advance(10_000);
        manager.runRetentionNow();
        assertThat(log.logStartOffset()).isEqualTo(6);
        assertThat(log.logEndOffset()).isEqualTo(6);
        assertThat(log.sizeInBytes()).isZero();
        assertThat(append(log, TestBatches.of("new").timestamp(clock.millis()).build()).baseOffset()).isEqualTo(6);
    }

    @Test
    void shouldDeleteOldestSegmentsWhileOverRetentionBytes() throws Exception {
        PartitionLog log = open(config(-1, 250));
        fill(log, 7);
        long before = log.sizeInBytes();
        manager.runRetentionNow();
        // Kafka's rule: delete oldest segments only while the excess is at least a whole segment
        long segment = before / 7 * 2;
        assertThat(log.sizeInBytes()).isEqualTo(before - 2 * segment).isGreaterThan(250);
        assertThat(log.logStartOffset()).isEqualTo(4);
        assertThat(PartitionLogTest.readAll(log)).last().asString().startsWith("v6-");
        manager.close();
        log = open(config(-1, 250));
        assertThat(log.logStartOffset()).isEqualTo(manager.get(tp).orElseThrow().logStartOffset());
        assertThat(PartitionLogTest.readAll(log)).last().asString().startsWith("v6-");
    }

    @Test
    void shouldMoveLogStartOffsetWithDeleteRecordsDurably() throws Exception {
        PartitionLog log = open(config(-1, -1));
        fill(log, 7);
        assertThat(log.deleteRecordsBefore(3).get()).isEqualTo(3);
        assertThat(log.logStartOffset()).isEqualTo(3);
        assertThatThrownBy(() -> log.read(2, 100, Long.MAX_VALUE, true)).isInstanceOf(OffsetOutOfRangeException.class);
        assertThat(PartitionLogTest.readAll(log).get(0)).startsWith("v3-");
        assertThat(Files.exists(dir.resolve(tp.dirName()).resolve("00000000000000000000.log"))).isFalse();
        assertThatThrownBy(() -> log.deleteRecordsBefore(8)).isInstanceOf(OffsetOutOfRangeException.class);
        manager.close();
        PartitionLog reopened = open(config(-1, -1));
        assertThat(reopened.logStartOffset()).isEqualTo(3);
        assertThat(reopened.deleteRecordsBefore(-1).get()).isEqualTo(7);
        assertThat(reopened.logStartOffset()).isEqualTo(7);
        assertThat(reopened.read(7, 100, Long.MAX_VALUE, true).length()).isZero();
    }

    @Test
    void shouldDoNothingWhenCleanupPolicyIsNotDelete() throws Exception {
        LogConfig compactOnly = new LogConfig(300, Long.MAX_VALUE, 1 << 20, 4096, 1, 1, 1 << 20, true, false,
                false, Long.MAX_VALUE, Long.MAX_VALUE, FlushMode.OS, 0);
        PartitionLog log = open(compactOnly);
        fill(log, 5);
        clock.advance(100_000);
        manager.runRetentionNow();
        assertThat(log.logStartOffset()).isZero();
    }
}
