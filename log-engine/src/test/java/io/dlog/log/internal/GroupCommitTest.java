package io.dlog.log.internal;

import io.dlog.log.AppendError;
import io.dlog.log.AppendResult;
import io.dlog.log.FlushMode;
import io.dlog.log.LogConfig;
import io.dlog.log.LogManager;
import io.dlog.log.TopicPartition;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static io.dlog.log.internal.LogTestSupport.T0;
import static org.assertj.core.api.Assertions.assertThat;

class GroupCommitTest {
    @TempDir
    Path dir;
    private final MutableClock clock = new MutableClock(T0);
    private final LogConfig config = LogConfig.DEFAULT.withFlushMode(FlushMode.FSYNC).withSegmentBytes(64 * 1024);
    private LogManager manager;

    @BeforeEach
    void setUp() throws Exception {
        manager = LogTestSupport.open(dir, clock, config);
    }

    @AfterEach
    void tearDown() throws Exception {
        manager.close();
    }

    @Test
    void shouldAcknowledgeManyConcurrentAppendsWithHighWatermarkCoveringThem() throws Exception {
        List<CompletableFuture<AppendResult>> futures = new ArrayList<>();
        List<Thread> threads = new ArrayList<>();
        List<DefaultPartitionLog> logs = new ArrayList<>();
        for (int p = 0; p < 4; p++) {
            logs.add((DefaultPartitionLog) manager.getOrCreate(new TopicPartition("g", p), config));
        }
        for (int t = 0; t < 8; t++) {
            int id = t;
            Thread thread = new Thread(() -> {
                for (int i = 0; i < 250; i++) {
                    var log = logs.get((id + i) % logs.size());
                    CompletableFuture<AppendResult> f = log.append(
                            TestBatches.of("t" + id + "-" + i).timestamp(T0).build(), 0);
                    f.thenAccept(r -> assertThat(log.highWatermark()).isGreaterThan(r.lastOffset()));
                    synchronized (futures) {
                        futures.add(f);
                    }
                }
            });
            threads.add(thread);
            thread.start();
        }
        for (Thread t : threads) {
            t.join();
        }
        Set<String> offsets = new HashSet<>();
        for (CompletableFuture<AppendResult> f : futures) {
            AppendResult r = f.get(20, TimeUnit.SECONDS);
            assertThat(r.succeeded()).isTrue();
            offsets.add(r.baseOffset() + "@" + r.logStartOffset());
        }
        long total = 0;
        for (var log : logs) {
            assertThat(log.highWatermark()).isEqualTo(log.logEndOffset());
            total += log.logEndOffset();
        }
        assertThat(total).isEqualTo(2000);
    }

    @Test
    void shouldAdvanceHighWatermarkOnlyAfterTheFsync() throws Exception {
        DefaultPartitionLog log = (DefaultPartitionLog) manager.getOrCreate(new TopicPartition("h", 0), config);
        CountDownLatch release = new CountDownLatch(1);
        // park the writer so the appends and the probe land in one drain, before any group commit
        CompletableFuture<Object> parked = log.onWriter(() -> {
            try {
                release.await(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return null;
        });
        List<CompletableFuture<AppendResult>> appends = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            appends.add(log.append(TestBatches.of("v" + i).timestamp(T0).build(), 0));
        }
        CompletableFuture<long[]> probe = log.onWriter(() -> new long[] {log.logEndOffset(), log.highWatermark()});
        assertThat(appends).noneMatch(CompletableFuture::isDone);
        release.countDown();
        parked.get(10, TimeUnit.SECONDS);
        assertThat(probe.get(10, TimeUnit.SECONDS)).containsExactly(3L, 0L);
        for (var f : appends) {
            assertThat(f.get(10, TimeUnit.SECONDS).succeeded()).isTrue();
        }
        assertThat(log.highWatermark()).isEqualTo(3);
        // data below the high watermark only is visible to consumers
        assertThat(LogTestSupport.readValues(log, 0)).containsExactly("v0", "v1", "v2");
    }

    @Test
    void shouldFailFastAfterPartitionWentOfflineAndTellTheListenerOnce() throws Exception {
        java.util.List<TopicPartition> told = new java.util.concurrent.CopyOnWriteArrayList<>();
        manager.setStorageFailureListener((tp, cause) -> told.add(tp));
        DefaultPartitionLog log = (DefaultPartitionLog) manager.getOrCreate(new TopicPartition("o", 0), config);
        LogTestSupport.append(log, TestBatches.of("a").timestamp(T0).build());
        // simulate a disk failure: close the active segment's channel under the writer
        log.segments().lastEntry().getValue().channel().close();
        assertThat(LogTestSupport.append(log, TestBatches.of("b").timestamp(T0).build()).error())
                .isEqualTo(AppendError.KAFKA_STORAGE_ERROR);
        assertThat(log.isOffline()).isTrue();
        assertThat(log.append(TestBatches.of("c").timestamp(T0).build(), 0).getNow(null).error())
                .isEqualTo(AppendError.KAFKA_STORAGE_ERROR);
        // the broker stops the node on it (DataFolderFailure): told once, for the partition that failed
        assertThat(told).containsExactly(new TopicPartition("o", 0));
    }

    @Test
    void shouldQueueAppendsBeyondTheOldRingCapacityInsteadOfRefusingThemAsStorageErrors() throws Exception {
        // Given a writer busy with a long task
        DefaultPartitionLog log = (DefaultPartitionLog) manager.getOrCreate(new TopicPartition("busy", 0), config);
        CountDownLatch release = new CountDownLatch(1);
        CompletableFuture<Boolean> blocker = log.onWriter(() -> {
            try {
                return release.await(60, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        });
        // When more appends arrive than the 65,536-task ring the writer used to have
        int appends = 70_000;
        List<CompletableFuture<AppendResult>> futures = new ArrayList<>(appends);
        for (int i = 0; i < appends; i++) {
            futures.add(log.append(TestBatches.of("v" + i).timestamp(T0).build(), 0));
        }
        // Then none is refused (a full queue is not a failed disk): they wait, and complete in order
        assertThat(futures.stream().filter(CompletableFuture::isDone).count()).isZero();
        release.countDown();
        assertThat(blocker.get(30, TimeUnit.SECONDS)).isTrue();
        for (int i = 0; i < appends; i++) {
            AppendResult result = futures.get(i).get(60, TimeUnit.SECONDS);
            assertThat(result.succeeded()).as("append %d: %s", i, result.error()).isTrue();
            assertThat(result.baseOffset()).isEqualTo(i);
        }
    }
}
