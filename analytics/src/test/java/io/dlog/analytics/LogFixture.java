package io.dlog.analytics;

import io.dlog.log.LogConfig;
import io.dlog.log.LogManager;
import io.dlog.log.LogManagerConfig;
import io.dlog.log.PartitionLog;
import io.dlog.log.TopicPartition;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.record.internal.ControlRecordType;
import org.apache.kafka.common.record.internal.EndTransactionMarker;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.SimpleRecord;

/** A real log manager in a temporary folder, and helpers that append Kafka record batches to it. */
final class LogFixture implements AutoCloseable {
    final LogManager logs;

    LogFixture(Path dir) throws IOException {
        logs = LogManager.open(LogManagerConfig.defaults(dir), Clock.systemUTC(), topic -> LogConfig.DEFAULT);
    }

    PartitionLog partition(String topic, int partition) throws IOException {
        return logs.getOrCreate(new TopicPartition(topic, partition), LogConfig.DEFAULT);
    }

    PartitionLog partition(String topic, int partition, LogConfig config) throws IOException {
        return logs.getOrCreate(new TopicPartition(topic, partition), config);
    }

    static SimpleRecord record(long timestamp, String key, String value, Header... headers) {
        return new SimpleRecord(timestamp, key == null ? null : key.getBytes(StandardCharsets.UTF_8),
                value == null ? null : value.getBytes(StandardCharsets.UTF_8), headers);
    }

    static Header header(String key, String value) {
        return new RecordHeader(key, value == null ? null : value.getBytes(StandardCharsets.UTF_8));
    }

    static void append(PartitionLog log, Compression compression, SimpleRecord... records) throws Exception {
        check(log, MemoryRecords.withRecords(compression, records));
    }

    static void appendTransactional(PartitionLog log, long producerId, int sequence, SimpleRecord... records) throws Exception {
        check(log, MemoryRecords.withTransactionalRecords(Compression.NONE, producerId, (short) 0, sequence, records));
    }

    static void marker(PartitionLog log, long producerId, boolean commit) throws Exception {
        check(log, MemoryRecords.withEndTransactionMarker(System.currentTimeMillis(), producerId, (short) 0,
                new EndTransactionMarker(commit ? ControlRecordType.COMMIT : ControlRecordType.ABORT, 0)));
    }

    private static void check(PartitionLog log, MemoryRecords records) throws Exception {
        var result = log.append(records.buffer(), 0).get();
        if (!result.succeeded()) {
            throw new AssertionError("append failed: " + result.error());
        }
    }

    /** Every row the reader gives, column name to value as text (bytes as their list), in order. */
    static java.util.List<java.util.Map<String, Object>> rows(TopicArrowReader reader) throws IOException {
        java.util.List<java.util.Map<String, Object>> rows = new java.util.ArrayList<>();
        while (reader.loadNextBatch()) {
            org.apache.arrow.vector.VectorSchemaRoot root = reader.getVectorSchemaRoot();
            for (int i = 0; i < root.getRowCount(); i++) {
                java.util.Map<String, Object> row = new java.util.LinkedHashMap<>();
                for (org.apache.arrow.vector.FieldVector vector : root.getFieldVectors()) {
                    Object value = vector.getObject(i);
                    row.put(vector.getName(), value instanceof byte[] bytes ? java.util.Arrays.toString(bytes) : String.valueOf(value));
                }
                rows.add(row);
            }
        }
        return rows;
    }

    @Override
    public void close() throws IOException {
        logs.close();
    }
}
