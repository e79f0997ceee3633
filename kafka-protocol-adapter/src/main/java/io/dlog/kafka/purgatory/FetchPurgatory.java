package io.dlog.kafka.purgatory;

import io.dlog.log.TopicPartition;
import java.util.Collection;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Long-poll fetches waiting for data: keyed by the partitions they watch, with a timer each. An
 * append that moves a partition's high watermark wakes the fetches watching it; the timer answers
 * with whatever there is when max.wait.ms runs out. No thread is parked on a waiting fetch.
 *
 * <p>Thread-safe. Re-checks and timers run on the waiter's own executor (a fetch's: its connection's
 * event loop, so the answer is written where it is read, without a second hand-off) or else on the
 * scheduler's thread; never on the appender's. Share fetches (KIP-932) park here too: records released by
 * other members wake them as appends do.
 */
public final class FetchPurgatory {

    /** A fetch that can be retried and must be answered exactly once. */
    public interface Waiter {
        /** Re-reads; answers and returns true if there is now enough (or an error). */
        boolean tryComplete();

        /** Answers with what there is. */
        void expire();

        /** Where its re-checks and its timer run; null: on the purgatory's scheduler. */
        default Executor executor() {
            return null;
        }
    }

    private final ScheduledExecutorService scheduler;
    private final ConcurrentHashMap<TopicPartition, Set<Waiter>> watchers = new ConcurrentHashMap<>();

    public FetchPurgatory(ScheduledExecutorService scheduler) {
        this.scheduler = scheduler;
    }

    /** Parks the waiter until data arrives on one of the partitions or the timeout passes. */
    public ScheduledFuture<?> watch(Waiter waiter, Collection<TopicPartition> partitions, long timeoutMs) {
        for (TopicPartition tp : partitions) {
            // The add happens inside the map's atomic compute: added after computeIfAbsent returned, it
            // could land in a set that a concurrent unwatch had just emptied and dropped from the map,
            // and no append would ever wake this waiter (only its timer would).
            watchers.compute(tp, (key, set) -> {
                Set<Waiter> waiting = set != null ? set : ConcurrentHashMap.newKeySet();
                waiting.add(waiter);
                return waiting;
            });
        }
        ScheduledExecutorService timers = waiter.executor() instanceof ScheduledExecutorService own ? own : scheduler;
        ScheduledFuture<?> timer = timers.schedule(waiter::expire, timeoutMs, TimeUnit.MILLISECONDS);
        // Data may have arrived between the first read and the registration above.
        executorOf(waiter).execute(waiter::tryComplete);
        return timer;
    }

    public void unwatch(Waiter waiter, Collection<TopicPartition> partitions) {
        for (TopicPartition tp : partitions) {
            watchers.computeIfPresent(tp, (key, set) -> {
                set.remove(waiter);
                return set.isEmpty() ? null : set;
            });
        }
    }

    /** Called after an append to {@code tp} is committed; cheap when nobody waits. */
    public void onHighWatermarkAdvanced(TopicPartition tp) {
        Set<Waiter> waiting = watchers.get(tp);
        if (waiting == null || waiting.isEmpty()) {
            return;
        }
        for (Waiter waiter : waiting) {
            executorOf(waiter).execute(waiter::tryComplete);
        }
    }

    private Executor executorOf(Waiter waiter) {
        Executor own = waiter.executor();
        return own != null ? own : scheduler;
    }
}
