package io.dlog.log.internal;

import io.dlog.log.LogConfig;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentNavigableMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.stream.Stream;

/**
 * Opens a partition folder and recovers it: completes or discards an interrupted cleaner swap
 * ({@link SegmentSwap}), removes leftovers of interrupted deletes and checkpoint writes, opens sealed
 * segments (their indexes sanity-checked, rebuilt if in doubt), scans and validates
 * the active segment and truncates a torn or corrupt tail, then restores the log start offset, the
 * leader epoch cache (trimmed to the recovered log) and producer state (snapshot plus replay of the
 * batch headers after it).
 *
 * <p>Sealed segments are trusted beyond the index check: a roll fsyncs the segment it seals before the next
 * segment's file is created, so only the newest segment can have lost pages to a power cut.
 *
 * <p>Runs on the opening thread before the partition is published; not thread-safe.
 */
final class LogLoader {
    static final String LOG_START_CHECKPOINT = "log-start-offset-checkpoint";

    record Loaded(Path dir, ConcurrentNavigableMap<Long, LogSegment> segments, ProducerStateManager producers,
                  LeaderEpochCache epochs, long logStartOffset, long logEndOffset) {
    }

    private LogLoader() {
    }

    static Loaded load(Path dir, LogConfig config) throws IOException {
        return load(dir, config, ProducerStateManager.DEFAULT_MAX_PRODUCERS);
    }

    static Loaded load(Path dir, LogConfig config, int maxProducers) throws IOException {
        boolean fresh = !Files.isDirectory(dir);
        FileIo.createDirectories(dir);
        SegmentSwap.recover(dir);
        List<Long> bases = cleanAndListSegments(dir);
        long checkpoint = readLogStartCheckpoint(dir);
        ConcurrentNavigableMap<Long, LogSegment> segments = new ConcurrentSkipListMap<>();
        long logEnd;
        if (bases.isEmpty()) {
            LogSegment s = LogSegment.create(dir, Math.max(0, checkpoint));
            segments.put(s.baseOffset(), s);
            logEnd = s.baseOffset();
            // The new segment's entry and, for a new partition, the partition folder's entry in the data
            // folder: without these fsyncs a power cut loses the whole partition, acknowledged appends
            // included (Kafka flushes the parent folder of a new log folder too).
            Checkpoints.fsyncDir(dir);
            if (fresh) {
                Checkpoints.fsyncDir(dir.getParent());
            }
        } else {
            for (int i = 0; i < bases.size() - 1; i++) {
                segments.put(bases.get(i), LogSegment.openSealed(dir, bases.get(i), bases.get(i + 1),
                        config.indexIntervalBytes()));
            }
            long last = bases.get(bases.size() - 1);
            LogSegment active = LogSegment.recoverActive(dir, last, config.indexIntervalBytes());
            segments.put(last, active);
            // Only the newest segment can hold blocks preallocated past its end: a roll frees the old segment's
            // before it creates the next file, so a crash in between leaves that segment the newest.
            active.freeBlocksPastEnd();
            logEnd = active.rebuildResult();
            active.flush();
        }
        long logStart = Math.min(Math.max(checkpoint, segments.firstKey()), logEnd);
        LeaderEpochCache epochs = LeaderEpochCache.load(dir, () -> epochsInBatches(segments));
        epochs.truncateFromEnd(logEnd);
        epochs.truncateFromStart(logStart);
        ProducerStateManager producers = new ProducerStateManager(dir, maxProducers);
        long snapshot = producers.loadSnapshot(logEnd);
        replayProducers(segments, producers, producers.replayStart(snapshot, segments.firstKey()));
        producers.truncateHead(logStart);
        return new Loaded(dir, segments, producers, epochs, logStart, logEnd);
    }

    /** Deletes leftovers ({@code *.deleted}, {@code *.tmp}) and returns the segment base offsets, sorted. */
    private static List<Long> cleanAndListSegments(Path dir) throws IOException {
        List<Long> bases = new ArrayList<>();
        try (Stream<Path> files = Files.list(dir)) {
            for (Path p : files.toList()) {
                String name = p.getFileName().toString();
                if (name.endsWith(".deleted") || name.endsWith(".tmp")) {
                    FileIo.deleteIfExists(p);
                } else if (name.endsWith(".log") && name.length() == 24
                        && name.substring(0, 20).chars().allMatch(Character::isDigit)) {
                    bases.add(Long.parseLong(name.substring(0, 20)));
                }
            }
        }
        bases.sort(null);
        return bases;
    }

