package io.dlog.kafka.config;

import io.dlog.log.RecordsCodec;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.record.internal.CompressionType;
import org.apache.kafka.common.record.internal.RecordBatch;
import org.apache.kafka.common.utils.BufferSupplier;
import org.apache.kafka.common.utils.ByteBufferOutputStream;

/**
 * Kafka's codecs (gzip, snappy, lz4, zstd, from kafka-clients) for the log cleaner, which lives in the
 * log engine and may not depend on kafka-clients. A rewritten batch keeps its codec at the codec's
 * default level. Stateless; thread-safe.
 */
public final class KafkaRecordsCodec implements RecordsCodec {
    public static final KafkaRecordsCodec INSTANCE = new KafkaRecordsCodec();

    private KafkaRecordsCodec() {
    }

    @Override
    public boolean supports(int codec) {
        return codec >= 0 && codec <= 4;
    }

    @Override
    public ByteBuffer decompress(int codec, ByteBuffer records) throws IOException {
        Compression compression = Compression.of(CompressionType.forId(codec)).build();
        ByteArrayOutputStream out = new ByteArrayOutputStream(Math.max(64, records.remaining() * 4));
        try (InputStream in = compression.wrapForInput(records.duplicate(), RecordBatch.MAGIC_VALUE_V2,
                BufferSupplier.NO_CACHING)) {
            in.transferTo(out);
        } catch (RuntimeException e) {
            // Kafka's streams report corrupt input as KafkaException: the cleaner then keeps the batch whole
            throw new IllegalArgumentException("cannot decompress codec " + codec, e);
        }
        return ByteBuffer.wrap(out.toByteArray());
    }

    @Override
    public ByteBuffer compress(int codec, ByteBuffer records) throws IOException {
        Compression compression = Compression.of(CompressionType.forId(codec)).build();
        ByteBufferOutputStream buffer = new ByteBufferOutputStream(Math.max(64, records.remaining() / 2));
        try (OutputStream out = compression.wrapForOutput(buffer, RecordBatch.MAGIC_VALUE_V2)) {
            ByteBuffer src = records.duplicate();
            byte[] chunk = new byte[Math.min(8192, Math.max(1, src.remaining()))];
            while (src.hasRemaining()) {
                int n = Math.min(chunk.length, src.remaining());
                src.get(chunk, 0, n);
                out.write(chunk, 0, n);
            }
        }
        return buffer.buffer().flip();
    }
}
