package io.dlog.compat.soak;

import static org.assertj.core.api.Assertions.assertThat;

import io.dlog.compat.clients.Clients;
import io.dlog.compat.tools.ChildJvm;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.io.TempDir;

/**
 * The soak test of issue 15: a broker in its own JVM (started by the real CLI) under mixed work for
 * {@code -Ddlog.soak.minutes} minutes at half of the peak produce rate measured first with the same
 * clients; its resident memory, heap after a full GC, native "Other" memory (direct buffers: Netty's
 * pooled allocator takes them with {@code Unsafe.allocateMemory}, which Native Memory Tracking files
 * under Other), open file descriptors and threads are sampled and must stay flat.
 *
 * <p>The work: two idempotent acks=all producers on a 6-partition topic; a classic group of two
 * consumers and a KIP-848 group of one, committing; every 15 s a new short-lived idempotent producer
 * (producer-id churn) and a new group that consumes, commits and leaves (group churn). The broker runs
 * with short retention (segments roll and are deleted), offsets retention and producer-id expiry, so the
 * state keyed by client input must be shed as fast as it is made.
 *
 * <p>Not in the default build: {@code mvn -B verify -pl compat-tests -am -Psoak} (30 minutes;
 * {@code -Dsoak.minutes=N}). Figures in docs/benchmarks.md.
 */
@EnabledIfSystemProperty(named = "dlog.soak.minutes", matches = "\\d+")
class SoakTest {
    private static final String TOPIC = "soak";
    private static final int PARTITIONS = 6;
    private static final int VALUE_BYTES = 1024;
    private static final Duration PEAK_PHASE = Duration.ofSeconds(40);
    private static final Duration CHURN_EVERY = Duration.ofSeconds(15);

    @TempDir
    Path dataDir;

    private final AtomicBoolean running = new AtomicBoolean(true);
    private final AtomicBoolean producing = new AtomicBoolean(true);
    private final AtomicLong acked = new AtomicLong();
    private final AtomicLong sendErrors = new AtomicLong();
    private final AtomicLong consumed = new AtomicLong();
    private final AtomicLong churnErrors = new AtomicLong();
    private final Map<TopicPartition, Long> classicPositions = new ConcurrentHashMap<>();
    private volatile double ratePerProducer = Double.MAX_VALUE;

