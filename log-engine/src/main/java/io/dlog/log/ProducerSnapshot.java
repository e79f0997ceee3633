package io.dlog.log;

/**
 * One idempotent or transactional producer's state on a partition, as DescribeProducers shows it.
 *
 * @param coordinatorEpoch      epoch of the coordinator that wrote the producer's last marker, or -1
 * @param currentTxnStartOffset offset of the open transaction's first batch here, or -1
 */
public record ProducerSnapshot(long producerId, short producerEpoch, int lastSequence, long lastTimestamp,
                               int coordinatorEpoch, long currentTxnStartOffset) {
}
