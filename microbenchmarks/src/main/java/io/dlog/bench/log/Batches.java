package io.dlog.bench.log;

import java.nio.ByteBuffer;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.SimpleRecord;

/** Record batches shaped like ProducerPerformance's: 100-byte values, one batch per request. */
public final class Batches {
    private Batches() {
    }

    public static ByteBuffer of(int records, int valueBytes, Compression compression) {
        SimpleRecord[] batch = new SimpleRecord[records];
        byte[] value = new byte[valueBytes];
        for (int i = 0; i < value.length; i++) {
            value[i] = (byte) ('a' + i % 26);
        }
        for (int i = 0; i < records; i++) {
            batch[i] = new SimpleRecord(1_700_000_000_000L + i, null, value);
        }
        ByteBuffer heap = MemoryRecords.withRecords(compression, batch).buffer();
        ByteBuffer direct = ByteBuffer.allocateDirect(heap.remaining());
        direct.put(heap).flip();
        return direct;
    }
}
