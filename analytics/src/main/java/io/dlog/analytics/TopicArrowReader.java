package io.dlog.analytics;

import io.dlog.log.PartitionLog;
import io.dlog.log.SealedSegment;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.OutOfMemoryException;
import org.apache.arrow.vector.VectorLoader;
import org.apache.arrow.vector.VectorUnloader;
import org.apache.arrow.vector.ipc.message.ArrowRecordBatch;
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
 * <p>With {@link ColumnarCopies}, a scan without timestamp bounds reads each sealed segment that has a
 * columnar copy from the copy (only the projected columns' files) and decodes records only elsewhere (the
 * active segment, segments not copied yet, and for read_committed segments holding transactions). The plan
 * is made when the reader is created, from the segments and visible end (high watermark or last stable
 * offset) of that moment; segments without a copy get one written in the background for later scans. The
 * partition's last run to decode (its tail) is taken from {@link DecodedTails} as far as an earlier scan decoded it
 * and the log's batches there are unchanged (read_uncommitted only), and what is decoded is kept there.
 *
 * <p>Memory is bounded: a batch ends at {@code maxRows} rows or once the keys, values and headers written
 * reach {@code maxBatchBytes} (checked after each record), and the partition reader holds one read slice;
 * a batch from a copy is one batch of the copy (written with the same limits).
 * Every batch gets fresh buffers from the allocator, so a consumer that keeps a batch (Flight's writer,
 * an Arrow C Data export) never sees it overwritten; closing the reader releases what it holds.
 *
 * <p>Not thread-safe: one thread at a time, never a Netty event loop (decoding takes CPU time).
 */
public final class TopicArrowReader extends ArrowReader {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(TopicArrowReader.class);
    private final TableSchema table;
    private final Schema schema;
    private final int maxRows;
    private final long maxBatchBytes;
    private final int readBytes;
    private final JsonValueWriter json;
    private final AvroValueWriter avro;
    private final ColumnarCopies copies;
    /** Decoded tails kept for later scans (with copies, for read_uncommitted), or null. */
    private final DecodedTails tails;
    /** The scan's pieces in order: runs of records to decode, and segments to read from their copies. */
    private final List<Piece> pieces = new ArrayList<>();
    private int current;
    private long rowsRead;

    /**
     * @param projection column names to produce (in table order), or null for all
     * @param copies     columnar copies of sealed segments to read instead of decoding, or null
     * @throws IOException a partition could not be opened for reading
     */
    public TopicArrowReader(BufferAllocator allocator, TableSchema table, Set<String> projection,
                            List<PartitionScan> scans, int maxRows, long maxBatchBytes, int readBytes,
                            ColumnarCopies copies) throws IOException {
        this(allocator, table, projection, scans, maxRows, maxBatchBytes, readBytes, copies, null);
    }

    /**
     * @param registry the schema registry Avro values in the Confluent wire format name their schemas in, or null
     */
    public TopicArrowReader(BufferAllocator allocator, TableSchema table, Set<String> projection,
                            List<PartitionScan> scans, int maxRows, long maxBatchBytes, int readBytes,
                            ColumnarCopies copies, SchemaRegistryClient registry) throws IOException {
        super(allocator);
        if (maxRows < 1 || maxBatchBytes < 1) {
            throw new IllegalArgumentException("batch limits must be positive");
        }
        this.table = table;
        this.schema = table.project(projection);
        this.maxRows = maxRows;
        this.maxBatchBytes = maxBatchBytes;
        this.readBytes = readBytes;
        this.copies = copies;
        this.tails = copies == null ? null : copies.tails();
        this.json = table.format() == ValueFormat.JSON ? new JsonValueWriter(table) : null;
        this.avro = table.format() == ValueFormat.AVRO ? new AvroValueWriter(table, registry) : null;
        try {
            for (PartitionScan scan : scans) {
                // Planned now: each partition's visible end is fixed when the scan starts, so it terminates.
                plan(scan);
            }
        } catch (IOException | RuntimeException e) {
            pieces.forEach(Piece::close);
            throw e;
        }
    }

