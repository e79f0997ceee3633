package io.dlog.log.internal;

import io.dlog.log.AbortedTransaction;
import io.dlog.log.AppendError;
import io.dlog.log.AppendResult;
import io.dlog.log.CommittedRead;
import io.dlog.log.EpochEndOffset;
import io.dlog.log.FetchSlice;
import io.dlog.log.FlushMode;
import io.dlog.log.LogConfig;
import io.dlog.log.OffsetOutOfRangeException;
import io.dlog.log.PartitionLog;
import io.dlog.log.ProducerSnapshot;
import io.dlog.log.SealedSegment;
import io.dlog.log.TimestampLookup;
import io.dlog.log.TopicPartition;
import io.dlog.log.UnexpectedAppendOffsetException;
import io.dlog.log.VerificationGuard;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentNavigableMap;
import java.util.function.Consumer;

/**
 * One partition's log: segments plus producer state and leader epochs.
 *
 * <p>Invariants: segments are contiguous, the last one is the active one; {@code logStartOffset <=
 * lastStableOffset <= highWatermark <= logEndOffset} (the LSO may lag the log start after DeleteRecords
 * only until the next change recomputes it); {@code logEndOffset} is published only after the bytes and indexes
 * of the batches below it are in place, so a reader that saw it can read them.
 *
 * <p>Thread-safety: every change (append, roll, retention, DeleteRecords, deletion) runs on the owning
 * {@link WriterThread}, or under its lock on the submitting thread (a short append, see WriterThread); reads ({@link #read}, timestamp lookups) run on any thread without locks,
 * through volatile offsets and the concurrent segment map. A segment removed from the map keeps its
 * channel open for {@code fileDeleteDelayMs} so reads in flight stay valid.
 */
final class DefaultPartitionLog implements PartitionLog {
    private static final Logger LOG = LoggerFactory.getLogger(DefaultPartitionLog.class);

    private final TopicPartition tp;
    /** Told when this log goes offline (the broker stops the node: its data folder failed). */
    private final io.dlog.log.StorageFailureListener failures;
    private final Path dir;
    private final Clock clock;
    private final WriterThread writer;
    private final SegmentJanitor janitor;
    private final long producerExpirationMs;
    private final ConcurrentNavigableMap<Long, LogSegment> segments;
    private final ProducerStateManager producers;
    private final LeaderEpochCache epochs;
    private volatile LogConfig config;
    private volatile LogSegment active;
    private volatile long logStartOffset;
    private volatile long logEndOffset;
    private volatile long highWatermark;
    /** FSYNC mode: the end of what the last group commit fsynced (the log end is durable in OS mode). */
    private volatile long fsyncedEndOffset;
    /** Replicated mode: appends leave the high watermark alone, {@link #updateHighWatermark} moves it. */
    private volatile boolean replicated;
    /** Serializes writes of the high-watermark checkpoint (timer, close, mode changes). */
    private final Object checkpointLock = new Object();
    private long checkpointedHighWatermark = -1;
    private volatile long lastStableOffset;
    private volatile boolean offline;
    private volatile boolean closed;

    DefaultPartitionLog(TopicPartition tp, LogLoader.Loaded loaded, LogConfig config, Clock clock,
                        WriterThread writer, SegmentJanitor janitor, long producerExpirationMs,
                        io.dlog.log.StorageFailureListener failures) throws IOException {
        this.tp = tp;
        this.failures = failures;
        this.dir = loaded.dir();
        this.clock = clock;
        this.writer = writer;
        this.janitor = janitor;
        this.producerExpirationMs = producerExpirationMs;
        this.segments = loaded.segments();
        this.producers = loaded.producers();
        this.epochs = loaded.epochs();
        this.config = config;
        this.active = segments.lastEntry().getValue();
        this.logStartOffset = loaded.logStartOffset();
        this.logEndOffset = loaded.logEndOffset();
        this.highWatermark = loaded.logEndOffset();
        this.fsyncedEndOffset = loaded.logEndOffset(); // the loader flushed what it recovered
        long checkpoint = HighWatermarkCheckpoint.read(dir);
        if (checkpoint != HighWatermarkCheckpoint.ABSENT) {
            this.replicated = true;
            this.checkpointedHighWatermark = checkpoint;
            this.highWatermark = checkpoint == HighWatermarkCheckpoint.UNREADABLE ? logStartOffset
                    : Math.max(logStartOffset, Math.min(checkpoint, logEndOffset));
            if (highWatermark < logEndOffset) {
                rebuildProducerState(logEndOffset); // markers above the high watermark stay unstable
            }
        }
        this.lastStableOffset = Math.min(producers.firstUnstableOffset(), highWatermark);
    }

    @Override
    public TopicPartition topicPartition() {
        return tp;
    }

    @Override
    public LogConfig config() {
        return config;
    }

    @Override
    public void updateConfig(LogConfig newConfig) {
        this.config = newConfig;
    }

    Path dir() {
        return dir;
    }

    @Override
    public boolean isOffline() {
        return offline;
    }

    @Override
    public int segmentCount() {
        return segments.size();
    }

    @Override
    public List<SealedSegment> sealedSegments() {
        long activeBase = active.baseOffset();
        List<SealedSegment> sealed = new ArrayList<>();
        for (LogSegment segment : segments.headMap(activeBase).values()) {
            Long next = segments.higherKey(segment.baseOffset());
            if (next != null) {
                sealed.add(new SealedSegment(segment.baseOffset(), next, segment.size(), segment.file()));
            }
        }
        return sealed;
    }

