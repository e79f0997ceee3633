package io.dlog.log.internal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Locale;

/**
 * One segment: {@code <20-digit base offset>.log} holding whole v2 batches back to back, with its sparse
 * offset and time indexes ({@code .index}, {@code .timeindex}) and its aborted-transaction index
 * ({@code .txnindex}, {@link TxnIndex}).
 *
 * <p>Invariants: bytes {@code [0, size)} are whole, valid batches with contiguous offsets starting at
 * {@link #baseOffset}; {@link #size} is published (volatile) only after the bytes are written, so readers
 * bounded by it never see a partial batch. Index files on disk are written when the segment rolls or the
 * log closes; the active segment's indexes are always rebuilt by the recovery scan.
 *
 * <p>Thread-safety: one writer (the partition's owner thread) appends; any thread may read through
 * positional reads ({@link #readHeader}, {@link #channel}) without locks.
 */
final class LogSegment {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(LogSegment.class);
    /** Bytes of header a reader needs to walk batches: base offset, length, ..., last offset delta. */
    static final int SCAN_HEADER = BatchFormat.LAST_OFFSET_DELTA + 4;

    private final Path dir;
    private final long baseOffset;
    private final FileChannel channel;
    /** Replaced (not changed in place) by {@link #truncateTo}, so a reader keeps a consistent index. */
    private volatile OffsetIndex offsetIndex;
    private volatile TimeIndex timeIndex;
    private final TxnIndex txnIndex;
    private volatile int size;
    private volatile long maxTimestamp = -1;
    private volatile long offsetOfMaxTimestamp = -1;
    /** Time the first batch arrived (or its max timestamp after recovery): drives segment.ms rolls. */
    private long rollingBaseTime = -1;
    private int bytesSinceLastIndexEntry;
    private long recoveredNextOffset = -1;
    private volatile boolean truncated;
    /** Blocks ahead of the end, for an active segment on a file system that has fallocate; else null. */
    private volatile SegmentPreallocation preallocation;
    /** Starts the writes of appended pages a step at a time, for an active segment; else null. */
    private volatile SegmentWriteback writeback;
    /**
     * The last batch appended, published after {@link #size}. A follower or consumer at the log's end asks for the
     * newest batch, which usually lies past the sparse index's last entry (one per {@code index.interval.bytes}):
     * starting there saves reading one header per batch in between. Measured on the leader of one-at-a-time acks=all
     * writes (RF 3, 20,000 messages, async-profiler): its event loops' samples in that scan fell from 1,182 to 370.
     */
    private volatile TailBatch tail;

    /**
     * A batch that starts at {@code position} with {@code baseOffset}, holds offsets up to {@code lastOffset} and
     * ends at {@code end}.
     */
    record TailBatch(long baseOffset, long lastOffset, int position, int end) {
    }

    private LogSegment(Path dir, long baseOffset, FileChannel channel, int size, OffsetIndex offsetIndex,
                       TimeIndex timeIndex) throws IOException {
        this(dir, baseOffset, channel, size, offsetIndex, timeIndex, TxnIndex.load(dir, baseOffset));
    }

    private LogSegment(Path dir, long baseOffset, FileChannel channel, int size, OffsetIndex offsetIndex,
                       TimeIndex timeIndex, TxnIndex txnIndex) {
        this.dir = dir;
        this.txnIndex = txnIndex;
        this.baseOffset = baseOffset;
        this.channel = channel;
        this.size = size;
        this.offsetIndex = offsetIndex;
        this.timeIndex = timeIndex;
    }

    static String fileName(long offset, String suffix) {
        return String.format(Locale.ROOT, "%020d", offset) + suffix;
    }

    static LogSegment create(Path dir, long baseOffset) throws IOException {
        FileChannel ch = FileIo.open(dir.resolve(fileName(baseOffset, ".log")), StandardOpenOption.CREATE,
                StandardOpenOption.READ, StandardOpenOption.WRITE);
        if (ch.size() > 0) {
            ch.truncate(0);
        }
        LogSegment s = new LogSegment(dir, baseOffset, ch, 0, new OffsetIndex(), new TimeIndex());
        s.txnIndex.truncateFrom(baseOffset);
        s.preallocateFromNowOn();
        return s;
    }

