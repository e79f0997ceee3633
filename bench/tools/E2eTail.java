import java.io.PrintWriter;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Properties;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;

/**
 * One message at a time, as Kafka's EndToEndLatency sends it (acks=all, linger 0, a consumer with
 * fetch.max.wait.ms=0 assigned to partition 0), but keeping every message's latency with its start time, so
 * that the tail can be placed in time (EndToEndLatency prints only whole-ms percentiles).
 *
 * <p>Run with the source launcher: {@code java -cp <kafka classpath> E2eTail.java BOOTSTRAP TOPIC COUNT OUT [SKIP_S]}.
 * Writes "start_us latency_us ack_us" per message to OUT, prints percentiles of the whole run and of the messages
 * sent after the first SKIP_S seconds (default 10).
 */
public final class E2eTail {
    public static void main(String[] args) throws Exception {
        if (args.length < 4) {
            System.err.println("usage: E2eTail BOOTSTRAP TOPIC COUNT OUT [SKIP_SECONDS]");
            System.exit(2);
        }
        String bootstrap = args[0];
        String topic = args[1];
        int count = Integer.parseInt(args[2]);
        long skipMicros = (args.length > 4 ? Long.parseLong(args[4]) : 10) * 1_000_000L;
        String bytes = "org.apache.kafka.common.serialization.ByteArray";
        Properties producerProps = props("bootstrap.servers", bootstrap, "acks", "all", "linger.ms", "0",
                "key.serializer", bytes + "Serializer", "value.serializer", bytes + "Serializer");
        Properties consumerProps = props("bootstrap.servers", bootstrap, "fetch.max.wait.ms", "0", "enable.auto.commit",
                "false", "key.deserializer", bytes + "Deserializer", "value.deserializer", bytes + "Deserializer");
        long[] startMicros = new long[count];
        long[] latencyMicros = new long[count];
        long[] ackMicros = new long[count];
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(producerProps);
             KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(consumerProps)) {
            TopicPartition tp = new TopicPartition(topic, 0);
            consumer.assign(List.of(tp));
            consumer.seekToEnd(List.of(tp));
            consumer.position(tp);
            byte[] value = new byte[100];
            long t0 = System.nanoTime();
            for (int i = 0; i < count; i++) {
                long begin = System.nanoTime();
                producer.send(new ProducerRecord<>(topic, 0, null, value)).get();
                long acked = System.nanoTime();
                int got = 0;
                while (got == 0) {
                    got = consumer.poll(Duration.ofSeconds(10)).count();
                }
                long end = System.nanoTime();
                startMicros[i] = (begin - t0) / 1000;
                latencyMicros[i] = (end - begin) / 1000;
                ackMicros[i] = (acked - begin) / 1000;
            }
        }
        try (PrintWriter out = new PrintWriter(args[3])) {
            for (int i = 0; i < count; i++) {
                out.println(startMicros[i] + " " + latencyMicros[i] + " " + ackMicros[i]);
            }
        }
        print("all", latencyMicros);
        print("after " + skipMicros / 1_000_000 + " s", latencyMicros, startMicros, skipMicros);
    }

    private static Properties props(String... keysAndValues) {
        Properties props = new Properties();
        for (int i = 0; i < keysAndValues.length; i += 2) {
            props.put(keysAndValues[i], keysAndValues[i + 1]);
        }
        return props;
    }

    private static void print(String label, long[] latencies) {
        long[] sorted = latencies.clone();
        Arrays.sort(sorted);
        int n = sorted.length;
        System.out.printf("%s: %d messages, avg %.3f ms, p50 %.3f, p99 %.3f, p99.9 %.3f%n", label, n,
                Arrays.stream(sorted).average().orElse(0) / 1000, sorted[n / 2] / 1000.0,
                sorted[(int) (n * 0.99)] / 1000.0, sorted[(int) (n * 0.999)] / 1000.0);
    }

    private static void print(String label, long[] latencies, long[] starts, long skipMicros) {
        int kept = 0;
        long[] after = new long[latencies.length];
        for (int i = 0; i < latencies.length; i++) {
            if (starts[i] >= skipMicros) {
                after[kept++] = latencies[i];
            }
        }
        if (kept > 0) {
            print(label, Arrays.copyOf(after, kept));
        }
    }
}
