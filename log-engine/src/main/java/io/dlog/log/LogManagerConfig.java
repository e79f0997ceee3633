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
 */
public record LogManagerConfig(Path dataDir, Duration retentionCheckInterval, Duration groupCommitMaxWait,
                               int writerThreads, Duration producerIdExpiration, CleanerConfig cleaner) {

    /** With the cleaner's defaults. */
    public LogManagerConfig(Path dataDir, Duration retentionCheckInterval, Duration groupCommitMaxWait,
                            int writerThreads, Duration producerIdExpiration) {
        this(dataDir, retentionCheckInterval, groupCommitMaxWait, writerThreads, producerIdExpiration,
                CleanerConfig.DEFAULT);
    }

    public LogManagerConfig withCleaner(CleanerConfig cleanerConfig) {
        return new LogManagerConfig(dataDir, retentionCheckInterval, groupCommitMaxWait, writerThreads,
                producerIdExpiration, cleanerConfig);
    }

    public static LogManagerConfig defaults(Path dataDir) {
        return new LogManagerConfig(dataDir, Duration.ofMinutes(5), Duration.ofMillis(2), 2, Duration.ofDays(1));
    }
}
