package io.dlog.kafka.handlers.produce;

import io.dlog.kafka.config.TopicConfigs;
import java.nio.ByteBuffer;
import java.util.Iterator;
import java.util.Locale;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.TimestampType;
import org.apache.kafka.common.record.internal.CompressionType;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.MemoryRecordsBuilder;
import org.apache.kafka.common.record.internal.MutableRecordBatch;
import org.apache.kafka.common.record.internal.Record;
import org.apache.kafka.common.record.internal.RecordBatch;
import org.apache.kafka.common.utils.CloseableIterator;

/**
 * The record-level checks the log engine cannot make because they need the record format's codecs:
 * one v2 batch per partition (Kafka's rule since Produce v3), no null key on a compacted topic, and
 * recompression when the topic's compression.type names another codec, and each record of a compressed
 * batch within max.decompressed.message.bytes (Kafka 4.4) when the topic sets it. Batch-level checks (CRC,
 * sizes, sequences) are the engine's. Decompresses only when a check needs it.
 */
public final class RecordsValidator {

    /** A refusal: the Kafka error, its message, and the index of the record at fault (or -1). */
    public record Refusal(Errors error, String message, int recordIndex) {
    }

    /** The bytes to append, or why not. */
    public record Outcome(ByteBuffer batches, Refusal refusal) {
        static Outcome accept(ByteBuffer batches) {
            return new Outcome(batches, null);
        }

        static Outcome refuse(Errors error, String message, int recordIndex) {
            return new Outcome(null, new Refusal(error, message, recordIndex));
        }
    }

    private static final int ATTRIBUTES_OFFSET = 21;
    private static final int RECORD_COUNT_OFFSET = 57;
    private static final int RECORDS_OFFSET = 61;
    private static final int SNAPPY_ID = 2;
    private static final int CODEC_MASK = 0x07;
    /** zstd; the largest codec id the v2 format defines. */
    private static final int MAX_CODEC_ID = 4;

    private RecordsValidator() {
    }

    /** As {@link #validate(MemoryRecords, boolean, String, Compression, int)} with no max.decompressed.message.bytes. */
    public static Outcome validate(MemoryRecords records, boolean compacted, String topicCompression,
                                   Compression compression) {
        return validate(records, compacted, topicCompression, compression, TopicConfigs.NO_DECOMPRESSED_LIMIT);
    }

