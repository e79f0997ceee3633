package io.dlog.analytics;

import io.dlog.log.PartitionLog;

/** One partition's part of a scan: its log and the records wanted from it. */
public record PartitionScan(PartitionLog log, ScanRange range) {
    public int partition() {
        return log.topicPartition().partition();
    }
}
