package io.dlog.bench.idcoord;

import io.dlog.idcoord.SnowflakeIdGenerator;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Durable, never-repeating Snowflake IDs per second from one node's generator (default layout,
 * system clock), shared by 1, 2 or 8 threads. The tick floor's fsyncs are inside the measurement.
 */
@State(Scope.Benchmark)
@BenchmarkMode({Mode.Throughput, Mode.SampleTime})
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(1)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
public class SnowflakeIdBenchmark {
    private Path dir;
    private SnowflakeIdGenerator generator;

    @Setup(Level.Trial)
    public void open() throws IOException {
        dir = BenchFiles.newDirectory();
        generator = SnowflakeIdGenerator.open(dir, 1, Clock.systemUTC());
    }

    @TearDown(Level.Trial)
    public void close() throws IOException {
        generator.close();
        BenchFiles.delete(dir);
    }

    @Benchmark
    @Threads(1)
    public long threads1() throws IOException {
        return generator.nextId();
    }

    @Benchmark
    @Threads(2)
    public long threads2() throws IOException {
        return generator.nextId();
    }

    @Benchmark
    @Threads(8)
    public long threads8() throws IOException {
        return generator.nextId();
    }
}
