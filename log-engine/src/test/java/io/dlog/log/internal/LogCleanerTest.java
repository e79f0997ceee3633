package io.dlog.log.internal;

import io.dlog.log.AppendResult;
import io.dlog.log.CleanerConfig;
import io.dlog.log.FetchSlice;
import io.dlog.log.LogConfig;
import io.dlog.log.LogManager;
import io.dlog.log.LogManagerConfig;
import io.dlog.log.RecordsCodec;
import io.dlog.log.TopicPartition;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static io.dlog.log.internal.LogTestSupport.T0;
import static org.assertj.core.api.Assertions.assertThat;

/** The cleaner on real files: what stays, offsets, tombstone horizons, producers' last batches, crash points. */
class LogCleanerTest {
    private static final TopicPartition TP = new TopicPartition("compacted", 0);
    private static final long DAY = 24L * 60 * 60 * 1000;

    @TempDir
    Path dir;
    @TempDir
    Path crashes;

    private final MutableClock clock = new MutableClock(T0);
    private final List<LogManager> opened = new ArrayList<>();
    private LogConfig config = LogConfig.DEFAULT.withSegmentBytes(300)
            .withCompaction(true, false, DAY, 0, Long.MAX_VALUE, 0.01);

    @AfterEach
    void closeAll() throws IOException {
        for (LogManager m : opened) {
            m.close();
        }
        SegmentSwap.crashPoint = step -> { };
    }

    private DefaultPartitionLog open(Path folder) throws IOException {
        LogManagerConfig mc = new LogManagerConfig(folder, Duration.ofHours(1), Duration.ofMillis(2), 1,
                Duration.ofDays(7), new CleanerConfig(false, 1, 1 << 20, 0.9, Double.MAX_VALUE, 100,
                RecordsCodec.UNCOMPRESSED_ONLY));
        LogManager manager = LogManager.open(mc, clock, t -> config);
        opened.add(manager);
        return (DefaultPartitionLog) manager.getOrCreate(TP, config);
    }

    private static LogCleaner cleanerOf(DefaultPartitionLog log, MutableClock clock) {
        return new LogCleaner(new CleanerConfig(false, 1, 1 << 20, 0.9, Double.MAX_VALUE, 100,
                RecordsCodec.UNCOMPRESSED_ONLY), clock, () -> List.of(log));
    }

    private LogCleaner.Result clean(DefaultPartitionLog log) throws IOException {
        return clean(log, new OffsetMap(1 << 20, 0.9));
    }

    private LogCleaner.Result clean(DefaultPartitionLog log, OffsetMap map) throws IOException {
        LogCleaner cleaner = cleanerOf(log, clock);
        LogCleaner.Candidate c = cleaner.candidate(log, clock.millis());
        return c == null ? null : cleaner.clean(c, map);
    }

    private static AppendResult append(DefaultPartitionLog log, ByteBuffer batch) throws Exception {
        AppendResult r = LogTestSupport.append(log, batch);
        assertThat(r.succeeded()).as(String.valueOf(r.error())).isTrue();
        return r;
    }

    static List<KeyedRecords.Rec> readAll(DefaultPartitionLog log) throws Exception {
        return KeyedRecords.read(allBytes(log));
    }

    /** Every stored batch from the log start to the log end, reading across segments and cleaned gaps. */
    static ByteBuffer allBytes(DefaultPartitionLog log) throws Exception {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        long offset = log.logStartOffset();
        while (offset < log.logEndOffset()) {
            FetchSlice slice = log.read(offset, Integer.MAX_VALUE, Long.MAX_VALUE, true);
            if (slice.length() == 0) {
                break;
            }
            ByteBuffer bytes = LogTestSupport.bytes(slice);
            out.write(bytes.array(), 0, bytes.limit());
            for (int at = 0; at < bytes.limit(); at += BatchFormat.totalSize(bytes, at)) {
                offset = BatchFormat.baseOffset(bytes, at) + BatchFormat.lastOffsetDelta(bytes, at) + 1;
            }
        }
        return ByteBuffer.wrap(out.toByteArray());
    }

    /** 40 records over keys k0..k4 in batches of two, then one more to roll the last full segment. */
    private List<KeyedRecords.Rec> fill(DefaultPartitionLog log) throws Exception {
        for (int i = 0; i < 40; i += 2) {
            append(log, KeyedRecords.batch(clock.millis(), "k" + (i % 5) + "=v" + i, "k" + ((i + 1) % 5) + "=v" + (i + 1)));
        }
        return readAll(log);
    }

