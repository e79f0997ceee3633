package io.dlog.analytics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import io.dlog.log.LogConfig;
import io.dlog.log.PartitionLog;
import io.dlog.log.SealedSegment;
import java.io.ByteArrayOutputStream;
import java.math.BigDecimal;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.types.DateUnit;
import org.apache.arrow.vector.types.FloatingPointPrecision;
import org.apache.arrow.vector.types.TimeUnit;
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.generic.GenericRecordBuilder;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.EncoderFactory;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.record.internal.SimpleRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Avro values as typed Arrow columns: a topic's {@code dlog.value.schema} with every Avro type and the logical
 * types; values that do not decode (garbage, a hostile length, trailing bytes) as nulls plus {@code _error};
 * the Confluent wire format with writer schemas fetched by id from a schema registry and resolved against the
 * subject's latest schema; columnar copies of Avro tables equal to decoding, keyed by the Avro schema.
 *
 * <p>The schema registry is the JDK's HttpServer answering the two REST calls DLog makes: Confluent's registry
 * is not on Maven Central and cannot run here, so this seam is served by the test.
 */
class AvroValuesTest {
    static final Schema ORDER = new Schema.Parser().parse("""
            {"type":"record","name":"Order","namespace":"test","fields":[
             {"name":"id","type":"long"},
             {"name":"ok","type":"boolean"},
             {"name":"qty","type":"int"},
             {"name":"ratio","type":"float"},
             {"name":"amount","type":"double"},
             {"name":"country","type":"string"},
             {"name":"blob","type":"bytes"},
             {"name":"status","type":{"type":"enum","name":"Status","symbols":["NEW","PAID"]}},
             {"name":"code","type":{"type":"fixed","name":"Code","size":2}},
             {"name":"note","type":["null","string"],"default":null},
             {"name":"address","type":{"type":"record","name":"Address","fields":[
               {"name":"city","type":"string"},{"name":"zip","type":["null","int"],"default":null}]}},
             {"name":"tags","type":{"type":"array","items":"string"}},
             {"name":"attrs","type":{"type":"map","values":"long"}},
             {"name":"day","type":{"type":"int","logicalType":"date"}},
             {"name":"at","type":{"type":"long","logicalType":"timestamp-millis"}},
             {"name":"atMicros","type":{"type":"long","logicalType":"timestamp-micros"}},
             {"name":"price","type":{"type":"bytes","logicalType":"decimal","precision":9,"scale":2}},
             {"name":"offset","type":"long"},
             {"name":"either","type":["int","string"]}
            ]}""");

    @TempDir
    Path dir;
    private LogFixture fixture;
    private BufferAllocator allocator;
    private final Map<String, Map<String, String>> configs = new ConcurrentHashMap<>();
    private TopicCatalog catalog;

    @BeforeEach
    void open() throws Exception {
        fixture = new LogFixture(dir.resolve("data"));
        allocator = new RootAllocator(256L << 20);
        catalog = TopicCatalog.of(fixture.logs, topic -> configs.getOrDefault(topic, Map.of()));
    }

    @AfterEach
    void close() throws Exception {
        fixture.close();
        allocator.close(); // fails on any buffer still held
    }

    static GenericRecord order(int n) {
        Schema address = ORDER.getField("address").schema();
        Schema code = ORDER.getField("code").schema();
        return new GenericRecordBuilder(ORDER)
                .set("id", (long) n).set("ok", n % 2 == 0).set("qty", n * 3).set("ratio", n / 4f).set("amount", n * 1.5)
                .set("country", n % 3 == 0 ? "FR" : "Côte d'Ivoire").set("blob", ByteBuffer.wrap(new byte[] {(byte) n, 7}))
                .set("status", new GenericData.EnumSymbol(ORDER.getField("status").schema(), n % 2 == 0 ? "NEW" : "PAID"))
                .set("code", new GenericData.Fixed(code, new byte[] {'c', (byte) ('0' + n % 10)}))
                .set("note", n % 2 == 0 ? null : "note " + n)
                .set("address", new GenericRecordBuilder(address).set("city", "city" + n).set("zip", n % 2 == 0 ? n : null).build())
                .set("tags", List.of("a" + n, "b"))
                .set("attrs", Map.of("k", (long) n))
                .set("day", 19_000 + n)
                .set("at", 1_700_000_000_000L + n)
                .set("atMicros", 1_700_000_000_000_000L + n)
                .set("price", ByteBuffer.wrap(BigDecimal.valueOf(1234 + n, 2).unscaledValue().toByteArray()))
                .set("offset", 1000L + n)
                .set("either", n % 2 == 0 ? (Object) n : "s" + n)
                .build();
    }