    /**
     * A new segment written by the cleaner under {@code <base>.log.cleaned} (and {@code .txnindex.cleaned});
     * {@link SegmentSwap} renames the files into place (open channels follow their files) and {@link #seal}
     * then writes the offset and time indexes.
     */
    static LogSegment createCleaned(Path dir, long baseOffset) throws IOException {
        FileChannel ch = FileIo.open(SegmentSwap.cleanedLog(dir, baseOffset), StandardOpenOption.CREATE,
                StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.READ, StandardOpenOption.WRITE);
        Path txn = SegmentSwap.cleanedTxnIndex(dir, baseOffset);
        FileIo.deleteIfExists(txn);
        return new LogSegment(dir, baseOffset, ch, 0, new OffsetIndex(), new TimeIndex(), TxnIndex.empty(txn));
    }

    /** An abandoned clean: closes and removes the {@code .cleaned} files. */
    void closeAndDeleteCleaned() throws IOException {
        channel.close();
        txnIndex.close();
        FileIo.deleteIfExists(SegmentSwap.cleanedLog(dir, baseOffset));
        FileIo.deleteIfExists(SegmentSwap.cleanedTxnIndex(dir, baseOffset));
    }

    /**
     * Opens a sealed (non-active) segment, using its index files when they pass the sanity check and
     * rebuilding them from the batch headers otherwise.
     */
    static LogSegment openSealed(Path dir, long baseOffset, long nextSegmentBase, int indexIntervalBytes)
            throws IOException {
        FileChannel ch = FileIo.open(dir.resolve(fileName(baseOffset, ".log")), StandardOpenOption.READ,
                StandardOpenOption.WRITE);
        int size = (int) Math.min(ch.size(), Integer.MAX_VALUE);
        OffsetIndex oi = OffsetIndex.load(dir.resolve(fileName(baseOffset, ".index")), size);
        TimeIndex ti = TimeIndex.load(dir.resolve(fileName(baseOffset, ".timeindex")),
                nextSegmentBase - baseOffset - 1);
        if (oi != null && ti != null && lastEntryIsBatchStart(ch, baseOffset, oi) && (size == 0 || ti.entries() > 0)) {
            LogSegment s = new LogSegment(dir, baseOffset, ch, size, oi, ti);
            s.maxTimestamp = ti.lastTimestamp();
            s.offsetOfMaxTimestamp = ti.entries() == 0 ? -1 : baseOffset + ti.lastRelativeOffset();
            return s;
        }
        LogSegment s = new LogSegment(dir, baseOffset, ch, size, new OffsetIndex(), new TimeIndex());
        s.rebuild(indexIntervalBytes, false);
        s.seal();
        return s;
    }

    /** Opens the active segment: every batch is validated (CRC included) and a torn tail truncated. */
    static LogSegment recoverActive(Path dir, long baseOffset, int indexIntervalBytes) throws IOException {
        FileChannel ch = FileIo.open(dir.resolve(fileName(baseOffset, ".log")), StandardOpenOption.READ,
                StandardOpenOption.WRITE);
        int size = (int) Math.min(ch.size(), Integer.MAX_VALUE);
        LogSegment s = new LogSegment(dir, baseOffset, ch, size, new OffsetIndex(), new TimeIndex());
        s.recoveredNextOffset = s.rebuild(indexIntervalBytes, true);
        s.preallocateFromNowOn();
        return s;
    }

    private void preallocateFromNowOn() {
        if (SegmentPreallocation.enabled()) {
            preallocation = new SegmentPreallocation(file());
        }
        if (SegmentWriteback.enabled()) {
            writeback = new SegmentWriteback(file(), size);
        }
    }

    /**
     * Asks for disk blocks ahead of the end once the segment is large enough ({@link SegmentPreallocation}), and
     * for the writes of the pages appended since the last step ({@link SegmentWriteback}); never waits for either.
     * Writer only, after an append.
     */
    void afterAppend(long segmentBytes) {
        SegmentPreallocation p = preallocation;
        if (p != null) {
            p.ahead(size, segmentBytes);
        }
        SegmentWriteback w = writeback;
        if (w != null) {
            w.written(size);
        }
    }

