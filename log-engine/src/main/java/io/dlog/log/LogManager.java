package io.dlog.log;

import java.io.IOException;
import java.util.Collection;
import java.util.Optional;

/**
 * All partition logs of one data folder: opens (and recovers) them on start, creates and deletes them,
 * runs retention in the background. Thread-safe.
 */
public interface LogManager extends AutoCloseable {

    /**
     * Opens every partition found in the data folder, recovering the tail of each active segment
     * (a torn or corrupt batch is truncated, missing or corrupt indexes rebuilt).
     *
     * @param configs the config for an existing partition, by topic (a partition with no config gets
     *                {@link LogConfig#DEFAULT})
     */
    static LogManager open(LogManagerConfig config, java.time.Clock clock,
                           java.util.function.Function<String, LogConfig> configs) throws IOException {
        return io.dlog.log.internal.DefaultLogManager.open(config, clock, configs);
    }

    /** Creates an empty partition, or returns the existing one. */
    PartitionLog getOrCreate(TopicPartition tp, LogConfig config) throws IOException;

    Optional<PartitionLog> get(TopicPartition tp);

    Collection<PartitionLog> all();

    /** Where the writer threads report append and fsync times (the broker's metrics); NONE until set. */
    default void setStorageMetrics(StorageMetrics metrics) {
    }

    /** Who is told when a partition goes offline after an I/O error; {@link StorageFailureListener#NONE} until set. */
    default void setStorageFailureListener(StorageFailureListener listener) {
    }

    /**
     * Tells that listener of an I/O error met on the data folder outside the engine, for the partition {@code tp}
     * (the broker's files of a partition: its folder and topic-id stamp, made before its log).
     */
    default void reportStorageFailure(TopicPartition tp, IOException cause) {
    }

    /** Removes the partition: later appends fail, reads in flight finish, files go after the delay. */
    void delete(TopicPartition tp) throws IOException;

    /**
     * Runs one retention pass over every partition now (time, size, and the log start offset), the same
     * pass the background task runs every {@code retentionCheckInterval}. For tests and admin tools.
     */
    void runRetentionNow();

    /**
     * Cleans, once, every compacted partition that is cleanable now, on the calling thread: the work the
     * cleaner threads do in the background, for tests, tools and benchmarks. Partitions a cleaner thread
     * is cleaning at that moment are skipped.
     *
     * @return bytes the cleaner read
     */
    long cleanNow() throws IOException;

    /** Data folder path as DescribeLogDirs reports it. */
    String dataDirPath();

    /** Flushes and closes every partition. */
    @Override
    void close() throws IOException;
}