    // ---------------------------------------------------------------- append path

    @Override
    public CompletableFuture<AppendResult> append(ByteBuffer batches, int leaderEpoch) {
        return append(batches, leaderEpoch, null, null);
    }

    @Override
    public CompletableFuture<AppendResult> append(ByteBuffer batches, int leaderEpoch, VerificationGuard guard) {
        return append(batches, leaderEpoch, guard, null);
    }

    @Override
    public VerificationGuard startTransactionVerification(long producerId, int sequence, short epoch,
                                                          boolean epochBumps) {
        return producers.startVerification(producerId, sequence, epoch, epochBumps);
    }

    /** Validates, then submits the write to this partition's writer, or leaves it in {@code batch}. */
    CompletableFuture<AppendResult> append(ByteBuffer batches, int leaderEpoch, VerificationGuard guard,
                                           DefaultAppendBatch batch) {
        AppendResult refused = refusal();
        if (refused != null) {
            return CompletableFuture.completedFuture(refused);
        }
        LogConfig cfg = config;
        ByteBuffer buf = batches.slice();
        AppendValidator.Result valid = AppendValidator.validate(buf, cfg, clock.millis());
        if (!valid.ok()) {
            return CompletableFuture.completedFuture(
                    AppendResult.failure(valid.error(), valid.message(), logStartOffset));
        }
        CompletableFuture<AppendResult> future = new CompletableFuture<>();
        AppendTask task = new AppendTask(buf, valid.positions(), leaderEpoch, guard, future);
        if (batch != null) {
            batch.add(writer, task);
        } else if (!writer.submit(task)) {
            task.abort(AppendError.NOT_LEADER_OR_FOLLOWER);
        }
        return future;
    }

    private AppendResult refusal() {
        if (closed) {
            return AppendResult.failure(AppendError.NOT_LEADER_OR_FOLLOWER, tp + " is closed", logStartOffset);
        }
        if (offline) {
            return AppendResult.failure(AppendError.KAFKA_STORAGE_ERROR, tp + " is offline after an I/O error",
                    logStartOffset);
        }
        return null;
    }

    @Override
    public CompletableFuture<AppendResult> appendAsFollower(ByteBuffer batches) {
        AppendResult refused = refusal();
        if (refused != null) {
            return CompletableFuture.completedFuture(refused);
        }
        ByteBuffer buf = batches.slice();
        AppendValidator.Result valid = AppendValidator.validateReplicated(buf, config);
        if (!valid.ok()) {
            return CompletableFuture.completedFuture(
                    AppendResult.failure(valid.error(), valid.message(), logStartOffset));
        }
        int[] positions = valid.positions();
        for (int i = 1; i < positions.length; i++) {
            long expected = BatchFormat.baseOffset(buf, positions[i - 1])
                    + BatchFormat.lastOffsetDelta(buf, positions[i - 1]) + 1;
            long actual = BatchFormat.baseOffset(buf, positions[i]);
            if (actual != expected) {
                return CompletableFuture.failedFuture(new UnexpectedAppendOffsetException(tp
                        + ": follower batches not contiguous: expected base offset " + expected + ", got " + actual,
                        expected, actual));
            }
        }
        CompletableFuture<AppendResult> future = new CompletableFuture<>();
        // Callers are fetcher threads that wait for the answer and may block: one writes it itself when
        // the writer is idle, whatever its size (two thread wake-ups less per replication round trip).
        writer.runOrSubmit(new AppendTask(buf, positions, -1, null, true, future), Long.MAX_VALUE);
        return future;
    }

    private final class AppendTask implements WriterThread.Task {
        private final ByteBuffer buf;
        private final int[] positions;
        private final int leaderEpoch;
        private final VerificationGuard guard;
        private final boolean follower;
        private final CompletableFuture<AppendResult> future;
        /** When a leader append was submitted (its AppendTimeMs starts here); -1 for a follower's. */
        private final long submittedNanos;

        AppendTask(ByteBuffer buf, int[] positions, int leaderEpoch, VerificationGuard guard,
                   CompletableFuture<AppendResult> future) {
            this(buf, positions, leaderEpoch, guard, false, future);
        }

        AppendTask(ByteBuffer buf, int[] positions, int leaderEpoch, VerificationGuard guard, boolean follower,
                   CompletableFuture<AppendResult> future) {
            this.buf = buf;
            this.positions = positions;
            this.leaderEpoch = leaderEpoch;
            this.guard = guard;
            this.follower = follower;
            this.future = future;
            this.submittedNanos = follower ? -1 : System.nanoTime();
        }

        @Override
        public void run(WriterThread w) {
            AppendResult result;
            try {
                if (follower) {
                    result = appendAsFollowerOnWriter(buf, positions);
                } else {
                    long start = System.nanoTime();
                    result = appendOnWriter(buf, positions, leaderEpoch, guard);
                    // Run inline, the time is the submitting request's own (already measured there).
                    result = w.isOwnerThread() ? result.withWriterNanos(System.nanoTime() - start) : result;
                }
            } catch (UnexpectedAppendOffsetException e) {
                future.completeExceptionally(e);
                return;
            }
            if (result.succeeded() && config.flushMode() == FlushMode.FSYNC) {
                w.awaitFsync(DefaultPartitionLog.this, future, result, submittedNanos);
            } else {
                w.onAppendAnswered(submittedNanos, System.nanoTime());
                future.complete(result);
            }
        }

