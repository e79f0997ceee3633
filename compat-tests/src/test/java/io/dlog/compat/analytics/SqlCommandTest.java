package io.dlog.compat.analytics;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.dlog.broker.cli.DLogCli;
import io.dlog.compat.DLogBrokerExtension;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import picocli.CommandLine;

/**
 * {@code dlog sql} against a broker, checked against the same computation done the plain way: a KafkaConsumer
 * reading every record and aggregating with Jackson (JSON values) or Avro's GenericDatumReader (Avro values)
 * and a map.
 *
 * <p>The broker has a schema registry ({@code dlog.schema.registry.url}): the JDK's HttpServer answering the two
 * REST calls DLog makes ({@link SchemaRegistryStub}), because Confluent's registry is not on Maven Central and
 * cannot run here. Topics without a subject in it (the JSON topic) are read as before.
 */
@SuppressWarnings("try") // FlightStream.close() declares InterruptedException
class SqlCommandTest {
    private static final SchemaRegistryStub REGISTRY = SchemaRegistryStub.start();
    private static final int FLIGHT_PORT = freePort();
    @RegisterExtension
    static final DLogBrokerExtension DLOG = new DLogBrokerExtension().with("dlog.flight.port", Integer.toString(FLIGHT_PORT))
            .with("dlog.schema.registry.url", REGISTRY.url());
    private static final String[] COUNTRIES = {"FR", "DE", "US", "JP", "BR", "IN", "Côte d'Ivoire"};
    private static final ObjectMapper JSON = new ObjectMapper();
    private static String topic;
    /** Every record as a consumer reads it: partition, offset, value. */
    private static final List<Object[]> consumed = new ArrayList<>();

    @org.junit.jupiter.api.AfterAll
    static void stopRegistry() {
        REGISTRY.close();
    }

