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
 * reading every record and aggregating with Jackson and a map.
 */
class SqlCommandTest {
    @RegisterExtension
    static final DLogBrokerExtension DLOG = new DLogBrokerExtension().with("dlog.flight.port", Integer.toString(freePort()));
    private static final String[] COUNTRIES = {"FR", "DE", "US", "JP", "BR", "IN", "Côte d'Ivoire"};
    private static final ObjectMapper JSON = new ObjectMapper();
    private static String topic;
    /** Every record as a consumer reads it: partition, offset, value. */
    private static final List<Object[]> consumed = new ArrayList<>();

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
        try (java.net.ServerSocket socket = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private record Run(int exitCode, String out, String err) {
    }

    private static Run sql(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cli = DLogCli.commandLine().setOut(new PrintWriter(out, true)).setErr(new PrintWriter(err, true));
        List<String> all = new ArrayList<>(List.of("sql", "--bootstrap", DLOG.bootstrapServers()));
        all.addAll(List.of(args));
        int code = cli.execute(all.toArray(String[]::new));
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
}