        @Override
        public void abort(AppendError error) {
            future.complete(AppendResult.failure(error, "append not processed: the partition is closing",
                    logStartOffset));
        }

        /**
         * A page-cache write (not under fsync); a leader's must also neither roll a segment nor start an
         * epoch (both fsync), while a follower's caller may block on them.
         */
        @Override
        public long inlineBytes() {
            LogConfig cfg = config;
            if (cfg.flushMode() != FlushMode.OS) {
                return -1;
            }
            if (follower) {
                return buf.remaining();
            }
            if (leaderEpoch > epochs.latestEpoch()) {
                return -1;
            }
            long next = logEndOffset;
            for (int at : positions) {
                next += BatchFormat.lastOffsetDelta(buf, at) + 1L;
            }
            // A time-based roll due within a second counts as due: the append reads the clock again.
            return needsRoll(cfg, buf.remaining(), next - 1, clock.millis() + 1_000) ? -1 : buf.remaining();
        }
    }

    /** Stateful checks, then the write. Writer thread only. */
    private AppendResult appendOnWriter(ByteBuffer buf, int[] positions, int leaderEpoch, VerificationGuard guard) {
        AppendResult refused = refusal();
        if (refused != null) {
            return refused;
        }
        LogConfig cfg = config;
        long now = clock.millis();
        long[] firsts = new long[positions.length];
        long next = logEndOffset;
        for (int i = 0; i < positions.length; i++) {
            firsts[i] = next;
            next += BatchFormat.lastOffsetDelta(buf, positions[i]) + 1L;
        }
        ProducerStateManager.Staged staged = producers.stage(buf, positions, firsts, now, guard, cfg.compact());
        if (staged.error() != null) {
            return AppendResult.failure(staged.error(), staged.message(), logStartOffset);
        }
        if (staged.duplicate() != null) {
            return AppendResult.success(staged.duplicate().firstOffset(), staged.duplicate().lastOffset(), -1L,
                    logStartOffset);
        }
        try {
            maybeRoll(cfg, buf.remaining(), next - 1, now);
            epochs.maybeAssign(leaderEpoch, logEndOffset);
            rewriteHeaders(buf, positions, firsts, leaderEpoch, cfg.logAppendTime(), now);
            active.append(buf, positions, cfg.indexIntervalBytes(), now);
            active.afterAppend(cfg.segmentBytes());
            for (TxnIndex.Entry aborted : producers.commit(staged, highWatermarkAfterAppend(cfg, next))) {
                active.txnIndex().append(aborted);
            }
        } catch (IOException e) {
            markOffline(e);
            return AppendResult.failure(AppendError.KAFKA_STORAGE_ERROR, e.toString(), logStartOffset);
        }
        publishAppend(cfg, next);
        return AppendResult.success(firsts[0], next - 1, cfg.logAppendTime() ? now : -1L, logStartOffset);
    }

    /**
     * A follower's write: the leader's batches verbatim, in chunks of at most segment.bytes (so a large
     * fetch rolls segments as the leader's appends did), each chunk's epochs, producer state and aborted
     * transactions applied after its bytes. Writer thread only.
     */
    private AppendResult appendAsFollowerOnWriter(ByteBuffer buf, int[] positions)
            throws UnexpectedAppendOffsetException {
        AppendResult refused = refusal();
        if (refused != null) {
            return refused;
        }
        long first = BatchFormat.baseOffset(buf, positions[0]);
        if (first != logEndOffset) {
            throw new UnexpectedAppendOffsetException(tp + ": follower append starts at " + first
                    + ", log end offset is " + logEndOffset, logEndOffset, first);
        }
        LogConfig cfg = config;
        long now = clock.millis();
        int from = 0;
        try {
            while (from < positions.length) {
                int to = from + 1;
                long bytes = BatchFormat.totalSize(buf, positions[from]);
                while (to < positions.length && bytes + BatchFormat.totalSize(buf, positions[to]) <= cfg.segmentBytes()) {
                    bytes += BatchFormat.totalSize(buf, positions[to]);
                    to++;
                }
                writeReplicatedChunk(cfg, buf, Arrays.copyOfRange(positions, from, to), (int) bytes, now);
                from = to;
            }
        } catch (IOException e) {
            markOffline(e);
            return AppendResult.failure(AppendError.KAFKA_STORAGE_ERROR, e.toString(), logStartOffset);
        }
        return AppendResult.success(first, logEndOffset - 1, -1L, logStartOffset);
    }

    private void writeReplicatedChunk(LogConfig cfg, ByteBuffer buf, int[] chunk, int bytes, long now)
            throws IOException {
        int lastAt = chunk[chunk.length - 1];
        long next = BatchFormat.baseOffset(buf, lastAt) + BatchFormat.lastOffsetDelta(buf, lastAt) + 1L;
        maybeRoll(cfg, bytes, next - 1, now);
        for (int at : chunk) {
            epochs.maybeAssign(BatchFormat.partitionLeaderEpoch(buf, at), BatchFormat.baseOffset(buf, at));
        }
        ByteBuffer region = buf.duplicate().limit(chunk[0] + bytes).position(chunk[0]);
        active.append(region, chunk, cfg.indexIntervalBytes(), now);
        active.afterAppend(cfg.segmentBytes());
        for (TxnIndex.Entry aborted : producers.applyReplicated(buf, chunk, now, highWatermarkAfterAppend(cfg, next))) {
            active.txnIndex().append(aborted);
        }
        publishAppend(cfg, next);
    }

