package io.dlog.analytics;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.util.AutoCloseables;
import org.apache.arrow.vector.BigIntVector;
import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.ipc.ArrowFileReader;
import org.apache.arrow.vector.types.pojo.Field;

/**
 * The columnar copy of one sealed segment for one table schema, as written by {@link ColumnarCopies}: a
 * folder holding one Arrow IPC file per table column ({@code c<index>.arrow}, so a query reads only the
 * columns it needs) and {@code manifest.json}. The copy holds every record of the segment's non-control
 * batches in offset order, aborted transactions' records included (what read_uncommitted sees); whether the
 * segment has transactional batches is in the manifest, so read_committed uses a copy only when it has
 * none. Every column file holds the same batches (same row counts, in the same order). Immutable.
 *
 * @param transactional whether the segment holds transactional batches (or markers)
 */
record ColumnarCopy(Path dir, long rows, int batches, boolean transactional, long minTimestamp, long maxTimestamp) {
    static final String MANIFEST = "manifest.json";
    private static final ObjectMapper MAPPER = new ObjectMapper();

    static Path columnFile(Path dir, int column) {
        return dir.resolve("c" + column + ".arrow");
    }

    void writeManifest() throws IOException {
        ObjectNode node = MAPPER.createObjectNode();
        node.put("rows", rows);
        node.put("batches", batches);
        node.put("transactional", transactional);
        node.put("min_timestamp", minTimestamp);
        node.put("max_timestamp", maxTimestamp);
        Path file = dir.resolve(MANIFEST);
        Files.write(file, MAPPER.writeValueAsBytes(node));
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.WRITE)) {
            channel.force(true);
        }
    }

    static ColumnarCopy readManifest(Path dir) throws IOException {
        JsonNode node = MAPPER.readTree(Files.readAllBytes(dir.resolve(MANIFEST)));
        if (!node.has("rows") || !node.has("batches")) {
            throw new IOException("incomplete manifest in " + dir);
        }
        return new ColumnarCopy(dir, node.get("rows").asLong(), node.get("batches").asInt(),
                node.path("transactional").asBoolean(true), node.path("min_timestamp").asLong(Long.MIN_VALUE),
                node.path("max_timestamp").asLong(Long.MAX_VALUE));
    }

    /**
     * Reads the copy's rows with offsets in {@code [from, to)} into batches of {@code out}'s columns (a
     * projection of {@code table}). Column files are opened when first needed; the offset column is read too
     * when only part of the segment is wanted. Not thread-safe.
     */
    final class Reader implements AutoCloseable {
        private final BufferAllocator allocator;
        private final TableSchema table;
        private final long from;
        private final long to;
        private final boolean whole;
        private final Map<String, ArrowFileReader> files = new HashMap<>();
        private final List<FileChannel> channels = new ArrayList<>();
        /** Per column, the batch its file reader holds. */
        private final Map<String, Integer> loaded = new HashMap<>();
        private int batch;

        Reader(BufferAllocator allocator, TableSchema table, long from, long to, boolean whole) {
            this.allocator = allocator;
            this.table = table;
            this.from = from;
            this.to = to;
            this.whole = whole;
        }

        /** Loads the next batch holding wanted rows into {@code out}; false when the copy has no more. */
        boolean loadInto(VectorSchemaRoot out) throws IOException {
            while (batch < batches) {
                int index = batch++;
                int lo = 0;
                int hi = -1;
                if (!whole) {
                    BigIntVector offsets = (BigIntVector) load(TableSchema.OFFSET, index);
                    int count = offsets.getValueCount();
                    lo = firstAtLeast(offsets, count, from);
                    hi = firstAtLeast(offsets, count, to);
                    if (lo >= hi) {
                        continue;
                    }
                }
                int rows = -1;
                for (FieldVector target : out.getFieldVectors()) {
                    FieldVector source = load(target.getName(), index);
                    int end = hi < 0 ? source.getValueCount() : hi;
                    if (lo == 0 && end == source.getValueCount()) {
                        source.makeTransferPair(target).transfer();
                    } else {
                        source.makeTransferPair(target).splitAndTransfer(lo, end - lo);
                    }
                    rows = end - lo;
                }
                if (rows < 0) {
                    // No column projected (cannot happen through TopicTables, which always projects one).
                    rows = (hi < 0 ? load(TableSchema.OFFSET, index).getValueCount() : hi) - lo;
                }
                out.setRowCount(rows);
                return true;
            }
            return false;
        }

        private static int firstAtLeast(BigIntVector offsets, int count, long offset) {
            int low = 0;
            int high = count;
            while (low < high) {
                int mid = (low + high) >>> 1;
                if (offsets.get(mid) < offset) {
                    low = mid + 1;
                } else {
                    high = mid;
                }
            }
            return low;
        }

        /** The column's vector of batch {@code index} (loaded once per batch). */
        private FieldVector load(String column, int index) throws IOException {
            ArrowFileReader file = files.get(column);
            if (file == null) {
                file = open(column);
            }
            if (file.getRecordBlocks().size() != batches) {
                throw new IOException("column " + column + " of the copy in " + dir + " has "
                        + file.getRecordBlocks().size() + " batches, the manifest " + batches);
            }
            // The offset column, read to slice and projected too, is loaded once per batch.
            if (loadedBatch(column) != index) {
                file.loadRecordBatch(file.getRecordBlocks().get(index));
                loaded.put(column, index);
            }
            return file.getVectorSchemaRoot().getVector(0);
        }

        private int loadedBatch(String column) {
            return loaded.getOrDefault(column, -1);
        }

        private ArrowFileReader open(String column) throws IOException {
            List<Field> fields = table.schema().getFields();
            int index = -1;
            for (int i = 0; i < fields.size(); i++) {
                if (fields.get(i).getName().equals(column)) {
                    index = i;
                }
            }
            if (index < 0) {
                throw new IllegalStateException("no column " + column + " in the table");
            }
            FileChannel channel = FileChannel.open(columnFile(dir, index), StandardOpenOption.READ);
            channels.add(channel);
            ArrowFileReader file = new ArrowFileReader(channel, allocator);
            files.put(column, file);
            if (!file.getVectorSchemaRoot().getSchema().getFields().get(0).equals(fields.get(index))) {
                throw new IOException("column " + column + " of the copy in " + dir + " does not match the table");
            }
            return file;
        }

        @Override
        public void close() {
            try {
                AutoCloseables.close(files.values());
                AutoCloseables.close(channels);
            } catch (Exception e) {
                // Closing readers of files opened read-only: nothing to lose.
            }
            files.clear();
            channels.clear();
        }
    }
}
