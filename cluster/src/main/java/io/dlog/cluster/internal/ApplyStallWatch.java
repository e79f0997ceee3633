package io.dlog.cluster.internal;

import java.time.Duration;
import java.util.function.LongSupplier;

/**
 * Whether this node's copy of the metadata image still follows what the group commits. The group tells a node the
 * index of every proposal of its own it commits (a heartbeat's, say); when the node's applied index is behind the
 * highest such index and has not moved for a while, its copy stopped following: a replica that can no longer append
 * what the leader sends (a failed follower append in Ratis leaves it so until the process restarts), a one-way cut
 * from the leader to this node, an observer whose polls fail. The group itself sees nothing wrong, since the node's
 * proposals still commit, so only the node can tell.
 *
 * <p>Thread-safe: {@link #committed} is called from Ratis's reply threads, {@link #stalledFor} from any thread.
 */
final class ApplyStallWatch {
    private final LongSupplier appliedIndex;
    private final LongSupplier nanoTime;
    private long committed = -1;
    private long lastApplied = Long.MIN_VALUE;
    /** When (nanoTime) {@link #lastApplied} was first seen, or the node was last seen caught up. */
    private long since;

    ApplyStallWatch(LongSupplier appliedIndex, LongSupplier nanoTime) {
        this.appliedIndex = appliedIndex;
        this.nanoTime = nanoTime;
        this.since = nanoTime.getAsLong();
    }

    /** The group committed an entry at {@code index} (this node's proposal's reply said so). */
    synchronized void committed(long index) {
        committed = Math.max(committed, index);
    }

    /**
     * True when the applied index has stayed behind the highest index known committed, without moving, for at least
     * {@code patience} (measured from the first call that saw it there: call this periodically).
     */
    synchronized boolean stalledFor(Duration patience) {
        long now = nanoTime.getAsLong();
        long applied = appliedIndex.getAsLong();
        if (applied >= committed || applied != lastApplied) {
            lastApplied = applied;
            since = now;
            return false;
        }
        return now - since >= patience.toNanos();
    }

    /** The applied index and the highest index known committed, for a log line. */
    synchronized String describe() {
        return "applied index " + appliedIndex.getAsLong() + ", committed at least " + committed;
    }
}
