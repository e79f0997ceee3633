package io.dlog.compat.badinput;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.SimpleRecord;

/** Well-formed v2 record batches, as heap copies a test may then damage. */
final class RecordBatches {
    private RecordBatches() {
    }

    /** One uncompressed batch of {@code values}, keyed by the value when {@code keyed}. */
    static ByteBuffer of(boolean keyed, String... values) {
        SimpleRecord[] records = new SimpleRecord[values.length];
        for (int i = 0; i < values.length; i++) {
            byte[] bytes = values[i].getBytes(StandardCharsets.UTF_8);
            records[i] = new SimpleRecord(System.currentTimeMillis(), keyed ? bytes : null, bytes);
        }
        ByteBuffer buffer = MemoryRecords.withRecords(Compression.NONE, records).buffer();
        ByteBuffer copy = ByteBuffer.allocate(buffer.remaining());
        copy.put(buffer.duplicate()).flip();
        return copy;
    }
}