    private void plan(PartitionScan scan) throws IOException {
        ScanRange range = scan.range();
        PartitionLog log = scan.log();
        if (copies == null || range.minTimestamp() != Long.MIN_VALUE || range.maxTimestamp() != Long.MAX_VALUE) {
            pieces.add(new Decode(scan.partition(), new PartitionRecordReader(log, range, readBytes)));
            return;
        }
        copies.sweepLater(log);
        boolean committed = range.isolation() == Isolation.READ_COMMITTED;
        long end = Math.min(range.endOffset(), committed ? log.lastStableOffset() : log.highWatermark());
        long position = Math.max(range.startOffset(), log.logStartOffset());
        long decodeFrom = position;
        int planned = pieces.size();
        for (SealedSegment segment : log.sealedSegments()) {
            if (segment.nextOffset() <= position) {
                continue;
            }
            if (segment.nextOffset() > end) {
                break;
            }
            Optional<ColumnarCopy> copy = copies.find(log, segment, table);
            if (copy.isEmpty() || (committed && copy.get().transactional())) {
                continue;
            }
            if (decodeFrom < segment.baseOffset()) {
                pieces.add(decode(scan, decodeFrom, segment.baseOffset()));
            }
            long from = Math.max(position, segment.baseOffset());
            pieces.add(new Copy(scan, copy.get(), from, segment.nextOffset(), from == segment.baseOffset()));
            decodeFrom = segment.nextOffset();
        }
        if (decodeFrom < end && tails != null && !committed) {
            pieces.add(new Tail(scan, decodeFrom, end));
        } else if (decodeFrom < end || pieces.size() == planned) {
            pieces.add(decode(scan, decodeFrom, Math.max(decodeFrom, end)));
        }
    }

    private Decode decode(PartitionScan scan, long from, long to) throws IOException {
        return new Decode(scan.partition(), new PartitionRecordReader(scan.log(), scan.range().withOffsets(from, to), readBytes));
    }

    /** Rows produced so far. */
    public long rowsRead() {
        return rowsRead;
    }

    /** Avro values that did not decode because the schema registry could not be asked (0 for other formats). */
    long transientDecodeErrors() {
        return avro == null ? 0 : avro.transientErrors();
    }

    /** Whether any batch decoded so far (not read from a copy) was transactional, or a transaction marker. */
    boolean sawTransactionalBatch() {
        return pieces.stream().anyMatch(p -> p instanceof Decode d && d.reader().sawTransactionalBatch()
                || p instanceof Tail t && t.reader != null && t.reader.sawTransactionalBatch());
    }

    @Override
    public boolean loadNextBatch() throws IOException {
        prepareLoadNextBatch();
        VectorSchemaRoot root = getVectorSchemaRoot();
        while (current < pieces.size()) {
            root.clear();
            if (pieces.get(current) instanceof Copy copy) {
                boolean loaded;
                try {
                    loaded = copy.loadInto(root);
                } catch (IOException | RuntimeException e) {
                    if (copy.sent) {
                        throw e;
                    }
                    // Unreadable before any of its rows went out: discard it and decode its range instead.
                    LOG.warn("Columnar copy {} is unreadable; decoding the segment instead", copy.copy.dir(), e);
                    copy.close();
                    copies.discard(copy.copy);
                    pieces.set(current, decode(copy.scan, copy.from, copy.to));
                    continue;
                }
                if (loaded) {
                    rowsRead += root.getRowCount();
                    return true;
                }
                copy.close();
                current++;
                continue;
            }
            if (pieces.get(current) instanceof Tail tail && tail.serveInto(root)) {
                rowsRead += root.getRowCount();
                return true;
            }
            int rows = decodeBatch(root);
            if (rows > 0) {
                rowsRead += rows;
                return true;
            }
        }
        root.setRowCount(0);
        return false;
    }

