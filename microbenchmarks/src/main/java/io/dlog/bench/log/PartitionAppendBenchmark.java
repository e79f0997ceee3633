package io.dlog.bench.log;

import io.dlog.log.FlushMode;
import io.dlog.log.LogConfig;
import io.dlog.log.LogManager;
import io.dlog.log.LogManagerConfig;
import io.dlog.log.PartitionLog;
import io.dlog.log.TopicPartition;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.common.compress.Compression;
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
 * The engine's append path: validate (CRC32C, sizes), assign offsets, write; FSYNC adds the group
 * commit. One op = one batch of {@code records} 100-byte records (a produce request's worth).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class PartitionAppendBenchmark {
    @Param({"OS", "FSYNC"})
    public FlushMode flushMode;

    @Param({"160"})
    public int records;

    private Path dir;
    private LogManager logs;
    private PartitionLog log;
    private ByteBuffer batch;

    @Setup(Level.Trial)
    public void setUp() throws IOException {
        dir = Files.createTempDirectory("dlog-append-bench");
        logs = LogManager.open(LogManagerConfig.defaults(dir), Clock.systemUTC(), topic -> LogConfig.DEFAULT);
        log = logs.getOrCreate(new TopicPartition("bench", 0), LogConfig.DEFAULT.withFlushMode(flushMode)
                .withSegmentBytes(256 * 1024 * 1024));
        batch = Batches.of(records, 100, Compression.NONE);
    }

    @TearDown(Level.Trial)
    public void tearDown() throws IOException {
        logs.close();
        try (var paths = Files.walk(dir)) {
            paths.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    @Benchmark
    public long append() {
        return log.append(batch.duplicate(), 0).join().lastOffset();
    }
}
