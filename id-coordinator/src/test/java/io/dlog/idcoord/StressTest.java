package io.dlog.idcoord;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Many threads against one counter or generator: no value may come out twice. */
class StressTest {
    private static final int THREADS = 8;

    @TempDir
    Path dir;

    @Test
    void shouldNeverDuplicateLeasedValuesAcrossThreads() throws Exception {
        try (SparseAppendCounter counter = SparseAppendCounter.open(dir.resolve("c"))) {
            LeasedSequence sequence = counter.sequence(1024);
            long[] all = run(250_000, sequence::next);
            assertNoDuplicates(all);
            assertThat(counter.get()).isGreaterThanOrEqualTo(all[all.length - 1]);
        }
    }

    @Test
    void shouldNeverDuplicateIncrementsAcrossThreads() throws Exception {
        try (SparseAppendCounter counter = SparseAppendCounter.open(dir.resolve("c"))) {
            long[] all = run(300, counter::increment);
            assertNoDuplicates(all);
            // Every increment is durable and nothing was skipped: the values are exactly 1..N.
            assertThat(all[0]).isEqualTo(1);
            assertThat(all[all.length - 1]).isEqualTo(all.length);
        }
    }

    @Test
    void shouldNeverDuplicateSnowflakeIdsAcrossThreads() throws Exception {
        try (SnowflakeIdGenerator generator = SnowflakeIdGenerator.open(dir, 1, Clock.systemUTC())) {
            assertNoDuplicates(run(400_000, generator::nextId));
        }
    }

    /** Each thread takes {@code perThread} values, which must increase within the thread; returns all, sorted. */
    private static long[] run(int perThread, Callable<Long> source) throws Exception {
        CyclicBarrier start = new CyclicBarrier(THREADS);
        ExecutorService pool = Executors.newFixedThreadPool(THREADS);
        try {
            List<Future<long[]>> futures = new ArrayList<>();
            for (int t = 0; t < THREADS; t++) {
                futures.add(pool.submit(() -> {
                    long[] values = new long[perThread];
                    start.await();
                    for (int i = 0; i < perThread; i++) {
                        values[i] = source.call();
                        if (i > 0 && values[i] <= values[i - 1]) {
                            throw new AssertionError("value " + values[i] + " after " + values[i - 1] + " on one thread");
                        }
                    }
                    return values;
                }));
            }
            long[] all = new long[perThread * THREADS];
            int offset = 0;
            for (Future<long[]> future : futures) {
                System.arraycopy(future.get(), 0, all, offset, perThread);
                offset += perThread;
            }
            Arrays.sort(all);
            return all;
        } finally {
            pool.shutdownNow();
        }
    }

    private static void assertNoDuplicates(long[] sorted) {
        for (int i = 1; i < sorted.length; i++) {
            if (sorted[i] == sorted[i - 1]) {
                throw new AssertionError("duplicate value " + sorted[i]);
            }
        }
        assertThat(sorted[0]).isPositive();
    }
}
