package io.dlog.log;

import java.util.List;

/**
 * What a read_committed read returns: a slice ending below the last stable offset and the aborted
 * transactions that overlap it (Kafka's {@code FetchDataInfo.abortedTransactions}).
 *
 * @param slice   the batches, bounded by the last stable offset
 * @param aborted aborted transactions with a first offset below the slice's end and a marker at or after
 *                the fetch offset, in first-offset order; empty when the slice is empty
 */
public record CommittedRead(FetchSlice slice, List<AbortedTransaction> aborted) {
}
