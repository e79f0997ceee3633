package io.dlog.bench.idcoord;

import io.dlog.idcoord.LeasedSequence;
import io.dlog.idcoord.SparseAppendCounter;
import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Durable values per second from one {@link SparseAppendCounter} shared by 1, 2 or 8 threads.
 * {@code lease = 1} is {@link SparseAppendCounter#increment()}: one extend + fsync per value,
 * shared by concurrent callers (group commit). Larger leases use a {@link LeasedSequence}.
 */
@State(Scope.Benchmark)
@BenchmarkMode({Mode.Throughput, Mode.SampleTime})
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(1)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
public class SparseAppendCounterBenchmark {
    @Param({"1", "16", "1024", "65536"})
    public int lease;

    private Path dir;
    private SparseAppendCounter counter;
    private LeasedSequence sequence;

    @Setup(Level.Trial)
    public void open() throws IOException {
        dir = BenchFiles.newDirectory();
        counter = SparseAppendCounter.open(dir.resolve("counter"));
        sequence = counter.sequence(lease);
    }

    @TearDown(Level.Trial)
    public void close() throws IOException {
        counter.close();
        BenchFiles.delete(dir);
    }

    @Benchmark
    @Threads(1)
    public long threads1() throws IOException {
        return take();
    }

    @Benchmark
    @Threads(2)
    public long threads2() throws IOException {
        return take();
    }

    @Benchmark
    @Threads(8)
    public long threads8() throws IOException {
        return take();
    }

    private long take() throws IOException {
        return lease == 1 ? counter.increment() : sequence.next();
    }
}