    /**
     * Decodes records of consecutive decode pieces into a fresh batch, up to the limits; returns its rows. A tail's
     * batches hold only its own records (they are kept for later scans as they are).
     */
    private int decodeBatch(VectorSchemaRoot root) throws IOException {
        root.allocateNew();
        Columns columns = new Columns(root);
        if (json != null) {
            json.bind(root);
        }
        if (avro != null) {
            avro.bind(root);
        }
        int rows = 0;
        long bytes = 0;
        Tail tail = pieces.get(current) instanceof Tail t ? t : null;
        boolean tailEnded = false;
        while (rows < maxRows && bytes < maxBatchBytes && current < pieces.size()) {
            Piece piece = pieces.get(current);
            PartitionRecordReader reader;
            int partition;
            if (tail != null) {
                reader = tail.reader;
                partition = tail.scan.partition();
            } else if (piece instanceof Decode decode) {
                reader = decode.reader();
                partition = decode.partition();
            } else {
                break; // a copy, or a tail: it starts the next batch
            }
            Record record = reader.next();
            if (record == null) {
                if (tail != null) {
                    tailEnded = true;
                    break;
                }
                piece.close();
                current++;
                continue;
            }
            bytes += columns.write(rows, partition, record);
            if (json != null) {
                json.write(rows, record.value());
            }
            if (avro != null) {
                avro.write(rows, record.value());
            }
            rows++;
        }
        root.setRowCount(rows);
        if (tail != null) {
            if (rows > 0) {
                tail.record(root);
            }
            if (tailEnded) {
                tail.finish();
                tail.close();
                current++;
            }
        }
        return rows;
    }

    @Override
    public long bytesRead() {
        return 0;
    }

    @Override
    protected void closeReadSource() {
        pieces.forEach(Piece::close);
    }

    @Override
    protected Schema readSchema() {
        return schema;
    }

    /** A part of a partition's scan. */
    private sealed interface Piece permits Decode, Copy, Tail {
        void close();
    }

    /** Records decoded from the log. */
    private record Decode(int partition, PartitionRecordReader reader) implements Piece {
        @Override
        public void close() {
            reader.close();
        }
    }

    /** A sealed segment read from its columnar copy. */
    private final class Copy implements Piece {
        private final PartitionScan scan;
        private final ColumnarCopy copy;
        private final long from;
        private final long to;
        private final boolean whole;
        private ColumnarCopy.Reader reader;
        /** Whether a batch of it went out already (then a failure cannot fall back to decoding). */
        private boolean sent;

        Copy(PartitionScan scan, ColumnarCopy copy, long from, long to, boolean whole) {
            this.scan = scan;
            this.copy = copy;
            this.from = from;
            this.to = to;
            this.whole = whole;
        }

        boolean loadInto(VectorSchemaRoot root) throws IOException {
            if (reader == null) {
                reader = copy.new Reader(allocator, table, from, to, whole);
            }
            boolean loaded = reader.loadInto(root);
            sent |= loaded;
            return loaded;
        }

        @Override
        public void close() {
            if (reader != null) {
                reader.close();
            }
        }
    }

    /**
     * The partition's last run of records to decode (the active segment, and segments without a copy before it),
     * taken from {@link DecodedTails} as far as an earlier scan decoded it and the log's batches there are
     * unchanged, decoded from there on; what it decodes is kept (copied into the tails' memory) for the next scan.
     */
    private final class Tail implements Piece {
        private final PartitionScan scan;
        private final long from;
        private final long to;
        private final DecodedTails.Key key;
        /** The entry served, held from the first batch until closed; null when none matched. */
        private DecodedTails.Entry cached;
        private int served;
        /** Decodes past the cached part; null until the first batch is asked for. */
        private PartitionRecordReader reader;
        /** Copies of the batches decoded, in the tails' memory; null once not kept (too large, or no memory). */
        private List<ArrowRecordBatch> recorded = new ArrayList<>();
        private long recordedBytes;

