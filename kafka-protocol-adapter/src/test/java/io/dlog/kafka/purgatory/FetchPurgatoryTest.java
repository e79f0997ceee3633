package io.dlog.kafka.purgatory;

import static org.assertj.core.api.Assertions.assertThat;

import io.dlog.log.TopicPartition;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class FetchPurgatoryTest {
    private static final TopicPartition TP = new TopicPartition("t", 0);
    private final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();
    private final FetchPurgatory purgatory = new FetchPurgatory(scheduler);

    @AfterEach
    void stop() {
        scheduler.shutdown();
    }

    /** Counts wake-ups; never completes by itself, and its timer is far away. */
    private static class CountingWaiter implements FetchPurgatory.Waiter {
        final AtomicInteger tries = new AtomicInteger();

        @Override
        public boolean tryComplete() {
            tries.incrementAndGet();
            return false;
        }

        final AtomicInteger abandoned = new AtomicInteger();

        final AtomicInteger expired = new AtomicInteger();

        @Override
        public void expire() {
            expired.incrementAndGet();
        }

        @Override
        public void abandon() {
            abandoned.incrementAndGet();
        }
    }

    @Test
    void shouldWakeAWaiterWatchedWhileAnotherIsUnwatchedConcurrently() throws Exception {
        CyclicBarrier start = new CyclicBarrier(2);
        for (int round = 0; round < 20_000; round++) {
            // Given: one waiter alone on the partition
            CountingWaiter leaving = new CountingWaiter();
            purgatory.watch(leaving, List.of(TP), 60_000).cancel(false);
            CountingWaiter arriving = new CountingWaiter();

            // When: it leaves while another arrives
            Thread unwatcher = new Thread(() -> {
                await(start);
                purgatory.unwatch(leaving, List.of(TP));
            });
            unwatcher.start();
            await(start);
            purgatory.watch(arriving, List.of(TP), 60_000).cancel(false);
            unwatcher.join();

            // Then: an append wakes the one that arrived
            drain();
            int before = arriving.tries.get();
            purgatory.onHighWatermarkAdvanced(TP);
            drain();
            assertThat(arriving.tries.get()).as("round %d", round).isGreaterThan(before);
            purgatory.unwatch(arriving, List.of(TP));
        }
    }

    @Test
    void shouldWakeEachWaiterOfAPartitionOnceAndForgetEachOneUnwatched() throws Exception {
        // Given: three waiters on a partition, one of them naming it twice (a fetch may list a partition twice)
        CountingWaiter first = new CountingWaiter();
        CountingWaiter twice = new CountingWaiter();
        CountingWaiter last = new CountingWaiter();
        long beforeRead = purgatory.changes();
        purgatory.watch(first, List.of(TP), 600_000, beforeRead).cancel(false);
        purgatory.watch(twice, List.of(TP, TP), 600_000, beforeRead).cancel(false);
        purgatory.watch(last, List.of(TP), 600_000, beforeRead).cancel(false);

        // When: an append; then the middle one leaves and another append comes
        purgatory.onHighWatermarkAdvanced(TP);
        drain();
        purgatory.unwatch(twice, List.of(TP, TP));
        purgatory.onHighWatermarkAdvanced(TP);
        drain();

        // Then: each was woken once per append while it watched
        assertThat(first.tries.get()).isEqualTo(2);
        assertThat(twice.tries.get()).isEqualTo(1);
        assertThat(last.tries.get()).isEqualTo(2);

        // And when the others leave too, an append wakes nobody
        purgatory.unwatch(first, List.of(TP));
        purgatory.unwatch(last, List.of(TP));
        purgatory.onHighWatermarkAdvanced(TP);
        drain();
        assertThat(first.tries.get() + last.tries.get()).isEqualTo(4);
    }

    @Test
    void shouldAbandonEveryParkedWaiterAtShutdownAndEveryOneParkedAfterIt() throws Exception {
        // Given: one waiter on a partition, one on none (only its timer would answer it), one already gone
        CountingWaiter onPartition = new CountingWaiter();
        CountingWaiter onNothing = new CountingWaiter();
        CountingWaiter gone = new CountingWaiter();
        purgatory.watch(onPartition, List.of(TP), 600_000);
        purgatory.watch(onNothing, List.of(), 600_000);
        purgatory.watch(gone, List.of(TP), 600_000);
        purgatory.unwatch(gone, List.of(TP));

        // When
        purgatory.shutdown();
        CountingWaiter late = new CountingWaiter();
        purgatory.watch(late, List.of(TP), 600_000);
        drain();

        // Then
        assertThat(onPartition.abandoned.get()).isEqualTo(1);
        assertThat(onNothing.abandoned.get()).isEqualTo(1);
        assertThat(late.abandoned.get()).isEqualTo(1);
        assertThat(gone.abandoned.get()).isZero();
    }

    @Test
    void shouldSkipTheReCheckAfterParkingWhenNothingWasAppendedSinceTheFirstRead() throws Exception {
        // Given: the count sampled before a read that found too little, and no wake call since
        long beforeRead = purgatory.changes();
        CountingWaiter waiter = new CountingWaiter();

        // When
        purgatory.watch(waiter, List.of(TP), 600_000, beforeRead).cancel(false);
        drain();

        // Then: nothing re-read; an append still wakes it
        assertThat(waiter.tries.get()).isZero();
        purgatory.onHighWatermarkAdvanced(TP);
        drain();
        assertThat(waiter.tries.get()).isEqualTo(1);
        purgatory.unwatch(waiter, List.of(TP));
    }

    @Test
    void shouldReCheckAfterParkingWhenAnAppendCameBetweenTheFirstReadAndTheRegistration() throws Exception {
        // Given: an append (to any partition) after the sample, before the waiter is registered
        long beforeRead = purgatory.changes();
        purgatory.onHighWatermarkAdvanced(new TopicPartition("other", 3));
        CountingWaiter waiter = new CountingWaiter();
        CountingWaiter unsampled = new CountingWaiter();

        // When
        purgatory.watch(waiter, List.of(TP), 600_000, beforeRead).cancel(false);
        purgatory.watch(unsampled, List.of(TP), 600_000).cancel(false);
        drain();

        // Then: both re-read once (no sample: always)
        assertThat(waiter.tries.get()).isEqualTo(1);
        assertThat(unsampled.tries.get()).isEqualTo(1);
        purgatory.unwatch(waiter, List.of(TP));
        purgatory.unwatch(unsampled, List.of(TP));
    }

    @Test
    void shouldWakeOnlyTheWaitersAHighWatermarkMoveCanCompleteWhenNothingWasAppended() throws Exception {
        // Given: a consumer-like waiter and a follower-like one (it waits for new bytes, not the high watermark)
        CountingWaiter consumer = new CountingWaiter();
        CountingWaiter follower = new CountingWaiter() {
            @Override
            public boolean wakesOnHighWatermark() {
                return false;
            }
        };
        purgatory.watch(consumer, List.of(TP), 600_000).cancel(false);
        purgatory.watch(follower, List.of(TP), 600_000).cancel(false);
        drain();
        int consumerBefore = consumer.tries.get();
        int followerBefore = follower.tries.get();

        // When: the high watermark moves with nothing appended
        purgatory.onHighWatermarkMoved(TP);
        drain();

        // Then: only the consumer re-reads; an append wakes both
        assertThat(consumer.tries.get()).isEqualTo(consumerBefore + 1);
        assertThat(follower.tries.get()).isEqualTo(followerBefore);
        purgatory.onHighWatermarkAdvanced(TP);
        drain();
        assertThat(consumer.tries.get()).isEqualTo(consumerBefore + 2);
        assertThat(follower.tries.get()).isEqualTo(followerBefore + 1);
        purgatory.unwatch(consumer, List.of(TP));
        purgatory.unwatch(follower, List.of(TP));
    }

    @Test
    void shouldAnswerAtOnceOnlyTheParkedFetchesOfTheReleasedReplica() throws Exception {
        // Given: fetches parked by followers 2 and 3 and by a consumer, each for ten minutes
        CountingWaiter fromTwo = follower(2);
        CountingWaiter fromThree = follower(3);
        CountingWaiter consumer = new CountingWaiter();
        purgatory.watch(fromTwo, List.of(TP), 600_000).cancel(false);
        purgatory.watch(fromThree, List.of(TP), 600_000).cancel(false);
        purgatory.watch(consumer, List.of(TP), 600_000).cancel(false);
        drain();

        // When: this node starts leading a partition node 2 follows
        purgatory.releaseReplica(2);
        drain();

        // Then: node 2's fetch is answered now, as its timer would (expire); the others still wait
        assertThat(fromTwo.expired.get()).isEqualTo(1);
        assertThat(fromThree.expired.get()).isZero();
        assertThat(consumer.expired.get()).isZero();

        // And: once unwatched (answered), a later release finds nothing of node 2's
        purgatory.unwatch(fromTwo, List.of(TP));
        purgatory.releaseReplica(2);
        drain();
        assertThat(fromTwo.expired.get()).isEqualTo(1);
        purgatory.unwatch(fromThree, List.of(TP));
        purgatory.unwatch(consumer, List.of(TP));
    }

    private static CountingWaiter follower(int replicaId) {
        return new CountingWaiter() {
            @Override
            public boolean wakesOnHighWatermark() {
                return false;
            }

            @Override
            public int replicaId() {
                return replicaId;
            }
        };
    }

    private void drain() throws InterruptedException {
        CountDownLatch done = new CountDownLatch(1);
        scheduler.execute(done::countDown);
        assertThat(done.await(10, TimeUnit.SECONDS)).isTrue();
    }

    private static void await(CyclicBarrier barrier) {
        try {
            barrier.await(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
