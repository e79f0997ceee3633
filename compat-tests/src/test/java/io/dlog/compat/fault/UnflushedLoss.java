package io.dlog.compat.fault;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.stream.Stream;

/**
 * What a power cut takes from a node that left its writes to the kernel ({@code dlog.flush.mode=os}, Kafka's way of
 * leaving flushes to the page cache), done to a killed node's data folder before it starts again, as Jepsen's lazyfs
 * does to a file system. In every partition folder the active segment (the highest base offset) loses part of its last
 * mebibyte: the node starts the disk writes of each whole mebibyte once it is appended (SegmentWriteback), so only the
 * tail since then is taken to be in the page cache alone. Nothing else is touched: a roll fsyncs the segment it seals
 * before the next segment's file exists, checkpoint files are fsynced before they are renamed into place, and the
 * Raft log and its snapshots are fsynced before they count. Each segment loses its tail in one of three shapes, drawn from the run's seed:
 * <ul>
 *   <li>cut at a page boundary (the file's new size never reached the disk);</li>
 *   <li>zeroed from a page boundary to the end, the size kept (the size reached the disk, the pages did not: ext4
 *       without a journal can leave that);</li>
 *   <li>a run of pages zeroed inside the tail, the pages after it kept (the flusher writes pages in no set order).</li>
 * </ul>
 * Stateless; used by the test thread only, while the node is down.
 */
final class UnflushedLoss {
    static final int PAGE = 4096;
    /** How far behind a segment's end its pages may still be only in the page cache. */
    static final long WINDOW = 1 << 20;

    private UnflushedLoss() {
    }

    /** One segment's loss, for the history. */
    record Damage(Path segment, String shape, long from, long to, long sizeBefore) {
        @Override
        public String toString() {
            return segment.getParent().getFileName() + ": " + shape + " [" + from + ", " + to + ") of " + sizeBefore
                    + " bytes";
        }
    }

    /** Takes the unflushed tail of every active segment under {@code dataDir}; returns what each lost. */
    static List<Damage> apply(Path dataDir, Random random) throws IOException {
        List<Damage> damages = new ArrayList<>();
        for (Path partition : partitionFolders(dataDir)) {
            Optional<Path> active = activeSegment(partition);
            if (active.isPresent()) {
                damage(active.get(), random).ifPresent(damages::add);
            }
        }
        return damages;
    }

    /** The data folder's partition folders (topic-N), leaving out folders renamed for deletion. */
    static List<Path> partitionFolders(Path dataDir) throws IOException {
        try (Stream<Path> entries = Files.list(dataDir)) {
            return entries.filter(Files::isDirectory)
                    .filter(dir -> dir.getFileName().toString().matches(".+-\\d+"))
                    // Kafka's metadata log folder, if a tool made one: not DLog's to recover (its Raft log is __dlog_raft)
                    .filter(dir -> !dir.getFileName().toString().equals("__cluster_metadata-0"))
                    .sorted()
                    .toList();
        }
    }

    /** The segment file with the highest base offset ({@code 00000000000000000000.log} style names). */
    static Optional<Path> activeSegment(Path partition) throws IOException {
        try (Stream<Path> files = Files.list(partition)) {
            return files.filter(f -> f.getFileName().toString().matches("\\d{20}\\.log"))
                    .max(Comparator.comparing(f -> f.getFileName().toString()));
        }
    }

    /** One segment's loss: nothing when it is empty. */
    static Optional<Damage> damage(Path segment, Random random) throws IOException {
        try (FileChannel channel = FileChannel.open(segment, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            long size = channel.size();
            if (size == 0) {
                return Optional.empty();
            }
            // A page boundary in the last mebibyte, below the end: pages wholly past the last flush are what is lost.
            long lowestPage = Math.max(0, size - WINDOW) / PAGE;
            long highestPage = (size - 1) / PAGE;
            long from = (lowestPage + random.nextLong(highestPage - lowestPage + 1)) * PAGE;
            switch (random.nextInt(3)) {
                case 0 -> {
                    channel.truncate(from);
                    return Optional.of(new Damage(segment, "cut", from, size, size));
                }
                case 1 -> {
                    zero(channel, from, size);
                    return Optional.of(new Damage(segment, "zeroed to the end", from, size, size));
                }
                default -> {
                    long pages = 1 + random.nextLong(Math.max(1, (size - from) / PAGE));
                    long to = Math.min(size, from + pages * PAGE);
                    zero(channel, from, to);
                    return Optional.of(new Damage(segment, "zeroed inside", from, to, size));
                }
            }
        }
    }

    private static void zero(FileChannel channel, long from, long to) throws IOException {
        ByteBuffer zeros = ByteBuffer.allocate(PAGE);
        for (long position = from; position < to; ) {
            zeros.clear().limit((int) Math.min(PAGE, to - position));
            position += channel.write(zeros, position);
        }
    }
}
