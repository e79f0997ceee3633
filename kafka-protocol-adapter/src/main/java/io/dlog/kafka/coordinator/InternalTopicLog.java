package io.dlog.kafka.coordinator;

import io.dlog.kafka.common.LeaderEpochs;
import io.dlog.kafka.config.TopicConfigs;
import io.dlog.kafka.replica.ReplicaManager;
import io.dlog.kafka.topic.TopicService;
import io.dlog.log.AppendError;
import io.dlog.log.AppendResult;
import io.dlog.log.FetchSlice;
import io.dlog.log.OffsetOutOfRangeException;
import io.dlog.log.PartitionLog;
import io.dlog.log.metadata.MetadataException;
import io.dlog.log.metadata.TopicImage;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.TimestampType;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.MemoryRecordsBuilder;
import org.apache.kafka.common.record.internal.Record;
import org.apache.kafka.common.record.internal.RecordBatch;
import org.apache.kafka.common.utils.Crc32C;

/**
 * A coordinator's compacted internal topic ({@code __consumer_offsets}, {@code __transaction_state}):
 * created on first use, written as uncompressed RecordBatch v2 batches built with kafka-clients'
 * {@link MemoryRecords}, read back from the log start offset to the high watermark.
 *
 * <p>Stateless; thread-safe. {@link #open} and {@link #replay} block; {@link #append} never does.
 */
public final class InternalTopicLog {
    private static final int READ_CHUNK = 1 << 20;
    /** RecordBatch v2 header fields (DefaultRecordBatch's layout). */
    private static final int CRC_OFFSET = 17;
    private static final int ATTRIBUTES_OFFSET = 21;
    private static final int BASE_SEQUENCE_OFFSET = 53;

    /** One record: key and value bytes (value null = tombstone). */
    public record KeyValue(byte[] key, byte[] value) {
    }

    /** Receives the keyed records of a partition in log order, with their batch. */
    public interface RecordVisitor {
        void visit(RecordBatch batch, Record record);
    }

    private InternalTopicLog() {
    }

    private static final String MIN_INSYNC_REPLICAS = "min.insync.replicas";
    private static final String TOO_FEW_IN_SYNC = "fewer in-sync replicas than min.insync.replicas=";

    /** A coordinator's write the log or the replication refused, with why (see {@link #appendOrFail}). */
    public static final class WriteRefused extends IllegalStateException {
        private final AppendError error;

        public WriteRefused(AppendError error, String message) {
            super(message);
            this.error = error;
        }

        public AppendError error() {
            return error;
        }
    }

    /** How long a new cluster's coordinators wait for brokers to register before creating their topic. */
    private static final long BROKER_GRACE_MS = 30_000;

    /**
     * Creates the topic when absent (compacted, {@code wantedPartitions}, plus {@code configs}) or adopts
     * the existing one. Waits first until this node has caught up with the cluster image (only then is
     * "absent" true), and, in a cluster just starting, up to 30 s for {@code replicationFactor} brokers
     * (no more than there are voters)
     * to register, so the topic's replicas spread over them; the replication factor is then capped at
     * the live brokers (Kafka refuses to create the topic with fewer, which leaves a single node or a
     * partly started cluster without coordinators).
     *
     * @param stopped true once the broker is shutting down: the wait ends with an IOException
     * @return its partition count
     */
    public static int open(TopicService topics, String name, int wantedPartitions, short replicationFactor,
                           Map<String, String> configs, java.util.function.BooleanSupplier stopped)
            throws IOException, InterruptedException {
        long graceEnd = System.nanoTime() + java.util.concurrent.TimeUnit.MILLISECONDS.toNanos(BROKER_GRACE_MS);
        while (true) {
            if (stopped.getAsBoolean()) {
                throw new IOException("the broker is stopping");
            }
            if (!topics.isCaughtUp()) { // before it, "absent" may only mean "not replayed yet"
                Thread.sleep(10); // start-up only: catching up takes milliseconds on a single node
                continue;
            }
            Optional<TopicImage> existing = topics.image().topic(name);
            if (existing.isPresent()) {
                return rolesApplied(topics, existing.get().partitions());
            }
            int live = TopicService.liveBrokers(topics.image()).size();
            // Wait for as many brokers as the factor asks and the cluster can have (its voters).
            int expected = Math.min(replicationFactor, topics.quorum().voters().size());
            if (live == 0 || (live < expected && System.nanoTime() < graceEnd)) {
                Thread.sleep(100);
                continue;
            }
            Map<String, String> all = new java.util.HashMap<>(configs);
            all.put("cleanup.policy", "compact");
            short rf = (short) Math.max(1, Math.min(replicationFactor, live));
            if (all.containsKey(MIN_INSYNC_REPLICAS)) {
                // Capped with the replication factor, or a single node's coordinator could never write.
                all.put(MIN_INSYNC_REPLICAS, Integer.toString(Math.min(rf, Integer.parseInt(all.get(MIN_INSYNC_REPLICAS)))));
            }
            try {
                return rolesApplied(topics, topics.create(name, wantedPartitions, rf, all,
                        TopicService.DEFAULT_PROPOSAL_TIMEOUT).get().partitions());
            } catch (ExecutionException e) {
                if (e.getCause() instanceof MetadataException m && m.reason() == MetadataException.Reason.TOPIC_ALREADY_EXISTS) {
                    return rolesApplied(topics, topics.image().topic(name).orElseThrow().partitions());
                }
                if (e.getCause() instanceof MetadataException m && m.reason() == MetadataException.Reason.TIMED_OUT) {
                    continue; // no quorum now: try again
                }
                throw new IOException("cannot create " + name, e.getCause());
            }
        }
    }

