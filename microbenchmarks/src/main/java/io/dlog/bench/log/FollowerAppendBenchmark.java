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
 * A follower's append path ({@code PartitionLog.appendAsFollower}): structure and CRC32C checks, the
 * contiguity check, a verbatim write, epoch cache and producer-state replay; FSYNC adds the group commit.
 * One op = one replica fetch's worth: {@code batches} leader batches of 160 × 100-byte records, whose
 * base offsets continue the log (rewritten per op outside the CRC, as a leader's log would hand them out).
 * Compare with {@link PartitionAppendBenchmark}, the leader's path for one batch.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class FollowerAppendBenchmark {
    private static final int RECORDS = 160;

    @Param({"OS", "FSYNC"})
    public FlushMode flushMode;

    @Param({"1", "16"})
    public int batches;

    private Path dir;
    private LogManager logs;
    private PartitionLog log;
    private ByteBuffer fetch;
    private int batchBytes;
    private long next;

    @Setup(Level.Trial)
    public void setUp() throws IOException {
        dir = Files.createTempDirectory("dlog-follower-bench");
        logs = LogManager.open(LogManagerConfig.defaults(dir), Clock.systemUTC(), topic -> LogConfig.DEFAULT);
        log = logs.getOrCreate(new TopicPartition("bench", 0), LogConfig.DEFAULT.withFlushMode(flushMode)
                .withSegmentBytes(256 * 1024 * 1024));
        ByteBuffer one = Batches.of(RECORDS, 100, Compression.NONE);
        batchBytes = one.remaining();
        fetch = ByteBuffer.allocateDirect(batchBytes * batches);
        for (int i = 0; i < batches; i++) {
            fetch.put(one.duplicate());
        }
        fetch.flip();
        for (int i = 0; i < batches; i++) {
            fetch.putInt(i * batchBytes + 12, 3); // partitionLeaderEpoch, outside the CRC
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
    public long appendAsFollower() {
        for (int i = 0; i < batches; i++) {
            fetch.putLong(i * batchBytes, next + (long) i * RECORDS); // base offset, outside the CRC
        }
        long last = log.appendAsFollower(fetch.duplicate()).join().lastOffset();
        next = last + 1;
        return last;
    }
}
