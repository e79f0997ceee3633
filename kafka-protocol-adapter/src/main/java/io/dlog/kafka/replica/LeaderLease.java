package io.dlog.kafka.replica;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How long this node may keep acting as the leader of replicated partitions without hearing from the
 * metadata group: until {@code broker.session.timeout.ms} after it sent the newest heartbeat the group
 * acknowledged.
 *
 * <p>Why that bound is safe: the metadata leader fences a broker only once it has applied none of its
 * heartbeats for a whole session, and it applies a heartbeat no earlier than the broker sent it. So until
 * the lease ends no other replica can have been made leader in this node's place (by fencing), and a node
 * cut off from the metadata group stops serving as leader before the others can elect a new one: it never
 * answers reads or offset queries as a stale ("zombie") leader, and once it is back it serves again only
 * after a heartbeat has been acknowledged and the roles of the image it was applied in are in force.
 * Kafka has no such bound: its isolated leader answers reads until it learns of the new epoch.
 *
 * <p>Partitions with one replica do not need it (no other replica can lead them) and do not use it.
 *
 * <p>Thread-safe: lock-free; {@link #isValid} is read on request paths, {@link #renew} called by the
 * heartbeat's completion.
 */
public final class LeaderLease {
    private static final Logger LOG = LoggerFactory.getLogger(LeaderLease.class);

    private final long durationNanos;
    private final LongSupplier nanoTime;
    /** nanoTime at which the newest acknowledged heartbeat was sent; only grows. */
    private final AtomicLong renewedFrom;
    /**
     * Set when a lapse was noticed (and logged), cleared (and logged) by the renewal that ends it. Set at
     * first too, so that a starting node logs nothing before its registration is acknowledged.
     */
    private final AtomicBoolean lapsed = new AtomicBoolean(true);
    private volatile boolean everRenewed;
    private volatile boolean revoked;

    /**
     * @param durationNanos the session timeout: how long after an acknowledged heartbeat was sent the lease lasts
     * @param nanoTime      the monotonic clock
     */
    public LeaderLease(long durationNanos, LongSupplier nanoTime) {
        this.durationNanos = durationNanos;
        this.nanoTime = nanoTime;
        // A starting node holds no lease until its registration is acknowledged.
        this.renewedFrom = new AtomicLong(nanoTime.getAsLong() - durationNanos);
    }

    /** A heartbeat (or the registration) sent at {@code sentNanos} was acknowledged and its image applied here. */
    public void renew(long sentNanos) {
        renewedFrom.accumulateAndGet(sentNanos, Math::max);
        if (revoked) {
            return; // stopping: a heartbeat still in flight must not log that the node serves again
        }
        if (isValidNow() && lapsed.compareAndSet(true, false) && everRenewed) {
            LOG.info("Metadata group reached again: serving as leader of replicated partitions again");
        }
        everRenewed = true;
    }

    /**
     * Ends the lease for good: the node is stopping and is about to close its listeners. The metadata leader may
     * fence a node whose every listener refuses connections without waiting for its session to end
     * ({@code ListenerProbe}), so no connection still open while the listeners close may be served as leader.
     */
    public void revoke() {
        revoked = true;
    }

    /** True while this node may act as the leader of a replicated partition. */
    public boolean isValid() {
        if (revoked) {
            return false;
        }
        if (isValidNow()) {
            return true;
        }
        if (lapsed.compareAndSet(false, true)) {
            LOG.warn("No heartbeat acknowledged by the metadata group for {} ms: not serving as leader of replicated "
                    + "partitions until one is (another replica may lead them by now)", durationNanos / 1_000_000);
        }
        return false;
    }

    private boolean isValidNow() {
        return nanoTime.getAsLong() - (renewedFrom.get() + durationNanos) < 0;
    }
}