    @Test
    void shouldKeepOnlyTheLatestValuePerKeyAtItsOriginalOffset() throws Exception {
        DefaultPartitionLog log = open(dir);
        List<KeyedRecords.Rec> before = fill(log);
        int segmentsBefore = log.segments().size();
        long bytesBefore = log.sizeInBytes();
        long activeBase = log.activeSegment().baseOffset();

        LogCleaner.Result result = clean(log);

        assertThat(result).isNotNull();
        assertThat(result.endOffset()).isEqualTo(activeBase);
        List<KeyedRecords.Rec> after = readAll(log);
        Map<String, KeyedRecords.Rec> latestBelowActive = new LinkedHashMap<>();
        for (KeyedRecords.Rec r : before) {
            if (r.offset() < activeBase) {
                latestBelowActive.put(r.key(), r);
            }
        }
        List<KeyedRecords.Rec> expected = before.stream()
                .filter(r -> r.offset() >= activeBase || latestBelowActive.get(r.key()) == r).toList();
        assertThat(expected).hasSizeLessThan(before.size());
        assertThat(after).containsExactlyElementsOf(expected);
        assertThat(log.sizeInBytes()).isLessThan(bytesBefore);
        // the next clean merges the now small segments (groups up to segment.bytes)
        forceFullClean(log);
        assertThat(log.segments().size()).isLessThan(segmentsBefore);
        assertThat(readAll(log)).containsExactlyElementsOf(expected);
        assertThat(log.logStartOffset()).isZero();
        assertThat(log.logEndOffset()).isEqualTo(40);
        assertThat(dirFiles(log.dir())).noneMatch(n -> n.endsWith(".cleaned") || n.endsWith(".swap") || n.endsWith(".swap-range"));
        // reopening gives the same records
        opened.remove(opened.size() - 1).close();
        assertThat(readAll(open(dir))).containsExactlyElementsOf(expected);
    }

    @Test
    void shouldCleanEveryCleanableLogThroughTheManagersCleanNow() throws Exception {
        DefaultPartitionLog log = open(dir);
        List<KeyedRecords.Rec> before = fill(log);

        long read = opened.get(0).cleanNow();

        assertThat(read).isPositive();
        assertThat(readAll(log)).hasSizeLessThan(before.size());
        assertThat(opened.get(0).cleanNow()).as("nothing dirty any more").isZero();
    }

    @Test
    void shouldReadPastRecordsTheCleanerRemovedFromASegmentsEnd() throws Exception {
        DefaultPartitionLog log = open(dir);
        fill(log);
        clean(log);

        // every offset below the log end is either a kept record or a gap the reader skips forward from
        for (long offset = 0; offset < log.logEndOffset(); offset++) {
            FetchSlice slice = log.read(offset, Integer.MAX_VALUE, Long.MAX_VALUE, true);
            assertThat(slice.length()).as("offset " + offset).isPositive();
            ByteBuffer bytes = LogTestSupport.bytes(slice);
            assertThat(BatchFormat.baseOffset(bytes, 0) + BatchFormat.lastOffsetDelta(bytes, 0)).isGreaterThanOrEqualTo(offset);
        }
    }

    @Test
    void shouldKeepATombstoneUntilItsDeleteHorizonThenRemoveIt() throws Exception {
        DefaultPartitionLog log = open(dir);
        append(log, KeyedRecords.batch(clock.millis(), "a=1", "b=1"));
        append(log, KeyedRecords.batch(clock.millis(), "a=", "c=1"));
        append(log, KeyedRecords.batch(clock.millis(), "c=2", "d=1"));
        log.onWriter(() -> {
            log.roll();
            return null;
        }).get();
        append(log, KeyedRecords.batch(clock.millis(), "e=1"));

        // first clean: a's tombstone stays and its batch now carries the horizon
        clean(log);
        assertThat(readAll(log)).extracting(KeyedRecords.Rec::toString)
                .containsExactly("1:b=1", "2:a=∅", "4:c=2", "5:d=1", "6:e=1");
        ByteBuffer tombstoneBatch = LogTestSupport.bytes(log.read(2, 1, Long.MAX_VALUE, true));
        assertThat(BatchFormat.attributes(tombstoneBatch, 0) & SegmentCleaner.DELETE_HORIZON_BIT).isNotZero();
        assertThat(BatchFormat.baseTimestamp(tombstoneBatch, 0)).isEqualTo(clock.millis() + DAY);
        assertThat(BatchFormat.baseOffset(tombstoneBatch, 0)).isEqualTo(2);
        assertThat(BatchFormat.lastOffsetDelta(tombstoneBatch, 0)).isEqualTo(1);

        // before the horizon nothing changes; after it the tombstone goes
        append(log, KeyedRecords.batch(clock.millis(), "e=2"));
        log.onWriter(() -> {
            log.roll();
            return null;
        }).get();
        clock.advance(DAY - 1);
        forceFullClean(log);
        assertThat(readAll(log)).extracting(KeyedRecords.Rec::toString).contains("2:a=∅");
        clock.advance(2);
        forceFullClean(log);
        assertThat(readAll(log)).extracting(KeyedRecords.Rec::toString)
                .containsExactly("1:b=1", "4:c=2", "5:d=1", "7:e=2");
    }