    /** The high watermark once an append ending before {@code next} is in place. */
    private long highWatermarkAfterAppend(LogConfig cfg, long next) {
        return !replicated && cfg.flushMode() == FlushMode.OS ? next : highWatermark;
    }

    /** Publishes a new log end (after its bytes and indexes) and the offsets that follow it. */
    private void publishAppend(LogConfig cfg, long next) {
        logEndOffset = next;
        if (!replicated && cfg.flushMode() == FlushMode.OS) {
            highWatermark = next;
        }
        updateLastStableOffset();
    }

    /** Offsets and leader epoch lie outside the CRC; LogAppendTime changes covered fields, so re-CRC. */
    private static void rewriteHeaders(ByteBuffer buf, int[] positions, long[] firsts, int leaderEpoch,
                                       boolean logAppendTime, long now) {
        for (int i = 0; i < positions.length; i++) {
            int at = positions[i];
            buf.putLong(at + BatchFormat.BASE_OFFSET, firsts[i]);
            buf.putInt(at + BatchFormat.PARTITION_LEADER_EPOCH, leaderEpoch);
            if (logAppendTime) {
                short attrs = BatchFormat.attributes(buf, at);
                buf.putShort(at + BatchFormat.ATTRIBUTES, (short) (attrs | BatchFormat.TIMESTAMP_TYPE_BIT));
                buf.putLong(at + BatchFormat.MAX_TIMESTAMP, now);
                BatchFormat.writeCrc(buf, at, BatchFormat.totalSize(buf, at));
            }
        }
    }

    private void maybeRoll(LogConfig cfg, int bytes, long lastOffset, long now) throws IOException {
        if (needsRoll(cfg, bytes, lastOffset, now)) {
            roll();
        }
    }

    /** Whether an append of {@code bytes} ending at {@code lastOffset} starts a new segment. Writer only. */
    private boolean needsRoll(LogConfig cfg, int bytes, long lastOffset, long now) {
        LogSegment a = active;
        if (a.size() == 0) {
            return false;
        }
        boolean full = (long) a.size() + bytes > cfg.segmentBytes();
        boolean old = now - a.rollingBaseTime() > cfg.segmentMs();
        boolean indexFull = a.offsetIndex().sizeInBytes() + OffsetIndex.ENTRY_SIZE > cfg.segmentIndexBytes()
                || a.timeIndex().sizeInBytes() + TimeIndex.ENTRY_SIZE > cfg.segmentIndexBytes();
        boolean offsetOverflow = lastOffset - a.baseOffset() > Integer.MAX_VALUE;
        return full || old || indexFull || offsetOverflow;
    }

    /**
     * Seals the active segment, fsyncs it, and starts a new one at the log end. The fsync comes before the new
     * segment's file exists because the loader validates only the newest segment and trusts the sealed ones: a
     * power cut must not leave a sealed segment whose tail never reached the disk. (Kafka flushes after the roll,
     * in the background, and recovers every segment past its recovery point instead.) With the early writeback
     * ({@link SegmentWriteback}) at most about a mebibyte is still to write. Writer thread only.
     */
    void roll() throws IOException {
        LogSegment old = active;
        old.seal();
        old.flush();
        LogSegment fresh = LogSegment.create(dir, logEndOffset);
        segments.put(fresh.baseOffset(), fresh);
        active = fresh;
        // Written crash-atomically, which fsyncs the folder: that makes the new segment's entry durable
        // before any append to it is acknowledged (PowerLossCrashTest).
        producers.writeSnapshot(logEndOffset);
    }

    /** Group commit: fsync everything written, then advance the high watermark. Writer thread only. */
    void flushOnWriter() {
        long target = logEndOffset;
        try {
            active.flush(); // a rolled segment was fsynced at its roll
            fsyncedEndOffset = target;
            if (!replicated) {
                advanceHighWatermark(target);
            }
        } catch (IOException e) {
            markOffline(e);
        }
    }

    /** Moves the high watermark up (never down) and the state that follows it. Writer thread only. */
    private void advanceHighWatermark(long target) {
        if (target > highWatermark) {
            highWatermark = target;
            producers.onHighWatermark(target);
        }
        updateLastStableOffset();
    }

    /** Publishes the LSO after the high watermark or the open transactions changed. Writer thread only. */
    private void updateLastStableOffset() {
        lastStableOffset = Math.min(producers.firstUnstableOffset(), highWatermark);
    }

    private void markOffline(IOException e) {
        boolean first = !offline;
        offline = true;
        if (first) {
            LOG.error("{} goes offline after an I/O error", tp, e);
            if (!closed) {
                // a closed partition's files are closing or closed: its errors say nothing of the disk
                failures.onStorageFailure(tp, e);
            }
        }
    }

    // ---------------------------------------------------------------- reads

