package io.dlog.kafka.handlers.produce;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.record.internal.CompressionType;
import org.apache.kafka.common.record.internal.RecordBatch;
import org.apache.kafka.common.utils.BufferSupplier;

/**
 * Kafka 4.4's max.decompressed.message.bytes on produce: walks a compressed batch's records as its codec streams
 * them out, reading each record's length and skipping its body, so that neither the whole batch nor one oversized
 * record is ever held in memory (a small batch may decompress to gigabytes). Kafka's streaming record iterator makes
 * the same check with the same messages. Stateless; called on the produce path's codec thread.
 */
final class DecompressedRecordSizes {
    private static final int SKIP_CHUNK = 8192;

    private DecompressedRecordSizes() {
    }

    /**
     * @param records the batch's records section (after its 61-byte header), compressed with {@code codec}
     * @param count   the record count the batch's header gives
     * @return why the batch is refused (INVALID_RECORD), or null when every record is within {@code maxBytes}
     * @throws RuntimeException where the codec meets bytes it cannot decode (the caller answers CORRUPT_MESSAGE)
     */
    static String firstOversized(ByteBuffer records, CompressionType codec, int count, int maxBytes) {
        byte[] scratch = new byte[SKIP_CHUNK];
        try (InputStream in = Compression.of(codec).build().wrapForInput(records, RecordBatch.MAGIC_VALUE_V2,
                BufferSupplier.NO_CACHING)) {
            for (int i = 0; i < count; i++) {
                int size = readVarint(in);
                if (size < 0) {
                    return "Invalid record size: " + size + " is negative.";
                }
                if (size > maxBytes) {
                    return "Invalid record size: " + size + " exceeds the configured maximum record size of "
                            + maxBytes + ".";
                }
                if (!skip(in, size, scratch)) {
                    return "Invalid record size: expected " + size
                            + " bytes in record payload, but the record payload reached EOF.";
                }
            }
            return null;
        } catch (EOFException e) {
            return "Found invalid record structure: the records end before the batch's record count";
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot decompress " + codec.name + ": " + e.getMessage(), e);
        }
    }

    /** A zig-zag varint, as the v2 record format writes each record's length. */
    private static int readVarint(InputStream in) throws IOException {
        int raw = 0;
        for (int shift = 0; shift < 35; shift += 7) {
            int b = in.read();
            if (b < 0) {
                throw new EOFException();
            }
            raw |= (b & 0x7f) << shift;
            if ((b & 0x80) == 0) {
                return (raw >>> 1) ^ -(raw & 1);
            }
        }
        throw new IOException("record length varint longer than 5 bytes");
    }

    /** Reads and drops {@code n} bytes (InputStream.skip may skip fewer, and some codec streams skip none). */
    private static boolean skip(InputStream in, int n, byte[] scratch) throws IOException {
        int left = n;
        while (left > 0) {
            int read = in.read(scratch, 0, Math.min(left, scratch.length));
            if (read < 0) {
                return false;
            }
            left -= read;
        }
        return true;
    }
}
