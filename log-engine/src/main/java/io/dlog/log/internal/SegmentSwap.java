package io.dlog.log.internal;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * Puts a cleaned segment in the place of the segments it was cleaned from, so that {@code kill -9} at any
 * point leaves either the old segments or the new one, never both and never neither (Kafka's
 * {@code .cleaned} → {@code .swap} protocol, with the replaced range written down first):
 * <ol>
 *   <li>the cleaner writes {@code <base>.log.cleaned} (and {@code <base>.txnindex.cleaned} when the cleaned
 *       segment keeps aborted transactions) and fsyncs them;</li>
 *   <li>{@code <base>.swap-range} records the end of the replaced range (the first offset after it),
 *       crash-atomically;</li>
 *   <li>the txnindex goes to {@code .swap} first; then the commit point: the log {@code .cleaned} is
 *       renamed to {@code <base>.log.swap} and the folder fsynced;</li>
 *   <li>the old segments' files are renamed {@code *.deleted}, the {@code .swap} files to their final
 *       names (log first), the folder fsynced, the range file removed.</li>
 * </ol>
 * {@link #recover} runs before a partition opens: a range file beside a {@code .cleaned} file is an
 * uncommitted clean (both go); beside a {@code .swap} file a committed one (the old segments in the range go,
 * the swap file takes {@code <base>.log}); alone, a finished one whose range file was not yet removed
 * (segments after {@code base} inside the range go). Stray {@code .cleaned} files are removed.
 *
 * <p>Tests may set {@link #crashPoint} to stop the process at a named step. Stateless otherwise; runs on
 * the partition's writer thread, or on the opening thread before the partition is published.
 */
final class SegmentSwap {
    static final String CLEANED = ".cleaned";
    static final String SWAP = ".swap";
    static final String RANGE = ".swap-range";
    private static final String[] SEGMENT_SUFFIXES = {".log", ".index", ".timeindex", TxnIndex.SUFFIX};

    /** A test seam: called with the name of each step just done. */
    interface CrashPoint {
        void reached(String step);
    }

    static volatile CrashPoint crashPoint = step -> { };

    private SegmentSwap() {
    }

    static Path cleanedLog(Path dir, long base) {
        return dir.resolve(LogSegment.fileName(base, ".log" + CLEANED));
    }

    static Path cleanedTxnIndex(Path dir, long base) {
        return dir.resolve(LogSegment.fileName(base, TxnIndex.SUFFIX + CLEANED));
    }

    private static Path swapLog(Path dir, long base) {
        return dir.resolve(LogSegment.fileName(base, ".log" + SWAP));
    }

    private static Path swapTxnIndex(Path dir, long base) {
        return dir.resolve(LogSegment.fileName(base, TxnIndex.SUFFIX + SWAP));
    }

    /** The swapped-in aborted-transaction index, if the cleaned segment has one, takes its final name. */
    private static void installTxnIndex(Path dir, long base) throws IOException {
        if (Files.exists(swapTxnIndex(dir, base))) {
            FileIo.move(swapTxnIndex(dir, base), dir.resolve(LogSegment.fileName(base, TxnIndex.SUFFIX)),
                    StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        }
    }

    private static Path rangeFile(Path dir, long base) {
        return dir.resolve(LogSegment.fileName(base, RANGE));
    }

    /** Steps 2 and 3: after this the new segment wins a crash. The cleaned file must be fsynced. */
    static void commit(Path dir, long base, long rangeEnd) throws IOException {
        Checkpoints.writeAtomically(rangeFile(dir, base), rangeEnd + "\n");
        crashPoint.reached("range-written");
        if (Files.exists(cleanedTxnIndex(dir, base))) {
            FileIo.move(cleanedTxnIndex(dir, base), swapTxnIndex(dir, base), StandardCopyOption.ATOMIC_MOVE);
        }
        FileIo.move(cleanedLog(dir, base), swapLog(dir, base), StandardCopyOption.ATOMIC_MOVE);
        Checkpoints.fsyncDir(dir);
        crashPoint.reached("swap-renamed");
    }

    /** Step 4: the old segments' files become {@code *.deleted}, the swap file becomes the segment. */
    static void install(Path dir, long base, List<LogSegment> replaced) throws IOException {
        for (LogSegment old : replaced) {
            old.markDeleted();
        }
        crashPoint.reached("old-renamed");
        FileIo.move(swapLog(dir, base), dir.resolve(LogSegment.fileName(base, ".log")), StandardCopyOption.ATOMIC_MOVE);
        crashPoint.reached("log-installed");
        installTxnIndex(dir, base);
        Checkpoints.fsyncDir(dir);
        crashPoint.reached("installed");
    }

    static void finish(Path dir, long base) throws IOException {
        FileIo.deleteIfExists(rangeFile(dir, base));
        Checkpoints.fsyncDir(dir);
    }

    /** Completes or discards an interrupted swap; see the class comment. */
    static void recover(Path dir) throws IOException {
        List<Path> files;
        try (Stream<Path> list = Files.list(dir)) {
            files = list.toList();
        }
        boolean changed = false;
        for (Path p : files) {
            String name = p.getFileName().toString();
            if (!name.endsWith(RANGE) || name.length() != 20 + RANGE.length()) {
                continue;
            }
            long base = Long.parseLong(name.substring(0, 20));
            long end = readRange(p);
            if (Files.exists(cleanedLog(dir, base)) || end < 0) {
                FileIo.deleteIfExists(cleanedLog(dir, base));
                FileIo.deleteIfExists(cleanedTxnIndex(dir, base));
                FileIo.deleteIfExists(swapTxnIndex(dir, base));
            } else if (Files.exists(swapLog(dir, base))) {
                deleteSegmentFiles(dir, base, end, true);
                FileIo.move(swapLog(dir, base), dir.resolve(LogSegment.fileName(base, ".log")),
                        StandardCopyOption.ATOMIC_MOVE);
                installTxnIndex(dir, base);
            } else {
                deleteSegmentFiles(dir, base, end, false);
                installTxnIndex(dir, base);
            }
            FileIo.delete(p);
            changed = true;
        }
        for (Path p : files) {
            String name = p.getFileName().toString();
            if ((name.endsWith(CLEANED) || name.endsWith(SWAP)) && Files.exists(p)) {
                // without a range file nothing was committed
                FileIo.delete(p);
                changed = true;
            }
        }
        if (changed) {
            Checkpoints.fsyncDir(dir);
        }
    }

    private static long readRange(Path file) throws IOException {
        try {
            return Long.parseLong(Files.readString(file, StandardCharsets.UTF_8).trim());
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    /** Removes the segments (log and index files) with base offsets in [base, end), or (base, end). */
    private static void deleteSegmentFiles(Path dir, long base, long end, boolean includeBase) throws IOException {
        List<Long> doomed = new ArrayList<>();
        try (Stream<Path> list = Files.list(dir)) {
            for (Path p : list.toList()) {
                String name = p.getFileName().toString();
                if (name.endsWith(".log") && name.length() == 24) {
                    long b = Long.parseLong(name.substring(0, 20));
                    if ((b > base || includeBase && b == base) && b < end) {
                        doomed.add(b);
                    }
                }
            }
        }
        for (long b : doomed) {
            for (String suffix : SEGMENT_SUFFIXES) {
                FileIo.deleteIfExists(dir.resolve(LogSegment.fileName(b, suffix)));
            }
        }
        if (!includeBase) {
            return;
        }
        for (String suffix : SEGMENT_SUFFIXES) {
            FileIo.deleteIfExists(dir.resolve(LogSegment.fileName(base, suffix)));
        }
    }
}
