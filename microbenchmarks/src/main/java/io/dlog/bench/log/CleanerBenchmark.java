package io.dlog.bench.log;

import io.dlog.kafka.config.KafkaRecordsCodec;
import io.dlog.log.CleanerConfig;
import io.dlog.log.LogConfig;
import io.dlog.log.LogManager;
import io.dlog.log.LogManagerConfig;
import io.dlog.log.PartitionLog;
import io.dlog.log.TopicPartition;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.record.internal.CompressionType;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.SimpleRecord;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * Log cleaner throughput: one op = one full clean of a freshly written compacted partition of
 * {@code megabytes} MiB (batches of 100 records, 100-byte values, keys drawn from {@code keys}), on the
 * calling thread: map the keys, rewrite every sealed segment, swap them in. MB/s = megabytes / op time.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
public class CleanerBenchmark {
    @Param({"NONE", "LZ4"})
    public String compression;

    @Param({"10000"})
    public int keys;

    @Param({"64"})
    public int megabytes;

    private Path dir;
    private LogManager logs;

    @Setup(Level.Invocation)
    public void fill() throws Exception {
        dir = Files.createTempDirectory("dlog-cleaner-bench");
        CleanerConfig cleaner = new CleanerConfig(false, 1, Long.getLong("dedupe", 128L * 1024 * 1024), 0.9, Double.MAX_VALUE, 15_000,
                KafkaRecordsCodec.INSTANCE);
        LogManagerConfig config = LogManagerConfig.defaults(dir).withCleaner(cleaner);
        LogConfig topic = LogConfig.DEFAULT.withSegmentBytes(16 * 1024 * 1024)
                .withCompaction(true, false, LogConfig.DEFAULT_DELETE_RETENTION_MS, 0, Long.MAX_VALUE, 0.5);
        logs = LogManager.open(config, Clock.systemUTC(), t -> topic);
        PartitionLog log = logs.getOrCreate(new TopicPartition("compacted", 0), topic);
        Random random = new Random(42);
        Compression codec = Compression.of(CompressionType.valueOf(compression)).build();
        long written = 0;
        byte[] value = new byte[100];
        while (written < (long) megabytes * 1024 * 1024) {
            SimpleRecord[] records = new SimpleRecord[100];
            for (int i = 0; i < records.length; i++) {
                random.nextBytes(value);
                records[i] = new SimpleRecord(System.currentTimeMillis(),
                        ("key-" + random.nextInt(keys)).getBytes(StandardCharsets.UTF_8), value.clone());
            }
            ByteBuffer batch = MemoryRecords.withRecords(codec, records).buffer();
            written += batch.remaining();
            log.append(batch, 0).join();
        }
    }

    @TearDown(Level.Invocation)
    public void delete() throws IOException {
        logs.close();
        try (var paths = Files.walk(dir)) {
            paths.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    /** Returns the bytes the clean read. */
    @Benchmark
    public long clean() throws IOException {
        return logs.cleanNow();
    }

    public static void main(String[] args) throws Exception {
        CleanerBenchmark b = new CleanerBenchmark();
        b.compression = args.length > 0 ? args[0] : "NONE";
        b.keys = 10_000;
        b.megabytes = 64;
        for (int i = 0; i < 3; i++) {
            b.fill();
            long start = System.nanoTime();
            long bytes = b.clean();
            double seconds = (System.nanoTime() - start) / 1e9;
            System.out.printf(java.util.Locale.ROOT, "%d bytes in %.3f s: %.1f MB/s%n", bytes, seconds,
                    bytes / 1e6 / seconds);
            b.delete();
        }
        Duration.ZERO.isZero();
    }
}
