package io.dlog.bench.idcoord;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
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
 * What the sparse append counter is measured against, in the same run: a durable counter as an
 * 8-byte overwrite + fdatasync, as an 8-byte WAL append + fdatasync, the bare file extension the
 * counter does (+ fdatasync, and + fsync, which the counter uses), and an {@link AtomicLong} with
 * no durability at all. No group commit here: with several threads each op syncs on its own
 * (the kernel may still merge concurrent syncs).
 */
@State(Scope.Benchmark)
@BenchmarkMode({Mode.Throughput, Mode.SampleTime})
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(1)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
public class DurabilityBaselineBenchmark {
    private Path dir;
    private FileChannel overwrite;
    private FileChannel wal;
    private RandomAccessFile extended;
    private long extendedLength;
    private final AtomicLong atomic = new AtomicLong();

    /** Each thread's 8-byte record. */
    @State(Scope.Thread)
    public static class Record {
        final ByteBuffer bytes = ByteBuffer.allocateDirect(8);
        long value;

        ByteBuffer next() {
            bytes.clear();
            bytes.putLong(0, ++value);
            return bytes;
        }
    }

    @Setup(Level.Trial)
    public void open() throws IOException {
        dir = BenchFiles.newDirectory();
        overwrite = FileChannel.open(dir.resolve("overwrite"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        overwrite.write(ByteBuffer.allocate(8), 0);
        overwrite.force(true);
        wal = FileChannel.open(dir.resolve("wal"), StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.APPEND);
        extended = new RandomAccessFile(dir.resolve("extended").toFile(), "rw");
    }

    @TearDown(Level.Trial)
    public void close() throws IOException {
        overwrite.close();
        wal.close();
        extended.close();
        BenchFiles.delete(dir);
    }

    @Benchmark
    @Threads(1)
    public void overwriteFdatasync1(Record record) throws IOException {
        overwriteFdatasync(record);
    }

    @Benchmark
    @Threads(2)
    public void overwriteFdatasync2(Record record) throws IOException {
        overwriteFdatasync(record);
    }

    @Benchmark
    @Threads(8)
    public void overwriteFdatasync8(Record record) throws IOException {
        overwriteFdatasync(record);
    }

    @Benchmark
    @Threads(1)
    public void walAppendFdatasync1(Record record) throws IOException {
        walAppendFdatasync(record);
    }

    @Benchmark
    @Threads(2)
    public void walAppendFdatasync2(Record record) throws IOException {
        walAppendFdatasync(record);
    }

    @Benchmark
    @Threads(8)
    public void walAppendFdatasync8(Record record) throws IOException {
        walAppendFdatasync(record);
    }

    @Benchmark
    @Threads(1)
    public void extendFdatasync1() throws IOException {
        extend();
        extended.getChannel().force(false);
    }

    @Benchmark
    @Threads(1)
    public void extendFsync1() throws IOException {
        extend();
        extended.getFD().sync();
    }

    @Benchmark
    @Threads(1)
    public long atomicLong1() {
        return atomic.incrementAndGet();
    }

    @Benchmark
    @Threads(2)
    public long atomicLong2() {
        return atomic.incrementAndGet();
    }

    @Benchmark
    @Threads(8)
    public long atomicLong8() {
        return atomic.incrementAndGet();
    }

    private void overwriteFdatasync(Record record) throws IOException {
        overwrite.write(record.next(), 0);
        overwrite.force(false);
    }

    private void walAppendFdatasync(Record record) throws IOException {
        wal.write(record.next());
        wal.force(false);
    }

    private void extend() throws IOException {
        extended.setLength(++extendedLength);
    }
}