    @BeforeAll
    static void produceAndConsume() throws Exception {
        topic = DLOG.newTopic(3);
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(DLOG.clientProps(), new StringSerializer(), new StringSerializer())) {
            for (int i = 0; i < 3000; i++) {
                String value = "{\"id\":" + i + ",\"country\":\"" + COUNTRIES[(i * 31) % COUNTRIES.length]
                        + "\",\"amount\":" + ((i * 7919L) % 10_000) + ",\"tag\":\"t" + (i % 3) + "\"}";
                producer.send(new ProducerRecord<>(topic, "key-" + (i % 97), value));
            }
        }
        Properties props = DLOG.clientProps();
        props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(props, new StringDeserializer(), new StringDeserializer())) {
            List<TopicPartition> partitions = List.of(new TopicPartition(topic, 0), new TopicPartition(topic, 1), new TopicPartition(topic, 2));
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (consumed.size() < 3000 && System.nanoTime() < deadline) {
                for (ConsumerRecord<String, String> record : consumer.poll(Duration.ofMillis(200))) {
                    consumed.add(new Object[] {record.partition(), record.offset(), JSON.readTree(record.value())});
                }
            }
        }
        assertThat(consumed).hasSize(3000);
    }

    /** A fixed port, so DescribeConfigs reports the one the endpoint listens on (0 would say 0). */
    private static int freePort() {
        try {
            return io.dlog.cluster.PortPicker.freePort();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private record Run(int exitCode, String out, String err) {
    }

    private static Run sql(String... args) {
        List<String> all = new ArrayList<>(List.of("sql", "--bootstrap", DLOG.bootstrapServers()));
        all.addAll(List.of(args));
        return dlog(all.toArray(String[]::new));
    }

    private static Run dlog(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cli = DLogCli.commandLine().setOut(new PrintWriter(out, true)).setErr(new PrintWriter(err, true));
        int code = cli.execute(args);
        return new Run(code, out.toString(), err.toString());
    }

    @Test
    void shouldAggregateByCountryAsAConsumerComputesIt() {
        // Given: the consumer's answer
        Map<String, long[]> expected = new TreeMap<>();
        for (Object[] record : consumed) {
            JsonNode value = (JsonNode) record[2];
            long[] agg = expected.computeIfAbsent(value.get("country").asText(), c -> new long[2]);
            agg[0]++;
            agg[1] += value.get("amount").asLong();
        }

        // When
        Run run = sql("--format", "csv", "SELECT country, count(*) AS n, sum(amount) AS total FROM \"" + topic
                + "\" GROUP BY country ORDER BY country");

        // Then
        assertThat(run.exitCode()).as(run.err()).isZero();
        List<String> wanted = new ArrayList<>();
        wanted.add("country,n,total");
        expected.forEach((country, agg) -> wanted.add((country.contains(",") ? '"' + country + '"' : country) + "," + agg[0] + "," + agg[1]));
        assertThat(run.out().lines().toList()).isEqualTo(wanted);
    }

    @Test
    void shouldFilterOrderAndLimitAsAConsumerComputesIt() throws Exception {
        List<Object[]> wanted = consumed.stream()
                .filter(r -> (Integer) r[0] == 1 && (Long) r[1] >= 300 && ((JsonNode) r[2]).get("tag").asText().equals("t1"))
                .sorted(Comparator.<Object[]>comparingLong(r -> -((JsonNode) r[2]).get("amount").asLong()).thenComparingLong(r -> (Long) r[1]))
                .limit(5).toList();

        Run run = sql("--format", "json", "SELECT \"offset\", id, amount FROM \"" + topic + "\" WHERE partition = 1 AND \"offset\" >= 300 "
                + "AND tag = 't1' ORDER BY amount DESC, \"offset\" LIMIT 5");

        assertThat(run.exitCode()).as(run.err()).isZero();
        List<String> lines = run.out().lines().toList();
        assertThat(lines).hasSize(wanted.size());
        for (int i = 0; i < lines.size(); i++) {
            JsonNode row = JSON.readTree(lines.get(i));
            assertThat(row.get("offset").asLong()).isEqualTo((Long) wanted.get(i)[1]);
            assertThat(row.get("id").asLong()).isEqualTo(((JsonNode) wanted.get(i)[2]).get("id").asLong());
            assertThat(row.get("amount").asLong()).isEqualTo(((JsonNode) wanted.get(i)[2]).get("amount").asLong());
        }
    }

    @Test
    void shouldPrintATableAndExitNonZeroWithAMessageOnABadQuery() {
        Run table = sql("SELECT count(*) AS n FROM \"" + topic + "\"");
        Run bad = sql("SELECT nope FROM \"" + topic + "\"");
        Run unknown = sql("SELECT * FROM \"no-such-topic\"");

        assertThat(table.exitCode()).as(table.err()).isZero();
        assertThat(table.out().lines().toList()).containsExactly("n", "----", "3000", "(1 row)");
        assertThat(bad.exitCode()).isEqualTo(1);
        assertThat(bad.err()).startsWith("dlog sql: ").contains("nope");
        assertThat(unknown.exitCode()).isEqualTo(1);
        assertThat(unknown.err()).contains("no-such-topic");
    }

    @Test
    void shouldFindTheEndpointThroughTheFirstBootstrapAddressThatAnswersAndSayWhyWhenNoneDoes() {
        // Given: an address where nothing listens, and the Flight port, which does not speak Kafka
        String dead = "127.0.0.1:" + freePort();
        String flight = "127.0.0.1:" + FLIGHT_PORT;
        String query = "SELECT count(*) AS n FROM \"" + topic + "\"";

        // When
        Run found = dlog("sql", "--bootstrap", dead + "," + DLOG.bootstrapServers(), "--format", "csv", query);
        Run unreachable = dlog("sql", "--bootstrap", dead, query);
        Run notKafka = dlog("sql", "--bootstrap", flight, query);
        Run direct = dlog("sql", "--flight", flight, "--format", "csv", query);

        // Then
        assertThat(found.exitCode()).as(found.err()).isZero();
        assertThat(found.out().lines().toList()).containsExactly("n", "3000");
        assertThat(unreachable.exitCode()).isEqualTo(1);
        assertThat(unreachable.err()).startsWith("dlog sql: cannot reach the broker at " + dead + ": ");
        assertThat(notKafka.exitCode()).isEqualTo(1);
        assertThat(notKafka.err()).startsWith("dlog sql: cannot reach the broker at " + flight + ": ");
        assertThat(direct.exitCode()).as(direct.err()).isZero();
        assertThat(direct.out().lines().toList()).containsExactly("n", "3000");
    }

    // ---- Avro values: dlog.value.schema, the Confluent wire format and the schema registry ----

    private static final org.apache.avro.Schema SALE_V1 = new org.apache.avro.Schema.Parser().parse("""
            {"type":"record","name":"Sale","namespace":"test","fields":[{"name":"id","type":"long"},
             {"name":"country","type":"string"},{"name":"at","type":{"type":"long","logicalType":"timestamp-millis"}}]}""");
    /** V1 plus two fields with defaults: V1 values resolve to it (amount -1, tags empty). */
    private static final org.apache.avro.Schema SALE_V2 = new org.apache.avro.Schema.Parser().parse("""
            {"type":"record","name":"Sale","namespace":"test","fields":[{"name":"id","type":"long"},
             {"name":"country","type":"string"},{"name":"at","type":{"type":"long","logicalType":"timestamp-millis"}},
             {"name":"amount","type":"double","default":-1.0},{"name":"tags","type":{"type":"array","items":"string"},"default":[]}]}""");
    private static final int AVRO_RECORDS = 600;

    /** Produces AVRO_RECORDS Confluent-framed values, a third written with V1 (id 21), the rest with V2 (id 22). */
    private static void produceSales(String topic) throws Exception {
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(DLOG.clientProps(), new StringSerializer(),
                new org.apache.kafka.common.serialization.ByteArraySerializer())) {
            for (int i = 0; i < AVRO_RECORDS; i++) {
                boolean v1 = i % 3 == 0;
                org.apache.avro.generic.GenericRecordBuilder sale = new org.apache.avro.generic.GenericRecordBuilder(v1 ? SALE_V1 : SALE_V2)
                        .set("id", (long) i).set("country", COUNTRIES[(i * 31) % COUNTRIES.length]).set("at", 1_700_000_000_000L + i);
                if (!v1) {
                    sale.set("amount", (double) (i % 100)).set("tags", List.of("t" + (i % 2), "x"));
                }
                java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
                out.write(0);
                out.write(java.nio.ByteBuffer.allocate(4).putInt(v1 ? 21 : 22).array());
                org.apache.avro.io.BinaryEncoder encoder = org.apache.avro.io.EncoderFactory.get().binaryEncoder(out, null);
                new org.apache.avro.generic.GenericDatumWriter<Object>(v1 ? SALE_V1 : SALE_V2).write(sale.build(), encoder);
                encoder.flush();
                producer.send(new ProducerRecord<>(topic, "k" + i, out.toByteArray()));
            }
        }
    }

    /** What a plain consumer computes: per country, [count, sum of amount] (values decoded with Avro, resolved to V2). */
    private static Map<String, long[]> consumeSales(String topic) throws Exception {
        Map<String, long[]> byCountry = new TreeMap<>();
        Properties props = DLOG.clientProps();
        props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        int read = 0;
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(props, new org.apache.kafka.common.serialization.ByteArrayDeserializer(),
                new org.apache.kafka.common.serialization.ByteArrayDeserializer())) {
            List<TopicPartition> partitions = List.of(new TopicPartition(topic, 0), new TopicPartition(topic, 1));
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (read < AVRO_RECORDS && System.nanoTime() < deadline) {
                for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(200))) {
                    byte[] value = record.value();
                    int id = java.nio.ByteBuffer.wrap(value, 1, 4).getInt();
                    org.apache.avro.generic.GenericRecord sale = new org.apache.avro.generic.GenericDatumReader<org.apache.avro.generic.GenericRecord>(
                            id == 21 ? SALE_V1 : SALE_V2, SALE_V2).read(null,
                            org.apache.avro.io.DecoderFactory.get().binaryDecoder(value, 5, value.length - 5, null));
                    long[] agg = byCountry.computeIfAbsent(sale.get("country").toString(), c -> new long[2]);
                    agg[0]++;
                    agg[1] += (long) (double) (Double) sale.get("amount");
                    read++;
                }
            }
        }
        assertThat(read).isEqualTo(AVRO_RECORDS);
        return byCountry;
    }

    private static String salesByCountry(String topic) {
        return "SELECT country, count(*) AS n, CAST(sum(amount) AS BIGINT) AS total FROM \"" + topic + "\" GROUP BY country ORDER BY country";
    }

    private static List<String> csvOf(Map<String, long[]> byCountry) {
        List<String> lines = new ArrayList<>();
        lines.add("country,n,total");
        byCountry.forEach((country, agg) -> lines.add((country.contains(",") ? '"' + country + '"' : country) + "," + agg[0] + "," + agg[1]));
        return lines;
    }

    @Test
    void shouldRefuseAValueSchemaThatIsNotAvroAndDescribeOneThatIs() throws Exception {
        try (org.apache.kafka.clients.admin.Admin admin = DLOG.admin()) {
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> admin.createTopics(List.of(
                            new org.apache.kafka.clients.admin.NewTopic("bad-avro", 1, (short) 1).configs(Map.of("dlog.value.schema", "{\"type\":\"recrod\"}"))))
                    .all().get())
                    .hasCauseInstanceOf(org.apache.kafka.common.errors.InvalidConfigurationException.class)
                    .hasMessageContaining("dlog.value.schema: not an Avro schema");
            String topic = DLOG.newTopic(1, Map.of("dlog.value.schema", SALE_V2.toString()));
            org.apache.kafka.common.config.ConfigResource resource =
                    new org.apache.kafka.common.config.ConfigResource(org.apache.kafka.common.config.ConfigResource.Type.TOPIC, topic);
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> admin.incrementalAlterConfigs(Map.of(resource, List.of(
                            new org.apache.kafka.clients.admin.AlterConfigOp(new org.apache.kafka.clients.admin.ConfigEntry("dlog.value.schema", "{not json"),
                                    org.apache.kafka.clients.admin.AlterConfigOp.OpType.SET)))).all().get())
                    .hasCauseInstanceOf(org.apache.kafka.common.errors.InvalidConfigurationException.class)
                    .hasMessageContaining("not an Avro schema");

            assertThat(admin.describeConfigs(List.of(resource)).all().get().get(resource).get("dlog.value.schema").value())
                    .isEqualTo(SALE_V2.toString());
        }
    }

    /**
     * A topic with dlog.value.schema (V2) whose values are Confluent-framed, written with V1 and V2: SQL over it
     * equals the consumer's Avro computation, V1 values resolved with V2's defaults; the subject's latest schema
     * (V1 here) does not override the topic's own. Flight's DoGet gives typed columns, and so does pyarrow.
     */
    @Test
    void shouldQueryAvroValuesAsAConsumerComputesThem() throws Exception {
        String topic = DLOG.newTopic(2, Map.of("dlog.value.schema", SALE_V2.toString()));
        REGISTRY.register(topic + "-value", 22, SALE_V2);
        REGISTRY.register(topic + "-value", 21, SALE_V1);
        produceSales(topic);
        Map<String, long[]> expected = consumeSales(topic);

        Run run = sql("--format", "csv", salesByCountry(topic));
        Run filtered = sql("--format", "csv", "SELECT count(*) AS n FROM \"" + topic + "\" WHERE amount = -1 AND len(tags) = 0 "
                + "AND \"at\" >= TIMESTAMP '2023-11-14 22:13:20' AND _error IS NULL");

        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(run.out().lines().toList()).isEqualTo(csvOf(expected));
        assertThat(filtered.exitCode()).as(filtered.err()).isZero();
        assertThat(filtered.out().lines().toList()).containsExactly("n", Integer.toString(AVRO_RECORDS / 3));

        try (org.apache.arrow.memory.BufferAllocator allocator = new org.apache.arrow.memory.RootAllocator();
             org.apache.arrow.flight.FlightClient client = org.apache.arrow.flight.FlightClient.builder(allocator,
                     org.apache.arrow.flight.Location.forGrpcInsecure("127.0.0.1", DLOG.broker().flightPort().orElseThrow())).build()) {
            org.apache.arrow.flight.FlightInfo info = client.getInfo(org.apache.arrow.flight.FlightDescriptor.path(topic));
            Map<String, String> types = new java.util.LinkedHashMap<>();
            long rows = 0;
            for (org.apache.arrow.flight.FlightEndpoint endpoint : info.getEndpoints()) {
                try (org.apache.arrow.flight.FlightStream stream = client.getStream(endpoint.getTicket())) {
                    while (stream.next()) {
                        org.apache.arrow.vector.VectorSchemaRoot root = stream.getRoot();
                        root.getSchema().getFields().forEach(f -> types.put(f.getName(), f.getType().toString()));
                        for (int i = 0; i < root.getRowCount(); i++) {
                            assertThat(root.getVector("_error").isNull(i)).isTrue();
                        }
                        rows += root.getRowCount();
                    }
                }
            }
            assertThat(rows).isEqualTo(AVRO_RECORDS);
            assertThat(types).containsEntry("id", "Int(64, true)").containsEntry("country", "Utf8")
                    .containsEntry("at", "Timestamp(MILLISECOND, UTC)").containsEntry("amount", "FloatingPoint(DOUBLE)")
                    .containsEntry("tags", "List").containsEntry("_error", "Utf8");
        }

        if (Pyarrow.available()) {
            java.nio.file.Path script = java.nio.file.Files.createTempFile("avro-flight", ".py");
            java.nio.file.Files.writeString(script, """
                    import json, sys
                    import pyarrow, pyarrow.flight as flight
                    client = flight.connect(sys.argv[1])
                    info = client.get_flight_info(flight.FlightDescriptor.for_path(sys.argv[2]))
                    table = pyarrow.concat_tables(client.do_get(e.ticket).read_all() for e in info.endpoints)
                    print(json.dumps({"rows": table.num_rows, "amount": sum(a for a in table.column("amount").to_pylist() if a > 0),
                                      "types": {f.name: str(f.type) for f in table.schema}}))
                    """);
            Process process = new ProcessBuilder("python3", script.toString(), "grpc://127.0.0.1:" + DLOG.broker().flightPort().orElseThrow(), topic)
                    .redirectErrorStream(true).start();
            String output = new String(process.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
            assertThat(process.waitFor(60, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
            assertThat(process.exitValue()).as(output).isZero();
            JsonNode result = JSON.readTree(output.lines().reduce((a, b) -> b).orElseThrow());
            long positive = 0;
            for (int i = 0; i < AVRO_RECORDS; i++) {
                positive += i % 3 == 0 ? 0 : i % 100;
            }
            assertThat(result.get("rows").asLong()).isEqualTo(AVRO_RECORDS);
            assertThat(result.get("amount").asDouble()).isEqualTo((double) positive);
            assertThat(result.get("types").get("at").asText()).isEqualTo("timestamp[ms, tz=UTC]");
            assertThat(result.get("types").get("tags").asText()).isEqualTo("list<item: string>");
            java.nio.file.Files.deleteIfExists(script);
        } else {
            System.err.println("SqlCommandTest: " + Pyarrow.MISSING + ": its read is skipped");
        }
    }

    /** A topic without dlog.value.schema: its table is the subject's latest schema in the registry. */
    @Test
    void shouldReadATopicAsItsSubjectsLatestSchemaInTheRegistry() throws Exception {
        String topic = DLOG.newTopic(2);
        REGISTRY.register(topic + "-value", 21, SALE_V1);
        REGISTRY.register(topic + "-value", 22, SALE_V2);
        produceSales(topic);
        Map<String, long[]> expected = consumeSales(topic);

        Run run = sql("--format", "csv", salesByCountry(topic));

        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(run.out().lines().toList()).isEqualTo(csvOf(expected));
    }
}
