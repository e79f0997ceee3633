package io.dlog.compat.bench;

import io.dlog.broker.DLogBroker;
import io.dlog.compat.DLogBrokerExtension;
import io.dlog.kafka.config.BrokerConfig;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import javax.management.MBeanServer;
import javax.management.ObjectName;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * Not a test: a by-hand measurement (docs/benchmarks.md) of how many WriteTxnMarkers requests the
 * transaction coordinator sends per committed transaction when many transactional producers commit at
 * once. One in-process DLog node (the coordinator sends its markers over the Kafka protocol to itself),
 * {@code producers} Kafka 4.3.1 transactional producers, each committing {@code transactions}
 * transactions of one record on each of 4 partitions; counted from the broker's own
 * {@code kafka.network:type=RequestMetrics,name=RequestsPerSec,request=WriteTxnMarkers} meters.
 *
 * <p>{@code java -cp <compat-tests test classpath> io.dlog.compat.bench.TxnMarkerRequests 16 50}
 */
public final class TxnMarkerRequests {
    private static final int PARTITIONS = 4;

    private TxnMarkerRequests() {
    }

    public static void main(String[] args) throws Exception {
        int producers = args.length > 0 ? Integer.parseInt(args[0]) : 16;
        int transactions = args.length > 1 ? Integer.parseInt(args[1]) : 50;
        Path dir = Files.createTempDirectory("txn-markers");
        try (DLogBroker broker = DLogBroker.start(BrokerConfig.parse(Map.of(
                BrokerConfig.LISTENERS, "PLAINTEXT://127.0.0.1:0",
                BrokerConfig.ADVERTISED_LISTENERS, "PLAINTEXT://127.0.0.1:0",
                BrokerConfig.LOG_DIRS, dir.toString())))) {
            String bootstrap = "127.0.0.1:" + broker.port();
            try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrap))) {
                admin.createTopics(List.of(new NewTopic("txn-bench", PARTITIONS, (short) 1))).all().get(60, TimeUnit.SECONDS);
            }
            // a warm-up transaction per producer id space, not counted
            run(bootstrap, producers, 1, "warm");
            long before = writeTxnMarkersRequests();
            long start = System.nanoTime();
            int aborted = run(bootstrap, producers, transactions, "measured");
            double seconds = (System.nanoTime() - start) / 1e9;
            long requests = writeTxnMarkersRequests() - before;
            int ended = producers * transactions;
            System.out.printf(Locale.ROOT, "producers=%d transactions=%d (%d aborted) partitions=%d: %d WriteTxnMarkers "
                            + "requests, %.3f per transaction, %.0f transactions/s (%.1f s), load average %.2f%n",
                    producers, ended, aborted, PARTITIONS, requests, requests / (double) ended, ended / seconds, seconds,
                    ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
        } finally {
            DLogBrokerExtension.deleteRecursively(dir);
        }
    }

    /** Runs the producers; returns how many transactions ended aborted. */
    private static int run(String bootstrap, int producers, int transactions, String prefix) throws Exception {
        List<CompletableFuture<Integer>> all = new ArrayList<>();
        for (int p = 0; p < producers; p++) {
            String id = prefix + "-" + p;
            all.add(CompletableFuture.supplyAsync(() -> commitAll(bootstrap, id, transactions)));
        }
        int aborted = 0;
        for (CompletableFuture<Integer> producer : all) {
            aborted += producer.get(10, TimeUnit.MINUTES);
        }
        return aborted;
    }

    /**
     * Ends {@code transactions} transactions, committing each unless the broker made it abortable (then it
     * is aborted, as an application does); returns the aborted count.
     */
    private static int commitAll(String bootstrap, String id, int transactions) {
        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        props.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, id);
        props.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        props.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        int aborted = 0;
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(props)) {
            producer.initTransactions();
            for (int t = 0; t < transactions; t++) {
                producer.beginTransaction();
                try {
                    for (int partition = 0; partition < PARTITIONS; partition++) {
                        producer.send(new ProducerRecord<>("txn-bench", partition, null, new byte[100]));
                    }
                    producer.commitTransaction();
                } catch (org.apache.kafka.common.errors.TransactionAbortableException e) {
                    producer.abortTransaction();
                    aborted++;
                }
            }
        }
        return aborted;
    }

    /** The WriteTxnMarkers requests this JVM's broker served so far (every version's meter). */
    private static long writeTxnMarkersRequests() throws Exception {
        MBeanServer server = ManagementFactory.getPlatformMBeanServer();
        long total = 0;
        for (ObjectName name : server.queryNames(new ObjectName(
                "kafka.network:type=RequestMetrics,name=RequestsPerSec,request=WriteTxnMarkers,*"), null)) {
            total += ((Number) server.getAttribute(name, "Count")).longValue();
        }
        return total;
    }
}