    /**
     * Waits until this node's replica roles follow the image it has now (they change on their own thread),
     * so the caller finds the partitions it leads; returns {@code partitions}.
     */
    private static int rolesApplied(TopicService topics, int partitions) throws IOException, InterruptedException {
        ReplicaManager replicas = topics.replicas();
        if (replicas != null) {
            try {
                replicas.awaitApplied(topics.image().version()).get(60, java.util.concurrent.TimeUnit.SECONDS);
            } catch (ExecutionException | java.util.concurrent.TimeoutException e) {
                throw new IOException("this node's partition roles did not follow the cluster image", e);
            }
        }
        return partitions;
    }

    /** Kafka's offsets.commit.timeout.ms default: how long a coordinator's write may wait to be committed. */
    static final long COMMIT_TIMEOUT_MS = 5000;

    /**
     * Appends the records as one batch. With a producer id the batch is transactional and carries no
     * sequence (NO_SEQUENCE): the coordinator writes it for the producer, so the log checks the epoch
     * but not a client's sequence numbers.
     */
    public static CompletableFuture<AppendResult> append(TopicService topics, String topic, int partition, long now,
                                                         List<KeyValue> records, long producerId, short producerEpoch) {
        return append(topics, topic, partition, now, records, producerId, producerEpoch, null);
    }

