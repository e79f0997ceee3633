package io.dlog.bench.log;

import io.dlog.log.FetchSlice;
import io.dlog.log.LogConfig;
import io.dlog.log.LogManager;
import io.dlog.log.LogManagerConfig;
import io.dlog.log.OffsetOutOfRangeException;
import io.dlog.log.PartitionLog;
import io.dlog.log.TopicPartition;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.common.compress.Compression;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * The engine's read path as a fetch uses it: index lookup plus batch-header scan to a 1 MiB slice of
 * whole batches (the bytes themselves leave by sendfile, so are not copied here).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class FetchReadBenchmark {
    private static final int BATCHES = 20_000;
    private static final int RECORDS_PER_BATCH = 160;

    private Path dir;
    private LogManager logs;
    private PartitionLog log;

    @Setup(Level.Trial)
    public void setUp() throws IOException {
        dir = Files.createTempDirectory("dlog-fetch-bench");
        logs = LogManager.open(LogManagerConfig.defaults(dir), Clock.systemUTC(), topic -> LogConfig.DEFAULT);
        log = logs.getOrCreate(new TopicPartition("bench", 0), LogConfig.DEFAULT.withSegmentBytes(512 * 1024 * 1024));
        ByteBuffer batch = Batches.of(RECORDS_PER_BATCH, 100, Compression.NONE);
        for (int i = 0; i < BATCHES; i++) {
            log.append(batch.duplicate(), 0).join();
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() throws IOException {
        logs.close();
        try (var paths = Files.walk(dir)) {
            paths.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    @Benchmark
    public int readOneMebibyte() throws IOException, OffsetOutOfRangeException {
        long offset = ThreadLocalRandom.current().nextLong(log.logEndOffset() - 10 * RECORDS_PER_BATCH);
        FetchSlice slice = log.read(offset, 1024 * 1024, log.highWatermark(), true);
        return slice.length();
    }
}
