package io.dlog.log.internal;

import io.dlog.log.AppendResult;
import io.dlog.log.FetchSlice;
import io.dlog.log.LogConfig;
import io.dlog.log.LogManager;
import io.dlog.log.OffsetOutOfRangeException;
import io.dlog.log.PartitionLog;
import io.dlog.log.TopicPartition;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static io.dlog.log.internal.LogTestSupport.T0;
import static io.dlog.log.internal.LogTestSupport.append;
import static io.dlog.log.internal.LogTestSupport.bytes;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class PartitionLogTest {
    @TempDir
    Path dir;
    private final MutableClock clock = new MutableClock(T0);
    private final TopicPartition tp = new TopicPartition("orders", 3);
    private LogManager manager;
    private PartitionLog log;
    private LogConfig config = LogConfig.DEFAULT.withSegmentBytes(1024);

    @BeforeEach
    void setUp() throws Exception {
        manager = LogTestSupport.open(dir, clock, config);
        log = manager.getOrCreate(tp, config);
    }

    @AfterEach
    void tearDown() throws Exception {
        manager.close();
    }

    private void reopen() throws Exception {
        manager.close();
        manager = LogTestSupport.open(dir, clock, config);
        log = manager.get(tp).orElseThrow();
    }

    static List<String> readAll(PartitionLog log) throws Exception {
        List<String> out = new ArrayList<>();
        long offset = log.logStartOffset();
        while (offset < log.highWatermark()) {
            ByteBuffer b = bytes(log.read(offset, Integer.MAX_VALUE, Long.MAX_VALUE, true));
            out.addAll(TestBatches.values(b));
            int at = 0;
            while (at < b.limit()) {
                offset = BatchFormat.baseOffset(b, at) + BatchFormat.lastOffsetDelta(b, at) + 1;
                at += BatchFormat.totalSize(b, at);
            }
        }
        return out;
    }

    @Test
    void shouldAssignOffsetsAndReadBatchesBack() throws Exception {
        AppendResult first = append(log, TestBatches.of("a", "b", "c").timestamp(T0).build());
        AppendResult second = append(log, TestBatches.of("d").timestamp(T0).build());
        assertThat(first.baseOffset()).isZero();
        assertThat(first.lastOffset()).isEqualTo(2);
        assertThat(second.baseOffset()).isEqualTo(3);
        assertThat(log.logEndOffset()).isEqualTo(4);
        assertThat(log.highWatermark()).isEqualTo(4);
        assertThat(LogTestSupport.readValues(log, 0)).containsExactly("a", "b", "c", "d");
        // a fetch from inside a batch returns the whole batch
        assertThat(LogTestSupport.readValues(log, 1)).containsExactly("a", "b", "c", "d");
        assertThat(LogTestSupport.readValues(log, 3)).containsExactly("d");
    }

    @Test
    void shouldHonourMaxOffsetMaxBytesAndMinOneBatch() throws Exception {
        ByteBuffer b = TestBatches.of("x".repeat(100)).timestamp(T0).build();
        int size = b.remaining();
        for (int i = 0; i < 3; i++) {
            append(log, TestBatches.of("x".repeat(100)).timestamp(T0).build());
        }
        assertThat(log.read(0, Integer.MAX_VALUE, 2, true).length()).isEqualTo(2 * size);
        assertThat(log.read(0, size + 10, Long.MAX_VALUE, true).length()).isEqualTo(size);
        assertThat(log.read(0, 10, Long.MAX_VALUE, true).length()).isEqualTo(size);
        assertThat(log.read(0, 10, Long.MAX_VALUE, false).length()).isZero();
        assertThat(log.read(0, Integer.MAX_VALUE, 0, true).length()).isZero();
    }

    @Test
    void shouldReadTheNewestBatchWithTheLimitsOfAnyOtherRead() throws Exception {
        // A read at the log's end finds the newest batch from memory, without its header: it must give what a
        // read from the headers gives, across segment rolls (1 KiB segments) and with a fetch inside the batch.
        for (int i = 0; i < 40; i++) {
            String[] values = new String[1 + i % 3];
            java.util.Arrays.fill(values, "v" + i + "-" + "x".repeat(i * 7));
            ByteBuffer batch = TestBatches.of(values).timestamp(T0).build();
            int size = batch.remaining();
            AppendResult result = append(log, batch);
            long base = result.baseOffset();
            long last = result.lastOffset();

            assertThat(LogTestSupport.readValues(log, last)).as("batch %d", i).containsExactly(values);
            assertThat(log.read(base, Integer.MAX_VALUE, last + 1, false).length()).isEqualTo(size);
            assertThat(log.read(last, Integer.MAX_VALUE, last, true).length()).as("not below maxOffset").isZero();
            assertThat(log.read(base, size - 1, Long.MAX_VALUE, false).length()).as("larger than maxBytes").isZero();
            assertThat(log.read(base, size - 1, Long.MAX_VALUE, true).length()).as("min one batch").isEqualTo(size);
            FetchSlice slice = log.read(base, size, Long.MAX_VALUE, false);
            assertThat(slice.position() + slice.length()).as("ends at the segment's end")
                    .isEqualTo(slice.channel().size());
        }
    }

    @Test
    void shouldCutReadsAtTheSameBatchWhetherTheIndexOrTheHeadersSayWhereBatchesEnd() throws Exception {
        manager.close();
        config = new LogConfig(1 << 20, LogConfig.DEFAULT.segmentMs(), LogConfig.DEFAULT.segmentIndexBytes(), 300,
                LogConfig.DEFAULT.retentionMs(), -1L, LogConfig.DEFAULT.maxMessageBytes(), false, true, false,
                Long.MAX_VALUE, LogConfig.DEFAULT.timestampAfterMaxMs(), LogConfig.DEFAULT.flushMode(), 60_000L);
        manager = LogTestSupport.open(dir, clock, config);
        log = manager.getOrCreate(new TopicPartition("indexed", 0), config);
        java.util.Random random = new java.util.Random(11);
        List<int[]> batches = new ArrayList<>(); // {base offset, last offset, position, size}
        int position = 0;
        for (int i = 0; i < 200; i++) {
            String[] values = new String[1 + random.nextInt(4)];
            java.util.Arrays.fill(values, "v".repeat(random.nextInt(400)));
            ByteBuffer batch = TestBatches.of(values).timestamp(T0).build();
            AppendResult result = append(log, batch);
            batches.add(new int[] {(int) result.baseOffset(), (int) result.lastOffset(), position, batch.remaining()});
            position += batch.remaining();
        }
        for (int trial = 0; trial < 2_000; trial++) {
            int[] first = batches.get(random.nextInt(batches.size()));
            long fetchOffset = first[0] + random.nextInt(first[1] - first[0] + 1);
            int maxBytes = random.nextInt(20_000);
            long maxOffset = random.nextBoolean() ? Long.MAX_VALUE : first[0] + random.nextInt(300);
            boolean minOneBatch = random.nextBoolean();

            int expected = 0;
            for (int[] b : batches.subList(batches.indexOf(first), batches.size())) {
                if (b[1] >= maxOffset || expected + b[3] > maxBytes && !(expected == 0 && minOneBatch)) {
                    break;
                }
                expected += b[3];
                if (expected >= maxBytes) {
                    break;
                }
            }
            FetchSlice slice = log.read(fetchOffset, maxBytes, maxOffset, minOneBatch);
            assertThat(slice.length()).as("fetch %d, maxBytes %d, maxOffset %d, minOneBatch %s",
                    fetchOffset, maxBytes, maxOffset, minOneBatch).isEqualTo(expected);
            if (expected > 0) {
                assertThat(slice.position()).isEqualTo(first[2]);
            }
        }
    }

    @Test
    void shouldReturnEmptyAtLogEndAndThrowOutsideRange() throws Exception {
        append(log, TestBatches.of("a").timestamp(T0).build());
        FetchSlice atEnd = log.read(1, 100, Long.MAX_VALUE, true);
        assertThat(atEnd.length()).isZero();
        assertThat(atEnd.logEndOffset()).isEqualTo(1);
        assertThatThrownBy(() -> log.read(2, 100, Long.MAX_VALUE, true)).isInstanceOf(OffsetOutOfRangeException.class);
        assertThatThrownBy(() -> log.read(-1, 100, Long.MAX_VALUE, true)).isInstanceOf(OffsetOutOfRangeException.class);
    }

    @Test
    void shouldRollBySizeWithKafkaFileNames() throws Exception {
        for (int i = 0; i < 20; i++) {
            append(log, TestBatches.of("v" + i + "-" + "x".repeat(100)).timestamp(T0).build());
        }
        List<String> logs = listSegments();
        assertThat(logs.size()).isGreaterThan(2);
        assertThat(logs.get(0)).isEqualTo("00000000000000000000.log");
        for (String name : logs) {
            assertThat(Files.size(dir.resolve(tp.dirName()).resolve(name))).isLessThanOrEqualTo(1024);
        }
        assertThat(readAll(log)).hasSize(20).startsWith("v0-" + "x".repeat(100));
        reopen();
        assertThat(readAll(log)).hasSize(20);
        assertThat(log.logEndOffset()).isEqualTo(20);
    }

    @Test
    void shouldRollByTime() throws Exception {
        append(log, TestBatches.of("a").timestamp(T0).build());
        clock.advance(config.segmentMs() + 1);
        append(log, TestBatches.of("b").timestamp(clock.millis()).build());
        assertThat(listSegments()).containsExactly("00000000000000000000.log", "00000000000000000001.log");
    }

    @Test
    void shouldRebuildDeletedOrCorruptIndexes() throws Exception {
        config = new LogConfig(4096, Long.MAX_VALUE, 1 << 20, 64, -1, -1, 1 << 20, false, true, false,
                Long.MAX_VALUE, Long.MAX_VALUE, io.dlog.log.FlushMode.OS, 1000);
        log.updateConfig(config);
        for (int i = 0; i < 100; i++) {
            append(log, TestBatches.of("v" + i + "-" + "x".repeat(40)).timestamp(T0 + i).build());
        }
        manager.close();
        Path pdir = dir.resolve(tp.dirName());
        assertThat(Files.size(pdir.resolve("00000000000000000000.index"))).isPositive();
        Files.delete(pdir.resolve("00000000000000000000.index"));
        Files.write(pdir.resolve("00000000000000000000.timeindex"), new byte[] {1, 2, 3});
        // an index entry pointing at a wrong position must be detected too
        Path second = pdir.resolve(listSegments().get(1).replace(".log", ".index"));
        byte[] idx = Files.readAllBytes(second);
        idx[idx.length - 1] ^= 0x10;
        Files.write(second, idx);
        manager = LogTestSupport.open(dir, clock, config);
        log = manager.get(tp).orElseThrow();
        List<String> all = readAll(log);
        assertThat(all).hasSize(100);
        for (int i = 0; i < 100; i += 7) {
            assertThat(TestBatches.values(bytes(log.read(i, 1, Long.MAX_VALUE, true))).get(0)).startsWith("v" + i + "-");
        }
        assertThat(Files.size(pdir.resolve("00000000000000000000.index"))).isPositive();
        assertThat(log.lookupTimestamp(T0 + 50).orElseThrow().baseOffset()).isEqualTo(50);
    }

    @Test
    void shouldDeletePartitionAndRefuseAppends() throws Exception {
        append(log, TestBatches.of("a").timestamp(T0).build());
        FetchSlice inFlight = log.read(0, 100, Long.MAX_VALUE, true);
        manager.delete(tp);
        assertThat(append(log, TestBatches.of("b").timestamp(T0).build()).error())
                .isEqualTo(io.dlog.log.AppendError.NOT_LEADER_OR_FOLLOWER);
        assertThat(Files.exists(dir.resolve(tp.dirName()))).isFalse();
        try (Stream<Path> s = Files.list(dir)) {
            assertThat(s.map(p -> p.getFileName().toString())).anyMatch(n -> n.startsWith(tp.dirName() + ".")
                    && n.endsWith("-delete"));
        }
        // the slice read before the delete stays readable until the delay passes
        assertThat(TestBatches.values(bytes(inFlight))).containsExactly("a");
        PartitionLog again = manager.getOrCreate(tp, config);
        assertThat(again.logEndOffset()).isZero();
        manager.close();
        manager = LogTestSupport.open(dir, clock, config);
        try (Stream<Path> s = Files.list(dir)) {
            assertThat(s.map(p -> p.getFileName().toString())).noneMatch(n -> n.endsWith("-delete"));
        }
    }

    @Test
    void shouldKeepLeaderEpochsAcrossRestart() throws Exception {
        append(log, TestBatches.of("a", "b").timestamp(T0).build(), 1);
        append(log, TestBatches.of("c").timestamp(T0).build(), 3);
        append(log, TestBatches.of("d").timestamp(T0).build(), 3);
        assertThat(log.latestLeaderEpoch()).isEqualTo(3);
        assertThat(log.endOffsetForEpoch(1)).isEqualTo(new io.dlog.log.EpochEndOffset(1, 2));
        assertThat(log.endOffsetForEpoch(2)).isEqualTo(new io.dlog.log.EpochEndOffset(1, 2));
        assertThat(log.endOffsetForEpoch(3)).isEqualTo(new io.dlog.log.EpochEndOffset(3, 4));
        assertThat(log.endOffsetForEpoch(0)).as("below the first epoch: where the log starts, as Kafka")
                .isEqualTo(new io.dlog.log.EpochEndOffset(0, 0));
        reopen();
        assertThat(log.latestLeaderEpoch()).isEqualTo(3);
        assertThat(log.endOffsetForEpoch(2)).isEqualTo(new io.dlog.log.EpochEndOffset(1, 2));
    }

    @Test
    void shouldLookUpTimestamps() throws Exception {
        append(log, TestBatches.of("a").timestamp(T0 - 300).build());
        append(log, TestBatches.of("b", "c").timestamp(T0 - 100).build());
        append(log, TestBatches.of("d").timestamp(T0 - 200).build());
        append(log, TestBatches.of("e").timestamp(T0 - 100).build());
        assertThat(log.lookupTimestamp(T0 - 250).orElseThrow().baseOffset()).isEqualTo(1);
        assertThat(log.lookupTimestamp(T0 - 300).orElseThrow().baseOffset()).isZero();
        assertThat(log.lookupTimestamp(T0)).isEmpty();
        var max = log.lookupMaxTimestamp().orElseThrow();
        assertThat(max.baseOffset()).isEqualTo(1);
        assertThat(max.lastOffset()).isEqualTo(2);
        assertThat(max.maxTimestamp()).isEqualTo(T0 - 100);
        assertThat(TestBatches.values(max.batch())).containsExactly("b", "c");
        log.deleteRecordsBefore(3).get();
        assertThat(log.lookupTimestamp(T0 - 250).orElseThrow().baseOffset()).isEqualTo(3);
        assertThat(log.lookupMaxTimestamp().orElseThrow().baseOffset()).isEqualTo(4);
    }

    private List<String> listSegments() throws Exception {
        try (Stream<Path> s = Files.list(dir.resolve(tp.dirName()))) {
            return s.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".log")).sorted().toList();
        }
    }
}