    @Override
    public FetchSlice read(long fetchOffset, int maxBytes, long maxOffset, boolean minOneBatch)
            throws OffsetOutOfRangeException, IOException {
        long leo = logEndOffset;
        long lso = lastStableOffset; // before the high watermark: the writer publishes the HW first
        long hw = highWatermark;
        long start = logStartOffset;
        if (fetchOffset < start || fetchOffset > leo) {
            throw new OffsetOutOfRangeException("offset " + fetchOffset + " outside [" + start + ", " + leo
                    + "] of " + tp);
        }
        Map.Entry<Long, LogSegment> floor = segments.floorEntry(fetchOffset);
        if (fetchOffset == leo || floor == null) {
            return new FetchSlice(null, 0, 0, hw, lso, start, leo);
        }
        LogSegment seg = floor.getValue();
        int limit = seg.size();
        ByteBuffer header = ByteBuffer.allocate(LogSegment.SCAN_HEADER);
        LogSegment.TailBatch tailBatch = seg.tailBatchHolding(fetchOffset, limit);
        if (tailBatch != null) {
            // At the log's end (a follower's or a tailing consumer's fetch): no header to read at all.
            return sliceFrom(seg, tailBatch.position(), limit, maxBytes, maxOffset, minOneBatch, header,
                    tailBatch.lastOffset(), tailBatch.end() - tailBatch.position(), hw, lso, start, leo);
        }
        int pos = SegmentScanner.positionOf(seg, fetchOffset, limit, header);
        while (pos < 0) {
            // The cleaner may have removed the segment's last records: the offset lies in a gap, and the
            // next batch, as on Kafka, is the first one of a later segment.
            Map.Entry<Long, LogSegment> next = segments.higherEntry(seg.baseOffset());
            if (next == null) {
                return new FetchSlice(null, 0, 0, hw, lso, start, leo);
            }
            seg = next.getValue();
            limit = seg.size();
            pos = SegmentScanner.positionOf(seg, fetchOffset, limit, header);
        }
        // positionOf left the header of the batch at pos in the buffer.
        return sliceFrom(seg, pos, limit, maxBytes, maxOffset, minOneBatch, header,
                BatchFormat.baseOffset(header, 0) + BatchFormat.lastOffsetDelta(header, 0),
                BatchFormat.totalSize(header, 0), hw, lso, start, leo);
    }

    /**
     * The slice of whole batches from {@code pos}, the start of a batch whose last offset and size the caller
     * knows ({@code firstLast}, {@code firstSize}), so that its header is not read again.
     */
    private static FetchSlice sliceFrom(LogSegment seg, int pos, int limit, int maxBytes, long maxOffset,
                                        boolean minOneBatch, ByteBuffer header, long firstLast, int firstSize,
                                        long hw, long lso, long start, long leo) throws IOException {
        // Whole batches up to the last indexed batch start within reach need no header reads: the
        // index says where they end. Only the few batches after it are scanned one header at a time.
        int reach = (int) Math.min(limit, (long) pos + maxBytes);
        int indexed = seg.lastIndexedBatchStart(reach, maxOffset);
        int length = indexed > pos ? indexed - pos : 0;
        while ((length == 0 || length < maxBytes) && pos + length + LogSegment.SCAN_HEADER <= limit) {
            long last;
            int size;
            if (length == 0) {
                last = firstLast;
                size = firstSize;
            } else {
                header.clear();
                seg.readHeader(header, pos + length);
                last = BatchFormat.baseOffset(header, 0) + BatchFormat.lastOffsetDelta(header, 0);
                size = BatchFormat.totalSize(header, 0);
            }
            if (last >= maxOffset || (long) length + size > maxBytes && !(length == 0 && minOneBatch)) {
                break;
            }
            length += size;
            if (length >= maxBytes) {
                break;
            }
        }
        return new FetchSlice(length == 0 ? null : seg.channel(), length == 0 ? 0 : pos, length, hw, lso, start, leo);
    }

    @Override
    public CommittedRead readCommitted(long fetchOffset, int maxBytes, boolean minOneBatch)
            throws OffsetOutOfRangeException, IOException {
        FetchSlice slice = read(fetchOffset, maxBytes, lastStableOffset, minOneBatch);
        if (slice.length() == 0) {
            return new CommittedRead(slice, List.of());
        }
        return new CommittedRead(slice, abortedTransactions(fetchOffset, offsetAfter(fetchOffset, slice)));
    }

    /** The offset of the first batch after a slice (Kafka's fetch upper bound), or the LSO when unknown. */
    private long offsetAfter(long fetchOffset, FetchSlice slice) throws IOException {
        Map.Entry<Long, LogSegment> floor = segments.floorEntry(fetchOffset);
        if (floor == null || floor.getValue().channel() != slice.channel()) {
            return slice.lastStableOffset();
        }
        LogSegment seg = floor.getValue();
        long end = slice.position() + slice.length();
        if (end + LogSegment.SCAN_HEADER <= seg.size()) {
            ByteBuffer header = ByteBuffer.allocate(LogSegment.SCAN_HEADER);
            seg.readHeader(header, end);
            return BatchFormat.baseOffset(header, 0);
        }
        Long next = segments.higherKey(seg.baseOffset());
        return next != null ? next : slice.logEndOffset();
    }

    @Override
    public List<AbortedTransaction> abortedTransactions(long fromOffset, long upperBoundOffset) {
        List<AbortedTransaction> out = new ArrayList<>();
        Long startKey = segments.floorKey(fromOffset);
        for (LogSegment seg : (startKey == null ? segments : segments.tailMap(startKey)).values()) {
            if (seg.txnIndex().collect(fromOffset, upperBoundOffset, out)) {
                break;
            }
        }
        out.sort(Comparator.comparingLong(AbortedTransaction::firstOffset));
        return out;
    }

