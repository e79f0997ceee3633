package io.dlog.log.internal;

import static io.dlog.log.internal.LogTestSupport.T0;
import static org.assertj.core.api.Assertions.assertThat;

import io.dlog.log.AppendBatch;
import io.dlog.log.AppendError;
import io.dlog.log.AppendResult;
import io.dlog.log.FlushMode;
import io.dlog.log.LogConfig;
import io.dlog.log.LogManager;
import io.dlog.log.PartitionLog;
import io.dlog.log.TopicPartition;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * One request's appends to many partitions, handed to the (two) writer threads together; a short append
 * submitted to an idle writer runs on the submitting thread.
 */
class AppendBatchTest {
    @TempDir
    Path dir;

    @ParameterizedTest
    @EnumSource(FlushMode.class)
    void shouldWriteEveryPartitionsAppendOnlyOnceSubmitted(FlushMode mode) throws Exception {
        LogConfig config = LogConfig.DEFAULT.withFlushMode(mode);
        try (LogManager manager = LogTestSupport.open(dir, new MutableClock(T0), config)) {
            List<PartitionLog> logs = new ArrayList<>();
            for (int p = 0; p < 8; p++) {
                logs.add(manager.getOrCreate(new TopicPartition("batched", p), config));
            }
            for (int round = 0; round < 3; round++) {
                AppendBatch batch = AppendBatch.create();
                List<CompletableFuture<AppendResult>> futures = new ArrayList<>();
                for (PartitionLog log : logs) {
                    futures.add(batch.append(log, TestBatches.of("r" + round + "-a", "r" + round + "-b").timestamp(T0).build(), 0));
                }
                Thread.sleep(50);
                assertThat(futures).as("nothing is written before submit").noneMatch(CompletableFuture::isDone);

                batch.submit();

                for (CompletableFuture<AppendResult> future : futures) {
                    AppendResult result = future.get(10, TimeUnit.SECONDS);
                    assertThat(result.succeeded()).isTrue();
                    assertThat(result.baseOffset()).isEqualTo(2L * round);
                }
            }
            for (PartitionLog log : logs) {
                assertThat(LogTestSupport.readValues(log, 0)).containsExactly("r0-a", "r0-b", "r1-a", "r1-b", "r2-a", "r2-b");
            }
        }
    }

    @Test
    void shouldAnswerARefusedAppendAtOnceAndStillWriteTheOthers() throws Exception {
        LogConfig config = LogConfig.DEFAULT;
        try (LogManager manager = LogTestSupport.open(dir, new MutableClock(T0), config)) {
            PartitionLog kept = manager.getOrCreate(new TopicPartition("kept", 0), config);
            PartitionLog deleted = manager.getOrCreate(new TopicPartition("deleted", 0), config);
            manager.delete(deleted.topicPartition());
            AppendBatch batch = AppendBatch.create();

            CompletableFuture<AppendResult> refused = batch.append(deleted, TestBatches.of("x").timestamp(T0).build(), 0);
            CompletableFuture<AppendResult> written = batch.append(kept, TestBatches.of("y").timestamp(T0).build(), 0);
            assertThat(refused).isDone();
            assertThat(refused.get().error()).isEqualTo(AppendError.NOT_LEADER_OR_FOLLOWER);
            batch.submit();

            assertThat(written.get(10, TimeUnit.SECONDS).succeeded()).isTrue();
            assertThat(LogTestSupport.readValues(kept, 0)).containsExactly("y");
        }
    }

    @Test
    void shouldRunAShortAppendOnTheSubmittingThreadWhenItsWriterIsIdle() throws Exception {
        LogConfig config = LogConfig.DEFAULT;
        try (LogManager manager = LogTestSupport.open(dir, new MutableClock(T0), config)) {
            PartitionLog log = manager.getOrCreate(new TopicPartition("inline", 0), config);
            submitAndWait(manager, log, "first"); // starts epoch 0: goes to the writer thread

            assertThat(submitAndWait(manager, log, "second")).isSameAs(Thread.currentThread());
            assertThat(submitAndWait(manager, log, "third")).isSameAs(Thread.currentThread());
            assertThat(LogTestSupport.readValues(log, 0)).containsExactly("first", "second", "third");
        }
    }

