package io.dlog.log;

import java.nio.file.Path;
import java.time.Duration;

/**
 * Engine-wide settings.
 *
 * @param dataDir                the folder holding partition folders and engine state
 * @param retentionCheckInterval how often retention runs (Kafka: log.retention.check.interval.ms)
 * @param groupCommitMaxWait     FSYNC mode: longest an append waits for company before its fsync
 * @param writerThreads          appends for a partition always run on the same one of these
 * @param producerIdExpiration   an idle producer's state is dropped after this (producer.id.expiration.ms)
 * @param cleaner                the log cleaner of compacted topics
 * @param maxProducerIdsPerPartition producer ids whose state one partition keeps; past it the least
 *                               recently writing one outside a transaction is forgotten early
 *                               (dlog.producer.ids.per.partition.max)
 */
public record LogManagerConfig(Path dataDir, Duration retentionCheckInterval, Duration groupCommitMaxWait,
                               int writerThreads, Duration producerIdExpiration, CleanerConfig cleaner,
                               int maxProducerIdsPerPartition) {

    public static final int DEFAULT_MAX_PRODUCER_IDS_PER_PARTITION = 10_000;

    public LogManagerConfig {
        if (maxProducerIdsPerPartition < 1) {
            throw new IllegalArgumentException("maxProducerIdsPerPartition must be at least 1");
        }
    }

    /** With the default producer-id bound. */
    public LogManagerConfig(Path dataDir, Duration retentionCheckInterval, Duration groupCommitMaxWait,
                            int writerThreads, Duration producerIdExpiration, CleanerConfig cleaner) {
        this(dataDir, retentionCheckInterval, groupCommitMaxWait, writerThreads, producerIdExpiration, cleaner,
                DEFAULT_MAX_PRODUCER_IDS_PER_PARTITION);
    }

    /** With the cleaner's defaults. */
    public LogManagerConfig(Path dataDir, Duration retentionCheckInterval, Duration groupCommitMaxWait,
                            int writerThreads, Duration producerIdExpiration) {
        this(dataDir, retentionCheckInterval, groupCommitMaxWait, writerThreads, producerIdExpiration,
                CleanerConfig.DEFAULT);
    }

    public LogManagerConfig withCleaner(CleanerConfig cleanerConfig) {
        return new LogManagerConfig(dataDir, retentionCheckInterval, groupCommitMaxWait, writerThreads,
                producerIdExpiration, cleanerConfig, maxProducerIdsPerPartition);
    }

    public LogManagerConfig withMaxProducerIdsPerPartition(int max) {
        return new LogManagerConfig(dataDir, retentionCheckInterval, groupCommitMaxWait, writerThreads,
                producerIdExpiration, cleaner, max);
    }

    public static LogManagerConfig defaults(Path dataDir) {
        return new LogManagerConfig(dataDir, Duration.ofMinutes(5), Duration.ofMillis(2), 2, Duration.ofDays(1));
    }
}
