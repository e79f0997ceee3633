package io.dlog.analytics;

import static io.dlog.analytics.LogFixture.append;
import static io.dlog.analytics.LogFixture.appendTransactional;
import static io.dlog.analytics.LogFixture.header;
import static io.dlog.analytics.LogFixture.marker;
import static io.dlog.analytics.LogFixture.record;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

import io.dlog.log.LogConfig;
import io.dlog.log.PartitionLog;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.util.JsonStringArrayList;
import org.apache.arrow.vector.util.JsonStringHashMap;
import org.apache.arrow.vector.util.Text;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.record.internal.SimpleRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TopicArrowReaderTest {
    @TempDir
    Path dir;
    private LogFixture fixture;
    private BufferAllocator allocator;
    private TopicTables tables;

    @BeforeEach
    void open() throws Exception {
        fixture = new LogFixture(dir);
        allocator = new RootAllocator(256L << 20);
        tables = new TopicTables(TopicCatalog.of(fixture.logs), 100);
    }

    @AfterEach
    void close() throws Exception {
        fixture.close();
        // Closing the root allocator fails when any buffer is still held: every test is also a leak test.
        allocator.close();
    }

    /** Every row of a scan as column name -> Java value (Arrow's getObject). */
    private List<Map<String, Object>> rows(String topic, TableSchema table, Set<String> projection, Set<Integer> partitions,
                                           ScanRange range) throws Exception {
        List<Map<String, Object>> rows = new ArrayList<>();
        try (TopicArrowReader reader = tables.open(allocator, topic, table, projection, partitions, range)) {
            while (reader.loadNextBatch()) {
                VectorSchemaRoot root = reader.getVectorSchemaRoot();
                for (int i = 0; i < root.getRowCount(); i++) {
                    Map<String, Object> row = new HashMap<>();
                    for (FieldVector vector : root.getFieldVectors()) {
                        row.put(vector.getName(), vector.getObject(i));
                    }
                    rows.add(row);
                }
            }
        }
        return rows;
    }

    private List<Map<String, Object>> rows(String topic, ScanRange range) throws Exception {
        TableSchema table = tables.schema(topic, Optional.empty(), range.isolation());
        return rows(topic, table, null, null, range);
    }

    private static String text(Object value) {
        return value == null ? null : value instanceof Text t ? t.toString() : new String((byte[]) value, StandardCharsets.UTF_8);
    }

    @Test
    void shouldTurnRawRecordsIntoTheRecordColumnsAndTheValueBytes() throws Exception {
        PartitionLog log = fixture.partition("raw", 0);
        append(log, Compression.NONE, record(1000, "k1", "not json", header("h", "v"), header("empty", null)),
                record(2000, null, null));
        append(log, Compression.gzip().build(), record(3000, "k3", "gzipped"));

        List<Map<String, Object>> rows = rows("raw", ScanRange.ALL);

        assertThat(tables.schema("raw", Optional.empty(), Isolation.READ_UNCOMMITTED).format()).isEqualTo(ValueFormat.RAW);
        assertThat(rows).hasSize(3);
        assertThat(rows.get(0).get("partition")).isEqualTo(0);
        assertThat(rows.get(0).get("offset")).isEqualTo(0L);
        assertThat(rows.get(0).get("timestamp")).isEqualTo(1000L);
        assertThat(text(rows.get(0).get("key"))).isEqualTo("k1");
        assertThat(text(rows.get(0).get("value"))).isEqualTo("not json");
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> headers = (List<Map<String, Object>>) rows.get(0).get("headers");
        assertThat(headers).hasSize(2);
        assertThat(headers.get(0).get("key").toString()).isEqualTo("h");
        assertThat(text(headers.get(0).get("value"))).isEqualTo("v");
        assertThat(headers.get(1).get("value")).isNull();
        assertThat(rows.get(1).get("key")).isNull();
        assertThat(rows.get(1).get("value")).isNull();
        assertThat((List<?>) rows.get(1).get("headers")).isEmpty();
        assertThat(rows.get(2).get("offset")).isEqualTo(2L);
        assertThat(text(rows.get(2).get("value"))).isEqualTo("gzipped");
    }

    @Test
    void shouldInferAJsonSchemaWithWideningNestingAndConflictsAndKeepWhatItCannotPlace() throws Exception {
        PartitionLog log = fixture.partition("json", 0);
        append(log, Compression.NONE,
                record(1, null, "{\"country\":\"FR\",\"amount\":1,\"ok\":true,\"geo\":{\"lat\":1.5},\"tags\":[\"a\",\"b\"],\"mixed\":1,\"key\":\"k\"}"),
                record(2, null, "{\"country\":\"DE\",\"amount\":2.5,\"ok\":false,\"mixed\":\"x\",\"none\":null}"));
        TableSchema table = tables.schema("json", Optional.empty(), Isolation.READ_UNCOMMITTED);
        // Written after the sample was taken: the new field, the misfit and the non-object are not lost.
        append(log, Compression.lz4().build(),
                record(3, null, "{\"country\":\"US\",\"amount\":\"lots\",\"later\":42}"),
                record(4, null, "[1,2]"),
                record(5, null, "{\"country\":\"IT\",\"geo\":{\"lat\":2,\"lon\":3}}"),
                record(6, null, "{broken"));

        assertThat(table.format()).isEqualTo(ValueFormat.JSON);
        Map<String, ArrowType> types = new HashMap<>();
        for (Field field : table.schema().getFields()) {
            types.put(field.getName(), field.getType());
        }
        assertThat(types.get("country")).isEqualTo(ArrowType.Utf8.INSTANCE);
        assertThat(types.get("amount")).isInstanceOf(ArrowType.FloatingPoint.class);
        assertThat(types.get("ok")).isEqualTo(ArrowType.Bool.INSTANCE);
        assertThat(types.get("geo")).isEqualTo(ArrowType.Struct.INSTANCE);
        assertThat(types.get("tags")).isEqualTo(ArrowType.List.INSTANCE);
        assertThat(types.get("mixed")).isEqualTo(ArrowType.Utf8.INSTANCE);
        assertThat(table.schema().findField("mixed").getMetadata()).containsEntry(JsonType.JSON_TEXT_METADATA, "text");
        assertThat(types).containsKey("value_key").containsKey("none").containsKey("_overflow");

        List<Map<String, Object>> rows = rows("json", table, null, null, ScanRange.ALL);

        assertThat(rows).hasSize(6);
        assertThat(text(rows.get(0).get("country"))).isEqualTo("FR");
        assertThat(rows.get(0).get("amount")).isEqualTo(1.0);
        assertThat(rows.get(0).get("ok")).isEqualTo(true);
        assertThat(((JsonStringHashMap<?, ?>) rows.get(0).get("geo")).get("lat")).isEqualTo(1.5);
        assertThat(((JsonStringArrayList<?>) rows.get(0).get("tags")).stream().map(Object::toString)).containsExactly("a", "b");
        assertThat(text(rows.get(0).get("mixed"))).isEqualTo("1");
        assertThat(text(rows.get(0).get("value_key"))).isEqualTo("k");
        assertThat(rows.get(0).get("_overflow")).isNull();
        assertThat(text(rows.get(1).get("mixed"))).isEqualTo("\"x\"");
        assertThat(rows.get(1).get("geo")).isNull();
        assertThat(rows.get(1).get("none")).isNull();
        assertThat(rows.get(2).get("amount")).isNull();
        assertThat(text(rows.get(2).get("_overflow"))).isEqualTo("{\"amount\":\"lots\",\"later\":42}");
        assertThat(text(rows.get(3).get("_overflow"))).isEqualTo("[1,2]");
        assertThat(rows.get(3).get("country")).isNull();
        assertThat(text(rows.get(4).get("country"))).isEqualTo("IT");
        assertThat(rows.get(4).get("geo")).isNull();
        assertThat(text(rows.get(4).get("_overflow"))).isEqualTo("{\"geo\":{\"lat\":2,\"lon\":3}}");
        assertThat(text(rows.get(5).get("_overflow"))).isEqualTo("{broken");
        assertThat(rows.get(5).get("country")).isNull();
    }

    @Test
    void shouldDecodeOnlyTheProjectedColumns() throws Exception {
        PartitionLog log = fixture.partition("proj", 0);
        append(log, Compression.NONE, record(1, "k", "{\"a\":1,\"b\":\"x\"}"), record(2, "k", "{\"a\":2,\"b\":\"y\",\"c\":3}"));
        TableSchema table = tables.schema("proj", Optional.empty(), Isolation.READ_UNCOMMITTED);
        // Read once a (the only projected field) is found: the broken tail is not parsed. Without a, null.
        append(log, Compression.NONE, record(3, "k", "{\"a\":3,\"b\":"), record(4, "k", "{\"b\":\"z\"}"));

        List<Map<String, Object>> rows = rows("proj", table, Set.of("offset", "a"), null, ScanRange.ALL);

        assertThat(rows).extracting(row -> row.keySet()).allSatisfy(keys -> assertThat(keys).containsExactlyInAnyOrder("offset", "a"));
        assertThat(rows).extracting(row -> row.get("a")).containsExactly(1L, 2L, 3L, null);

        // With _overflow projected the whole value is checked: the broken one is all overflow.
        List<Map<String, Object>> checked = rows("proj", table, Set.of("a", "_overflow"), null, ScanRange.ALL);
        assertThat(checked).extracting(row -> row.get("a")).containsExactly(1L, 2L, null, null);
        assertThat(text(checked.get(2).get("_overflow"))).isEqualTo("{\"a\":3,\"b\":");
    }

    @Test
    void shouldSkipAbortedTransactionsAndControlBatchesWhenReadCommitted() throws Exception {
        PartitionLog log = fixture.partition("txn", 0);
        append(log, Compression.NONE, record(1, null, "plain-0"));                 // 0
        appendTransactional(log, 7, 0, record(2, null, "aborted-1"));             // 1
        appendTransactional(log, 8, 0, record(3, null, "committed-2"));           // 2
        appendTransactional(log, 7, 1, record(4, null, "aborted-3"));             // 3
        marker(log, 7, false);                                                    // 4 (abort)
        marker(log, 8, true);                                                     // 5 (commit)
        append(log, Compression.NONE, record(5, null, "plain-6"));                 // 6
        appendTransactional(log, 9, 0, record(6, null, "open-7"));                // 7: still open

        List<String> committed = rows("txn", ScanRange.ALL.withIsolation(Isolation.READ_COMMITTED)).stream()
                .map(row -> text(row.get("value"))).toList();
        List<String> uncommitted = rows("txn", ScanRange.ALL).stream().map(row -> text(row.get("value"))).toList();
        List<Object> committedOffsets = rows("txn", ScanRange.ALL.withIsolation(Isolation.READ_COMMITTED)).stream()
                .map(row -> row.get("offset")).toList();

        assertThat(committed).containsExactly("plain-0", "committed-2", "plain-6");
        assertThat(committedOffsets).containsExactly(0L, 2L, 6L);
        assertThat(uncommitted).containsExactly("plain-0", "aborted-1", "committed-2", "aborted-3", "plain-6", "open-7");
    }

    @Test
    void shouldReadOffsetAndTimestampRangesAndChosenPartitions() throws Exception {
        for (int p = 0; p < 2; p++) {
            PartitionLog log = fixture.partition("ranges", p);
            for (int i = 0; i < 10; i++) {
                append(log, Compression.NONE, record(1000 + i * 10, null, "{\"p\":" + p + ",\"i\":" + i + "}"));
            }
        }
        TableSchema table = tables.schema("ranges", Optional.empty(), Isolation.READ_UNCOMMITTED);

        List<Map<String, Object>> byOffset = rows("ranges", table, null, Set.of(1), ScanRange.ALL.withOffsets(3, 6));
        List<Map<String, Object>> byTime = rows("ranges", table, null, null, ScanRange.ALL.withTimestamps(1050, 1070));

        assertThat(byOffset).extracting(row -> row.get("partition"), row -> row.get("offset"))
                .containsExactly(org.assertj.core.groups.Tuple.tuple(1, 3L), org.assertj.core.groups.Tuple.tuple(1, 4L),
                        org.assertj.core.groups.Tuple.tuple(1, 5L));
        assertThat(byTime).extracting(row -> row.get("partition"), row -> row.get("i"))
                .containsExactly(org.assertj.core.groups.Tuple.tuple(0, 5L), org.assertj.core.groups.Tuple.tuple(0, 6L),
                        org.assertj.core.groups.Tuple.tuple(1, 5L), org.assertj.core.groups.Tuple.tuple(1, 6L));
    }

    @Test
    void shouldHonourCompactionGaps() throws Exception {
        LogConfig compacted = LogConfig.DEFAULT.withCompaction(true, false, 86_400_000L, 0, Long.MAX_VALUE, 0.01)
                .withSegmentBytes(1024);
        PartitionLog log = fixture.partition("compacted", 0, compacted);
        Map<String, String> latest = new HashMap<>();
        for (int i = 0; i < 60; i++) {
            String key = "k" + (i % 5);
            String value = "{\"i\":" + i + "}";
            append(log, Compression.NONE, record(i, key, value));
            latest.put(key, value);
        }
        fixture.logs.cleanNow();

        List<Map<String, Object>> rows = rows("compacted", ScanRange.ALL);

        Map<String, String> lastSeen = new HashMap<>();
        for (Map<String, Object> row : rows) {
            lastSeen.put(text(row.get("key")), "{\"i\":" + row.get("i") + "}");
        }
        assertThat(rows.size()).isLessThan(60);
        assertThat(lastSeen).isEqualTo(latest);
        assertThat(rows).extracting(row -> (Long) row.get("offset")).isSorted().doesNotHaveDuplicates();
    }

    @Test
    void shouldBoundBatchesAndReleaseEveryBuffer() throws Exception {
        PartitionLog log = fixture.partition("big", 0);
        SimpleRecord[] batch = new SimpleRecord[100];
        for (int b = 0; b < 10; b++) {
            for (int i = 0; i < batch.length; i++) {
                batch[i] = record(i, "key" + i, "{\"n\":" + (b * 100 + i) + ",\"s\":\"" + "x".repeat(50) + "\"}");
            }
            append(log, Compression.NONE, batch);
        }
        TableSchema table = tables.schema("big", Optional.empty(), Isolation.READ_UNCOMMITTED);
        BufferAllocator child = allocator.newChildAllocator("scan", 0, 16L << 20);
        List<Integer> batchRows = new ArrayList<>();
        long sum = 0;
        try (TopicArrowReader reader = new TopicArrowReader(child, table, null,
                List.of(new PartitionScan(log, ScanRange.ALL)), 128, 4096, 4096, null)) {
            while (reader.loadNextBatch()) {
                VectorSchemaRoot root = reader.getVectorSchemaRoot();
                batchRows.add(root.getRowCount());
                for (int i = 0; i < root.getRowCount(); i++) {
                    sum += (Long) root.getVector("n").getObject(i);
                }
            }
        }

        assertThat(batchRows.stream().mapToInt(Integer::intValue).sum()).isEqualTo(1000);
        assertThat(batchRows).allSatisfy(rows -> assertThat(rows).isLessThanOrEqualTo(128));
        assertThat(batchRows.size()).isGreaterThan(1000 / 128);
        assertThat(sum).isEqualTo(999L * 1000 / 2);
        assertThat(child.getAllocatedMemory()).isZero();
        assertThatCode(child::close).doesNotThrowAnyException();
    }
}