        Tail(PartitionScan scan, long from, long to) {
            this.scan = scan;
            this.from = from;
            this.to = to;
            this.key = new DecodedTails.Key(scan.log(), schema, from);
        }

        /** Loads the next cached batch (a copy in this reader's memory) into the root; false past the cached ones. */
        boolean serveInto(VectorSchemaRoot root) throws IOException {
            if (reader == null) {
                start();
            }
            if (cached == null || served == cached.batches.size()) {
                return false;
            }
            try (ArrowRecordBatch copy = DecodedTails.copy(cached.batches.get(served++), allocator)) {
                new VectorLoader(root).load(copy);
            }
            return true;
        }

        /** Finds a cached entry whose batches are still the log's, and opens the reader past it (or at the start). */
        private void start() throws IOException {
            DecodedTails.Entry entry = tails.acquire(key);
            long decodeFrom = from;
            long fingerprint = 0;
            if (entry != null && entry.to > to) {
                tails.release(entry); // this scan ends earlier (an offset bound): decode it
            } else if (entry != null && unchanged(entry)) {
                tails.hit();
                cached = entry;
                decodeFrom = entry.to;
                fingerprint = entry.fingerprint;
            } else if (entry != null) {
                tails.invalidate(key, entry);
                tails.release(entry);
            }
            reader = new PartitionRecordReader(scan.log(), scan.range().withOffsets(decodeFrom, to), readBytes);
            reader.continueFingerprint(fingerprint);
        }

        /** Reads the headers of the log's batches over the entry's range again: the same fingerprint, the same records. */
        private boolean unchanged(DecodedTails.Entry entry) throws IOException {
            try (PartitionRecordReader check = new PartitionRecordReader(scan.log(), scan.range().withOffsets(from, entry.to), readBytes)) {
                long fingerprint = check.fingerprintToEnd();
                return check.readWholeRange() && check.endOffset() == entry.to && fingerprint == entry.fingerprint;
            }
        }

        /** Keeps a copy of the batch just decoded into the root (its rows are this tail's only). */
        void record(VectorSchemaRoot root) {
            if (recorded == null) {
                return;
            }
            try (ArrowRecordBatch batch = new VectorUnloader(root).getRecordBatch()) {
                ArrowRecordBatch kept = DecodedTails.copy(batch, tails.allocator());
                recorded.add(kept);
                recordedBytes += kept.computeBodyLength();
            } catch (OutOfMemoryException e) {
                dropRecorded();
                return;
            }
            int batches = recorded.size() + (cached == null ? 0 : cached.batches.size());
            if (recordedBytes > tails.maxEntryBytes() || batches > DecodedTails.MAX_BATCHES_PER_ENTRY) {
                dropRecorded();
            }
        }

        /** At the end of the range: keeps the cached and the decoded batches as the tail's entry when read whole. */
        void finish() {
            if (recorded == null || !reader.readWholeRange() || transientDecodeErrors() > 0
                    || (cached != null && recorded.isEmpty())) {
                return; // nothing new to keep (or not all of it)
            }
            List<ArrowRecordBatch> batches = new ArrayList<>();
            if (cached != null) {
                for (ArrowRecordBatch batch : cached.batches) {
                    batches.add(new ArrowRecordBatch(batch.getLength(), batch.getNodes(), batch.getBuffers())); // shares them
                }
            }
            batches.addAll(recorded);
            recorded = null;
            tails.put(key, new DecodedTails.Entry(reader.endOffset(), reader.fingerprint(), batches));
        }

        private void dropRecorded() {
            if (recorded != null) {
                recorded.forEach(ArrowRecordBatch::close);
                recorded = null;
            }
        }

        @Override
        public void close() {
            dropRecorded();
            if (reader != null) {
                reader.close();
            }
            if (cached != null) {
                tails.release(cached);
                cached = null;
            }
        }
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