    /**
     * @param topicCompression the topic's compression.type ("producer" keeps the producer's codec)
     * @param compression      the codec and level to use when recompressing
     * @param maxRecordBytes   the topic's max.decompressed.message.bytes: the largest record body a compressed
     *                         batch may hold once decompressed ({@link TopicConfigs#NO_DECOMPRESSED_LIMIT}: none)
     */
    public static Outcome validate(MemoryRecords records, boolean compacted, String topicCompression,
                                   Compression compression, int maxRecordBytes) {
        // Every accessor below may meet bytes no producer writes; Kafka's record classes then throw, and
        // the partition is answered with CORRUPT_MESSAGE instead of the request failing as a whole.
        MutableRecordBatch batch;
        try {
            Iterator<MutableRecordBatch> batches = records.batches().iterator();
            if (!batches.hasNext()) {
                return Outcome.refuse(Errors.CORRUPT_MESSAGE, "Produce request has no complete record batch", -1);
            }
            batch = batches.next();
            if (batches.hasNext()) {
                return Outcome.refuse(Errors.INVALID_RECORD,
                        "Produce requests with version 3 and above may hold exactly one record batch per partition", -1);
            }
        } catch (RuntimeException e) {
            return Outcome.refuse(Errors.CORRUPT_MESSAGE, "Unreadable record batch: " + e.getMessage(), -1);
        }
        if (batch.magic() != RecordBatch.MAGIC_VALUE_V2) {
            return Outcome.refuse(Errors.INVALID_RECORD,
                    "Produce requests with version 3 and above may only hold magic v2 record batches", -1);
        }
        // The one batch starts at the buffer's position and, being v2, holds a whole 61-byte header.
        ByteBuffer bytes = records.buffer();
        int codecId = bytes.getShort(bytes.position() + ATTRIBUTES_OFFSET) & CODEC_MASK;
        if (codecId > MAX_CODEC_ID) {
            // Ids 5-7 name no codec: Kafka's CompressionType.forId throws on them.
            return Outcome.refuse(Errors.UNSUPPORTED_COMPRESSION_TYPE, "Unknown compression type id " + codecId, -1);
        }
        if (batch.isControlBatch()) {
            // Only the transaction coordinator writes markers (WriteTxnMarkers), never a producer.
            return Outcome.refuse(Errors.INVALID_RECORD, "Clients are not allowed to write control records", -1);
        }
        CompressionType target = targetCodec(topicCompression, batch.compressionType());
        boolean recompress = target != batch.compressionType() && !batch.isControlBatch();
        // Kafka 4.4 bounds records where it decompresses them, which on produce means compressed batches only
        boolean checkSizes = maxRecordBytes < TopicConfigs.NO_DECOMPRESSED_LIMIT && codecId != 0;
        if (!compacted && !recompress && !checkSizes) {
            return Outcome.accept(records.buffer());
        }
        io.dlog.log.BlockingCallGuard.check("record decompression or recompression");
        try {
            if (!batch.isValid()) {
                return Outcome.refuse(Errors.CORRUPT_MESSAGE, "Record batch fails its CRC check", -1);
            }
            if (codecId == SNAPPY_ID && !SnappyBounds.plausible(bytes, bytes.position() + RECORDS_OFFSET,
                    bytes.position() + batch.sizeInBytes())) {
                return Outcome.refuse(Errors.CORRUPT_MESSAGE, "Snappy payload announces more than it can hold", -1);
            }
            if (checkSizes) {
                String oversized = DecompressedRecordSizes.firstOversized(bytes.duplicate()
                        .position(bytes.position() + RECORDS_OFFSET).limit(bytes.position() + batch.sizeInBytes())
                        .slice(), batch.compressionType(), bytes.getInt(bytes.position() + RECORD_COUNT_OFFSET),
                        maxRecordBytes);
                if (oversized != null) {
                    return Outcome.refuse(Errors.INVALID_RECORD, oversized, -1);
                }
            }
            if (compacted) {
                int index = firstNullKey(batch);
                if (index >= 0) {
                    return Outcome.refuse(Errors.INVALID_RECORD,
                            "Compacted topic cannot accept message without key in topic partition", index);
                }
            }
            return Outcome.accept(recompress ? recompress(batch, compression) : records.buffer());
        } catch (RuntimeException | Error e) {
            if (e instanceof VirtualMachineError fatal) {
                throw fatal;
            }
            // snappy-java reports corrupt input with SnappyError, an Error (found by RequestFuzzTest).
            return Outcome.refuse(Errors.CORRUPT_MESSAGE, "Undecodable records: " + e.getMessage(), -1);
        }
    }

    /**
     * Whether the request's (first) batch names a codec, read from its attributes alone: the produce path's choice of
     * thread, so a malformed batch answers false here and is refused by {@link #validate}.
     */
    static boolean compressed(MemoryRecords records) {
        ByteBuffer bytes = records.buffer();
        return bytes.remaining() >= RECORDS_OFFSET && (bytes.getShort(bytes.position() + ATTRIBUTES_OFFSET) & CODEC_MASK) != 0;
    }

    static CompressionType targetCodec(String topicCompression, CompressionType producerCodec) {
        String name = topicCompression.toLowerCase(Locale.ROOT);
        if (name.equals("producer")) {
            return producerCodec;
        }
        return name.equals("uncompressed") ? CompressionType.NONE : CompressionType.forName(name);
    }

    private static int firstNullKey(RecordBatch batch) {
        int index = 0;
        try (CloseableIterator<Record> records = batch.streamingIterator(org.apache.kafka.common.utils.BufferSupplier.NO_CACHING)) {
            while (records.hasNext()) {
                if (!records.next().hasKey()) {
                    return index;
                }
                index++;
            }
        }
        return -1;
    }

    /** Rewrites the batch with another codec, keeping offsets deltas, timestamps, producer fields and headers. */
    private static ByteBuffer recompress(RecordBatch batch, Compression compression) {
        ByteBuffer out = ByteBuffer.allocate(Math.max(256, batch.sizeInBytes() * 2));
        MemoryRecordsBuilder builder = MemoryRecords.builder(out, RecordBatch.MAGIC_VALUE_V2, compression,
                TimestampType.CREATE_TIME, batch.baseOffset(), RecordBatch.NO_TIMESTAMP, batch.producerId(),
                batch.producerEpoch(), batch.baseSequence(), batch.isTransactional(), false,
                RecordBatch.NO_PARTITION_LEADER_EPOCH);
        try (CloseableIterator<Record> records = batch.streamingIterator(org.apache.kafka.common.utils.BufferSupplier.NO_CACHING)) {
            while (records.hasNext()) {
                Record record = records.next();
                builder.appendWithOffset(record.offset(), record.timestamp(), record.key(), record.value(), record.headers());
            }
        }
        return builder.build().buffer();
    }
}
