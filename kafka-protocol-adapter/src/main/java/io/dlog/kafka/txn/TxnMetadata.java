package io.dlog.kafka.txn;

import io.dlog.log.TopicPartition;
import java.util.Collection;
import java.util.Comparator;
import java.util.Set;
import java.util.TreeSet;

/**
 * One transactional id's state, immutable: every transition builds a new value, written to
 * {@code __transaction_state} before it becomes current.
 *
 * @param lastProducerEpoch the epoch before the last bump, so a retried InitProducerId (KIP-360) is
 *                          recognised; -1 when none (not persisted, as in Kafka's v0 record)
 * @param partitions        partitions in the open transaction (empty unless Ongoing or Prepare*)
 * @param startTimestamp    when the open transaction started, -1 when none
 */
record TxnMetadata(String transactionalId, long producerId, short producerEpoch, short lastProducerEpoch,
                   int timeoutMs, TxnState state, Set<TopicPartition> partitions, long startTimestamp,
                   long lastUpdateTimestamp) {

    static final Comparator<TopicPartition> ORDER =
            Comparator.comparing(TopicPartition::topic).thenComparingInt(TopicPartition::partition);

    TxnMetadata {
        TreeSet<TopicPartition> sorted = new TreeSet<>(ORDER);
        sorted.addAll(partitions);
        partitions = java.util.Collections.unmodifiableSet(sorted);
    }

    TxnMetadata withState(TxnState next, long now) {
        return new TxnMetadata(transactionalId, producerId, producerEpoch, lastProducerEpoch, timeoutMs, next,
                partitions, startTimestamp, now);
    }

    TxnMetadata withPartitions(Collection<TopicPartition> added, long now) {
        TreeSet<TopicPartition> all = new TreeSet<>(ORDER);
        all.addAll(partitions);
        all.addAll(added);
        long start = state == TxnState.ONGOING ? startTimestamp : now;
        return new TxnMetadata(transactionalId, producerId, producerEpoch, lastProducerEpoch, timeoutMs,
                TxnState.ONGOING, all, start, now);
    }

    /** The transaction is over: no partitions, no start time. */
    TxnMetadata completed(TxnState complete, long now) {
        return new TxnMetadata(transactionalId, producerId, producerEpoch, lastProducerEpoch, timeoutMs, complete,
                Set.of(), -1, now);
    }

    TxnMetadata withProducer(long id, short epoch, short lastEpoch, int timeout, TxnState next, long now) {
        return new TxnMetadata(transactionalId, id, epoch, lastEpoch, timeout, next, partitions, startTimestamp, now);
    }
}