    /**
     * {@link #append}, the batch carrying the verification guard of its transaction check (KIP-890): the log
     * refuses it (INVALID_TXN_STATE) when a marker of the producer came between the check and the write.
     */
    public static CompletableFuture<AppendResult> append(TopicService topics, String topic, int partition, long now,
                                                         List<KeyValue> records, long producerId, short producerEpoch,
                                                         io.dlog.log.VerificationGuard guard) {
        Optional<PartitionLog> log = topics.partition(topic, partition);
        if (log.isEmpty()) {
            return CompletableFuture.failedFuture(new IOException(topic + "-" + partition + " is missing"));
        }
        int size = 128;
        for (KeyValue record : records) {
            size += record.key().length + (record.value() == null ? 0 : record.value().length) + 32;
        }
        boolean transactional = producerId != RecordBatch.NO_PRODUCER_ID;
        // The builder insists on a sequence for a producer's batch: build with 0, then clear it below.
        MemoryRecordsBuilder builder = MemoryRecords.builder(ByteBuffer.allocate(size), RecordBatch.MAGIC_VALUE_V2,
                Compression.NONE, TimestampType.CREATE_TIME, 0L, now, producerId, producerEpoch,
                transactional ? 0 : RecordBatch.NO_SEQUENCE, transactional, RecordBatch.NO_PARTITION_LEADER_EPOCH);
        for (KeyValue record : records) {
            builder.append(now, record.key(), record.value());
        }
        ByteBuffer batch = builder.build().buffer();
        if (transactional) {
            batch.putInt(BASE_SEQUENCE_OFFSET, RecordBatch.NO_SEQUENCE);
            batch.putInt(CRC_OFFSET, (int) Crc32C.compute(batch, ATTRIBUTES_OFFSET, batch.limit() - ATTRIBUTES_OFFSET));
        }
        PartitionLog partitionLog = log.get();
        int minIsr = minInsyncReplicas(topics, topic, partition);
        ReplicaManager replicas = topics.replicas();
        if (replicas != null && replicas.isReplicated(partitionLog.topicPartition())) {
            // Kafka's check before an acks=all append: the write is not made at all while too few are in sync.
            Errors enough = replicas.checkEnoughReplicas(partitionLog.topicPartition(), minIsr);
            if (enough == Errors.NOT_ENOUGH_REPLICAS) {
                return CompletableFuture.completedFuture(AppendResult.failure(AppendError.NOT_ENOUGH_REPLICAS,
                        partitionLog.topicPartition() + ": " + enough + ", " + TOO_FEW_IN_SYNC + minIsr,
                        partitionLog.logStartOffset()));
            }
            if (enough != Errors.NONE) {
                return CompletableFuture.completedFuture(AppendResult.failure(AppendError.NOT_LEADER_OR_FOLLOWER,
                        partitionLog.topicPartition() + ": " + enough, partitionLog.logStartOffset()));
            }
        }
        CompletableFuture<AppendResult> appended = guard == null ? partitionLog.append(batch, LeaderEpochs.current(partitionLog))
                : partitionLog.append(batch, LeaderEpochs.current(partitionLog), guard);
        return appended.thenCompose(result -> committed(topics, partitionLog.topicPartition(), result, minIsr));
    }

    /**
     * How many in-sync replicas a coordinator's write needs, as Kafka's acks=all writes of its coordinators: the
     * topic's min.insync.replicas (its own, as {@code transaction.state.log.min.isr} sets on __transaction_state, or
     * the broker's default), at most the partition's replica count (a topic made before the cap, or moved to fewer
     * replicas since, must not refuse every write).
     */
    private static int minInsyncReplicas(TopicService topics, String topic, int partition) {
        Optional<TopicImage> image = topics.image().topic(topic);
        if (image.isEmpty() || partition >= image.get().partitions()) {
            return 1;
        }
        int wanted = TopicConfigs.minInsyncReplicas(image.get().configs(), topics.brokerConfig());
        return Math.max(1, Math.min(wanted, image.get().replicas(partition).size()));
    }

    /**
     * A coordinator's write counts once committed (Kafka writes offsets and transaction state with acks=all):
     * on a replicated partition the answer waits for the high watermark with at least {@code minInsyncReplicas} in
     * sync (else NOT_ENOUGH_REPLICAS_AFTER_APPEND, reported as below); a leadership change or
     * {@value #COMMIT_TIMEOUT_MS} ms without quorum fails it as NOT_LEADER_OR_FOLLOWER (the client finds the
     * coordinator again and retries).
     */
    private static CompletableFuture<AppendResult> committed(TopicService topics, io.dlog.log.TopicPartition tp,
                                                            AppendResult result, int minInsyncReplicas) {
        ReplicaManager replicas = topics.replicas();
        if (!result.succeeded() || replicas == null) {
            return CompletableFuture.completedFuture(result);
        }
        replicas.onAppended(tp);
        if (!replicas.isReplicated(tp)) {
            return CompletableFuture.completedFuture(result);
        }
        return replicas.awaitCommitted(tp, result.lastOffset() + 1, minInsyncReplicas, COMMIT_TIMEOUT_MS)
                .thenApply(error -> {
                    if (error == Errors.NONE) {
                        return result;
                    }
                    boolean shortIsr = error == Errors.NOT_ENOUGH_REPLICAS_AFTER_APPEND;
                    return AppendResult.failure(shortIsr ? AppendError.NOT_ENOUGH_REPLICAS_AFTER_APPEND
                            : AppendError.NOT_LEADER_OR_FOLLOWER, tp + " was not committed: " + error
                            + (shortIsr ? ", " + TOO_FEW_IN_SYNC + minInsyncReplicas : ""), result.logStartOffset());
                });
    }

