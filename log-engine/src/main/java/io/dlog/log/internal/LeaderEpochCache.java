package io.dlog.log.internal;

import io.dlog.log.EpochEndOffset;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Leader epoch cache of one partition, after Kafka's LeaderEpochFileCache: (epoch, start offset) pairs,
 * epochs and offsets increasing, persisted to {@code leader-epoch-checkpoint} in Kafka's text format
 * (version line, count line, then "epoch startOffset" lines) on every change.
 *
 * <p>Thread-safety: changed only by the writer thread (or during open); reads take the immutable list
 * through a volatile field.
 */
final class LeaderEpochCache {
    static final String FILE = "leader-epoch-checkpoint";
    private static final Logger LOG = LoggerFactory.getLogger(LeaderEpochCache.class);

    record EpochEntry(int epoch, long startOffset) {
    }

    private final Path file;
    private volatile List<EpochEntry> entries;

    private LeaderEpochCache(Path file, List<EpochEntry> entries) {
        this.file = file;
        this.entries = List.copyOf(entries);
    }

    /** Reads the epochs a log's batches carry: how a corrupt checkpoint is rebuilt. */
    interface FromLog {
        List<EpochEntry> scan() throws IOException;
    }

    /** Loads the checkpoint; a missing file gives an empty cache. For tests and logs without data. */
    static LeaderEpochCache load(Path dir) throws IOException {
        return load(dir, List::of);
    }

    /**
     * Loads the checkpoint; a missing file gives an empty cache. A file that does not parse, or whose
     * epochs or offsets do not increase, is rebuilt from the epochs stamped in the log's batches (as
     * Kafka's recovery reassigns them from each batch's partitionLeaderEpoch) and rewritten, with a
     * warning: an empty cache would make OffsetsForLeaderEpoch answer UNDEFINED and followers truncate
     * wrongly.
     */
    static LeaderEpochCache load(Path dir, FromLog fromLog) throws IOException {
        Path f = dir.resolve(FILE);
        if (!Files.exists(f)) {
            return new LeaderEpochCache(f, List.of());
        }
        List<String> lines = Files.readAllLines(f, StandardCharsets.UTF_8);
        String corrupt = null;
        List<EpochEntry> list = new ArrayList<>();
        try {
            if (!"0".equals(lines.get(0).trim())) {
                corrupt = "unknown version " + lines.get(0);
            } else {
                int count = Integer.parseInt(lines.get(1).trim());
                if (count < 0 || lines.size() - 2 < count) {
                    corrupt = "count " + count + " but " + (lines.size() - 2) + " entries";
                }
                for (int i = 0; corrupt == null && i < count; i++) {
                    String[] parts = lines.get(2 + i).trim().split("\\s+");
                    EpochEntry entry = new EpochEntry(Integer.parseInt(parts[0]), Long.parseLong(parts[1]));
                    EpochEntry previous = list.isEmpty() ? null : list.get(list.size() - 1);
                    if (parts.length != 2 || entry.epoch() < 0 || entry.startOffset() < 0 || previous != null
                            && (entry.epoch() <= previous.epoch() || entry.startOffset() <= previous.startOffset())) {
                        corrupt = "bad entry '" + lines.get(2 + i) + "'";
                    }
                    list.add(entry);
                }
            }
        } catch (RuntimeException e) {
            corrupt = e.toString();
        }
        if (corrupt == null) {
            return new LeaderEpochCache(f, list);
        }
        LeaderEpochCache rebuilt = new LeaderEpochCache(f, List.of());
        rebuilt.replace(fromLog.scan());
        LOG.warn("{} is corrupt ({}); rebuilt from the log's batches: {}", f, corrupt, rebuilt.entries);
        return rebuilt;
    }

    int latestEpoch() {
        List<EpochEntry> e = entries;
        return e.isEmpty() ? -1 : e.get(e.size() - 1).epoch();
    }

    /** Records a new epoch starting at {@code startOffset} when it is newer than the latest. */
    void maybeAssign(int epoch, long startOffset) throws IOException {
        if (epoch < 0 || epoch <= latestEpoch()) {
            return;
        }
        List<EpochEntry> next = new ArrayList<>(entries);
        // an epoch that never got data is superseded by a later one at the same offset
        while (!next.isEmpty() && next.get(next.size() - 1).startOffset() >= startOffset) {
            next.remove(next.size() - 1);
        }
        next.add(new EpochEntry(epoch, startOffset));
        replace(next);
    }

    /** Recovery: drops epochs that start beyond the recovered log end. */
    void truncateFromEnd(long logEndOffset) throws IOException {
        List<EpochEntry> next = new ArrayList<>(entries);
        if (next.removeIf(e -> e.startOffset() > logEndOffset)) {
            replace(next);
        }
    }

    /**
     * Replica truncation to {@code endOffset}: drops the epochs that start at or after it (Kafka's
     * truncateFromEnd), so the latest kept epoch is the one the kept log ends in.
     */
    void truncateFromEndAt(long endOffset) throws IOException {
        List<EpochEntry> next = new ArrayList<>(entries);
        if (next.removeIf(e -> e.startOffset() >= endOffset)) {
            replace(next);
        }
    }

    /** The log was emptied (a follower restarting from the leader's log start): no epoch is known. */
    void clear() throws IOException {
        if (!entries.isEmpty()) {
            replace(List.of());
        }
    }

    /** Log start moved: the epoch covering it now starts there; older ones go. */
    void truncateFromStart(long logStartOffset) throws IOException {
        List<EpochEntry> cur = entries;
        List<EpochEntry> next = new ArrayList<>();
        EpochEntry covering = null;
        for (EpochEntry e : cur) {
            if (e.startOffset() <= logStartOffset) {
                covering = e;
            } else {
                next.add(e);
            }
        }
        if (covering != null) {
            next.add(0, new EpochEntry(covering.epoch(), logStartOffset));
        }
        if (!next.equals(cur)) {
            replace(next);
        }
    }

    /**
     * Kafka's endOffsetFor: the largest epoch &lt;= requested and the start of the next epoch (or the log
     * end for the latest). Above the latest epoch (or with none known) it is UNDEFINED; below the first
     * known epoch it is the requested epoch ending where the first known one starts, as in Kafka: that
     * history is gone with the log start, and the follower must truncate to where this log begins.
     */
    EpochEndOffset endOffsetFor(int requested, long logEndOffset) {
        List<EpochEntry> e = entries;
        if (requested < 0 || e.isEmpty()) {
            return EpochEndOffset.UNDEFINED;
        }
        EpochEntry last = e.get(e.size() - 1);
        if (requested == last.epoch()) {
            return new EpochEndOffset(requested, logEndOffset);
        }
        if (requested > last.epoch()) {
            return EpochEndOffset.UNDEFINED;
        }
        if (requested < e.get(0).epoch()) {
            return new EpochEndOffset(requested, e.get(0).startOffset());
        }
        for (int i = e.size() - 2; i >= 0; i--) {
            if (e.get(i).epoch() <= requested) {
                return new EpochEndOffset(e.get(i).epoch(), e.get(i + 1).startOffset());
            }
        }
        return EpochEndOffset.UNDEFINED;
    }

    List<EpochEntry> entries() {
        return entries;
    }

    private void replace(List<EpochEntry> next) throws IOException {
        StringBuilder sb = new StringBuilder("0\n").append(next.size()).append('\n');
        for (EpochEntry e : next) {
            sb.append(e.epoch()).append(' ').append(e.startOffset()).append('\n');
        }
        Checkpoints.writeAtomically(file, sb.toString());
        entries = List.copyOf(next);
    }
}