    /** Cleans from the log start whatever the checkpoint, as a new dirty section would. */
    private void forceFullClean(DefaultPartitionLog log) throws IOException {
        Files.deleteIfExists(log.dir().resolve(LogCleaner.CHECKPOINT_FILE));
        assertThat(clean(log)).isNotNull();
    }

    @Test
    void shouldKeepAnIdempotentProducersLastBatchSoItsSequenceContinuesAfterARestart() throws Exception {
        DefaultPartitionLog log = open(dir);
        append(log, KeyedRecords.batch(7, (short) 0, 0, clock.millis(), "x=1"));
        append(log, KeyedRecords.batch(7, (short) 0, 1, clock.millis(), "x=2"));
        append(log, KeyedRecords.batch(-1, (short) -1, -1, clock.millis(), "x=3"));
        log.onWriter(() -> {
            log.roll();
            return null;
        }).get();

        clean(log);

        // x=2 is superseded, but its batch is producer 7's last: it stays as an empty batch
        assertThat(readAll(log)).extracting(KeyedRecords.Rec::toString).containsExactly("2:x=3");
        ByteBuffer emptied = LogTestSupport.bytes(log.read(1, 1, Long.MAX_VALUE, true));
        assertThat(BatchFormat.baseOffset(emptied, 0)).isEqualTo(1);
        assertThat(BatchFormat.recordCount(emptied, 0)).isZero();
        assertThat(BatchFormat.baseSequence(emptied, 0)).isEqualTo(1);
        opened.remove(opened.size() - 1).close();
        DefaultPartitionLog reopened = open(dir);
        assertThat(LogTestSupport.append(reopened, KeyedRecords.batch(7, (short) 0, 2, clock.millis(), "x=4"))
                .succeeded()).isTrue();
        assertThat(LogTestSupport.append(reopened, KeyedRecords.batch(7, (short) 0, 5, clock.millis(), "x=5"))
                .succeeded()).as("a sequence gap is still refused").isFalse();
    }

    @Test
    void shouldCleanInSeveralPassesWhenTheKeyMapIsSmall() throws Exception {
        DefaultPartitionLog log = open(dir);
        for (int i = 0; i < 60; i++) {
            append(log, KeyedRecords.batch(clock.millis(), "k" + i % 12 + "=v" + i));
        }
        log.onWriter(() -> {
            log.roll();
            return null;
        }).get();
        OffsetMap tiny = new OffsetMap(24 * 20, 0.5); // 10 keys

        long firstEnd = clean(log, tiny).endOffset();
        assertThat(firstEnd).isLessThan(60);
        while (clean(log, tiny) != null) {
            // each pass maps what fits and moves the checkpoint
        }
        List<KeyedRecords.Rec> after = readAll(log);
        assertThat(after).hasSize(12);
        assertThat(after).extracting(KeyedRecords.Rec::offset).containsExactlyElementsOf(
                java.util.stream.LongStream.range(48, 60).boxed().toList());
    }

    @Test
    void shouldNotCleanRecordsYoungerThanTheMinCompactionLagNorBelowTheRatio() throws Exception {
        config = config.withCompaction(true, false, DAY, 60_000, Long.MAX_VALUE, 0.01);
        DefaultPartitionLog log = open(dir);
        fill(log);
        assertThat(cleanerOf(log, clock).candidate(log, clock.millis())).isNull();
        clock.advance(60_001);
        assertThat(cleanerOf(log, clock).candidate(log, clock.millis())).isNotNull();

        log.updateConfig(config.withCompaction(true, false, DAY, 0, Long.MAX_VALUE, 1.0));
        clean(log);
        append(log, KeyedRecords.batch(clock.millis(), "k0=late"));
        log.onWriter(() -> {
            log.roll();
            return null;
        }).get();
        assertThat(cleanerOf(log, clock).candidate(log, clock.millis())).as("ratio below 1.0").isNull();
        log.updateConfig(config.withCompaction(true, false, DAY, 0, 1000, 1.0));
        clock.advance(1001);
        assertThat(cleanerOf(log, clock).candidate(log, clock.millis()).forced()).as("max.compaction.lag.ms").isTrue();
    }