    @Test
    void shouldKeepMemoryFilesAndThreadsFlatUnderMixedWorkAtHalfOfPeak() throws Exception {
        long minutes = Long.getLong("dlog.soak.minutes");
        long sampleSeconds = Long.getLong("dlog.soak.sampleSeconds", 60);
        int port = freePort();
        ChildJvm.Child broker = startBroker(port);
        String bootstrap = "127.0.0.1:" + port;
        this.bootstrap = bootstrap;
        List<Thread> workers = new ArrayList<>();
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
            admin.createTopics(List.of(new NewTopic(TOPIC, PARTITIONS, (short) 1).configs(Map.of(
                    "segment.bytes", Integer.toString(8 * 1024 * 1024), "retention.ms", "120000"))))
                    .all().get(30, TimeUnit.SECONDS);
            for (int i = 0; i < 2; i++) {
                workers.add(start("producer-" + i, this::produce));
            }
            for (int i = 0; i < 2; i++) {
                workers.add(start("classic-" + i, () -> consume("soak-classic", "classic", true)));
            }
            workers.add(start("consumer-protocol", () -> consume("soak-848", "consumer", false)));
            workers.add(start("churn", () -> churn(bootstrap)));

            // Peak: the same producers unthrottled, with the consumers and churn running.
            Thread.sleep(5_000);
            long before = acked.get();
            Thread.sleep(PEAK_PHASE.toMillis());
            double peak = (acked.get() - before) * 1000.0 / PEAK_PHASE.toMillis();
            ratePerProducer = peak / 2 / 2;
            System.out.printf("SOAK peak %.0f records/s (%d-byte values); running at %.0f records/s for %d min%n",
                    peak, VALUE_BYTES, peak / 2, minutes);

            List<Sample> samples = new ArrayList<>();
            long pid = broker.process().pid();
            long start = System.nanoTime();
            long end = start + TimeUnit.MINUTES.toNanos(minutes);
            long ackedAtStart = acked.get();
            while (System.nanoTime() < end) {
                Thread.sleep(Math.min(TimeUnit.SECONDS.toMillis(sampleSeconds),
                        Math.max(1, TimeUnit.NANOSECONDS.toMillis(end - System.nanoTime()))));
                assertThat(broker.process().isAlive()).as("broker alive").isTrue();
                Sample s = Sample.of(pid, (System.nanoTime() - start) / 1_000_000_000L, acked.get(), consumed.get());
                samples.add(s);
                System.out.println("SOAK " + s);
            }
            double achieved = (acked.get() - ackedAtStart) / (double) TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - start);
            System.out.printf("SOAK achieved %.0f records/s; send errors %d, churn errors %d%n",
                    achieved, sendErrors.get(), churnErrors.get());
            // Producers stop first; the consumers then drain what is left before they stop too.
            producing.set(false);
            for (Thread worker : workers.subList(0, 2)) {
                worker.join(60_000);
            }
            workers.get(workers.size() - 1).join(120_000); // churn
            Map<TopicPartition, Long> ends;
            try (KafkaConsumer<byte[], byte[]> probe = new KafkaConsumer<>(Clients.consumerProps(bootstrap, Map.of()),
                    new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
                ends = probe.endOffsets(classicPositions.keySet());
            }
            long drainDeadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
            while (System.nanoTime() < drainDeadline && ends.entrySet().stream()
                    .anyMatch(e -> classicPositions.getOrDefault(e.getKey(), -1L) < e.getValue() - 1)) {
                Thread.sleep(200);
            }
            running.set(false);
            for (Thread worker : workers) {
                worker.join(60_000);
            }
            assertFlat(samples);
            assertThat(sendErrors.get()).as("failed sends").isZero();
            assertThat(churnErrors.get()).as("failed churn rounds").isZero();
            ends.forEach((tp, endOffset) -> assertThat(classicPositions.get(tp))
                    .as("classic group caught up on %s", tp).isGreaterThanOrEqualTo(endOffset - 1));
        } finally {
            producing.set(false);
            running.set(false);
            broker.kill();
            System.out.println("SOAK broker log tail:\n" + tail(broker.stderrText(), 20));
            ChildJvm.deleteOutput(broker);
        }
    }

    /** After the first quarter (warm-up), the last quarter's means may not exceed the second quarter's by much. */
    private static void assertFlat(List<Sample> samples) {
        assertThat(samples.size()).as("samples").isGreaterThanOrEqualTo(8);
        int q = samples.size() / 4;
        List<Sample> early = samples.subList(q, 2 * q);
        List<Sample> late = samples.subList(samples.size() - q, samples.size());
        double mib = 1024 * 1024;
        assertThat(mean(late, Sample::rssBytes)).as("RSS").isLessThan(mean(early, Sample::rssBytes) * 1.15 + 64 * mib);
        assertThat(mean(late, Sample::heapAfterGcBytes)).as("heap after GC")
                .isLessThan(mean(early, Sample::heapAfterGcBytes) * 1.25 + 16 * mib);
        assertThat(mean(late, Sample::nativeOtherBytes)).as("direct (NMT Other)")
                .isLessThan(mean(early, Sample::nativeOtherBytes) * 1.25 + 32 * mib);
        assertThat(mean(late, Sample::fds)).as("file descriptors").isLessThan(mean(early, Sample::fds) + 30);
        assertThat(mean(late, Sample::threads)).as("threads").isLessThan(mean(early, Sample::threads) + 5);
    }

    private static double mean(List<Sample> samples, java.util.function.ToLongFunction<Sample> f) {
        return samples.stream().mapToLong(f).average().orElse(0);
    }

    private ChildJvm.Child startBroker(int port) throws IOException, InterruptedException {
        List<String> args = new ArrayList<>(List.of("start", "--port", Integer.toString(port),
                "--data-dir", dataDir.toString()));
        for (String o : List.of("listeners=PLAINTEXT://127.0.0.1:" + port, "offsets.retention.minutes=2",
                "offsets.retention.check.interval.ms=20000", "producer.id.expiration.ms=120000",
                "log.retention.check.interval.ms=20000", "offsets.topic.num.partitions=4")) {
            args.add("-o");
            args.add(o);
        }
        ChildJvm.Child child = ChildJvm.start(List.of("-Xmx512m", "-XX:TieredStopAtLevel=4",
                "-XX:NativeMemoryTracking=summary"), "io.dlog.broker.cli.DLogCli", args.toArray(String[]::new));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < deadline) {
            assertThat(child.process().isAlive()).as("broker started: %s", child.stderrText()).isTrue();
            try (Socket socket = new Socket()) {
                socket.connect(new InetSocketAddress("127.0.0.1", port), 500);
                return child;
            } catch (IOException notYet) {
                Thread.sleep(100);
            }
        }
        child.kill();
        throw new AssertionError("broker not serving: " + child.stderrText());
    }

    private Thread start(String name, ThrowingRunnable work) {
        Thread t = new Thread(() -> {
            try {
                work.run();
            } catch (Exception e) {
                if (running.get()) {
                    e.printStackTrace();
                    sendErrors.incrementAndGet();
                }
            }
        }, "soak-" + name);
        t.setDaemon(true);
        t.start();
        return t;
    }

    private interface ThrowingRunnable {
        void run() throws Exception;
    }

    private static Properties producerProps(String bootstrap) {
        return Clients.producerProps(bootstrap, Map.of(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true,
                ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 120_000, ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 30_000));
    }

    /** Sends as fast as the broker takes them until a rate is set, then paces to it. */
    private void produce() throws Exception {
        String bootstrap = bootstrapOf();
        byte[] value = new byte[VALUE_BYTES];
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(producerProps(bootstrap),
                new ByteArraySerializer(), new ByteArraySerializer())) {
            long sent = 0;
            long paceStart = 0;
            double paced = Double.MAX_VALUE;
            while (producing.get()) {
                double rate = ratePerProducer;
                if (rate != paced) {
                    paced = rate;
                    paceStart = System.nanoTime();
                    sent = 0;
                }
                producer.send(new ProducerRecord<>(TOPIC, Long.toString(sent).getBytes(), value), (md, e) -> {
                    if (e == null) {
                        acked.incrementAndGet();
                    } else if (producing.get()) {
                        sendErrors.incrementAndGet();
                        System.out.println("SOAK send failed: " + e);
                    }
                });
                sent++;
                if (paced != Double.MAX_VALUE) {
                    long due = paceStart + (long) (sent * 1e9 / paced);
                    long wait = due - System.nanoTime();
                    if (wait > 1_000_000) {
                        TimeUnit.NANOSECONDS.sleep(wait);
                    }
                }
            }
            producer.flush();
        }
    }

    private void consume(String group, String protocol, boolean trackPositions) {
        Properties props = Clients.consumerProps(bootstrapOf(), Map.of(ConsumerConfig.GROUP_ID_CONFIG, group,
                ConsumerConfig.GROUP_PROTOCOL_CONFIG, protocol));
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(props, new ByteArrayDeserializer(),
                new ByteArrayDeserializer())) {
            consumer.subscribe(List.of(TOPIC));
            while (running.get()) {
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(500))) {
                    consumed.incrementAndGet();
                    if (trackPositions) {
                        classicPositions.merge(new TopicPartition(r.topic(), r.partition()), r.offset(), Math::max);
                    }
                }
                consumer.commitAsync();
            }
            consumer.commitSync(Duration.ofSeconds(30));
        }
    }

    /** Every {@link #CHURN_EVERY}: a new idempotent producer, and a new group that reads, commits and leaves. */
    private void churn(String bootstrap) throws InterruptedException {
        int round = 0;
        while (producing.get()) {
            Thread.sleep(CHURN_EVERY.toMillis());
            round++;
            try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(producerProps(bootstrap),
                    new ByteArraySerializer(), new ByteArraySerializer())) {
                producer.send(new ProducerRecord<>(TOPIC, new byte[] {1})).get(60, TimeUnit.SECONDS);
                Properties props = Clients.consumerProps(bootstrap, Map.of(ConsumerConfig.GROUP_ID_CONFIG,
                        "soak-churn-" + round, ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "latest"));
                try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(props, new ByteArrayDeserializer(),
                        new ByteArrayDeserializer())) {
                    consumer.subscribe(List.of(TOPIC));
                    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
                    while (consumer.assignment().isEmpty() && System.nanoTime() < deadline) {
                        consumer.poll(Duration.ofMillis(200));
                    }
                    consumer.commitSync(Duration.ofSeconds(30));
                }
            } catch (Exception e) {
                if (producing.get()) {
                    churnErrors.incrementAndGet();
                    System.out.println("SOAK churn round " + round + " failed: " + e);
                }
            }
        }
    }

    private volatile String bootstrap;

    private String bootstrapOf() {
        return bootstrap;
    }

    private static int freePort() throws IOException {
        return io.dlog.cluster.PortPicker.freePort();
    }

    private static String tail(String text, int lines) {
        List<String> all = text.lines().toList();
        return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
    }

    /** One reading of the broker process. */
    record Sample(long seconds, long rssBytes, long heapAfterGcBytes, long nativeOtherBytes, long fds, long threads,
                  long acked, long consumed) {
        static Sample of(long pid, long seconds, long acked, long consumed) throws IOException, InterruptedException {
            String status = Files.readString(Path.of("/proc", Long.toString(pid), "status"));
            long rss = kib(field(status, "VmRSS:"));
            long threads = Long.parseLong(field(status, "Threads:"));
            long fds;
            try (var list = Files.list(Path.of("/proc", Long.toString(pid), "fd"))) {
                fds = list.count();
            }
            jcmd(pid, "GC.run");
            long heap = heapUsed(jcmd(pid, "GC.heap_info"));
            long other = nmtOther(jcmd(pid, "VM.native_memory", "summary"));
            return new Sample(seconds, rss, heap, other, fds, threads, acked, consumed);
        }

        private static String field(String status, String name) {
            return status.lines().filter(l -> l.startsWith(name)).findFirst()
                    .map(l -> l.substring(name.length()).trim().split("\\s+")[0]).orElseThrow();
        }

        private static long kib(String value) {
            return Long.parseLong(value) * 1024;
        }

        /** Serial GC: "def new generation total 1234K, used 567K" and "tenured generation ... used 89K". */
        private static long heapUsed(String info) {
            long used = 0;
            var m = java.util.regex.Pattern.compile("generation\\s+total \\d+K, used (\\d+)K").matcher(info);
            while (m.find()) {
                used += Long.parseLong(m.group(1)) * 1024;
            }
            return used;
        }

        /** "-  Other (reserved=123KB, committed=123KB)". */
        private static long nmtOther(String summary) {
            var m = java.util.regex.Pattern.compile("Other \\(reserved=\\d+KB, committed=(\\d+)KB\\)").matcher(summary);
            return m.find() ? Long.parseLong(m.group(1)) * 1024 : -1;
        }

        private static String jcmd(long pid, String... command) throws IOException, InterruptedException {
            List<String> cmd = new ArrayList<>();
            cmd.add(Path.of(System.getProperty("java.home"), "bin", "jcmd").toString());
            cmd.add(Long.toString(pid));
            cmd.addAll(List.of(command));
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes());
            p.waitFor(60, TimeUnit.SECONDS);
            return out;
        }

        @Override
        public String toString() {
            return String.format("t=%ds rss=%dMiB heapAfterGc=%dMiB direct(NMT Other)=%dMiB fds=%d threads=%d acked=%d consumed=%d",
                    seconds, rssBytes >> 20, heapAfterGcBytes >> 20, nativeOtherBytes >> 20, fds, threads, acked, consumed);
        }
    }
}