    @Override
    public long logStartOffset() {
        return logStartOffset;
    }

    @Override
    public long logEndOffset() {
        return logEndOffset;
    }

    @Override
    public long highWatermark() {
        return highWatermark;
    }

    @Override
    public long durableEndOffset() {
        return config.flushMode() == FlushMode.FSYNC ? Math.min(fsyncedEndOffset, logEndOffset) : logEndOffset;
    }

    @Override
    public boolean isReplicated() {
        return replicated;
    }

    // ---------------------------------------------------------------- replicated high watermark

    @Override
    public CompletableFuture<Void> setReplicated(boolean on) {
        return onWriter(() -> {
            if (on == replicated) {
                return null;
            }
            synchronized (checkpointLock) {
                if (on) {
                    // on disk first: a restart must not come back unreplicated with the high watermark at the end
                    HighWatermarkCheckpoint.write(dir, highWatermark);
                    checkpointedHighWatermark = highWatermark;
                    replicated = true;
                } else {
                    replicated = false;
                    HighWatermarkCheckpoint.delete(dir);
                    checkpointedHighWatermark = -1;
                }
            }
            if (!on) {
                advanceHighWatermark(durableEndOffset());
            }
            return null;
        });
    }

    @Override
    public CompletableFuture<Long> updateHighWatermark(long hw) {
        // Memory only (the checkpoint is written later, off the writer): may run on the caller's thread.
        return onWriter(true, () -> {
            advanceHighWatermark(Math.min(hw, durableEndOffset()));
            return highWatermark;
        });
    }

    /**
     * Writes the high-watermark checkpoint when the partition is replicated and its high watermark moved
     * since the last write. Any thread (the manager's timer, close); serialized with mode changes.
     */
    void checkpointHighWatermark() throws IOException {
        synchronized (checkpointLock) {
            long hw = highWatermark;
            if (replicated && hw != checkpointedHighWatermark && !closedForCheckpoints()) {
                HighWatermarkCheckpoint.write(dir, hw);
                checkpointedHighWatermark = hw;
            }
        }
    }

    private boolean closedForCheckpoints() {
        return offline || !java.nio.file.Files.isDirectory(dir);
    }

    @Override
    public long lastStableOffset() {
        return lastStableOffset;
    }

    @Override
    public long sizeInBytes() {
        long total = 0;
        for (LogSegment s : segments.values()) {
            total += s.size();
        }
        return total;
    }

    @Override
    public int latestLeaderEpoch() {
        return epochs.latestEpoch();
    }

    @Override
    public EpochEndOffset endOffsetForEpoch(int leaderEpoch) {
        return epochs.endOffsetFor(leaderEpoch, logEndOffset);
    }

    @Override
    public CompletableFuture<Integer> assignLeaderEpoch(int leaderEpoch) {
        return onWriter(() -> {
            epochs.maybeAssign(leaderEpoch, logEndOffset);
            return epochs.latestEpoch();
        });
    }

    @Override
    public Optional<TimestampLookup> lookupTimestamp(long timestamp) throws IOException {
        return SegmentScanner.lookupTimestamp(segments, timestamp, logStartOffset, highWatermark);
    }

    @Override
    public Optional<TimestampLookup> lookupMaxTimestamp() throws IOException {
        return SegmentScanner.lookupMaxTimestamp(segments, logStartOffset, highWatermark);
    }

    @Override
    public List<ProducerSnapshot> activeProducers() {
        return producers.activeProducers();
    }

    ProducerStateManager producerState() {
        return producers;
    }

    LeaderEpochCache epochCache() {
        return epochs;
    }

    ConcurrentNavigableMap<Long, LogSegment> segments() {
        return segments;
    }

    // ---------------------------------------------------------------- log cleaner

    LogSegment activeSegment() {
        return active;
    }

    Map<Long, Long> lastBatchOfProducers() {
        return producers.lastBatchOffsets();
    }

    /**
     * Puts a cleaned segment in the place of {@code replaced} (contiguous sealed segments, the first with
     * the cleaned segment's base offset) crash-safely ({@link SegmentSwap}). Refused, leaving everything as
     * it was, when the partition closed or the segments changed since the clean read them (retention or
     * DeleteRecords removed one, a replica truncation cut one or removed what followed).
     * Readers holding an old segment keep reading it until the janitor closes it after
     * {@code fileDeleteDelayMs}. Writer thread only.
     *
     * @param sizes    the replaced segments' sizes when the clean read them
     * @param rangeEnd the first offset after the replaced segments (the next segment's base offset)
     */
    boolean replaceSegments(List<LogSegment> replaced, int[] sizes, LogSegment cleaned, long rangeEnd)
            throws IOException {
        for (int i = 0; i < replaced.size(); i++) {
            LogSegment old = replaced.get(i);
            if (closed || offline || segments.get(old.baseOffset()) != old || old == active || old.wasTruncated()
                    || old.size() != sizes[i]) {
                return false;
            }
        }
        Long next = segments.higherKey(replaced.get(replaced.size() - 1).baseOffset());
        if (next == null || next != rangeEnd) {
            return false;
        }
        SegmentSwap.commit(dir, cleaned.baseOffset(), rangeEnd);
        SegmentSwap.install(dir, cleaned.baseOffset(), replaced);
        cleaned.seal();
        SegmentSwap.finish(dir, cleaned.baseOffset());
        segments.put(cleaned.baseOffset(), cleaned);
        for (LogSegment old : replaced) {
            if (old.baseOffset() != cleaned.baseOffset()) {
                segments.remove(old.baseOffset());
            }
            janitor.deleteLater(old, config.fileDeleteDelayMs());
        }
        return true;
    }

