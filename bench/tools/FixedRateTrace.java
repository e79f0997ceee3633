import java.io.PrintWriter;
import java.util.Arrays;
import java.util.Properties;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * An acks=all producer at a fixed rate, as bench/run.sh's fixed-rate rows run ProducerPerformance (linger.ms=5,
 * batch.size=65536, paced as Kafka's ThroughputThrottler paces: sleep once 2 ms ahead), that keeps every record's
 * wall-clock send time, latency and partition, so a tail can be lined up with the nodes' GC logs, /proc/vmstat or a
 * perf recording (ProducerPerformance prints percentiles only).
 *
 * <p>Run with the source launcher: {@code java -cp <kafka classpath> FixedRateTrace.java BOOTSTRAP TOPIC RATE SECONDS
 * SIZE OUT [WARMUP_SECONDS]}. Sends RATE records/s of SIZE bytes for WARMUP_SECONDS (default 3) + SECONDS, writes
 * "send_time_us latency_us partition" for each record sent after the warm-up to OUT (wall clock, microseconds; a
 * failed send has latency -1), and prints the percentiles of those.
 */
public final class FixedRateTrace {
    public static void main(String[] args) throws Exception {
        if (args.length < 6) {
            System.err.println("usage: FixedRateTrace BOOTSTRAP TOPIC RATE SECONDS SIZE OUT [WARMUP_SECONDS]");
            System.exit(2);
        }
        String bootstrap = args[0];
        String topic = args[1];
        int rate = Integer.parseInt(args[2]);
        int seconds = Integer.parseInt(args[3]);
        int size = Integer.parseInt(args[4]);
        String out = args[5];
        int warmSeconds = args.length > 6 ? Integer.parseInt(args[6]) : 3;
        String bytes = "org.apache.kafka.common.serialization.ByteArray";
        Properties props = new Properties();
        props.put("bootstrap.servers", bootstrap);
        props.put("acks", "all");
        props.put("linger.ms", "5");
        props.put("batch.size", "65536");
        props.put("key.serializer", bytes + "Serializer");
        props.put("value.serializer", bytes + "Serializer");
        int total = rate * (seconds + warmSeconds);
        long[] sendNanos = new long[total];
        long[] latencyNanos = new long[total];
        byte[] partition = new byte[total];
        // One reading of both clocks turns the nanoTime stamps into wall-clock ones for lining up with other logs
        long wallZeroNanos = System.currentTimeMillis() * 1_000_000L;
        long nanoZero = System.nanoTime();
        byte[] value = new byte[size];
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(props)) {
            long start = System.nanoTime();
            for (int i = 0; i < total; i++) {
                long due = start + (long) i * 1_000_000_000L / rate;
                long now = System.nanoTime();
                if (due - now >= 2_000_000) {
                    long gap = due - now;
                    Thread.sleep(gap / 1_000_000, (int) (gap % 1_000_000));
                    now = System.nanoTime();
                }
                int index = i;
                sendNanos[i] = now;
                producer.send(new ProducerRecord<>(topic, value), (metadata, error) -> {
                    latencyNanos[index] = error == null ? System.nanoTime() - sendNanos[index] : -1;
                    if (metadata != null) {
                        partition[index] = (byte) metadata.partition();
                    }
                });
            }
            producer.flush();
        }
        int from = rate * warmSeconds;
        long[] sorted = Arrays.copyOfRange(latencyNanos, from, total);
        Arrays.sort(sorted);
        int n = sorted.length;
        System.out.printf("records %d, avg %.2f ms, p50 %.2f, p99 %.2f, p99.9 %.2f, max %.2f ms%n", n,
                Arrays.stream(sorted).average().orElse(0) / 1e6, sorted[n / 2] / 1e6, sorted[(int) (n * 0.99)] / 1e6,
                sorted[(int) (n * 0.999)] / 1e6, sorted[n - 1] / 1e6);
        try (PrintWriter writer = new PrintWriter(out)) {
            for (int i = from; i < total; i++) {
                long latency = latencyNanos[i] < 0 ? -1 : latencyNanos[i] / 1000;
                writer.println((wallZeroNanos + (sendNanos[i] - nanoZero)) / 1000 + " " + latency + " " + partition[i]);
            }
        }
    }
}
