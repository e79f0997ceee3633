package io.dlog.kafka.txn;

import io.dlog.kafka.common.LeaderEpochs;
import io.dlog.kafka.coordinator.InternalTopicLog;
import io.dlog.kafka.coordinator.InternalTopics;
import io.dlog.kafka.topic.TopicService;
import io.dlog.log.PartitionLog;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.time.Clock;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.BiConsumer;

/**
 * The compacted internal topic {@code __transaction_state}: one record per transition of a
 * transactional id, in the partition {@code abs(hash(id)) % partitions} (Kafka's rule), written as
 * uncompressed v2 batches and replayed one partition at a time when that partition is loaded.
 *
 * <p>Thread-safe: appends go to the partition's single writer; {@link #replay} blocks and runs off the
 * event loops.
 */
final class TxnStateStore {
    private final TopicService topics;
    private final Clock clock;
    private final int partitions;

    TxnStateStore(TopicService topics, Clock clock, int partitions) {
        this.topics = topics;
        this.clock = clock;
        this.partitions = partitions;
    }

    /** Creates the topic when absent (compacted, {@code wanted} partitions), or adopts the existing one. */
    static TxnStateStore open(TopicService topics, Clock clock, int wanted, java.util.function.BooleanSupplier stopped)
            throws IOException, InterruptedException {
        // transaction.state.log.segment.bytes: Kafka's 100 MiB, so the cleaner can bound the topic; and, as Kafka's
        // TransactionStateManager sets them, min.insync.replicas from transaction.state.log.min.isr and no unclean
        // leader election
        return new TxnStateStore(topics, clock, InternalTopicLog.open(topics, InternalTopics.TRANSACTION_STATE, wanted,
                topics.brokerConfig().transactionStateLogReplicationFactor(),
                java.util.Map.of("segment.bytes", Integer.toString(100 * 1024 * 1024),
                        "min.insync.replicas", Integer.toString(topics.brokerConfig().transactionStateLogMinIsr()),
                        "unclean.leader.election.enable", "false"), stopped));
    }

    int partitions() {
        return partitions;
    }

    /** Kafka's partitionFor: {@code Utils.abs(transactionalId.hashCode()) % partitions}. */
    int partitionFor(String transactionalId) {
        return InternalTopics.transactionPartition(transactionalId, partitions);
    }

    /** The leader epoch of the partition: the coordinator epoch stamped into markers. */
    int coordinatorEpoch(int partition) {
        return topics.partition(InternalTopics.TRANSACTION_STATE, partition).map(LeaderEpochs::current).orElse(0);
    }

    /** Appends one record (null value: tombstone); completes once it is durable per the flush mode. */
    CompletableFuture<Void> append(int partition, byte[] key, byte[] value) {
        return InternalTopicLog.appendOrFail(topics, InternalTopics.TRANSACTION_STATE, partition, clock.millis(),
                List.of(new InternalTopicLog.KeyValue(key, value)));
    }

    /**
     * Whether this node's log of the partition holds nothing above its high watermark, so a replay (which stops
     * at the high watermark) sees every record a previous leader committed.
     */
    boolean caughtUp(int partition) {
        return topics.partition(InternalTopics.TRANSACTION_STATE, partition).map(InternalTopicLog::caughtUp).orElse(false);
    }

    /** Hands every record of one partition, in log order, to the visitor (value null: tombstone). Blocking. */
    void replay(int partition, BiConsumer<ByteBuffer, ByteBuffer> visitor) throws IOException {
        Optional<PartitionLog> found = topics.partition(InternalTopics.TRANSACTION_STATE, partition);
        if (found.isPresent()) {
            InternalTopicLog.replay(found.get(), (batch, record) -> {
                if (!batch.isControlBatch()) {
                    visitor.accept(record.key(), record.hasValue() ? record.value() : null);
                }
            });
        }
    }
}
