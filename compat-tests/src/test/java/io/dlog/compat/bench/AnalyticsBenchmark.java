package io.dlog.compat.bench;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Random;
import java.util.TreeMap;
import org.apache.arrow.flight.FlightClient;
import org.apache.arrow.flight.FlightDescriptor;
import org.apache.arrow.flight.FlightEndpoint;
import org.apache.arrow.flight.FlightInfo;
import org.apache.arrow.flight.FlightStream;
import org.apache.arrow.flight.Location;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * Not a test: the analytics benchmark of issue 14, run by hand against a broker started with
 * {@code dlog.flight.port} (docs/benchmarks.md has the commands and figures).
 *
 * <ul>
 *   <li>{@code produce BOOTSTRAP TOPIC PARTITIONS COUNT [CONFIG=VALUE...]}: a topic (with those configs), COUNT JSON records of about 200 bytes (string, integer
 *   and float fields, 20 countries) with a KafkaProducer.</li>
 *   <li>{@code consume BOOTSTRAP TOPIC COUNT}: the baseline: a KafkaConsumer reading every record, Jackson's
 *   streaming parser picking {@code country} and {@code amount}, a HashMap aggregating count and sum.</li>
 *   <li>{@code flight HOST:PORT TOPIC [parallel]}: a full-column scan over Arrow Flight, every partition's DoGet
 *   in turn, or all at once with {@code parallel}.</li>
 * </ul>
 */
public final class AnalyticsBenchmark {
    private static final String[] COUNTRIES = {"FR", "DE", "US", "JP", "BR", "IN", "CN", "GB", "IT", "ES",
                                               "CA", "AU", "MX", "KR", "NL", "SE", "PL", "AR", "ZA", "NG"};
    private static final String[] STATUS = {"placed", "paid", "shipped", "delivered", "returned"};

