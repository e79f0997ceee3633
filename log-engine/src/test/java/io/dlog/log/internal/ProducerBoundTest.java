package io.dlog.log.internal;

import static io.dlog.log.internal.LogTestSupport.T0;
import static io.dlog.log.internal.LogTestSupport.append;
import static org.assertj.core.api.Assertions.assertThat;

import io.dlog.log.AppendError;
import io.dlog.log.AppendResult;
import io.dlog.log.LogConfig;
import io.dlog.log.LogManager;
import io.dlog.log.LogManagerConfig;
import io.dlog.log.PartitionLog;
import io.dlog.log.ProducerSnapshot;
import io.dlog.log.TopicPartition;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The bound on producer ids per partition (KIP-936's concern): what happens when it is reached. */
class ProducerBoundTest {
    @TempDir
    Path dir;
    private final MutableClock clock = new MutableClock(T0);
    private final TopicPartition tp = new TopicPartition("pids", 0);
    private final LogConfig config = LogConfig.DEFAULT;
    private LogManager manager;
    private PartitionLog log;

    private void open(int bound) throws Exception {
        LogManagerConfig mc = new LogManagerConfig(dir, Duration.ofHours(1), Duration.ofMillis(2), 1,
                Duration.ofDays(1)).withMaxProducerIdsPerPartition(bound);
        manager = LogManager.open(mc, clock, t -> config);
        log = manager.getOrCreate(tp, config);
    }

    @AfterEach
    void tearDown() throws Exception {
        if (manager != null) {
            manager.close();
        }
    }

    private AppendResult send(long pid, int seq, String value) throws Exception {
        clock.advance(1);
        return append(log, TestBatches.of(value).producer(pid, 0, seq).timestamp(clock.millis()).build());
    }

    private ProducerStateManager producers() {
        return ((DefaultPartitionLog) log).producerState();
    }

    @Test
    void shouldForgetTheLeastRecentlyWritingProducerPastTheBound() throws Exception {
        open(3);
        for (long pid = 1; pid <= 5; pid++) {
            assertThat(send(pid, 0, "v" + pid).succeeded()).isTrue();
        }
        send(3, 1, "v3b"); // 3 wrote again: 4, 5 and 3 are the most recent
        assertThat(send(6, 0, "v6").succeeded()).isTrue();

        assertThat(log.activeProducers()).extracting(ProducerSnapshot::producerId).containsExactlyInAnyOrder(3L, 5L, 6L);
        assertThat(producers().evictedByBound()).isEqualTo(3);
        // a kept producer's retry is still answered as a duplicate
        AppendResult dup = append(log, TestBatches.of("v3b").producer(3, 0, 1).timestamp(clock.millis()).build());
        assertThat(dup.baseOffset()).isEqualTo(5);
        assertThat(log.logEndOffset()).isEqualTo(7);
        // a forgotten one is treated as unknown (as after producer.id.expiration.ms): its next sequence is accepted
        assertThat(send(1, 1, "v1b").succeeded()).isTrue();
    }

    @Test
    void shouldRefuseANewProducerOnlyWhileEveryKeptOneIsInsideATransaction() throws Exception {
        open(2);
        for (long pid = 1; pid <= 2; pid++) {
            clock.advance(1);
            assertThat(append(log, TestBatches.of("t" + pid).producer(pid, 0, 0).transactional()
                    .timestamp(clock.millis()).build()).succeeded()).isTrue();
        }
        AppendResult refused = send(3, 0, "new");
        assertThat(refused.error()).isEqualTo(AppendError.THROTTLING_QUOTA_EXCEEDED);
        assertThat(log.logEndOffset()).isEqualTo(2);
        // once a transaction ends, its producer may be forgotten and the newcomer gets in
        assertThat(append(log, TestBatches.marker(1, 0, true, 0).timestamp(clock.millis()).build()).succeeded()).isTrue();
        assertThat(send(3, 0, "new").succeeded()).isTrue();
        assertThat(log.activeProducers()).extracting(ProducerSnapshot::producerId).containsExactlyInAnyOrder(2L, 3L);
    }

    @Test
    void shouldKeepTheBoundAndTheWriteOrderAcrossARestart() throws Exception {
        open(3);
        for (long pid = 1; pid <= 3; pid++) {
            send(pid, 0, "v" + pid);
        }
        send(1, 1, "v1b");
        manager.close();
        manager = null;
        open(3);
        send(4, 0, "v4"); // 2 wrote least recently
        assertThat(log.activeProducers()).extracting(ProducerSnapshot::producerId).containsExactlyInAnyOrder(1L, 3L, 4L);
    }

    /**
     * The measurement in docs/reliability.md: one producer id per message (the KIP-936 pattern), with the
     * default bound. {@code -Ddlog.pids.messages=N} for a longer run.
     */
    @Test
    void shouldHoldTheBoundUnderOneNewProducerPerMessage() throws Exception {
        int bound = Integer.getInteger("dlog.pids.bound", 1_000);
        int messages = Integer.getInteger("dlog.pids.messages", 20_000);
        open(bound);
        Runtime rt = Runtime.getRuntime();
        System.gc();
        long heapBefore = rt.totalMemory() - rt.freeMemory();
        long start = System.nanoTime();
        for (int i = 0; i < messages; i++) {
            assertThat(send(1_000_000L + i, 0, "m").succeeded()).isTrue();
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        System.gc();
        long heapAfter = rt.totalMemory() - rt.freeMemory();
        assertThat(producers().size()).isEqualTo(Math.min(bound, messages));
        assertThat(producers().evictedByBound()).isEqualTo(Math.max(0, messages - bound));
        System.out.printf("PIDS %d messages, one producer id each, bound %d: %d kept, %d forgotten early;"
                        + " %.0f appends/s; heap after GC %+d KiB%n", messages, bound, producers().size(),
                producers().evictedByBound(), messages / seconds, (heapAfter - heapBefore) / 1024);
    }
}
