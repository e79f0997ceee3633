package io.dlog.analytics;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.vector.BigIntVector;
import org.apache.arrow.vector.IntVector;
import org.apache.arrow.vector.TimeStampMilliTZVector;
import org.apache.arrow.vector.VarBinaryVector;
import org.apache.arrow.vector.VarCharVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.complex.ListVector;
import org.apache.arrow.vector.complex.StructVector;
import org.apache.arrow.vector.ipc.ArrowReader;
import org.apache.arrow.vector.types.pojo.Schema;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.record.internal.Record;

/**
 * Partitions of a topic as Arrow record batches: the partitions' scans one after the other, each record
 * a row of the {@link TableSchema}, restricted to the projected columns (a value column that is not
 * projected is never decoded; with no value column projected, values are not even parsed).
 *
 * <p>Memory is bounded: a batch ends at {@code maxRows} rows or once the keys, values and headers written
 * reach {@code maxBatchBytes} (checked after each record), and the partition reader holds one read slice.
 * Every batch gets fresh buffers from the allocator, so a consumer that keeps a batch (Flight's writer,
 * an Arrow C Data export) never sees it overwritten; closing the reader releases what it holds.
 *
 * <p>Not thread-safe: one thread at a time, never a Netty event loop (decoding takes CPU time).
 */
public final class TopicArrowReader extends ArrowReader {
    private final TableSchema table;
    private final Schema schema;
    private final List<PartitionScan> scans;
    private final int maxRows;
    private final long maxBatchBytes;
    private final JsonValueWriter json;
    private final List<PartitionRecordReader> readers = new ArrayList<>();
    private int current;
    private long rowsRead;

    /**
     * @param projection column names to produce (in table order), or null for all
     * @throws IOException a partition could not be opened for reading
     */
    public TopicArrowReader(BufferAllocator allocator, TableSchema table, Set<String> projection,
                            List<PartitionScan> scans, int maxRows, long maxBatchBytes, int readBytes) throws IOException {
        super(allocator);
        if (maxRows < 1 || maxBatchBytes < 1) {
            throw new IllegalArgumentException("batch limits must be positive");
        }
        this.table = table;
        this.schema = table.project(projection);
        this.scans = List.copyOf(scans);
        this.maxRows = maxRows;
        this.maxBatchBytes = maxBatchBytes;
        this.json = table.format() == ValueFormat.JSON ? new JsonValueWriter(table) : null;
        try {
            for (PartitionScan scan : this.scans) {
                // Opened now: each partition's visible end is fixed when the scan starts, so it terminates.
                readers.add(new PartitionRecordReader(scan.log(), scan.range(), 1 << 20));
            }
        } catch (IOException | RuntimeException e) {
            readers.forEach(PartitionRecordReader::close);
            throw e;
        }
    }

    /** Rows produced so far. */
    public long rowsRead() {
        return rowsRead;
    }

    @Override
    public boolean loadNextBatch() throws IOException {
        prepareLoadNextBatch();
        VectorSchemaRoot root = getVectorSchemaRoot();
        root.clear();
        root.allocateNew();
        Columns columns = new Columns(root);
        if (json != null) {
            json.bind(root);
        }
        int rows = 0;
        long bytes = 0;
        while (rows < maxRows && bytes < maxBatchBytes && current < readers.size()) {
            Record record = readers.get(current).next();
            if (record == null) {
                readers.get(current).close();
                current++;
                continue;
            }
            bytes += columns.write(rows, scans.get(current).partition(), record);
            if (json != null) {
                json.write(rows, record.value());
            }
            rows++;
        }
        root.setRowCount(rows);
        rowsRead += rows;
        return rows > 0;
    }

    @Override
    public long bytesRead() {
        return 0;
    }

    @Override
    protected void closeReadSource() {
        readers.forEach(PartitionRecordReader::close);
    }

    @Override
    protected Schema readSchema() {
        return schema;
    }

    /** The projected record columns of one batch (null when not projected). */
    private final class Columns {
        private final IntVector partition;
        private final BigIntVector offset;
        private final TimeStampMilliTZVector timestamp;
        private final VarBinaryVector key;
        private final ListVector headers;
        private final VarBinaryVector value;

        Columns(VectorSchemaRoot root) {
            partition = (IntVector) root.getVector(TableSchema.PARTITION);
            offset = (BigIntVector) root.getVector(TableSchema.OFFSET);
            timestamp = (TimeStampMilliTZVector) root.getVector(TableSchema.TIMESTAMP);
            key = (VarBinaryVector) root.getVector(TableSchema.KEY);
            headers = (ListVector) root.getVector(TableSchema.HEADERS);
            value = table.format() == ValueFormat.RAW ? (VarBinaryVector) root.getVector(TableSchema.VALUE) : null;
        }

        /** Writes the record's columns at {@code row}; returns the bytes it weighs. */
        long write(int row, int partitionId, Record record) {
            long bytes = 16;
            if (partition != null) {
                partition.setSafe(row, partitionId);
            }
            if (offset != null) {
                offset.setSafe(row, record.offset());
            }
            if (timestamp != null) {
                timestamp.setSafe(row, record.timestamp());
            }
            if (key != null && record.hasKey()) {
                ByteBuffer k = record.key();
                key.setSafe(row, k, k.position(), k.remaining());
            }
            bytes += record.keySize() > 0 ? record.keySize() : 0;
            bytes += record.valueSize() > 0 ? record.valueSize() : 0;
            if (value != null && record.hasValue()) {
                ByteBuffer v = record.value();
                value.setSafe(row, v, v.position(), v.remaining());
            }
            if (headers != null) {
                bytes += writeHeaders(row, record.headers());
            }
            return bytes;
        }

        private long writeHeaders(int row, Header[] recordHeaders) {
            long bytes = 0;
            int start = headers.startNewValue(row);
            StructVector entries = (StructVector) headers.getDataVector();
            VarCharVector keys = (VarCharVector) entries.getChild("key");
            VarBinaryVector values = (VarBinaryVector) entries.getChild("value");
            for (int i = 0; i < recordHeaders.length; i++) {
                Header header = recordHeaders[i];
                entries.setIndexDefined(start + i);
                byte[] name = header.key().getBytes(StandardCharsets.UTF_8);
                keys.setSafe(start + i, name);
                bytes += name.length;
                if (header.value() != null) {
                    values.setSafe(start + i, header.value());
                    bytes += header.value().length;
                } else {
                    values.setNull(start + i);
                }
            }
            headers.endValue(row, recordHeaders.length);
            return bytes;
        }
    }
}
