package io.dlog.log;

/**
 * One aborted transaction of a partition, as a read_committed Fetch reports it: the consumer drops the
 * producer's batches from {@code firstOffset} until it meets the abort marker at {@code lastOffset}.
 *
 * @param producerId  the transactional producer
 * @param firstOffset offset of the transaction's first batch on this partition
 * @param lastOffset  offset of its abort marker
 */
public record AbortedTransaction(long producerId, long firstOffset, long lastOffset) {
}
