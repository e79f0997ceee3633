package io.dlog.log;

/**
 * The settings the engine needs for one partition, already parsed and validated. The protocol adapter
 * owns the Kafka names ({@code segment.bytes}, {@code retention.ms}, ...) and builds this from a topic's
 * overrides and the broker's defaults; defaults below are Kafka 4.x's.
 *
 * @param segmentBytes          roll the active segment when it would exceed this
 * @param segmentMs             roll the active segment when its first batch is older than this
 * @param segmentIndexBytes     maximum size of one offset or time index file
 * @param indexIntervalBytes    bytes of log between two sparse index entries
 * @param retentionMs           delete segments whose newest record is older (-1: keep forever)
 * @param retentionBytes        delete oldest segments while the partition is larger (-1: no limit)
 * @param maxMessageBytes       largest record batch accepted
 * @param compact               cleanup.policy contains compact (null keys refused)
 * @param delete                cleanup.policy contains delete (retention applies)
 * @param logAppendTime         message.timestamp.type=LogAppendTime: the broker stamps batches
 * @param timestampBeforeMaxMs  how far in the past a CreateTime timestamp may be
 * @param timestampAfterMaxMs   how far in the future a CreateTime timestamp may be
 * @param flushMode             when an append is acknowledged
 * @param fileDeleteDelayMs     how long a deleted segment's file stays open for reads in flight
 * @param deleteRetentionMs     compacted topics: how long a tombstone stays after the clean that first saw
 *                              it (delete.retention.ms; the horizon is written into its batch, KIP-534)
 * @param minCompactionLagMs    compacted topics: records younger than this are not cleaned
 * @param maxCompactionLagMs    compacted topics: a log whose oldest dirty record is older is cleaned
 *                              whatever its dirty ratio (Long.MAX_VALUE: never forced)
 * @param minCleanableDirtyRatio compacted topics: clean once dirty bytes / cleanable bytes reach this
 */
public record LogConfig(int segmentBytes, long segmentMs, int segmentIndexBytes, int indexIntervalBytes,
                        long retentionMs, long retentionBytes, int maxMessageBytes, boolean compact,
                        boolean delete, boolean logAppendTime, long timestampBeforeMaxMs,
                        long timestampAfterMaxMs, FlushMode flushMode, long fileDeleteDelayMs,
                        long deleteRetentionMs, long minCompactionLagMs, long maxCompactionLagMs,
                        double minCleanableDirtyRatio) {

    /** Kafka 4.x defaults of the compaction settings. */
    public static final long DEFAULT_DELETE_RETENTION_MS = 24L * 60 * 60 * 1000;
    public static final double DEFAULT_MIN_CLEANABLE_DIRTY_RATIO = 0.5;

    /** Without compaction settings: Kafka's defaults for them. */
    public LogConfig(int segmentBytes, long segmentMs, int segmentIndexBytes, int indexIntervalBytes,
                     long retentionMs, long retentionBytes, int maxMessageBytes, boolean compact,
                     boolean delete, boolean logAppendTime, long timestampBeforeMaxMs,
                     long timestampAfterMaxMs, FlushMode flushMode, long fileDeleteDelayMs) {
        this(segmentBytes, segmentMs, segmentIndexBytes, indexIntervalBytes, retentionMs, retentionBytes,
                maxMessageBytes, compact, delete, logAppendTime, timestampBeforeMaxMs, timestampAfterMaxMs,
                flushMode, fileDeleteDelayMs, DEFAULT_DELETE_RETENTION_MS, 0L, Long.MAX_VALUE,
                DEFAULT_MIN_CLEANABLE_DIRTY_RATIO);
    }

    public static final LogConfig DEFAULT = new LogConfig(
            1024 * 1024 * 1024, 7L * 24 * 60 * 60 * 1000, 10 * 1024 * 1024, 4096,
            7L * 24 * 60 * 60 * 1000, -1L, 1024 * 1024 + 12, false,
            true, false, Long.MAX_VALUE,
            60L * 60 * 1000, FlushMode.OS, 60_000L);

    public LogConfig withFlushMode(FlushMode mode) {
        return new LogConfig(segmentBytes, segmentMs, segmentIndexBytes, indexIntervalBytes, retentionMs,
                retentionBytes, maxMessageBytes, compact, delete, logAppendTime, timestampBeforeMaxMs,
                timestampAfterMaxMs, mode, fileDeleteDelayMs, deleteRetentionMs, minCompactionLagMs, maxCompactionLagMs,
                minCleanableDirtyRatio);
    }

    public LogConfig withSegmentBytes(int bytes) {
        return new LogConfig(bytes, segmentMs, segmentIndexBytes, indexIntervalBytes, retentionMs,
                retentionBytes, maxMessageBytes, compact, delete, logAppendTime, timestampBeforeMaxMs,
                timestampAfterMaxMs, flushMode, fileDeleteDelayMs, deleteRetentionMs, minCompactionLagMs,
                maxCompactionLagMs, minCleanableDirtyRatio);
    }

    public LogConfig withRetention(long ms, long bytes) {
        return new LogConfig(segmentBytes, segmentMs, segmentIndexBytes, indexIntervalBytes, ms,
                bytes, maxMessageBytes, compact, delete, logAppendTime, timestampBeforeMaxMs,
                timestampAfterMaxMs, flushMode, fileDeleteDelayMs, deleteRetentionMs, minCompactionLagMs,
                maxCompactionLagMs, minCleanableDirtyRatio);
    }

    public LogConfig withCompaction(boolean compactPolicy, boolean deletePolicy, long deleteRetention,
                                    long minLag, long maxLag, double minDirtyRatio) {
        return new LogConfig(segmentBytes, segmentMs, segmentIndexBytes, indexIntervalBytes, retentionMs,
                retentionBytes, maxMessageBytes, compactPolicy, deletePolicy, logAppendTime, timestampBeforeMaxMs,
                timestampAfterMaxMs, flushMode, fileDeleteDelayMs, deleteRetention, minLag, maxLag, minDirtyRatio);
    }
}
