package io.dlog.kafka.purgatory;

import io.dlog.log.TopicPartition;
import java.util.Arrays;
import java.util.Collection;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Long-poll fetches waiting for data: keyed by the partitions they watch, with a timer each. An
 * append that moves a partition's high watermark wakes the fetches watching it; the timer answers
 * with whatever there is when max.wait.ms runs out. No thread is parked on a waiting fetch.
 *
 * <p>Thread-safe. Re-checks and timers run on the waiter's own executor (a fetch's: its connection's
 * event loop, so the answer is written where it is read, without a second hand-off) or else on the
 * scheduler's thread; never on the appender's. Share fetches (KIP-932) park here too: records released by
 * other members wake them as appends do.
 *
 * <p>{@link #shutdown} answers every parked fetch at once (when the listener stops): a timer still pending
 * when the event loops end never fires, and a fetch that is never answered never frees its request's
 * frame (Netty's leak detector reported such FETCH and SHARE_FETCH frames after test clusters stopped).
 */
public final class FetchPurgatory {

    /** A fetch that can be retried and must be answered exactly once. */
    public interface Waiter {
        /** Re-reads; answers and returns true if there is now enough (or an error). */
        boolean tryComplete();

        /** Answers with what there is. */
        void expire();

        /**
         * Whether a high watermark move with nothing appended can complete it (a consumer's fetch reads up to the
         * high watermark); false for a follower's fetch, which reads to the log end and waits for new bytes.
         */
        default boolean wakesOnHighWatermark() {
            return true;
        }

        /** Where its re-checks and its timer run; null: on the purgatory's scheduler. */
        default Executor executor() {
            return null;
        }

        /**
         * Answers because the broker is stopping: with what there is, taking nothing a later fetch should
         * get instead (a share fetch acquires no records for an answer that may never reach its client).
         */
        default void abandon() {
            expire();
        }

        /** The node whose follower fetch this is (a replica id), or -1: a consumer's fetch. */
        default int replicaId() {
            return -1;
        }
    }

    private final ScheduledExecutorService scheduler;
    /**
     * The waiters of each partition, as copy-on-write arrays replaced inside the map's atomic compute: a partition
     * has a few waiters (on a leader, one parked fetch per follower and per consumer), parks and wakes come once per
     * message, and a set per partition cost a new concurrent set (a map, its table and a node, about 250 bytes) each
     * time one became empty and was dropped, which on a leader is nearly every park. A copy costs O(waiters), as
     * does the wake that follows it.
     */
    private final ConcurrentHashMap<TopicPartition, Waiter[]> watchers = new ConcurrentHashMap<>();
    /** Every waiter not yet unwatched, also those watching no partition (only their timer would answer them). */
    private final Set<Waiter> parked = ConcurrentHashMap.newKeySet();
    /**
     * Counts every wake call. A fetch that samples it before its first read and finds it unchanged once it is
     * registered knows nothing was appended in between, and skips the re-read (on a leader each follower's fetch
     * parks once per acks=all message when messages come one at a time). One shared counter: a busy broker changes
     * it all the time and re-reads, as before; a quiet one saves the re-read.
     */
    private final AtomicLong changes = new AtomicLong();
    private volatile boolean shutDown;

    public FetchPurgatory(ScheduledExecutorService scheduler) {
        this.scheduler = scheduler;
    }

    /** Parks the waiter until data arrives on one of the partitions or the timeout passes. */
    public ScheduledFuture<?> watch(Waiter waiter, Collection<TopicPartition> partitions, long timeoutMs) {
        return watch(waiter, partitions, timeoutMs, -1);
    }

    /** What {@link #watch(Waiter, Collection, long, long)} compares: sample it before the read that found too little. */
    public long changes() {
        return changes.get();
    }

    /**
     * Parks the waiter as {@link #watch(Waiter, Collection, long)} does, re-checking it once registered only if a
     * wake call came after {@code changesBeforeRead} ({@link #changes()} sampled before the waiter's first read;
     * -1: always re-check). Every change that could complete the waiter must come through
     * {@link #onHighWatermarkAdvanced} or {@link #onHighWatermarkMoved}: a change they never hear of would leave the
     * waiter to its timer.
     */
    public ScheduledFuture<?> watch(Waiter waiter, Collection<TopicPartition> partitions, long timeoutMs,
                                    long changesBeforeRead) {
        parked.add(waiter);
        for (TopicPartition tp : partitions) {
            // The add happens inside the map's atomic compute: added after computeIfAbsent returned, it
            // could land in a set that a concurrent unwatch had just emptied and dropped from the map,
            // and no append would ever wake this waiter (only its timer would).
            watchers.compute(tp, (key, held) -> with(held, waiter));
        }
        ScheduledExecutorService timers = waiter.executor() instanceof ScheduledExecutorService own ? own : scheduler;
        ScheduledFuture<?> timer = timers.schedule(waiter::expire, timeoutMs, TimeUnit.MILLISECONDS);
        // Data may have arrived between the first read and the registration above. A wake call after the
        // registration finds the waiter (both are ordered on the counter and the map); one before it moved the
        // counter past what the caller sampled before its read, unless it came before that read, which saw it.
        if (changesBeforeRead < 0 || changes.get() != changesBeforeRead) {
            executorOf(waiter).execute(waiter::tryComplete);
        }
        if (shutDown) {
            // Parked after shutdown() looked (its sweep and this add raced): nobody else will answer it.
            abandon(waiter);
        }
        return timer;
    }

    public void unwatch(Waiter waiter, Collection<TopicPartition> partitions) {
        parked.remove(waiter);
        for (TopicPartition tp : partitions) {
            watchers.computeIfPresent(tp, (key, held) -> without(held, waiter));
        }
    }

    /** Called after an append to {@code tp} (or a change a waiter may want, such as released share records); cheap when nobody waits. */
    public void onHighWatermarkAdvanced(TopicPartition tp) {
        wake(tp, false);
    }

    /**
     * Called after a high watermark moved with nothing appended (followers caught up): wakes the waiters it may
     * complete, not followers' fetches. On a leader taking one message at a time this spares one follower's fetch
     * per message a hand-off to its event loop and a read that finds nothing new.
     */
    public void onHighWatermarkMoved(TopicPartition tp) {
        wake(tp, true);
    }

    /**
     * Answers now (with what there is) every fetch of {@code replicaId} parked here. Called when this node starts
     * leading partitions that node follows: its parked fetch names only the partitions it followed before, and the
     * node can add the new ones only to its next fetch, which would otherwise wait for this one's
     * replica.fetch.wait.max.ms (500 ms by default) while acks=all writes to the new partitions wait for it.
     */
    public void releaseReplica(int replicaId) {
        // A scan of every parked fetch rather than an index by replica: leadership changes are rare, and an index
        // would cost every follower fetch that parks (one per message, one at a time) two more map updates.
        for (Waiter waiter : parked) {
            if (waiter.replicaId() == replicaId) {
                executorOf(waiter).execute(waiter::expire);
            }
        }
    }

    private void wake(TopicPartition tp, boolean highWatermarkOnly) {
        changes.incrementAndGet(); // before the look-up: see watch()
        Waiter[] waiting = watchers.get(tp);
        if (waiting == null) {
            return;
        }
        for (Waiter waiter : waiting) {
            if (!highWatermarkOnly || waiter.wakesOnHighWatermark()) {
                executorOf(waiter).execute(waiter::tryComplete);
            }
        }
    }

    /**
     * Answers every parked fetch now, and every fetch parked from now on at once. A waiter with an executor
     * of its own (an event loop) is answered there; one without is answered on the calling thread, so its
     * answer is handed to the event loops before this returns. Call it while the event loops still run
     * (before they shut down): an answer must reach them to be written or freed.
     */
    public void shutdown() {
        shutDown = true;
        for (Waiter waiter : parked) {
            abandon(waiter);
        }
    }

    /** Answers on the waiter's own executor if it has one that still runs, else here. */
    private static void abandon(Waiter waiter) {
        Executor own = waiter.executor();
        if (own == null) {
            waiter.abandon();
            return;
        }
        try {
            own.execute(waiter::abandon);
        } catch (java.util.concurrent.RejectedExecutionException stopped) {
            waiter.abandon(); // its executor already ended: answer here, the only chance left
        }
    }

    /** {@code held} with {@code waiter} added once (a fetch naming a partition twice watches it once). */
    private static Waiter[] with(Waiter[] held, Waiter waiter) {
        if (held == null) {
            return new Waiter[] {waiter};
        }
        for (Waiter w : held) {
            if (w == waiter) {
                return held;
            }
        }
        Waiter[] grown = Arrays.copyOf(held, held.length + 1);
        grown[held.length] = waiter;
        return grown;
    }

    /** {@code held} without {@code waiter}; null (the partition's entry removed) when none is left. */
    private static Waiter[] without(Waiter[] held, Waiter waiter) {
        int at = -1;
        for (int i = 0; i < held.length; i++) {
            if (held[i] == waiter) {
                at = i;
                break;
            }
        }
        if (at < 0) {
            return held;
        }
        if (held.length == 1) {
            return null;
        }
        Waiter[] shrunk = new Waiter[held.length - 1];
        System.arraycopy(held, 0, shrunk, 0, at);
        System.arraycopy(held, at + 1, shrunk, at, held.length - at - 1);
        return shrunk;
    }

    private Executor executorOf(Waiter waiter) {
        Executor own = waiter.executor();
        return own != null ? own : scheduler;
    }
}