    /**
     * Frees the disk blocks a crash may have left preallocated past the end ({@link SegmentPreallocation}): for the
     * recovered active segment, at load, before any append.
     */
    void freeBlocksPastEnd() {
        SegmentPreallocation.freePastEnd(file(), size);
    }

    /** The offset after the last valid batch found by {@link #recoverActive}. */
    long rebuildResult() {
        return recoveredNextOffset;
    }

    private static boolean lastEntryIsBatchStart(FileChannel ch, long baseOffset, OffsetIndex oi) throws IOException {
        if (oi.entries() == 0) {
            return true;
        }
        ByteBuffer b = ByteBuffer.allocate(8);
        readFully(ch, b, oi.lastPosition());
        return b.getLong(0) == baseOffset + oi.lastRelativeOffset();
    }

    /**
     * Scans batches from position 0 and rebuilds both indexes; with {@code validate}, checks every batch
     * (length, magic, CRC32C, contiguous offsets) and truncates the file at the first bad one.
     *
     * @return the offset after the last good batch
     */
    long rebuild(int indexIntervalBytes, boolean validate) throws IOException {
        int fileSize = (int) Math.min(channel.size(), Integer.MAX_VALUE);
        ByteBuffer header = ByteBuffer.allocate(BatchFormat.HEADER_SIZE);
        ByteBuffer whole = ByteBuffer.allocate(0);
        int pos = 0;
        long next = baseOffset;
        while (pos + BatchFormat.HEADER_SIZE <= fileSize) {
            header.clear();
            readFully(channel, header, pos);
            int total = BatchFormat.totalSize(header, 0);
            if (total < BatchFormat.HEADER_SIZE || total > fileSize - pos) {
                break;
            }
            if (validate) {
                if (whole.capacity() < total) {
                    whole = ByteBuffer.allocate(total);
                }
                whole.clear().limit(total);
                readFully(channel, whole, pos);
                if (!isValidStored(whole, next)) {
                    break;
                }
            }
            indexBatch(header, pos, total, indexIntervalBytes);
            next = BatchFormat.baseOffset(header, 0) + BatchFormat.lastOffsetDelta(header, 0) + 1;
            pos += total;
        }
        if (pos < fileSize && validate) {
            LOG.warn("{}: truncating a torn or corrupt tail at recovery: {} bytes after position {} (offset {}) removed",
                    dir.resolve(baseOffset + ".log"), fileSize - pos, pos, next);
            channel.truncate(pos);
            io.dlog.log.BlockingCallGuard.check("fsync of a segment");
            channel.force(true);
        }
        size = pos;
        return next;
    }

    private static boolean isValidStored(ByteBuffer batch, long expectedBase) {
        int total = batch.limit();
        return BatchFormat.magic(batch, 0) == 2
                && BatchFormat.baseOffset(batch, 0) == expectedBase
                // a replicated cleaned batch holds fewer records than its offset span, possibly none
                && BatchFormat.recordCount(batch, 0) >= 0
                && BatchFormat.recordCount(batch, 0) <= BatchFormat.lastOffsetDelta(batch, 0) + 1L
                && BatchFormat.lastOffsetDelta(batch, 0) >= 0
                && BatchFormat.storedCrc(batch, 0) == BatchFormat.computeCrc(batch, 0, total);
    }

    /** Records index entries and timestamps for a batch written at {@code pos}. Writer only. */
    private void indexBatch(ByteBuffer header, int pos, int total, int indexIntervalBytes) {
        long base = BatchFormat.baseOffset(header, 0);
        long ts = BatchFormat.maxTimestamp(header, 0);
        if (rollingBaseTime < 0) {
            rollingBaseTime = ts;
        }
        if (ts > maxTimestamp) {
            maxTimestamp = ts;
            offsetOfMaxTimestamp = base;
        }
        if (bytesSinceLastIndexEntry > indexIntervalBytes) {
            offsetIndex.append((int) (base - baseOffset), pos);
            if (maxTimestamp >= 0) {
                timeIndex.maybeAppend(maxTimestamp, (int) (offsetOfMaxTimestamp - baseOffset));
            }
            bytesSinceLastIndexEntry = 0;
        }
        bytesSinceLastIndexEntry += total;
    }

