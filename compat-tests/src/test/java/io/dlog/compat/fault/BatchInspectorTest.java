package io.dlog.compat.fault;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.SimpleRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The inspector on a segment file written as a node writes one: batches one after another, zeros past the end. */
class BatchInspectorTest {
    @TempDir
    Path dataDir;

    @Test
    void shouldReadEachStoredBatchsOffsetsAndProducerFields() throws IOException {
        // Given: a segment of topic t, partition 2, holding two batches of producer 7 (the second rewritten under
        // epoch 1 with sequence 0, as a bumped producer sends it) and preallocated zeros after them
        Path partitionDir = Files.createDirectories(dataDir.resolve("log").resolve("t-2"));
        MemoryRecords first = MemoryRecords.withIdempotentRecords(40L, Compression.NONE, 7L, (short) 0, 118, 3,
                new SimpleRecord("k".getBytes(), "a".getBytes()), new SimpleRecord("k".getBytes(), "b".getBytes()));
        MemoryRecords second = MemoryRecords.withIdempotentRecords(42L, Compression.NONE, 7L, (short) 1, 0, 5,
                new SimpleRecord("k".getBytes(), "a".getBytes()));
        try (FileChannel segment = FileChannel.open(partitionDir.resolve("00000000000000000000.log"),
                StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
            segment.write(first.buffer());
            segment.write(second.buffer());
            segment.write(ByteBuffer.allocate(4096));
        }

        // When
        var batches = BatchInspector.batches(dataDir, "t", 2);

        // Then
        assertThat(batches).containsExactly(
                new BatchInspector.StoredBatch(40, 41, 3, 7, (short) 0, 118),
                new BatchInspector.StoredBatch(42, 42, 5, 7, (short) 1, 0));
        assertThat(BatchInspector.batchAt(dataDir, "t", 2, 41)).contains(batches.get(0));
        assertThat(BatchInspector.batchAt(dataDir, "t", 2, 43)).isEmpty();
        assertThat(BatchInspector.batches(dataDir, "t", 1)).isEmpty();
    }
}