    // ---------------------------------------------------------------- DeleteRecords and retention

    @Override
    public CompletableFuture<Long> deleteRecordsBefore(long offset) throws OffsetOutOfRangeException {
        long hw = highWatermark;
        long target = offset == -1 ? hw : offset;
        if (target < 0 || target > hw) {
            throw new OffsetOutOfRangeException("cannot delete before " + offset + ": high watermark is " + hw);
        }
        return onWriter(() -> {
            if (target > logStartOffset) {
                LogLoader.writeLogStartCheckpoint(dir, target);
                advanceLogStart(target);
                deleteOldestSegments((seg, nextBase) -> nextBase <= logStartOffset);
            }
            return logStartOffset;
        });
    }

    /** One retention pass: producer expiry, then time, size and log-start retention. Writer thread only. */
    void retentionOnWriter() throws IOException {
        long now = clock.millis();
        producers.expire(now, producerExpirationMs);
        LogConfig cfg = config;
        if (cfg.delete() && cfg.retentionMs() >= 0) {
            // a sealed segment the cleaner emptied has no timestamp and nothing to keep
            deleteOldestSegments((seg, nextBase) -> seg.size() == 0 && seg != active
                    || seg.maxTimestamp() >= 0 && now - seg.maxTimestamp() > cfg.retentionMs());
        }
        if (cfg.delete() && cfg.retentionBytes() >= 0) {
            long[] excess = {sizeInBytes() - cfg.retentionBytes()};
            deleteOldestSegments((seg, nextBase) -> {
                if (excess[0] - seg.size() < 0) {
                    return false;
                }
                excess[0] -= seg.size();
                return true;
            });
        }
        deleteOldestSegments((seg, nextBase) -> nextBase <= logStartOffset);
    }

    interface SegmentPredicate {
        boolean test(LogSegment segment, long nextBaseOffset);
    }

    /**
     * Deletes the longest prefix of segments matching the predicate, never past the high watermark,
     * rolling the active segment first when it is non-empty and matches (as Kafka does).
     */
    private void deleteOldestSegments(SegmentPredicate predicate) throws IOException {
        List<LogSegment> doomed = new ArrayList<>();
        for (LogSegment seg : segments.values()) {
            Long higher = segments.higherKey(seg.baseOffset());
            long nextBase = higher != null ? higher : logEndOffset;
            boolean emptyActive = seg == active && seg.size() == 0;
            if (nextBase > highWatermark || emptyActive || !predicate.test(seg, nextBase)) {
                break;
            }
            doomed.add(seg);
        }
        if (doomed.isEmpty()) {
            return;
        }
        if (doomed.contains(active)) {
            roll();
        }
        for (LogSegment seg : doomed) {
            segments.remove(seg.baseOffset());
            seg.markDeleted();
            janitor.deleteLater(seg, config.fileDeleteDelayMs());
        }
        advanceLogStart(Math.max(logStartOffset, segments.firstKey()));
    }

    private void advanceLogStart(long offset) throws IOException {
        if (offset <= logStartOffset) {
            return;
        }
        logStartOffset = offset;
        epochs.truncateFromStart(offset);
        producers.truncateHead(offset);
        updateLastStableOffset();
    }

    // ---------------------------------------------------------------- replica truncation

    @Override
    public CompletableFuture<Void> truncateTo(long offset) {
        if (offset < 0) {
            return CompletableFuture.failedFuture(new IllegalArgumentException("cannot truncate to " + offset));
        }
        return onWriterAfterCommit(() -> {
            truncateOnWriter(offset);
            return null;
        });
    }

    @Override
    public CompletableFuture<Void> truncateFullyAndStartAt(long offset) {
        if (offset < 0) {
            return CompletableFuture.failedFuture(new IllegalArgumentException("cannot start at " + offset));
        }
        return onWriterAfterCommit(() -> {
            truncateFullyOnWriter(offset);
            return null;
        });
    }

    /** {@link #onWriter}, after the writer's group commit answered every append waiting for an fsync. */
    private <T> CompletableFuture<T> onWriterAfterCommit(IoSupplier<T> work) {
        return onWriter(() -> {
            writer.commitNow();
            if (offline) {
                throw new IOException(tp + " went offline in the fsync before the change");
            }
            return work.get();
        });
    }