    /**
     * Writes already-rewritten batches at the end of the file, indexes them and then publishes the new
     * size. Writer only.
     */
    void append(ByteBuffer batches, int[] positions, int indexIntervalBytes, long now) throws IOException {
        int start = size;
        int origin = batches.position();
        int length = batches.remaining();
        ByteBuffer src = batches.duplicate();
        long at = start;
        while (src.hasRemaining()) {
            at += channel.write(src, at);
        }
        if (start == 0) {
            rollingBaseTime = now;
        }
        for (int p : positions) {
            indexBatch(batches, p, start + p - origin, BatchFormat.totalSize(batches, p), indexIntervalBytes);
        }
        size = start + length;
        if (positions.length > 0) {
            int last = positions[positions.length - 1];
            int lastStart = start + last - origin;
            long lastBase = BatchFormat.baseOffset(batches, last);
            tail = new TailBatch(lastBase, lastBase + BatchFormat.lastOffsetDelta(batches, last), lastStart,
                    lastStart + BatchFormat.totalSize(batches, last));
        }
    }

    private void indexBatch(ByteBuffer buf, int at, int filePos, int total, int indexIntervalBytes) {
        ByteBuffer header = buf.duplicate().position(at).slice();
        indexBatch(header, filePos, total, indexIntervalBytes);
    }

    /**
     * Cuts the segment at {@code position}, a batch start, and rebuilds its indexes and timestamps from the
     * batches kept (replica truncation). The smaller size is published before the file shrinks, so a read
     * that starts afterwards stays below the cut; a read already past it meets the end of the file (an
     * {@code IOException}). The caller seals the segment right after, so no new bytes ever land at those
     * positions. The cut is fsynced. Writer only.
     */
    void truncateTo(int position, int indexIntervalBytes) throws IOException {
        tail = null; // it may lie past the cut
        size = position;
        truncated = true;
        channel.truncate(position);
        channel.force(true);
        offsetIndex = new OffsetIndex();
        timeIndex = new TimeIndex();
        maxTimestamp = -1;
        offsetOfMaxTimestamp = -1;
        rollingBaseTime = -1;
        bytesSinceLastIndexEntry = 0;
        rebuild(indexIntervalBytes, false);
    }

    /**
     * Whether this segment was cut in place by {@link #truncateTo}: the log cleaner must not swap in a
     * cleaned copy it may have made of the bytes before the cut.
     */
    boolean wasTruncated() {
        return truncated;
    }

    /**
     * Adds the final time index entry and writes both index files (crash-atomically); frees the disk blocks
     * preallocated past the end.
     */
    void seal() throws IOException {
        if (maxTimestamp >= 0) {
            timeIndex.maybeAppend(maxTimestamp, (int) (offsetOfMaxTimestamp - baseOffset));
        }
        offsetIndex.writeTo(dir.resolve(fileName(baseOffset, ".index")));
        timeIndex.writeTo(dir.resolve(fileName(baseOffset, ".timeindex")));
        if (preallocation != null) {
            preallocation.release(size);
        }
        closeWriteback();
    }

    /** Reads {@code dst.remaining()} bytes at a position. Any thread. */
    void readHeader(ByteBuffer dst, long position) throws IOException {
        readFully(channel, dst, position);
    }

    static void readFully(FileChannel ch, ByteBuffer dst, long position) throws IOException {
        long pos = position;
        while (dst.hasRemaining()) {
            int n = ch.read(dst, pos);
            if (n < 0) {
                throw new java.io.EOFException("end of segment at " + pos);
            }
            pos += n;
        }
    }

    void flush() throws IOException {
        io.dlog.log.BlockingCallGuard.check("fsync of a segment");
        channel.force(false);
        txnIndex.flush();
    }

