package io.dlog.log.internal;

import io.dlog.log.CleanerConfig;
import io.dlog.log.LogConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * Compacts the logs whose cleanup.policy contains {@code compact}, with Kafka's rules and config names.
 *
 * <p>A log is cleanable up to its <em>first uncleanable offset</em>: the lowest of the active segment's
 * base offset, the last stable offset, and the base of the first segment holding a record younger than
 * {@code min.compaction.lag.ms}; only whole sealed segments below it are rewritten. Its dirty section runs
 * from the cleaner checkpoint ({@code cleaner-offset-checkpoint} in the partition folder) to there. A
 * log is chosen when its dirty bytes reach {@code min.cleanable.dirty.ratio} of its cleanable bytes, or
 * whatever the ratio once its oldest dirty record is older than {@code max.compaction.lag.ms}; the
 * dirtiest goes first. A clean maps every key of the dirty section to its latest offset ({@link OffsetMap},
 * stopping early when the map is full), rewrites the segments from the log start to the end of the mapped
 * range in groups no larger than {@code segment.bytes} ({@link SegmentCleaner}, small segments merge), and
 * swaps each group's cleaned segment in on the partition's writer thread ({@link SegmentSwap}). Both passes
 * read the partition's aborted transactions ({@link CleanedTransactions}): aborted data is neither mapped
 * nor kept. Each clean logs its duration, bytes read and written and records kept.
 *
 * <p>Thread-safety: {@code log.cleaner.threads} threads, each with its own key map and buffers; a log is
 * cleaned by one thread at a time ({@link #inProgress}). Cleaner threads only read sealed segments, which
 * nothing else writes; every change to a partition's segment map runs on its writer thread. The threads
 * are never interrupted (an interrupt during FileChannel I/O would close a channel readers share): a
 * clean checks {@link #running} between batches.
 */
final class LogCleaner {
    private static final Logger LOG = LoggerFactory.getLogger(LogCleaner.class);
    static final String CHECKPOINT_FILE = "cleaner-offset-checkpoint";

    private final CleanerConfig config;
    private final Clock clock;
    private final Supplier<Collection<DefaultPartitionLog>> logs;
    private final Throttler throttler;
    private final Set<DefaultPartitionLog> inProgress = ConcurrentHashMap.newKeySet();
    private final Map<DefaultPartitionLog, Long> firstDirty = new ConcurrentHashMap<>();
    private final List<Thread> threads = new ArrayList<>();
    private final Object wake = new Object();
    private volatile boolean running = true;

    /** What {@link #candidate} found: clean {@code [firstDirty, upper)} of this log. */
    record Candidate(DefaultPartitionLog log, long firstDirty, long upper, double dirtyRatio, boolean forced) {
    }

    /** Outcome of one clean, for logs and tests. */
    record Result(long endOffset, long bytesRead, long bytesWritten, long recordsRead, long recordsKept, long millis) {
    }

    /** A clean stopped because the cleaner shuts down. */
    static final class Aborted extends RuntimeException {
        private static final long serialVersionUID = 1L;

        Aborted() {
            super("cleaner shutting down", null, false, false);
        }
    }

    LogCleaner(CleanerConfig config, Clock clock, Supplier<Collection<DefaultPartitionLog>> logs) {
        this.config = config;
        this.clock = clock;
        this.logs = logs;
        this.throttler = new Throttler(config.ioMaxBytesPerSecond());
    }

    void start() {
        if (!config.enable()) {
            return;
        }
        for (int i = 0; i < config.threads(); i++) {
            Thread t = new Thread(this::runThread, "dlog-log-cleaner-" + i);
            t.setDaemon(true);
            threads.add(t);
            t.start();
        }
    }

    /** Stops the threads; a clean in progress stops at its next batch and leaves the log as it was. */
    void shutdown() {
        running = false;
        synchronized (wake) {
            wake.notifyAll();
        }
        for (Thread t : threads) {
            try {
                t.join(30_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    private void runThread() {
        OffsetMap map = null;
        while (running) {
            Candidate chosen = grabDirtiest();
            if (chosen == null) {
                pause();
                continue;
            }
            try {
                if (map == null) {
                    map = newMap();
                }
                clean(chosen, map);
            } catch (Aborted e) {
                return;
            } catch (IOException | RuntimeException e) {
                LOG.warn("cleaning {} failed; it will be retried", chosen.log().topicPartition(), e);
                pause();
            } finally {
                inProgress.remove(chosen.log());
            }
        }
    }

    private void pause() {
        synchronized (wake) {
            if (running) {
                try {
                    wake.wait(Math.max(1, config.backoffMs()));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    running = false;
                }
            }
        }
    }

    private OffsetMap callerMap;

    /** A thread's share of log.cleaner.dedupe.buffer.size. */
    private OffsetMap newMap() {
        long perThread = Math.min(config.dedupeBufferSize() / config.threads(), Integer.MAX_VALUE - 64);
        return new OffsetMap((int) perThread, config.ioBufferLoadFactor());
    }

    /** One clean of every cleanable log on the calling thread; callers are serialized. The bytes read. */
    synchronized long cleanAllNow() throws IOException {
        if (callerMap == null) {
            callerMap = newMap();
        }
        long bytes = 0;
        for (DefaultPartitionLog log : logs.get()) {
            if (!inProgress.add(log)) {
                continue;
            }
            try {
                Candidate c = candidate(log, clock.millis());
                Result r = c == null ? null : clean(c, callerMap);
                bytes += r == null ? 0 : r.bytesRead();
            } finally {
                inProgress.remove(log);
            }
        }
        return bytes;
    }

    /** The cleanable log with the highest dirty ratio (forced ones first), now marked in progress. */
    private Candidate grabDirtiest() {
        long now = clock.millis();
        Collection<DefaultPartitionLog> all = logs.get();
        firstDirty.keySet().retainAll(new java.util.HashSet<>(all)); // deleted partitions' checkpoints go
        Candidate best = null;
        for (DefaultPartitionLog log : all) {
            if (inProgress.contains(log)) {
                continue;
            }
            Candidate c;
            try {
                c = candidate(log, now);
            } catch (IOException | RuntimeException e) {
                LOG.warn("cannot assess {} for cleaning", log.topicPartition(), e);
                continue;
            }
            if (c != null && (best == null || c.forced() && !best.forced()
                    || c.forced() == best.forced() && c.dirtyRatio() > best.dirtyRatio())) {
                best = c;
            }
        }
        if (best != null && !inProgress.add(best.log())) {
            return null;
        }
        return best;
    }

    /** Whether and how far the log should be cleaned now; null when not. */
    Candidate candidate(DefaultPartitionLog log, long now) throws IOException {
        LogConfig cfg = log.config();
        if (!cfg.compact() || log.isOffline()) {
            return null;
        }
        var segments = log.segments();
        long logStart = log.logStartOffset();
        long dirty = checkpoint(log);
        if (dirty < logStart || dirty > log.logEndOffset()) {
            dirty = logStart;
        }
        long upper = Math.min(log.activeSegment().baseOffset(), log.lastStableOffset());
        if (cfg.minCompactionLagMs() > 0) {
            for (LogSegment seg : segments.values()) {
                if (seg.baseOffset() >= upper) {
                    break;
                }
                if (seg.maxTimestamp() > now - cfg.minCompactionLagMs()) {
                    upper = Math.min(upper, seg.baseOffset());
                    break;
                }
            }
        }
        if (dirty >= upper) {
            return null;
        }
        long cleanBytes = 0;
        long dirtyBytes = 0;
        LogSegment firstDirtySegment = null;
        for (Map.Entry<Long, LogSegment> e : segments.entrySet()) {
            if (e.getKey() >= upper) {
                break;
            }
            Long next = segments.higherKey(e.getKey());
            if (next != null && next <= dirty) {
                cleanBytes += e.getValue().size();
            } else {
                dirtyBytes += e.getValue().size();
                if (firstDirtySegment == null) {
                    firstDirtySegment = e.getValue();
                }
            }
        }
        if (dirtyBytes == 0) {
            return null;
        }
        double ratio = (double) dirtyBytes / (cleanBytes + dirtyBytes);
        boolean forced = cfg.maxCompactionLagMs() < Long.MAX_VALUE
                && now - firstBatchTimestamp(firstDirtySegment, dirty) > cfg.maxCompactionLagMs();
        if (ratio < cfg.minCleanableDirtyRatio() && !forced) {
            return null;
        }
        return new Candidate(log, dirty, upper, ratio, forced);
    }

    private static long firstBatchTimestamp(LogSegment segment, long offset) throws IOException {
        ByteBuffer header = ByteBuffer.allocate(BatchFormat.HEADER_SIZE);
        int pos = SegmentScanner.positionOf(segment, offset, segment.size(), header);
        if (pos < 0) {
            return Long.MAX_VALUE;
        }
        long ts = BatchFormat.maxTimestamp(header, 0);
        return ts < 0 ? Long.MAX_VALUE : ts;
    }

    /** Cleans the candidate's log on the calling thread. */
    Result clean(Candidate c, OffsetMap map) throws IOException {
        DefaultPartitionLog log = c.log();
        LogConfig cfg = log.config();
        long started = System.nanoTime();
        map.clear();
        long end = new OffsetMapBuilder(map, config.codec(), throttler, this::checkRunning,
                CleanedTransactions.of(log.segments().values())).build(log.segments(), c.firstDirty(), c.upper());
        if (end <= c.firstDirty()) {
            LOG.warn("{}: the key map ({} entries) cannot hold one batch at {}; not cleaned",
                    log.topicPartition(), map.maxEntries(), c.firstDirty());
            return null;
        }
        Map<Long, Long> lastBatches = log.lastBatchOfProducers();
        long now = clock.millis();
        SegmentCleaner cleaner = new SegmentCleaner(map, config.codec(), throttler, this::checkRunning);
        SegmentCleaner.Stats stats = new SegmentCleaner.Stats();
        CleanedTransactions txn = CleanedTransactions.of(log.segments().values());
        for (List<LogSegment> group : groups(log, end, cfg)) {
            Long rangeEnd = log.segments().higherKey(group.get(group.size() - 1).baseOffset());
            if (rangeEnd == null) {
                return null;
            }
            int[] sizes = group.stream().mapToInt(LogSegment::size).toArray();
            LogSegment cleaned = LogSegment.createCleaned(log.dir(), group.get(0).baseOffset());
            try {
                cleaner.cleanInto(group, sizes, cleaned, lastBatches, now, cfg.deleteRetentionMs(),
                        cfg.indexIntervalBytes(), txn, stats);
                cleaned.flush();
            } catch (IOException | RuntimeException e) {
                cleaned.closeAndDeleteCleaned();
                throw e;
            }
            // The writer decides and tidies up: after a timeout here it may still run the swap.
            boolean swapped = DefaultLogManager.await(log.onWriter(() -> {
                boolean done = log.replaceSegments(group, sizes, cleaned, rangeEnd);
                if (!done) {
                    cleaned.closeAndDeleteCleaned();
                }
                return done;
            }));
            if (!swapped) {
                return null;
            }
        }
        writeCheckpoint(log, end);
        Result result = new Result(end, stats.bytesRead, stats.bytesWritten, stats.recordsRead, stats.recordsKept,
                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started));
        LOG.info("Cleaned {} up to offset {} in {} ms: {} bytes read, {} written ({} %), {} of {} records kept, "
                        + "dirty ratio was {}{}", log.topicPartition(), end, result.millis(), result.bytesRead(),
                result.bytesWritten(), result.bytesRead() == 0 ? 100 : 100 * result.bytesWritten() / result.bytesRead(),
                result.recordsKept(), result.recordsRead(), String.format(java.util.Locale.ROOT, "%.2f", c.dirtyRatio()),
                stats.batchesUnreadable > 0 ? ", " + stats.batchesUnreadable + " batches kept whole (codec or records unreadable)" : "");
        return result;
    }

    /**
     * Kafka's groupSegmentsBySize: consecutive sealed segments below {@code end}, merged while the group's
     * bytes stay within segment.bytes and its offsets within an int of the group's base offset.
     */
    static List<List<LogSegment>> groups(DefaultPartitionLog log, long end, LogConfig cfg) {
        List<LogSegment> segs = new ArrayList<>(log.segments().headMap(end).values());
        segs.remove(log.activeSegment());
        List<List<LogSegment>> groups = new ArrayList<>();
        int i = 0;
        while (i < segs.size()) {
            List<LogSegment> group = new ArrayList<>();
            LogSegment first = segs.get(i);
            group.add(first);
            long bytes = first.size();
            i++;
            while (i < segs.size()) {
                LogSegment next = segs.get(i);
                Long after = log.segments().higherKey(next.baseOffset());
                long lastOffset = (after == null ? log.logEndOffset() : after) - 1;
                if (bytes + next.size() > cfg.segmentBytes() || lastOffset - first.baseOffset() > Integer.MAX_VALUE) {
                    break;
                }
                group.add(next);
                bytes += next.size();
                i++;
            }
            groups.add(group);
        }
        return groups;
    }

    private void checkRunning() {
        if (!running) {
            throw new Aborted();
        }
    }

    long checkpoint(DefaultPartitionLog log) {
        return firstDirty.computeIfAbsent(log, l -> readCheckpoint(l.dir()));
    }

    private void writeCheckpoint(DefaultPartitionLog log, long offset) throws IOException {
        firstDirty.put(log, offset);
        Checkpoints.writeAtomically(log.dir().resolve(CHECKPOINT_FILE), offset + "\n");
    }

    private static long readCheckpoint(Path dir) {
        Path f = dir.resolve(CHECKPOINT_FILE);
        try {
            return Files.exists(f) ? Long.parseLong(Files.readString(f, StandardCharsets.UTF_8).trim()) : -1L;
        } catch (IOException | NumberFormatException e) {
            return -1L;
        }
    }
}
