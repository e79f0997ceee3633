package io.dlog.log.internal;

import io.dlog.log.FetchSlice;
import io.dlog.log.LogConfig;
import io.dlog.log.LogManager;
import io.dlog.log.OffsetOutOfRangeException;
import io.dlog.log.PartitionLog;
import io.dlog.log.TopicPartition;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import static io.dlog.log.internal.LogTestSupport.T0;
import static io.dlog.log.internal.LogTestSupport.append;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Readers racing appends and truncations: what a fetch in flight may see. Allowed: a valid slice of whole
 * batches, an empty slice, OffsetOutOfRange (the log end moved below the fetch offset) and an IOException
 * (the segment was cut under the read). Anything else (a runtime exception, a torn or corrupt batch, a
 * hang) fails.
 */
class TruncationReadersTest {
    @TempDir
    Path dir;

    @Test
    void shouldGiveReadersOnlyWholeBatchesOrAnErrorTheyCanRetry() throws Exception {
        LogConfig config = LogConfig.DEFAULT.withSegmentBytes(2_000);
        MutableClock clock = new MutableClock(T0);
        try (LogManager manager = LogTestSupport.open(dir, clock, config)) {
            PartitionLog log = manager.getOrCreate(new TopicPartition("t", 0), config);
            AtomicBoolean stop = new AtomicBoolean();
            AtomicLong slices = new AtomicLong();
            ConcurrentLinkedQueue<Throwable> failures = new ConcurrentLinkedQueue<>();
            List<Thread> readers = List.of(reader(log, stop, slices, failures, 1), reader(log, stop, slices, failures, 2));
            readers.forEach(Thread::start);

            Random random = new Random(5);
            for (int round = 0; round < 40; round++) {
                for (int i = 0; i < 8; i++) {
                    append(log, TestBatches.of("r" + round + "-" + i, "v").timestamp(T0).build(), round);
                }
                long end = log.logEndOffset();
                log.truncateTo(end - 1 - random.nextInt((int) Math.min(end, 12))).get(10, TimeUnit.SECONDS);
            }
            stop.set(true);
            for (Thread t : readers) {
                t.join(10_000);
                assertThat(t.isAlive()).as("reader hung").isFalse();
            }
            assertThat(failures).isEmpty();
            assertThat(slices.get()).isPositive();
        }
    }

    private static Thread reader(PartitionLog log, AtomicBoolean stop, AtomicLong slices,
                                 ConcurrentLinkedQueue<Throwable> failures, long seed) {
        return new Thread(() -> {
            Random random = new Random(seed);
            while (!stop.get()) {
                long start = log.logStartOffset();
                long end = log.logEndOffset();
                long offset = start + (end > start ? (long) (random.nextDouble() * (end - start + 1)) : 0);
                try {
                    FetchSlice slice = log.read(offset, 4_000, Long.MAX_VALUE, true);
                    checkWholeBatches(LogTestSupport.bytes(slice));
                    slices.incrementAndGet();
                } catch (OffsetOutOfRangeException | IOException expected) {
                    // the log end moved below the offset, or the segment was cut under the read
                } catch (Throwable t) {
                    failures.add(t);
                    return;
                }
            }
        }, "reader-" + seed);
    }

    private static void checkWholeBatches(ByteBuffer bytes) {
        int at = 0;
        while (at < bytes.limit()) {
            int size = BatchFormat.totalSize(bytes, at);
            if (size < BatchFormat.HEADER_SIZE || at + size > bytes.limit()) {
                throw new AssertionError("torn batch at " + at + " of " + bytes.limit());
            }
            if (BatchFormat.storedCrc(bytes, at) != BatchFormat.computeCrc(bytes, at, size)) {
                throw new AssertionError("corrupt batch at " + at);
            }
            at += size;
        }
    }
}