    /** Renames the files to {@code *.deleted}, so a restart finishes the job if the delayed delete never ran. */
    void markDeleted() throws IOException {
        for (String suffix : new String[] {".log", ".index", ".timeindex", TxnIndex.SUFFIX}) {
            Path p = dir.resolve(fileName(baseOffset, suffix));
            if (Files.exists(p)) {
                FileIo.move(p, dir.resolve(fileName(baseOffset, suffix + ".deleted")),
                        StandardCopyOption.REPLACE_EXISTING);
            }
        }
    }

    /**
     * Closes the channel and removes the files {@link #markDeleted} renamed. Never the plain names: a
     * cleaned segment with the same base offset may own them by now.
     */
    void closeAndDeleteFiles() throws IOException {
        closeBackgroundWork();
        channel.close();
        txnIndex.close();
        for (String suffix : new String[] {".log", ".index", ".timeindex", TxnIndex.SUFFIX}) {
            FileIo.deleteIfExists(dir.resolve(fileName(baseOffset, suffix + ".deleted")));
        }
    }

    void close() throws IOException {
        closeBackgroundWork();
        channel.close();
        txnIndex.close();
    }

    /** The segment is closed or deleted: no more allocations ahead or early writes for it. */
    private void closeBackgroundWork() {
        SegmentPreallocation p = preallocation;
        if (p != null) {
            p.close();
        }
        closeWriteback();
    }

    private void closeWriteback() {
        SegmentWriteback w = writeback;
        if (w != null) {
            w.close();
        }
    }

    long baseOffset() {
        return baseOffset;
    }

    int size() {
        return size;
    }

    /** The log file's path once {@link #markDeleted} renamed it. */
    Path deletedFile() {
        return dir.resolve(fileName(baseOffset, ".log.deleted"));
    }

    /** The log file's path while the segment is live (it is renamed when deleted). */
    Path file() {
        return dir.resolve(fileName(baseOffset, ".log"));
    }

    FileChannel channel() {
        return channel;
    }

    OffsetIndex offsetIndex() {
        return offsetIndex;
    }

    TimeIndex timeIndex() {
        return timeIndex;
    }

    /** Aborted transactions whose abort marker lies in this segment. */
    TxnIndex txnIndex() {
        return txnIndex;
    }

    long maxTimestamp() {
        return maxTimestamp;
    }

    long offsetOfMaxTimestamp() {
        return offsetOfMaxTimestamp;
    }

    long rollingBaseTime() {
        return rollingBaseTime;
    }

    /**
     * Position of the last indexed batch that starts at or before {@code maxPosition} with a base
     * offset at most {@code maxOffset}, or -1 (see {@link OffsetIndex#lastBatchStartAtOrBefore}).
     */
    int lastIndexedBatchStart(int maxPosition, long maxOffset) {
        long rel = maxOffset - baseOffset;
        return rel < 0 ? -1 : offsetIndex.lastBatchStartAtOrBefore(maxPosition, (int) Math.min(rel, Integer.MAX_VALUE));
    }

    /**
     * Where to start scanning for {@code offset} among the bytes below {@code limit}: the last appended batch when
     * the offset is at or after its start and it lies below the limit, else {@link #lookupPosition(long)}.
     */
    int lookupPosition(long offset, int limit) {
        TailBatch last = tail;
        if (last != null && offset >= last.baseOffset() && last.end() <= limit) {
            return last.position();
        }
        return lookupPosition(offset);
    }

    /**
     * The last appended batch if it holds {@code offset} and ends at or below {@code limit} (a size read before
     * this call), else null. A follower or a consumer at the log's end asks for just that batch: its start, last
     * offset and size are known here, so finding it takes no header read.
     */
    TailBatch tailBatchHolding(long offset, int limit) {
        TailBatch last = tail;
        return last != null && offset >= last.baseOffset() && offset <= last.lastOffset() && last.end() <= limit
                ? last : null;
    }

    /** Position of the last indexed batch starting at or before {@code offset}. */
    int lookupPosition(long offset) {
        long rel = offset - baseOffset;
        return rel <= 0 ? 0 : offsetIndex.lookup((int) Math.min(rel, Integer.MAX_VALUE));
    }
}
