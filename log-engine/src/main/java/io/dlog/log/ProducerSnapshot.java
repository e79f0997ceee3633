package io.dlog.log;

/**
 * One idempotent producer's state on a partition, as DescribeProducers shows it.
 *
 * @param currentTxnStartOffset -1 until transactions exist
 */
public record ProducerSnapshot(long producerId, short producerEpoch, int lastSequence, long lastTimestamp,
                               int coordinatorEpoch, long currentTxnStartOffset) {
}