    /**
     * Removes every batch at or above {@code target}, cutting before the batch that contains it. Order:
     * publish the lower offsets (new reads stop there), remove the later segments (renamed, deleted after
     * the delay), cut the segment holding the new end and seal it behind a fresh active segment (a cleaned
     * segment never becomes active: recovery checks the active one for contiguous offsets), then rebuild
     * epochs, producer state and the aborted-transaction indexes. A crash in between leaves a longer
     * prefix of the old log, never a mix. Writer thread only.
     */
    private void truncateOnWriter(long target) throws IOException {
        if (target >= logEndOffset) {
            return;
        }
        if (target < logStartOffset) {
            truncateFullyOnWriter(target);
            return;
        }
        LogSegment seg = segments.floorEntry(target).getValue();
        ByteBuffer header = ByteBuffer.allocate(LogSegment.SCAN_HEADER);
        int cut = SegmentScanner.positionOf(seg, target, seg.size(), header);
        long newEnd = target;
        if (cut >= 0) {
            newEnd = Math.min(target, BatchFormat.baseOffset(header, 0));
        } else {
            cut = seg.size();
        }
        if (newEnd < logStartOffset) {
            truncateFullyOnWriter(target);
            return;
        }
        logEndOffset = newEnd;
        highWatermark = Math.min(highWatermark, newEnd);
        lastStableOffset = Math.min(lastStableOffset, newEnd);
        fsyncedEndOffset = Math.min(fsyncedEndOffset, newEnd);
        removeSegments(List.copyOf(segments.tailMap(seg.baseOffset(), cut == 0).values()));
        if (cut > 0 && cut < seg.size()) {
            seg.truncateTo(cut, config.indexIntervalBytes());
        }
        if (cut > 0) {
            seg.txnIndex().truncateFrom(newEnd);
            seg.seal();
        }
        startActiveSegment(newEnd);
        epochs.truncateFromEndAt(newEnd);
        rebuildProducerState(newEnd);
        producers.writeSnapshot(newEnd);
        updateLastStableOffset();
    }

    /**
     * Producer state and aborted-transaction indexes of the log up to {@code end}: the newest snapshot at
     * or below the high watermark (those above {@code end} deleted) plus a replay of the batches after it,
     * with transactions whose marker is at or above the high watermark kept unstable.
     */
    private void rebuildProducerState(long end) throws IOException {
        long snapshot = producers.loadSnapshot(end, Math.min(end, highWatermark));
        LogLoader.replayProducers(segments, producers, producers.replayStart(snapshot, segments.firstKey()), highWatermark);
        producers.truncateHead(logStartOffset);
    }

    /** Empties the log and restarts it at {@code offset}, the log start offset from now on. Writer thread only. */
    private void truncateFullyOnWriter(long offset) throws IOException {
        logEndOffset = offset;
        highWatermark = offset;
        lastStableOffset = offset;
        fsyncedEndOffset = offset;
        removeSegments(List.copyOf(segments.values()));
        startActiveSegment(offset);
        logStartOffset = offset;
        LogLoader.writeLogStartCheckpoint(dir, offset);
        epochs.clear();
        producers.truncateFully(offset);
        updateLastStableOffset();
    }

    /** Takes segments out of the log; their files stay readable for {@code fileDeleteDelayMs}. */
    private void removeSegments(List<LogSegment> doomed) throws IOException {
        for (LogSegment seg : doomed) {
            segments.remove(seg.baseOffset());
            seg.markDeleted();
            janitor.deleteLater(seg, config.fileDeleteDelayMs());
        }
        Checkpoints.fsyncDir(dir);
    }

    private void startActiveSegment(long baseOffset) throws IOException {
        LogSegment fresh = LogSegment.create(dir, baseOffset);
        segments.put(baseOffset, fresh);
        active = fresh;
    }

    /** Runs a change on the writer thread; the future fails (IOException) if the partition is offline. */
    <T> CompletableFuture<T> onWriter(IoSupplier<T> work) {
        return onWriter(false, work);
    }

    /**
     * As {@link #onWriter(IoSupplier)}; a {@code memoryOnly} change (no I/O) runs on the calling thread when the
     * writer has nothing queued or running (see WriterThread).
     */
    private <T> CompletableFuture<T> onWriter(boolean memoryOnly, IoSupplier<T> work) {
        CompletableFuture<T> future = new CompletableFuture<>();
        WriterThread.Task task = new WriterThread.Task() {
            @Override
            public void run(WriterThread w) {
                if (offline) {
                    future.completeExceptionally(new IOException(tp + " is offline"));
                    return;
                }
                try {
                    future.complete(work.get());
                } catch (IOException e) {
                    markOffline(e);
                    future.completeExceptionally(e);
                }
            }

            @Override
            public void abort(AppendError error) {
                future.completeExceptionally(new IOException(tp + ": writer stopped (" + error + ")"));
            }

            @Override
            public long inlineBytes() {
                return memoryOnly ? 0 : -1;
            }
        };
        if (memoryOnly) {
            writer.runOrSubmit(task, 0);
        } else if (!writer.submit(task)) {
            task.abort(AppendError.NOT_LEADER_OR_FOLLOWER);
        }
        return future;
    }

    interface IoSupplier<T> {
        T get() throws IOException;
    }

    // ---------------------------------------------------------------- lifecycle

    /** Refuses further appends (deletion or shutdown). */
    void markClosed() {
        closed = true;
    }

    /** Clean shutdown once the writer stopped: index files, producer snapshot, fsync, close. */
    void closeFiles() throws IOException {
        closed = true;
        try {
            if (!offline) {
                checkpointHighWatermark();
                active.seal();
                producers.writeSnapshot(logEndOffset);
                for (LogSegment s : segments.values()) {
                    s.flush();
                }
            }
        } finally {
            for (LogSegment s : segments.values()) {
                s.close();
            }
        }
    }

    /** Deleted partition: every segment is closed after the delay, with the folder. */
    void forEachSegment(Consumer<LogSegment> action) {
        segments.values().forEach(action);
    }

    @Override
    public String toString() {
        return "PartitionLog(" + tp + ", start=" + logStartOffset + ", hw=" + highWatermark + ", end="
                + logEndOffset + ")";
    }
}