    @Test
    void shouldRefuseTheSwapWhenAReplicaTruncationCutTheSegmentsMeanwhile() throws Exception {
        DefaultPartitionLog log = open(dir);
        List<KeyedRecords.Rec> before = fill(log);
        List<LogSegment> group = LogCleaner.groups(log, log.activeSegment().baseOffset(), config).get(0);
        int[] sizes = group.stream().mapToInt(LogSegment::size).toArray();
        long rangeEnd = log.segments().higherKey(group.get(group.size() - 1).baseOffset());
        LogSegment cleaned = LogSegment.createCleaned(log.dir(), group.get(0).baseOffset());
        new SegmentCleaner(new OffsetMap(1 << 16, 0.9), RecordsCodec.UNCOMPRESSED_ONLY, new Throttler(Double.MAX_VALUE),
                () -> { }).cleanInto(group, sizes, cleaned, Map.of(), clock.millis(), DAY, 4096,
                CleanedTransactions.of(log.segments().values()), new SegmentCleaner.Stats());

        // the clean read the segments; now a truncation cuts inside the first one
        long cut = before.get(2).offset(); // the second batch: truncation cuts at batch starts
        log.truncateTo(cut).get();
        boolean swapped = log.onWriter(() -> log.replaceSegments(group, sizes, cleaned, rangeEnd)).get();

        assertThat(swapped).isFalse();
        assertThat(readAll(log)).containsExactlyElementsOf(before.subList(0, 2));
        assertThat(log.logEndOffset()).isEqualTo(cut);
    }

    @Test
    void shouldLeaveReadsInFlightValid() throws Exception {
        DefaultPartitionLog log = open(dir);
        fill(log);
        FetchSlice inFlight = log.read(0, Integer.MAX_VALUE, Long.MAX_VALUE, true);
        List<KeyedRecords.Rec> expected = KeyedRecords.read(LogTestSupport.bytes(inFlight));

        clean(log);

        assertThat(KeyedRecords.read(LogTestSupport.bytes(inFlight))).isEqualTo(expected);
    }

    @Test
    void shouldOpenWithNothingLostOrDuplicatedWhateverStepACrashInterrupts() throws Exception {
        DefaultPartitionLog log = open(dir);
        List<KeyedRecords.Rec> before = fill(log);
        Map<String, Path> snapshots = new LinkedHashMap<>();
        SegmentSwap.crashPoint = step -> {
            Path copy = crashes.resolve(step + "-" + snapshots.size());
            copyTree(log.dir(), copy.resolve(TP.dirName()));
            snapshots.put(step + "#" + snapshots.size(), copy);
        };
        clean(log);
        SegmentSwap.crashPoint = step -> { };
        List<KeyedRecords.Rec> after = readAll(log);
        assertThat(snapshots).isNotEmpty();

        for (Map.Entry<String, Path> crash : snapshots.entrySet()) {
            DefaultPartitionLog recovered = open(crash.getValue());
            List<KeyedRecords.Rec> records = readAll(recovered);
            // each group swaps on its own: every record is either kept or superseded, none twice
            assertThat(records).as(crash.getKey()).doesNotHaveDuplicates().containsAll(after).isSubsetOf(before);
            assertThat(records).extracting(KeyedRecords.Rec::offset).as(crash.getKey()).isSorted();
            assertThat(recovered.logEndOffset()).isEqualTo(40);
            assertThat(dirFiles(recovered.dir())).as(crash.getKey())
                    .noneMatch(n -> n.endsWith(".cleaned") || n.endsWith(".swap") || n.endsWith(".swap-range"));
            assertThat(LogTestSupport.append(recovered, KeyedRecords.batch(clock.millis(), "z=1")).baseOffset()).isEqualTo(40);
        }
    }

    private static List<String> dirFiles(Path folder) throws IOException {
        try (Stream<Path> files = Files.list(folder)) {
            return files.map(p -> p.getFileName().toString()).toList();
        }
    }

    private static void copyTree(Path from, Path to) {
        try {
            Files.createDirectories(to);
            try (Stream<Path> files = Files.list(from)) {
                for (Path p : files.toList()) {
                    Files.copy(p, to.resolve(p.getFileName()), StandardCopyOption.REPLACE_EXISTING);
                }
            }
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
