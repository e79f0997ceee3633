package io.dlog.compat.fault;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.Random;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * One transactional producer of a fault run (Jepsen's transactional Kafka workload, in spirit): transactions of one
 * to three unique values ({@code w<i>-<t>-<k>}, t the transaction's number) sent to partitions picked at random,
 * each ended by a commit, or by an abort one time in five. Any error ends the producer; the next one, of the same
 * {@code transactional.id}, fences it and settles its open transaction (Kafka's recovery for a producer that lost
 * track of its transaction).
 *
 * <p>What the history records for each value, from what the producer saw:
 * <ul>
 *   <li>ACK at the offset its send returned: {@code commitTransaction} returned;</li>
 *   <li>FAIL: {@code commitTransaction} was never called (the producer aborted, or an error came first): only a
 *       commit request commits, so no read_committed reader may ever see the value;</li>
 *   <li>INFO: {@code commitTransaction} was called and threw: committed or aborted, but whole either way.</li>
 * </ul>
 *
 * <p>Runs on the caller's thread ({@link #run}); the client's callbacks are not used.
 */
final class TransactionalSender {
    /** An open transaction left behind by a broken producer is aborted by the coordinator after this. */
    static final int TRANSACTION_TIMEOUT_MS = 10_000;

    private final String name;
    private final String topic;
    private final int partitions;
    private final Properties base;
    private final History history;
    private final Random random;
    private final long intervalNanos;
    private long transaction;
    private int incarnation;
    /** The name the current producer instance records its ops under (the checker keeps each instance's order). */
    private String process;

    /**
     * @param base          the idempotent producer's settings (bootstrap, acks=all, timeouts)
     * @param intervalNanos the time between the starts of two transactions
     */
    TransactionalSender(String name, String topic, int partitions, Properties base, History history, Random random,
                        long intervalNanos) {
        this.name = name;
        this.topic = topic;
        this.partitions = partitions;
        this.base = base;
        this.history = history;
        this.random = random;
        this.intervalNanos = intervalNanos;
    }

    /** Runs transactions until {@code producing} turns false, replacing the producer after each error. */
    void run(BooleanSupplier producing) throws InterruptedException {
        while (producing.getAsBoolean()) {
            KafkaProducer<String, String> producer = null;
            process = name + "." + ++incarnation;
            try {
                producer = new KafkaProducer<>(props(), new StringSerializer(), new StringSerializer());
                producer.initTransactions();
                Pacer pacer = new Pacer(intervalNanos);
                while (producing.getAsBoolean()) {
                    pacer.awaitTurn();
                    if (!transact(producer)) {
                        break;
                    }
                }
            } catch (RuntimeException e) {
                history.note(process, "transactional producer replaced after " + e);
                TimeUnit.MILLISECONDS.sleep(200);
            } finally {
                if (producer != null) {
                    producer.close(Duration.ofSeconds(producing.getAsBoolean() ? 0 : 5));
                }
            }
        }
    }

    /** The transactional id of the producer named {@code name}. */
    static String transactionalId(String name) {
        return "fault-" + name;
    }

    private Properties props() {
        Properties props = new Properties();
        props.putAll(base);
        props.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, transactionalId(name));
        props.put(ProducerConfig.TRANSACTION_TIMEOUT_CONFIG, TRANSACTION_TIMEOUT_MS);
        return props;
    }

    /** One transaction, its outcome recorded. Returns false when the producer must be replaced. */
    private boolean transact(KafkaProducer<String, String> producer) {
        String id = name + "-" + transaction++;
        int count = 1 + random.nextInt(3);
        List<String> values = new ArrayList<>();
        List<Integer> targets = new ArrayList<>();
        for (int k = 0; k < count; k++) {
            values.add(id + "-" + k);
            targets.add(random.nextInt(partitions));
            history.send(process, targets.get(k), values.get(k), id);
        }
        boolean abort = random.nextInt(5) == 0;
        boolean commitCalled = false;
        List<Future<RecordMetadata>> sent = new ArrayList<>();
        try {
            producer.beginTransaction();
            for (int k = 0; k < count; k++) {
                sent.add(producer.send(new ProducerRecord<>(topic, targets.get(k), Integer.toString(targets.get(k)),
                        values.get(k))));
            }
            if (abort) {
                producer.abortTransaction();
                record(values, targets, null, "aborted by the producer", false);
                return true;
            }
            commitCalled = true;
            producer.commitTransaction();
        } catch (RuntimeException e) {
            String why = e.getClass().getSimpleName() + ": " + e.getMessage();
            record(values, targets, null, commitCalled ? "commit threw " + why : "never committed: " + why, commitCalled);
            return false;
        }
        record(values, targets, sent, null, false);
        return true;
    }

    /**
     * Records the transaction's outcome for each value: ACK at its offset when {@code sent} is given (committed),
     * else INFO when {@code unknown}, else FAIL.
     */
    private void record(List<String> values, List<Integer> targets, List<Future<RecordMetadata>> sent, String why,
                        boolean unknown) {
        for (int k = 0; k < values.size(); k++) {
            if (sent != null) {
                long offset = offset(sent.get(k));
                if (offset >= 0) {
                    history.ack(process, targets.get(k), values.get(k), offset);
                } else {
                    history.info(process, targets.get(k), values.get(k), "committed, but its send reported no offset");
                }
            } else if (unknown) {
                history.info(process, targets.get(k), values.get(k), why);
            } else {
                history.fail(process, targets.get(k), values.get(k), why);
            }
        }
    }

    /** The offset of a send of a committed transaction (done: a commit flushes its sends first); -1 if it has none. */
    private static long offset(Future<RecordMetadata> send) {
        try {
            return send.get(10, TimeUnit.SECONDS).offset();
        } catch (ExecutionException | java.util.concurrent.TimeoutException e) {
            return -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }
}