    /**
     * Whether a coordinator's write failed only because fewer replicas were in sync than min.insync.replicas: the
     * client retries, and the coordinator logs it without a stack trace (it lasts as long as the ISR is short).
     */
    public static boolean tooFewInSync(Throwable failure) {
        return coordinatorError(failure) == Errors.COORDINATOR_NOT_AVAILABLE; // only a short ISR maps to it
    }

    /** {@link #append} without a producer; fails the future when the log refuses the batch. */
    public static CompletableFuture<Void> appendOrFail(TopicService topics, String topic, int partition, long now,
                                                       List<KeyValue> records) {
        return append(topics, topic, partition, now, records, RecordBatch.NO_PRODUCER_ID, RecordBatch.NO_PRODUCER_EPOCH)
                .thenApply(result -> {
                    if (!result.succeeded()) {
                        throw new WriteRefused(result.error(), "append to " + topic + "-" + partition + " failed: "
                                + result.error() + " " + result.errorMessage());
                    }
                    return null;
                });
    }

    /**
     * A refused coordinator write as Kafka's coordinators answer it (the transaction state manager's and the
     * coordinator runtime's error normalization): the client looks the coordinator up again (NOT_COORDINATOR, the
     * leadership moved or the disk failed) or retries it (COORDINATOR_NOT_AVAILABLE, too few replicas in sync); the
     * log's own refusals (fenced epoch, transaction state) keep their names, which the engine shares with Kafka.
     */
    public static Errors coordinatorError(AppendError error) {
        return switch (error) {
            case NOT_LEADER_OR_FOLLOWER, KAFKA_STORAGE_ERROR -> Errors.NOT_COORDINATOR;
            case NOT_ENOUGH_REPLICAS, NOT_ENOUGH_REPLICAS_AFTER_APPEND -> Errors.COORDINATOR_NOT_AVAILABLE;
            case MESSAGE_TOO_LARGE, RECORD_LIST_TOO_LARGE -> Errors.UNKNOWN_SERVER_ERROR;
            default -> Errors.valueOf(error.name());
        };
    }

    /**
     * {@link #coordinatorError(AppendError)} for a failed {@link #appendOrFail}: the refusal's error when the log or
     * the replication refused the write, else NOT_COORDINATOR (the partition went away under the write).
     */
    public static Errors coordinatorError(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof WriteRefused refused) {
                return coordinatorError(refused.error());
            }
        }
        return Errors.NOT_COORDINATOR;
    }

    /**
     * Whether {@link #replay} of this log would see all of it: nothing above the high watermark. A coordinator
     * that has just become leader loads only then: its high watermark may trail records its predecessor had
     * committed and answered clients for, until its followers fetch again (Kafka's coordinators load to the log
     * end and expose state as the high watermark passes it; DLog waits for the high watermark instead).
     */
    public static boolean caughtUp(PartitionLog log) {
        return log.highWatermark() >= log.logEndOffset();
    }

    /** Hands every keyed record of the partition, from the log start to the high watermark, to the visitor. Blocking. */
    public static void replay(PartitionLog log, RecordVisitor visitor) throws IOException {
        long offset = log.logStartOffset();
        long end = log.highWatermark();
        while (offset < end) {
            FetchSlice slice;
            try {
                slice = log.read(offset, READ_CHUNK, end, true);
            } catch (OffsetOutOfRangeException e) {
                long start = log.logStartOffset();
                if (start <= offset || start >= end) {
                    return;
                }
                offset = start;
                continue;
            }
            if (slice.length() == 0) {
                return;
            }
            ByteBuffer buffer = ByteBuffer.allocate(slice.length());
            long position = slice.position();
            while (buffer.hasRemaining()) {
                int read = slice.channel().read(buffer, position);
                if (read < 0) {
                    throw new IOException("unexpected end of " + log.topicPartition());
                }
                position += read;
            }
            buffer.flip();
            long next = offset;
            for (RecordBatch batch : MemoryRecords.readableRecords(buffer).batches()) {
                if (batch.lastOffset() < offset) {
                    continue;
                }
                for (Record record : batch) {
                    if (record.offset() >= offset && record.hasKey()) {
                        visitor.visit(batch, record);
                    }
                }
                next = batch.lastOffset() + 1;
            }
            if (next <= offset) {
                return;
            }
            offset = next;
        }
    }
}
