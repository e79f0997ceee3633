package io.dlog.cluster.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class ApplyStallWatchTest {
    private static final Duration PATIENCE = Duration.ofSeconds(2);
    private final AtomicLong applied = new AtomicLong(10);
    private final AtomicLong now = new AtomicLong();
    private final ApplyStallWatch watch = new ApplyStallWatch(applied::get, now::get);

    private void advance(long millis) {
        now.addAndGet(TimeUnit.MILLISECONDS.toNanos(millis));
    }

    @Test
    void shouldReportAStallOnlyAfterThePatienceBehindACommittedIndexWithoutProgress() {
        // Given: the group committed index 12, this node applied up to 10
        watch.committed(12);
        assertThat(watch.stalledFor(PATIENCE)).isFalse();

        // When / Then: not yet, then stalled once the patience has passed without progress
        advance(1_999);
        assertThat(watch.stalledFor(PATIENCE)).isFalse();
        advance(1);
        assertThat(watch.stalledFor(PATIENCE)).isTrue();
    }

    @Test
    void shouldRestartThePatienceWhenTheAppliedIndexMoves() {
        // Given: behind for longer than the patience, but applying
        watch.committed(100);
        watch.stalledFor(PATIENCE);
        for (int i = 0; i < 10; i++) {
            advance(1_000);
            applied.incrementAndGet();
            // Then
            assertThat(watch.stalledFor(PATIENCE)).isFalse();
        }
    }

    @Test
    void shouldNotReportAStallWhenCaughtUpOrWhenNothingIsKnownCommitted() {
        // Given: nothing committed known yet: an idle node is not stalled however long it waits
        advance(60_000);
        assertThat(watch.stalledFor(PATIENCE)).isFalse();

        // When: caught up with what was committed
        watch.committed(10);
        advance(60_000);

        // Then
        assertThat(watch.stalledFor(PATIENCE)).isFalse();
    }

    @Test
    void shouldEndTheStallOnceTheImageMovesAgain() {
        // Given: stalled
        watch.committed(20);
        watch.stalledFor(PATIENCE);
        advance(5_000);
        assertThat(watch.stalledFor(PATIENCE)).isTrue();

        // When: the replica applies again (it installed a snapshot, the link healed)
        applied.set(15);

        // Then
        assertThat(watch.stalledFor(PATIENCE)).isFalse();
        assertThat(watch.describe()).isEqualTo("applied index 15, committed at least 20");
    }
}
