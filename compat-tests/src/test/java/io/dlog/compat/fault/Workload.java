package io.dlog.compat.fault;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Random;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.consumer.CommitFailedException;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.GroupProtocol;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.AuthorizationException;
import org.apache.kafka.common.errors.InvalidTopicException;
import org.apache.kafka.common.errors.RebalanceInProgressException;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.errors.RetriableException;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * The clients of a fault run: idempotent acks=all producers, each sending unique values ({@code w<i>-<n>}) to
 * partitions picked at random (the key names the partition), consumers that {@code assign()} every partition
 * and poll from the beginning, and consumers that {@code subscribe()} in one group and commit what they read, all
 * recording into one {@link History}; then the final read from the beginning.
 * A transactional run's producers are {@link TransactionalSender}s and its consumers and final read are
 * read_committed; its final read waits until no transaction is left open.
 *
 * <p>A send's outcome is recorded from the client's callback: ACK with the offset, FAIL only for errors that prove
 * the record never reached a broker's log (it could not be serialized, was too large, or the topic was never
 * known), INFO for everything else (a timeout or a lost connection may hide a write that landed).
 *
 * <p>Threads: one per producer and per consumer, started by {@link #start} and joined by the stop methods; the
 * producers' callbacks run on their client's I/O thread. Everything shared goes through the History or the
 * {@code running} flags.
 */
public final class Workload {
    /**
     * @param ratePerSecond sends per second over all producers
     * @param maxInFlight   unacknowledged sends per producer before it waits (bounds the backlog during an outage);
     *                      unused by a transactional run, whose producers wait for each transaction to end
     * @param transactional transactions of one to three sends (ratePerSecond then counts transactions), read_committed
     *                      consumers
     * @param groupConsumers consumers that subscribe in one group and commit after each poll that returned records
     *                      (Kafka's classic group protocol for an odd seed, KIP-848's consumer protocol for an even one)
     */
    public record Settings(String topic, int partitions, int producers, int consumers, int ratePerSecond, int maxInFlight,
                           long seed, boolean transactional, int groupConsumers) {
        /** The group's rebalance protocol: both are run, one seed in two. */
        GroupProtocol groupProtocol() {
            return seed % 2 == 0 ? GroupProtocol.CONSUMER : GroupProtocol.CLASSIC;
        }
    }

    private final String bootstrap;
    private final History history;
    private final Settings settings;
    private final AtomicBoolean producing = new AtomicBoolean();
    private final AtomicBoolean consuming = new AtomicBoolean();
    private final List<Thread> producerThreads = new ArrayList<>();
    private final List<Thread> consumerThreads = new ArrayList<>();

    public Workload(String bootstrap, History history, Settings settings) {
        this.bootstrap = bootstrap;
        this.history = history;
        this.settings = settings;
    }

    public void start() {
        producing.set(true);
        consuming.set(true);
        for (int i = 0; i < settings.producers(); i++) {
            String name = "w" + i;
            Random random = new Random(settings.seed() * 31 + i);
            Runnable producer = settings.transactional() ? () -> transact(name, random) : () -> produce(name, random);
            producerThreads.add(started(new Thread(producer, "fault-" + name)));
        }
        for (int i = 0; i < settings.consumers(); i++) {
            String name = "r" + i;
            consumerThreads.add(started(new Thread(() -> consume(name), "fault-" + name)));
        }
        for (int i = 0; i < settings.groupConsumers(); i++) {
            String name = "g" + i;
            consumerThreads.add(started(new Thread(() -> consumeInGroup(name), "fault-" + name)));
        }
    }

    private static Thread started(Thread thread) {
        thread.setDaemon(true);
        thread.start();
        return thread;
    }

    /** Stops sending, waits for each producer's outstanding sends to end (or fail as unknown) and closes it. */
    public void stopProducers() throws InterruptedException {
        producing.set(false);
        for (Thread thread : producerThreads) {
            thread.join(TimeUnit.SECONDS.toMillis(90));
        }
    }

    public void stopConsumers() throws InterruptedException {
        consuming.set(false);
        for (Thread thread : consumerThreads) {
            thread.join(TimeUnit.SECONDS.toMillis(30));
        }
    }

    private Properties producerProps(String name) {
        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        props.put(ProducerConfig.CLIENT_ID_CONFIG, "fault-" + name);
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        props.put(ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, 5);
        props.put(ProducerConfig.LINGER_MS_CONFIG, 2);
        props.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 5_000);
        props.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 20_000);
        props.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 10_000);
        props.put(ProducerConfig.RECONNECT_BACKOFF_MAX_MS_CONFIG, 1_000);
        props.put(ProducerConfig.METADATA_MAX_AGE_CONFIG, 5_000);
        return props;
    }

    private long intervalNanos() {
        return TimeUnit.SECONDS.toNanos(1) * settings.producers() / Math.max(1, settings.ratePerSecond());
    }

    private void transact(String name, Random random) {
        try {
            new TransactionalSender(name, settings.topic(), settings.partitions(), producerProps(name), history, random,
                    intervalNanos()).run(producing::get);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void produce(String name, Random random) {
        long intervalNanos = intervalNanos();
        Semaphore inFlight = new Semaphore(settings.maxInFlight());
        long sequence = 0;
        int incarnation = 0;
        while (producing.get()) {
            AtomicBoolean broken = new AtomicBoolean();
            String process = name + "." + ++incarnation; // the checker holds one client instance's sends in order
            KafkaProducer<String, String> producer = new KafkaProducer<>(producerProps(name), new StringSerializer(),
                    new StringSerializer());
            try {
                Pacer pacer = new Pacer(intervalNanos);
                while (producing.get() && !broken.get()) {
                    pacer.awaitTurn();
                    if (!inFlight.tryAcquire(100, TimeUnit.MILLISECONDS)) {
                        continue;
                    }
                    int partition = random.nextInt(settings.partitions());
                    String value = name + "-" + sequence++;
                    history.send(process, partition, value);
                    send(producer, process, partition, value, inFlight, broken);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } finally {
                // Outstanding sends end here: acknowledged, or failed (recorded as unknown) by the close.
                producer.close(Duration.ofSeconds(broken.get() ? 0 : 30));
            }
        }
    }

    private void send(KafkaProducer<String, String> producer, String process, int partition, String value,
                      Semaphore inFlight, AtomicBoolean broken) {
        ProducerRecord<String, String> record = new ProducerRecord<>(settings.topic(), partition,
                Integer.toString(partition), value);
        try {
            producer.send(record, (metadata, error) -> {
                inFlight.release();
                if (error == null) {
                    history.ack(process, partition, value, metadata.offset());
                } else {
                    outcome(process, partition, value, error, broken);
                }
            });
        } catch (KafkaException | IllegalStateException e) {
            inFlight.release();
            outcome(process, partition, value, e, broken);
        }
    }

    private void outcome(String process, int partition, String value, Exception error, AtomicBoolean broken) {
        String why = error.getClass().getSimpleName() + ": " + error.getMessage();
        if (neverWritten(error)) {
            history.fail(process, partition, value, why);
        } else {
            history.info(process, partition, value, why);
        }
        if (!(error instanceof RetriableException) && !(error instanceof TimeoutException)) {
            // A fatal idempotent-producer error (an unknown sequence, a closed producer): start a new producer.
            broken.set(true);
        }
    }

    /** Errors that prove the record never reached any broker's log. */
    static boolean neverWritten(Exception error) {
        if (error instanceof TimeoutException && error.getMessage() != null
                && error.getMessage().contains("not present in metadata")) {
            return true; // the producer never learnt a leader, so it never sent the batch
        }
        return error instanceof SerializationException || error instanceof RecordTooLargeException
                || error instanceof InvalidTopicException || error instanceof AuthorizationException;
    }

    private Properties consumerProps(String name) {
        Properties props = new Properties();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        props.put(ConsumerConfig.CLIENT_ID_CONFIG, "fault-" + name);
        props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        props.put(ConsumerConfig.REQUEST_TIMEOUT_MS_CONFIG, 5_000);
        props.put(ConsumerConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 10_000);
        props.put(ConsumerConfig.RECONNECT_BACKOFF_MAX_MS_CONFIG, 1_000);
        props.put(ConsumerConfig.METADATA_MAX_AGE_CONFIG, 5_000);
        if (settings.transactional()) {
            props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        }
        return props;
    }

    private List<TopicPartition> topicPartitions() {
        List<TopicPartition> partitions = new ArrayList<>();
        for (int p = 0; p < settings.partitions(); p++) {
            partitions.add(new TopicPartition(settings.topic(), p));
        }
        return partitions;
    }

    private void consume(String name) {
        int incarnation = 0;
        while (consuming.get()) {
            // Each consumer instance reads under its own name: the checker holds one instance's reads to going
            // forward record by record from the beginning, and a restarted one starts again from there.
            String process = name + "." + ++incarnation;
            try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(consumerProps(name), new StringDeserializer(),
                    new StringDeserializer())) {
                consumer.assign(topicPartitions());
                consumer.seekToBeginning(topicPartitions());
                while (consuming.get()) {
                    record(process, consumer.poll(Duration.ofMillis(200)));
                }
            } catch (KafkaException e) {
                // An unavailable leader surfaces as retries inside poll; what escapes restarts the consumer from
                // the beginning, as a new instance.
                history.note(process, "consumer restarts after " + e);
                sleepQuietly(500);
            }
        }
    }

    /**
     * A group member: subscribes, records every assignment (each under a new process name, since the member reads
     * a newly assigned partition from the group's committed offset), and commits its position after each poll that
     * returned records, recording each partition's committed offset once {@code commitSync} returned.
     */
    private void consumeInGroup(String name) {
        int incarnation = 0;
        while (consuming.get()) {
            String instance = name + "." + ++incarnation;
            AtomicReference<String> process = new AtomicReference<>(instance + ".0");
            AtomicInteger assignments = new AtomicInteger();
            try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(groupConsumerProps(name),
                    new StringDeserializer(), new StringDeserializer())) {
                consumer.subscribe(List.of(settings.topic()), new ConsumerRebalanceListener() {
                    @Override
                    public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
                        // nothing to do: positions are committed after each poll, and reads go on under the next name
                    }

                    @Override
                    public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
                        // Runs inside poll, before it returns records of the new assignment. Under the consumer
                        // protocol the callback names only added partitions, so every held one is recorded.
                        process.set(instance + "." + assignments.incrementAndGet());
                        consumer.assignment().forEach(tp -> history.joined(process.get(), tp.partition()));
                    }
                });
                while (consuming.get()) {
                    ConsumerRecords<String, String> records = consumer.poll(Duration.ofMillis(200));
                    record(process.get(), records);
                    if (!records.isEmpty()) {
                        commit(consumer, process.get());
                    }
                }
            } catch (KafkaException e) {
                history.note(process.get(), "group consumer restarts after " + e);
                sleepQuietly(500);
            }
        }
    }

    private void commit(KafkaConsumer<String, String> consumer, String process) {
        Map<TopicPartition, OffsetAndMetadata> positions = new HashMap<>();
        try {
            for (TopicPartition partition : consumer.assignment()) {
                positions.put(partition, new OffsetAndMetadata(consumer.position(partition, Duration.ofSeconds(10))));
            }
            consumer.commitSync(positions, Duration.ofSeconds(10));
            positions.forEach((partition, offset) -> history.committed(process, partition.partition(), offset.offset()));
        } catch (CommitFailedException | RebalanceInProgressException | RetriableException e) {
            // not committed (or not known to be): whoever reads the partition next may read these records again
            history.note(process, "commit failed: " + e);
        }
    }

    private Properties groupConsumerProps(String name) {
        Properties props = consumerProps(name);
        props.put(ConsumerConfig.GROUP_ID_CONFIG, "fault-" + settings.topic());
        props.put(ConsumerConfig.GROUP_PROTOCOL_CONFIG, settings.groupProtocol().name().toLowerCase(java.util.Locale.ROOT));
        if (settings.groupProtocol() == GroupProtocol.CLASSIC) {
            // A member that restarted leaves the old one behind until its session ends; keep that short, as a
            // Jepsen run does (the consumer protocol's session is the broker's to set)
            props.put(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, 10_000);
            props.put(ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG, 1_000);
        }
        return props;
    }

    private void record(String process, ConsumerRecords<String, String> records) {
        for (TopicPartition partition : records.partitions()) {
            List<Op.Read> reads = new ArrayList<>();
            for (ConsumerRecord<String, String> record : records.records(partition)) {
                reads.add(new Op.Read(record.offset(), record.value()));
            }
            history.poll(process, partition.partition(), reads);
        }
    }

    /**
     * Reads every partition from its beginning to its high watermark as of the start of the read and records
     * one FINAL op per partition. Retries while the cluster settles; a partition it cannot read within
     * {@code timeout} gets no FINAL op (so the checker counts its acknowledged values lost) and is named in the
     * returned list.
     */
    public List<String> finalRead(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        List<String> problems = new ArrayList<>();
        if (settings.transactional()) {
            String open = awaitNoOpenTransaction(deadline);
            if (open != null) {
                problems.add(open);
            }
        }
        KafkaException last = null;
        while (System.nanoTime() - deadline < 0) {
            try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(consumerProps("final"), new StringDeserializer(),
                    new StringDeserializer())) {
                List<TopicPartition> partitions = topicPartitions();
                Map<TopicPartition, Long> ends = consumer.endOffsets(partitions, Duration.ofSeconds(10));
                consumer.assign(partitions);
                consumer.seekToBeginning(partitions);
                Map<TopicPartition, List<Op.Read>> reads = new HashMap<>();
                partitions.forEach(p -> reads.put(p, new ArrayList<>()));
                while (partitions.stream().anyMatch(p -> consumer.position(p, Duration.ofSeconds(10)) < ends.get(p))) {
                    if (System.nanoTime() - deadline > 0) {
                        throw new TimeoutException("final read not done within " + timeout + "; ends " + ends);
                    }
                    ConsumerRecords<String, String> records = consumer.poll(Duration.ofMillis(500));
                    for (ConsumerRecord<String, String> record : records) {
                        TopicPartition tp = new TopicPartition(record.topic(), record.partition());
                        if (record.offset() < ends.get(tp)) {
                            reads.get(tp).add(new Op.Read(record.offset(), record.value()));
                        }
                    }
                }
                for (TopicPartition partition : partitions) {
                    history.finalRead(partition.partition(), reads.get(partition));
                }
                return problems;
            } catch (KafkaException e) {
                last = e;
                sleepQuietly(1000);
            }
        }
        problems.add("final read failed: " + last);
        return problems;
    }

    /**
     * Waits until every partition's last stable offset has reached its high watermark: no transaction is left open
     * (a replaced producer's is settled by the next one of its transactional.id, or aborted by the coordinator after
     * the transaction timeout). Returns what was still open at the deadline, or null.
     */
    private String awaitNoOpenTransaction(long deadline) {
        Properties uncommitted = consumerProps("final-hw");
        uncommitted.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_uncommitted");
        Map<TopicPartition, Long> stable = null;
        Map<TopicPartition, Long> high = null;
        while (System.nanoTime() - deadline < 0) {
            try (KafkaConsumer<String, String> committed = new KafkaConsumer<>(consumerProps("final-lso"),
                    new StringDeserializer(), new StringDeserializer());
                 KafkaConsumer<String, String> all = new KafkaConsumer<>(uncommitted, new StringDeserializer(),
                         new StringDeserializer())) {
                while (System.nanoTime() - deadline < 0) {
                    high = all.endOffsets(topicPartitions(), Duration.ofSeconds(10));
                    stable = committed.endOffsets(topicPartitions(), Duration.ofSeconds(10));
                    if (stable.equals(high)) {
                        return null;
                    }
                    sleepQuietly(500);
                }
            } catch (KafkaException e) {
                sleepQuietly(1000);
            }
        }
        return "a transaction still open at the final read's deadline: last stable offsets " + stable
                + ", high watermarks " + high;
    }

    private static void sleepQuietly(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
