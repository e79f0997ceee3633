package io.dlog.compat.fault;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * Reads the producer fields of the record batches a node stored, straight from its segment files (Kafka's on-disk
 * format, batch after batch): what the consumer API hides and a duplicate's cause turns on, namely which producer
 * epoch and sequence each copy was written with. Test evidence only; pure reads of files the node wrote.
 */
final class BatchInspector {
    /** One stored batch: offsets {@code [baseOffset, lastOffset]} written by producer {@code producerId}. */
    record StoredBatch(long baseOffset, long lastOffset, int leaderEpoch, long producerId, short producerEpoch,
                       int baseSequence) {
        boolean holds(long offset) {
            return baseOffset <= offset && offset <= lastOffset;
        }

        @Override
        public String toString() {
            return "[" + baseOffset + ".." + lastOffset + "] leader epoch " + leaderEpoch + ", producer " + producerId
                    + " epoch " + producerEpoch + " sequence " + baseSequence;
        }
    }

    private static final int HEADER = 61; // a v2 batch's fixed fields, up to and including the record count

    private BatchInspector() {
    }

    /** The batch holding {@code offset} of {@code topic}-{@code partition} under {@code dataDir}, if stored there. */
    static Optional<StoredBatch> batchAt(Path dataDir, String topic, int partition, long offset) throws IOException {
        for (StoredBatch batch : batches(dataDir, topic, partition)) {
            if (batch.holds(offset)) {
                return Optional.of(batch);
            }
        }
        return Optional.empty();
    }

    /** Every batch of the partition's segments under {@code dataDir}, in file order; empty when it has none there. */
    static List<StoredBatch> batches(Path dataDir, String topic, int partition) throws IOException {
        List<StoredBatch> batches = new ArrayList<>();
        Optional<Path> dir = partitionDir(dataDir, topic + "-" + partition);
        if (dir.isEmpty()) {
            return batches;
        }
        List<Path> segments;
        try (Stream<Path> files = Files.list(dir.get())) {
            segments = files.filter(f -> f.getFileName().toString().endsWith(".log")).sorted().toList();
        }
        for (Path segment : segments) {
            read(segment, batches);
        }
        return batches;
    }

    private static Optional<Path> partitionDir(Path dataDir, String name) throws IOException {
        if (!Files.isDirectory(dataDir)) {
            return Optional.empty();
        }
        try (Stream<Path> found = Files.find(dataDir, 4, (path, attributes) -> attributes.isDirectory()
                && path.getFileName().toString().equals(name))) {
            return found.findFirst();
        }
    }

    /** Batches until the file ends or the preallocated zeros past the last batch begin. */
    private static void read(Path segment, List<StoredBatch> into) throws IOException {
        try (FileChannel channel = FileChannel.open(segment, StandardOpenOption.READ)) {
            long size = channel.size();
            long position = 0;
            ByteBuffer header = ByteBuffer.allocate(HEADER).order(ByteOrder.BIG_ENDIAN);
            while (position + HEADER <= size) {
                header.clear();
                while (header.hasRemaining() && channel.read(header, position + header.position()) > 0) {
                    // read the whole header
                }
                long baseOffset = header.getLong(0);
                int length = header.getInt(8);
                if (length <= 0 || header.get(16) != 2) {
                    return;
                }
                into.add(new StoredBatch(baseOffset, baseOffset + header.getInt(23), header.getInt(12),
                        header.getLong(43), header.getShort(51), header.getInt(53)));
                position += 12L + length;
            }
        }
    }
}