    /**
     * Replays batch headers from {@code from} into producer state; markers are read whole and aborts
     * re-indexed in their segment's {@link TxnIndex}, whose entries from {@code from} on are dropped first
     * (the index is never trusted past the snapshot).
     */
    private static void replayProducers(ConcurrentNavigableMap<Long, LogSegment> segments,
                                        ProducerStateManager producers, long from) throws IOException {
        replayProducers(segments, producers, from, Long.MAX_VALUE);
    }

    /**
     * As above, with transactions whose marker lies at or above {@code highWatermark} kept unstable (replica
     * truncation, where the high watermark may lag the log end).
     */
    static void replayProducers(ConcurrentNavigableMap<Long, LogSegment> segments, ProducerStateManager producers,
                                long from, long highWatermark) throws IOException {
        ByteBuffer header = ByteBuffer.allocate(BatchFormat.HEADER_SIZE);
        Long startKey = segments.floorKey(from);
        for (LogSegment seg : segments.tailMap(startKey == null ? segments.firstKey() : startKey).values()) {
            seg.txnIndex().truncateFrom(from);
            int pos = seg.lookupPosition(from);
            int limit = seg.size();
            while (pos + BatchFormat.HEADER_SIZE <= limit) {
                header.clear();
                seg.readHeader(header, pos);
                int size = BatchFormat.totalSize(header, 0);
                if (BatchFormat.baseOffset(header, 0) >= from) {
                    ByteBuffer batch = header;
                    if (BatchFormat.isControl(header, 0) && BatchFormat.producerId(header, 0) >= 0) {
                        batch = ByteBuffer.allocate(size);
                        seg.readHeader(batch, pos);
                    }
                    TxnIndex.Entry aborted = replayOne(producers, batch, highWatermark);
                    if (aborted != null) {
                        seg.txnIndex().append(aborted);
                    }
                }
                pos += size;
            }
        }
    }

    private static TxnIndex.Entry replayOne(ProducerStateManager producers, ByteBuffer batch, long highWatermark) {
        try {
            if (highWatermark != Long.MAX_VALUE) {
                List<TxnIndex.Entry> aborted = producers.applyReplicated(batch, new int[] {0},
                        BatchFormat.maxTimestamp(batch, 0), highWatermark);
                return aborted.isEmpty() ? null : aborted.get(0);
            }
            return producers.replay(batch, 0, BatchFormat.maxTimestamp(batch, 0));
        } catch (IllegalArgumentException e) {
            // a marker the append path would have refused: nothing to apply
            return null;
        }
    }

    /** Each epoch's first offset, from the partitionLeaderEpoch of every batch header (increasing epochs only). */
    static List<LeaderEpochCache.EpochEntry> epochsInBatches(ConcurrentNavigableMap<Long, LogSegment> segments)
            throws IOException {
        List<LeaderEpochCache.EpochEntry> entries = new ArrayList<>();
        ByteBuffer header = ByteBuffer.allocate(BatchFormat.HEADER_SIZE);
        int latest = -1;
        for (LogSegment seg : segments.values()) {
            int pos = 0;
            int limit = seg.size();
            while (pos + BatchFormat.HEADER_SIZE <= limit) {
                header.clear();
                seg.readHeader(header, pos);
                int epoch = BatchFormat.partitionLeaderEpoch(header, 0);
                if (epoch > latest) {
                    latest = epoch;
                    entries.add(new LeaderEpochCache.EpochEntry(epoch, BatchFormat.baseOffset(header, 0)));
                }
                pos += BatchFormat.totalSize(header, 0);
            }
        }
        return entries;
    }

    static long readLogStartCheckpoint(Path dir) throws IOException {
        Path f = dir.resolve(LOG_START_CHECKPOINT);
        if (!Files.exists(f)) {
            return -1;
        }
        String content = Files.readString(f, StandardCharsets.UTF_8);
        try {
            long offset = Long.parseLong(content.trim());
            if (offset >= 0) {
                return offset;
            }
        } catch (NumberFormatException e) {
            // refused below
        }
        // The file is written atomically, so this is corruption. Guessing (the first segment's base offset)
        // would serve records DeleteRecords removed: the partition does not open, and says why.
        throw new IOException(f + " is corrupt (" + abbreviate(content) + "): the log start offset"
                + " cannot be recovered from the log; restore the file, or delete it to accept that records deleted"
                + " by DeleteRecords in the first segment come back");
    }

    private static String abbreviate(String content) {
        String flat = content.strip().replace('\n', ' ');
        return flat.length() > 40 ? flat.substring(0, 40) + "..." : flat;
    }

    static void writeLogStartCheckpoint(Path dir, long offset) throws IOException {
        Checkpoints.writeAtomically(dir.resolve(LOG_START_CHECKPOINT), offset + "\n");
    }
}
