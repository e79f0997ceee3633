package io.dlog.log;

/**
 * The log cleaner's engine-wide settings, under Kafka's broker config names.
 *
 * @param enable             log.cleaner.enable: without it compacted topics are never cleaned
 * @param threads            log.cleaner.threads: partitions cleaned at once
 * @param dedupeBufferSize   log.cleaner.dedupe.buffer.size: memory for the key maps of all threads together
 * @param ioBufferLoadFactor log.cleaner.io.buffer.load.factor: how full a key map may get
 * @param ioMaxBytesPerSecond log.cleaner.io.max.bytes.per.second: read plus write rate of all threads
 * @param backoffMs          log.cleaner.backoff.ms: pause when no log needs cleaning
 * @param codec              how compressed batches are read and rewritten
 */
public record CleanerConfig(boolean enable, int threads, long dedupeBufferSize, double ioBufferLoadFactor,
                            double ioMaxBytesPerSecond, long backoffMs, RecordsCodec codec) {

    /** Kafka 4.x defaults; only uncompressed batches are compacted. */
    public static final CleanerConfig DEFAULT = new CleanerConfig(true, 1, 128L * 1024 * 1024, 0.9,
            Double.MAX_VALUE, 15_000L, RecordsCodec.UNCOMPRESSED_ONLY);

    public CleanerConfig {
        if (threads < 1) {
            throw new IllegalArgumentException("log.cleaner.threads must be at least 1");
        }
        if (ioBufferLoadFactor <= 0 || ioBufferLoadFactor > 1) {
            throw new IllegalArgumentException("log.cleaner.io.buffer.load.factor must be in (0, 1]");
        }
    }

    public CleanerConfig withBackoffMs(long ms) {
        return new CleanerConfig(enable, threads, dedupeBufferSize, ioBufferLoadFactor, ioMaxBytesPerSecond, ms, codec);
    }
}