    @Test
    void shouldLeaveFsyncsRollsNewEpochsAndLargeWritesToTheWriterThread() throws Exception {
        LogConfig fsync = LogConfig.DEFAULT.withFlushMode(FlushMode.FSYNC);
        LogConfig small = LogConfig.DEFAULT.withSegmentBytes(400);
        try (LogManager manager = LogTestSupport.open(dir, new MutableClock(T0), LogConfig.DEFAULT)) {
            PartitionLog durable = manager.getOrCreate(new TopicPartition("fsync", 0), fsync);
            submitAndWait(manager, durable, "a");
            assertThat(submitAndWait(manager, durable, "b")).isNotSameAs(Thread.currentThread());

            PartitionLog rolling = manager.getOrCreate(new TopicPartition("rolling", 0), small);
            submitAndWait(manager, rolling, incompressible(150));
            assertThat(submitAndWait(manager, rolling, incompressible(150))).as("rolls").isNotSameAs(Thread.currentThread());

            PartitionLog epochs = manager.getOrCreate(new TopicPartition("epochs", 0), LogConfig.DEFAULT);
            submitAndWait(manager, epochs, "e0");
            assertThat(submitAndWait(manager, epochs, "e1", 1)).as("new epoch").isNotSameAs(Thread.currentThread());
            assertThat(submitAndWait(manager, epochs, "e1b", 1)).isSameAs(Thread.currentThread());

            LogConfig d = LogConfig.DEFAULT;
            LogConfig largeBatches = new LogConfig(d.segmentBytes(), d.segmentMs(), d.segmentIndexBytes(),
                    d.indexIntervalBytes(), d.retentionMs(), d.retentionBytes(), 4 * 1024 * 1024, d.compact(),
                    d.delete(), d.logAppendTime(), d.timestampBeforeMaxMs(), d.timestampAfterMaxMs(), d.flushMode(),
                    d.fileDeleteDelayMs(), d.deleteRetentionMs(), d.minCompactionLagMs(), d.maxCompactionLagMs(),
                    d.minCleanableDirtyRatio());
            PartitionLog large = manager.getOrCreate(new TopicPartition("large", 0), largeBatches);
            submitAndWait(manager, large, "l0");
            assertThat(submitAndWait(manager, large, incompressible((int) WriterThread.INLINE_MAX_BYTES / 2)))
                    .as("half the limit").isSameAs(Thread.currentThread());
            assertThat(submitAndWait(manager, large, incompressible((int) WriterThread.INLINE_MAX_BYTES + 1)))
                    .as("large").isNotSameAs(Thread.currentThread());
        }
    }

    @Test
    void shouldKeepEachSubmittersOrderWhenAppendsRaceTheWriter() throws Exception {
        LogConfig config = LogConfig.DEFAULT;
        int threads = 4;
        int perThread = 300;
        try (LogManager manager = LogTestSupport.open(dir, new MutableClock(T0), config)) {
            PartitionLog log = manager.getOrCreate(new TopicPartition("raced", 0), config);
            ExecutorService pool = Executors.newFixedThreadPool(threads);
            try {
                List<Future<List<CompletableFuture<AppendResult>>>> submitted = new ArrayList<>();
                for (int t = 0; t < threads; t++) {
                    int id = t;
                    submitted.add(pool.submit(() -> {
                        List<CompletableFuture<AppendResult>> futures = new ArrayList<>();
                        for (int n = 0; n < perThread; n++) {
                            AppendBatch batch = AppendBatch.create();
                            futures.add(batch.append(log, TestBatches.of(id + "-" + n).timestamp(T0).build(), 0));
                            batch.submit();
                        }
                        return futures;
                    }));
                }
                for (int t = 0; t < threads; t++) {
                    long last = -1;
                    for (CompletableFuture<AppendResult> future : submitted.get(t).get(30, TimeUnit.SECONDS)) {
                        AppendResult result = future.get(30, TimeUnit.SECONDS);
                        assertThat(result.succeeded()).isTrue();
                        assertThat(result.baseOffset()).as("submitter %d's appends in its order", t).isGreaterThan(last);
                        last = result.baseOffset();
                    }
                }
            } finally {
                pool.shutdownNow();
            }
            List<String> values = LogTestSupport.readValues(log, 0);
            assertThat(values).hasSize(threads * perThread).doesNotHaveDuplicates();
            for (int t = 0; t < threads; t++) {
                String prefix = t + "-";
                assertThat(values.stream().filter(v -> v.startsWith(prefix)).toList())
                        .isEqualTo(java.util.stream.IntStream.range(0, perThread).mapToObj(n -> prefix + n).toList());
            }
        }
    }

    private static String incompressible(int length) {
        StringBuilder text = new StringBuilder();
        java.util.Random random = new java.util.Random(length);
        while (text.length() < length) {
            text.append((char) ('a' + random.nextInt(26)));
        }
        return text.toString();
    }

    private static Thread submitAndWait(LogManager manager, PartitionLog log, String value) throws Exception {
        return submitAndWait(manager, log, value, 0);
    }

    /** Appends once the writers are idle; answers the thread that completed the append. */
    private static Thread submitAndWait(LogManager manager, PartitionLog log, String value, int epoch) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!((DefaultLogManager) manager).writersIdle()) {
            assertThat(System.nanoTime()).as("writers idle").isLessThan(deadline);
            Thread.sleep(1);
        }
        AppendBatch batch = AppendBatch.create();
        CompletableFuture<AppendResult> future = batch.append(log, TestBatches.of(value).timestamp(T0).build(), epoch);
        CompletableFuture<Thread> completedOn = future.thenApply(result -> Thread.currentThread());
        batch.submit();
        // Waiting on the dependent, not the append: a thread waiting on a future may run its dependents.
        Thread thread = completedOn.get(10, TimeUnit.SECONDS);
        assertThat(future.get().succeeded()).isTrue();
        return thread;
    }
}