    static byte[] encode(Schema schema, Object datum) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        BinaryEncoder encoder = EncoderFactory.get().binaryEncoder(out, null);
        new GenericDatumWriter<>(schema).write(datum, encoder);
        encoder.flush();
        return out.toByteArray();
    }

    /** The Confluent wire format: magic byte 0, the schema id (4 bytes, big-endian), the Avro binary. */
    static byte[] wire(int id, byte[] avro) {
        return ByteBuffer.allocate(5 + avro.length).put((byte) 0).putInt(id).put(avro).array();
    }

    private static SimpleRecord value(byte[] bytes) {
        return new SimpleRecord(1_000L, null, bytes);
    }

    private List<Map<String, Object>> rows(TopicTables tables, String topic, Set<String> projection) throws Exception {
        TableSchema table = tables.schema(topic, Optional.empty(), Isolation.READ_UNCOMMITTED);
        List<Map<String, Object>> rows = new ArrayList<>();
        try (TopicArrowReader reader = tables.open(allocator, topic, table, projection, null, ScanRange.ALL)) {
            while (reader.loadNextBatch()) {
                VectorSchemaRoot root = reader.getVectorSchemaRoot();
                for (int i = 0; i < root.getRowCount(); i++) {
                    Map<String, Object> row = new LinkedHashMap<>();
                    for (FieldVector vector : root.getFieldVectors()) {
                        Object value = vector.getObject(i);
                        row.put(vector.getName(), value instanceof byte[] bytes ? new String(bytes, StandardCharsets.ISO_8859_1)
                                : value == null ? null : String.valueOf(value));
                    }
                    rows.add(row);
                }
            }
        }
        return rows;
    }

    @Test
    void shouldDecodeEveryAvroTypeOfTheDeclaredSchemaIntoTypedColumns() throws Exception {
        // Given: a topic with dlog.value.schema and bare Avro binary values, one of each kind of bad value
        configs.put("orders", Map.of(TopicCatalog.VALUE_SCHEMA_CONFIG, ORDER.toString()));
        PartitionLog log = fixture.partition("orders", 0);
        byte[] good = encode(ORDER, order(1));
        byte[] hugeLength = {2, 1, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, (byte) 0xFE, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, 7};
        byte[] trailing = java.util.Arrays.copyOf(good, good.length + 1);
        LogFixture.append(log, Compression.NONE, value(encode(ORDER, order(0))), value(good), value(new byte[] {1, 2, 3}),
                value(hugeLength), value(trailing), value(null), value(encode(ORDER, order(2))));
        TopicTables tables = new TopicTables(catalog, 100);

        // When
        TableSchema table = tables.schema("orders", Optional.empty(), Isolation.READ_UNCOMMITTED);
        List<Map<String, Object>> rows = rows(tables, "orders", null);

        // Then: the column types
        assertThat(table.format()).isEqualTo(ValueFormat.AVRO);
        Map<String, ArrowType> types = new LinkedHashMap<>();
        table.schema().getFields().forEach(f -> types.put(f.getName(), f.getType()));
        assertThat(types.keySet()).containsExactly("partition", "offset", "timestamp", "key", "headers", "id", "ok", "qty",
                "ratio", "amount", "country", "blob", "status", "code", "note", "address", "tags", "attrs", "day", "at",
                "atMicros", "price", "value_offset", "either", "_error");
        assertThat(types.get("id")).isEqualTo(new ArrowType.Int(64, true));
        assertThat(types.get("ok")).isEqualTo(ArrowType.Bool.INSTANCE);
        assertThat(types.get("qty")).isEqualTo(new ArrowType.Int(32, true));
        assertThat(types.get("ratio")).isEqualTo(new ArrowType.FloatingPoint(FloatingPointPrecision.SINGLE));
        assertThat(types.get("amount")).isEqualTo(new ArrowType.FloatingPoint(FloatingPointPrecision.DOUBLE));
        assertThat(types.get("country")).isEqualTo(ArrowType.Utf8.INSTANCE);
        assertThat(types.get("blob")).isEqualTo(ArrowType.Binary.INSTANCE);
        assertThat(types.get("status")).isEqualTo(ArrowType.Utf8.INSTANCE);
        assertThat(types.get("code")).isEqualTo(new ArrowType.FixedSizeBinary(2));
        assertThat(types.get("note")).isEqualTo(ArrowType.Utf8.INSTANCE);
        assertThat(types.get("address")).isEqualTo(ArrowType.Struct.INSTANCE);
        assertThat(types.get("tags")).isEqualTo(ArrowType.List.INSTANCE);
        assertThat(types.get("attrs")).isEqualTo(new ArrowType.Map(false));
        assertThat(types.get("day")).isEqualTo(new ArrowType.Date(DateUnit.DAY));
        assertThat(types.get("at")).isEqualTo(new ArrowType.Timestamp(TimeUnit.MILLISECOND, "UTC"));
        assertThat(types.get("atMicros")).isEqualTo(new ArrowType.Timestamp(TimeUnit.MICROSECOND, "UTC"));
        assertThat(types.get("price")).isEqualTo(new ArrowType.Decimal(9, 2, 128));
        assertThat(types.get("either")).isEqualTo(ArrowType.Utf8.INSTANCE);

        // Then: the values
        assertThat(rows).hasSize(7);
        Map<String, Object> first = rows.get(1);
        assertThat(first).containsEntry("id", "1").containsEntry("ok", "false").containsEntry("qty", "3")
                .containsEntry("ratio", "0.25").containsEntry("amount", "1.5").containsEntry("country", "Côte d'Ivoire")
                .containsEntry("blob", "\u0001\u0007").containsEntry("status", "PAID").containsEntry("code", "c1")
                .containsEntry("note", "note 1").containsEntry("address", "{\"city\":\"city1\"}")
                .containsEntry("tags", "[\"a1\",\"b\"]").containsEntry("attrs", "[{\"key\":\"k\",\"value\":1}]")
                .containsEntry("day", "19001").containsEntry("at", "1700000000001")
                .containsEntry("price", "12.35").containsEntry("value_offset", "1001").containsEntry("either", "\"s1\"")
                .containsEntry("_error", null);
        assertThat(rows.get(0)).containsEntry("note", null).containsEntry("address", "{\"city\":\"city0\",\"zip\":0}")
                .containsEntry("either", "0");
        // Garbage, a string length far beyond the value, trailing bytes: nulls and the reason; a tombstone: nulls only.
        for (int bad : new int[] {2, 3, 4}) {
            assertThat(rows.get(bad)).containsEntry("id", null).containsEntry("country", null).containsEntry("address", null);
            assertThat((String) rows.get(bad).get("_error")).isNotBlank();
        }
        assertThat((String) rows.get(3).get("_error")).contains("a length of");
        assertThat((String) rows.get(4).get("_error")).contains("1 bytes follow");
        assertThat(rows.get(5)).containsEntry("id", null).containsEntry("_error", null);
        assertThat(rows.get(6)).containsEntry("id", "2").containsEntry("_error", null);

        // Projection: only the asked fields are decoded, with the same values.
        List<Map<String, Object>> projected = rows(tables, "orders", Set.of("country", "_error"));
        assertThat(projected).hasSize(7);
        assertThat(projected.get(1)).containsOnlyKeys("country", "_error").containsEntry("country", "Côte d'Ivoire");
        assertThat(projected.get(2).get("_error")).isNotNull();
    }

    @Test
    void shouldResolveConfluentWireFormatValuesAgainstTheSubjectsLatestSchema() throws Exception {
        Schema v1 = new Schema.Parser().parse("""
                {"type":"record","name":"Sale","fields":[{"name":"id","type":"long"},{"name":"country","type":"string"}]}""");
        Schema v2 = new Schema.Parser().parse("""
                {"type":"record","name":"Sale","fields":[{"name":"id","type":"long"},{"name":"country","type":"string"},
                 {"name":"amount","type":"double","default":-1.0}]}""");
        try (Registry registry = new Registry()) {
            registry.ids.put(1, v1);
            registry.ids.put(2, v2);
            registry.subjects.put("sales-value", 2);
            PartitionLog log = fixture.partition("sales", 0);
            LogFixture.append(log, Compression.NONE,
                    value(wire(1, encode(v1, new GenericRecordBuilder(v1).set("id", 1L).set("country", "FR").build()))),
                    value(wire(2, encode(v2, new GenericRecordBuilder(v2).set("id", 2L).set("country", "DE").set("amount", 9.5).build()))),
                    value(wire(99, new byte[] {2})),
                    value(encode(v1, new GenericRecordBuilder(v1).set("id", 4L).set("country", "US").build())),
                    value(wire(1, encode(v1, new GenericRecordBuilder(v1).set("id", 5L).set("country", "JP").build()))));
            TopicTables tables = new TopicTables(catalog, 100, null, new SchemaRegistryClient(registry.url()));

            List<Map<String, Object>> rows = rows(tables, "sales", Set.of("id", "country", "amount", "_error"));

            assertThat(rows).hasSize(5);
            assertThat(rows.get(0)).containsEntry("id", "1").containsEntry("country", "FR").containsEntry("amount", "-1.0")
                    .containsEntry("_error", null);
            assertThat(rows.get(1)).containsEntry("id", "2").containsEntry("amount", "9.5").containsEntry("_error", null);
            assertThat(rows.get(2)).containsEntry("id", null);
            assertThat((String) rows.get(2).get("_error")).contains("99");
            assertThat((String) rows.get(3).get("_error")).contains("Confluent wire format");
            assertThat(rows.get(4)).containsEntry("id", "5").containsEntry("amount", "-1.0");
            // Schema ids are fetched once (and cached); a topic without a subject nor dlog.value.schema is not Avro.
            assertThat(registry.idRequests.get()).isEqualTo(3);
            fixture.partition("plain", 0);
            assertThat(tables.schema("plain", Optional.empty(), Isolation.READ_UNCOMMITTED).format()).isEqualTo(ValueFormat.RAW);
            assertThatThrownBy(() -> tables.schema("plain", Optional.of(ValueFormat.AVRO), Isolation.READ_UNCOMMITTED))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("no Avro schema");
        }
    }

    @Test
    void shouldReadCopiesOfAvroSegmentsAsDecodingAndKeyThemByTheAvroSchema() throws Exception {
        configs.put("orders", Map.of(TopicCatalog.VALUE_SCHEMA_CONFIG, ORDER.toString()));
        PartitionLog log = fixture.partition("orders", 0, LogConfig.DEFAULT.withSegmentBytes(4 * 1024));
        for (int b = 0; b < 20; b++) {
            SimpleRecord[] batch = new SimpleRecord[10];
            for (int i = 0; i < batch.length; i++) {
                batch[i] = value(b == 7 && i == 3 ? new byte[] {9, 9} : encode(ORDER, order(b * 10 + i)));
            }
            LogFixture.append(log, Compression.NONE, batch);
        }
        assertThat(log.sealedSegments()).hasSizeGreaterThan(2);
        try (ColumnarCopies copies = ColumnarCopies.open(dir.resolve("copies"), catalog, 64L << 20)) {
            TopicTables plain = new TopicTables(catalog, 100);
            TopicTables copied = new TopicTables(catalog, 100, copies);
            rows(copied, "orders", null);
            long deadline = System.nanoTime() + 30_000_000_000L;
            while (copyFolders() < log.sealedSegments().size() && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            assertThat(copyFolders()).isEqualTo(log.sealedSegments().size());
            long written = copies.copiesWritten();

            assertThat(rows(copied, "orders", null)).hasSize(200).isEqualTo(rows(plain, "orders", null));
            assertThat(rows(copied, "orders", Set.of("price", "_error"))).isEqualTo(rows(plain, "orders", Set.of("price", "_error")));
            assertThat(copies.copiesWritten()).isEqualTo(written);
        }

        // Two Avro schemas with the same Arrow columns (enum symbols in another order: other strings) are two table
        // schemas, so two copy keys.
        Schema otherDefault = new Schema.Parser().parse(ORDER.toString().replace("[\"NEW\",\"PAID\"]", "[\"PAID\",\"NEW\"]"));
        TableSchema a = TableSchema.avro(ORDER, false);
        TableSchema b = TableSchema.avro(otherDefault, false);
        assertThat(b.schema().getFields()).isEqualTo(a.schema().getFields());
        SealedSegment segment = log.sealedSegments().get(0);
        assertThat(ColumnarCopies.copyName(segment, a)).isNotEqualTo(ColumnarCopies.copyName(segment, b));
        assertThat(ColumnarCopies.copyName(segment, a)).isNotEqualTo(ColumnarCopies.copyName(segment, TableSchema.avro(ORDER, true)));
        TableSchema back = TableSchema.fromJson(a.toJson());
        assertThat(back.avroSchema()).isEqualTo(ORDER);
        assertThat(back.confluentWireFormat()).isFalse();
    }

    private long copyFolders() throws Exception {
        Path partition = dir.resolve("copies").resolve("orders-0");
        if (!Files.isDirectory(partition)) {
            return 0;
        }
        try (Stream<Path> list = Files.list(partition)) {
            return list.filter(p -> !p.getFileName().toString().endsWith(".tmp")).count();
        }
    }

    /** A schema registry's two read calls (GET /schemas/ids/{id}, GET /subjects/{subject}/versions/latest). */
    static final class Registry implements AutoCloseable {
        final Map<Integer, Schema> ids = new ConcurrentHashMap<>();
        /** Subject to the id of its latest version. */
        final Map<String, Integer> subjects = new ConcurrentHashMap<>();
        final AtomicInteger idRequests = new AtomicInteger();
        private final HttpServer server;

        Registry() throws java.io.IOException {
            server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
            server.createContext("/", exchange -> {
                String path = exchange.getRequestURI().getPath();
                String body = null;
                if (path.startsWith("/schemas/ids/")) {
                    idRequests.incrementAndGet();
                    Schema schema = ids.get(Integer.parseInt(path.substring("/schemas/ids/".length())));
                    body = schema == null ? null : "{\"schema\":" + quote(schema.toString()) + "}";
                } else if (path.startsWith("/subjects/") && path.endsWith("/versions/latest")) {
                    String subject = path.substring("/subjects/".length(), path.length() - "/versions/latest".length());
                    Integer id = subjects.get(subject);
                    body = id == null ? null : "{\"subject\":" + quote(subject) + ",\"version\":1,\"id\":" + id
                            + ",\"schema\":" + quote(ids.get(id).toString()) + "}";
                }
                byte[] bytes = (body == null ? "{\"error_code\":40403,\"message\":\"Schema not found\"}" : body)
                        .getBytes(StandardCharsets.UTF_8);
                exchange.getResponseHeaders().add("Content-Type", "application/vnd.schemaregistry.v1+json");
                exchange.sendResponseHeaders(body == null ? 404 : 200, bytes.length);
                exchange.getResponseBody().write(bytes);
                exchange.close();
            });
            server.start();
        }

        String url() {
            return "http://127.0.0.1:" + server.getAddress().getPort();
        }

        private static String quote(String text) {
            try {
                return new com.fasterxml.jackson.databind.ObjectMapper().writeValueAsString(text);
            } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
                throw new IllegalStateException(e);
            }
        }

        @Override
        public void close() {
            server.stop(0);
        }
    }
}
