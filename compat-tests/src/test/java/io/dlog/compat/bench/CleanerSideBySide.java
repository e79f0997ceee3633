package io.dlog.compat.bench;

import io.dlog.kafka.config.KafkaRecordsCodec;
import io.dlog.log.CleanerConfig;
import io.dlog.log.LogConfig;
import io.dlog.log.LogManager;
import io.dlog.log.LogManagerConfig;
import io.dlog.log.PartitionLog;
import io.dlog.log.TopicPartition;
import java.io.File;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.record.internal.CompressionType;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.SimpleRecord;
import org.apache.kafka.common.utils.Time;
import org.apache.kafka.server.util.KafkaScheduler;
import org.apache.kafka.storage.internals.log.Cleaner;
import org.apache.kafka.storage.internals.log.LogDirFailureChannel;
import org.apache.kafka.storage.internals.log.LogToClean;
import org.apache.kafka.storage.internals.log.ProducerStateManagerConfig;
import org.apache.kafka.storage.internals.log.SkimpyOffsetMap;
import org.apache.kafka.storage.internals.log.UnifiedLog;
import org.apache.kafka.storage.internals.utils.Throttler;
import org.apache.kafka.storage.log.metrics.BrokerTopicStats;

/**
 * Not a test: a by-hand measurement (docs/benchmarks.md) of DLog's log cleaner next to Apache Kafka's own
 * {@code Cleaner} (kafka-storage 4.3.1, in-process over a {@code UnifiedLog}) on the same data: 64 MiB of
 * batches of 100 records (100-byte random values, keys from 10,000), 16 MiB segments, a 128 MiB key map,
 * everything below the active segment cleaned once. Rounds alternate DLog and Kafka.
 *
 * <p>{@code java -cp <compat-tests test classpath> io.dlog.compat.bench.CleanerSideBySide NONE 5}
 */
public final class CleanerSideBySide {
    private static final int SEGMENT = 16 * 1024 * 1024;
    private static final int MAP = 128 * 1024 * 1024;

    private CleanerSideBySide() {
    }

    public static void main(String[] args) throws Exception {
        String codec = args.length > 0 ? args[0] : "NONE";
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 5;
        List<MemoryRecords> data = data(codec, 64L * 1024 * 1024, 10_000);
        for (int round = 0; round < rounds; round++) {
            report("dlog ", codec, dlog(data));
            report("kafka", codec, kafka(data));
        }
    }

    private static void report(String who, String codec, long[] bytesAndNanos) {
        System.out.printf(Locale.ROOT, "%s %s: %d bytes in %.0f ms = %.1f MB/s%n", who, codec, bytesAndNanos[0],
                bytesAndNanos[1] / 1e6, bytesAndNanos[0] / 1e6 / (bytesAndNanos[1] / 1e9));
    }

    private static List<MemoryRecords> data(String codec, long bytes, int keys) {
        Random random = new Random(42);
        Compression compression = Compression.of(CompressionType.valueOf(codec)).build();
        List<MemoryRecords> out = new ArrayList<>();
        long written = 0;
        while (written < bytes) {
            SimpleRecord[] records = new SimpleRecord[100];
            for (int i = 0; i < records.length; i++) {
                byte[] value = new byte[100];
                random.nextBytes(value);
                records[i] = new SimpleRecord(System.currentTimeMillis(),
                        ("key-" + random.nextInt(keys)).getBytes(StandardCharsets.UTF_8), value);
            }
            MemoryRecords batch = MemoryRecords.withRecords(compression, records);
            written += batch.sizeInBytes();
            out.add(batch);
        }
        return out;
    }

    private static long[] dlog(List<MemoryRecords> data) throws Exception {
        Path dir = Files.createTempDirectory("dlog-side");
        CleanerConfig cleaner = new CleanerConfig(false, 1, MAP, 0.9, Double.MAX_VALUE, 15_000,
                KafkaRecordsCodec.INSTANCE);
        LogConfig topic = LogConfig.DEFAULT.withSegmentBytes(SEGMENT)
                .withCompaction(true, false, LogConfig.DEFAULT_DELETE_RETENTION_MS, 0, Long.MAX_VALUE, 0.5);
        try (LogManager logs = LogManager.open(LogManagerConfig.defaults(dir).withCleaner(cleaner), Clock.systemUTC(),
                t -> topic)) {
            PartitionLog log = logs.getOrCreate(new TopicPartition("compacted", 0), topic);
            for (MemoryRecords batch : data) {
                ByteBuffer copy = ByteBuffer.allocate(batch.sizeInBytes()).put(batch.buffer().duplicate()).flip();
                log.append(copy, 0).join();
            }
            long start = System.nanoTime();
            long read = logs.cleanNow();
            return new long[] {read, System.nanoTime() - start};
        } finally {
            delete(dir);
        }
    }

    private static long[] kafka(List<MemoryRecords> data) throws Exception {
        Path parent = Files.createTempDirectory("kafka-side");
        File dir = parent.resolve("compacted-0").toFile();
        KafkaScheduler scheduler = new KafkaScheduler(1);
        scheduler.startup();
        org.apache.kafka.storage.internals.log.LogConfig config = new org.apache.kafka.storage.internals.log.LogConfig(
                Map.of("cleanup.policy", "compact", "segment.bytes", Integer.toString(SEGMENT)));
        UnifiedLog log = UnifiedLog.create(dir, config, 0L, 0L, scheduler, new BrokerTopicStats(), Time.SYSTEM, 300_000,
                new ProducerStateManagerConfig(86_400_000, false), 600_000, new LogDirFailureChannel(10), true,
                Optional.empty());
        try {
            for (MemoryRecords batch : data) {
                ByteBuffer copy = ByteBuffer.allocate(batch.sizeInBytes()).put(batch.buffer().duplicate()).flip();
                log.appendAsLeader(MemoryRecords.readableRecords(copy), 0);
            }
            long cleanable = log.activeSegment().baseOffset();
            long bytes = log.size() - log.activeSegment().size();
            Cleaner cleaner = new Cleaner(0, new SkimpyOffsetMap(MAP), 512 * 1024, 10 * 1024 * 1024, 0.9,
                    new Throttler(Double.MAX_VALUE, 300, "cleaner-io", "bytes", Time.SYSTEM), Time.SYSTEM, tp -> { });
            long start = System.nanoTime();
            cleaner.clean(new LogToClean(log, 0L, cleanable, false));
            return new long[] {bytes, System.nanoTime() - start};
        } finally {
            log.close();
            scheduler.shutdown();
            delete(parent);
        }
    }

    private static void delete(Path dir) throws Exception {
        try (var paths = Files.walk(dir)) {
            paths.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }
}