    private AnalyticsBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        switch (args[0]) {
            case "produce" -> produce(args[1], args[2], Integer.parseInt(args[3]), Long.parseLong(args[4]),
                    java.util.Arrays.asList(args).subList(5, args.length));
            case "consume" -> consume(args[1], args[2], Long.parseLong(args[3]));
            case "flight" -> flight(args[1], args[2], args.length > 3 && args[3].equals("parallel"));
            default -> throw new IllegalArgumentException("produce | consume | flight");
        }
    }

    private static void produce(String bootstrap, String topic, int partitions, long count, List<String> topicConfigs)
            throws Exception {
        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        Map<String, String> configs = new HashMap<>();
        for (String config : topicConfigs) {
            configs.put(config.substring(0, config.indexOf('=')), config.substring(config.indexOf('=') + 1));
        }
        try (Admin admin = Admin.create(props)) {
            admin.createTopics(List.of(new NewTopic(topic, partitions, (short) 1).configs(configs))).all().get();
        }
        props.put(ProducerConfig.LINGER_MS_CONFIG, "20");
        props.put(ProducerConfig.BATCH_SIZE_CONFIG, Integer.toString(256 * 1024));
        props.put(ProducerConfig.BUFFER_MEMORY_CONFIG, Long.toString(128L << 20));
        Random random = new Random(42);
        long bytes = 0;
        long start = System.nanoTime();
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(props, new ByteArraySerializer(), new ByteArraySerializer())) {
            for (long i = 0; i < count; i++) {
                String json = String.format(Locale.ROOT, "{\"id\":%d,\"ts\":%d,\"country\":\"%s\",\"city\":\"city-%05d\","
                                + "\"user\":\"user-%07d\",\"device\":\"%s\",\"amount\":%.2f,\"qty\":%d,\"discount\":%.2f,"
                                + "\"status\":\"%s\",\"note\":\"%s\"}",
                        i, 1_764_000_000_000L + i, COUNTRIES[random.nextInt(COUNTRIES.length)], random.nextInt(50_000),
                        random.nextInt(10_000_000), random.nextBoolean() ? "android" : "ios", random.nextInt(100_000) / 100.0,
                        1 + random.nextInt(9), random.nextInt(50) / 100.0, STATUS[random.nextInt(STATUS.length)],
                        "n".repeat(random.nextInt(24)));
                byte[] value = json.getBytes(StandardCharsets.UTF_8);
                bytes += value.length;
                producer.send(new ProducerRecord<>(topic, value));
            }
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        System.out.printf(Locale.ROOT, "produced %d records, %.1f bytes each on average, in %.1f s%n", count, bytes / (double) count, seconds);
    }

    private static void consume(String bootstrap, String topic, long count) {
        Properties props = new Properties();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        props.put(ConsumerConfig.FETCH_MAX_BYTES_CONFIG, Integer.toString(64 << 20));
        props.put(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, Integer.toString(16 << 20));
        props.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, "10000");
        JsonFactory factory = new JsonFactory();
        Map<String, double[]> groups = new HashMap<>();
        long start = System.nanoTime();
        long rows = 0;
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> partitions = new ArrayList<>();
            for (PartitionInfo info : consumer.partitionsFor(topic)) {
                partitions.add(new TopicPartition(topic, info.partition()));
            }
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            while (rows < count) {
                for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(500))) {
                    aggregate(factory, record.value(), groups);
                    rows++;
                }
            }
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        System.out.printf(Locale.ROOT, "baseline consumer+Jackson: %d rows in %.2f s = %.0f rows/s%n", rows, seconds, rows / seconds);
        new TreeMap<>(groups).forEach((country, agg) ->
                System.out.printf(Locale.ROOT, "%s,%d,%.2f%n", country, (long) agg[0], agg[1]));
    }

    /** The baseline's per-record work: stream the object, keep country and amount, aggregate. */
    private static void aggregate(JsonFactory factory, byte[] value, Map<String, double[]> groups) throws java.io.IOException {
        String country = null;
        double amount = 0;
        try (JsonParser parser = factory.createParser(value)) {
            parser.nextToken();
            while (parser.nextToken() == JsonToken.FIELD_NAME) {
                String name = parser.currentName();
                JsonToken token = parser.nextToken();
                if (name.equals("country")) {
                    country = parser.getText();
                } else if (name.equals("amount")) {
                    amount = parser.getDoubleValue();
                } else if (token.isStructStart()) {
                    parser.skipChildren();
                }
            }
        }
        double[] agg = groups.computeIfAbsent(country, c -> new double[2]);
        agg[0]++;
        agg[1] += amount;
    }

    @SuppressWarnings("try")
    private static void flight(String hostPort, String topic, boolean parallel) throws Exception {
        int colon = hostPort.lastIndexOf(':');
        long start = System.nanoTime();
        java.util.concurrent.atomic.AtomicLong rows = new java.util.concurrent.atomic.AtomicLong();
        java.util.concurrent.atomic.AtomicLong bytes = new java.util.concurrent.atomic.AtomicLong();
        try (BufferAllocator allocator = new RootAllocator();
             FlightClient client = FlightClient.builder(allocator,
                     Location.forGrpcInsecure(hostPort.substring(0, colon), Integer.parseInt(hostPort.substring(colon + 1)))).build()) {
            FlightInfo info = client.getInfo(FlightDescriptor.path(topic));
            List<java.util.concurrent.Callable<Void>> reads = new ArrayList<>();
            for (FlightEndpoint endpoint : info.getEndpoints()) {
                reads.add(() -> {
                    try (FlightStream stream = client.getStream(endpoint.getTicket())) {
                        while (stream.next()) {
                            rows.addAndGet(stream.getRoot().getRowCount());
                            for (var vector : stream.getRoot().getFieldVectors()) {
                                bytes.addAndGet(vector.getBufferSize());
                            }
                        }
                    }
                    return null;
                });
            }
            // parallel: every partition's DoGet at once (as a Flight client reading endpoints concurrently does).
            java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(parallel ? reads.size() : 1);
            try {
                for (var done : pool.invokeAll(reads)) {
                    done.get();
                }
            } finally {
                pool.shutdown();
            }
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        System.out.printf(Locale.ROOT, "Flight full-column scan%s: %d rows, %.0f MB of Arrow buffers in %.2f s = %.0f rows/s%n",
                parallel ? " (partitions in parallel)" : "", rows.get(), bytes.get() / 1e6, seconds, rows.get() / seconds);
    }
}
