package io.dlog.cluster;

import io.dlog.log.metadata.BrokerImage;
import io.dlog.log.metadata.MetadataException;
import io.dlog.log.metadata.MetadataImage;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Broker liveness, both halves: this node registers and heartbeats every
 * {@code broker.heartbeat.interval.ms}; and while this node leads the metadata group, it fences every
 * broker it has not heard from for {@code broker.session.timeout.ms} (Kafka's names and defaults).
 *
 * <p>Heartbeats are metadata commands; the leader notes when it applied each broker's last one, on its
 * own monotonic clock, so clock skew between nodes cannot fence anyone. A new leader gives every broker
 * a full session from the moment it became leader.
 *
 * <p>Thread-safe: runs on the given scheduler; observers run on the metadata applier thread and only
 * touch the concurrent map.
 */
public final class BrokerLifecycle implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(BrokerLifecycle.class);

    private final MetadataQuorum quorum;
    private final MetadataCommand.RegisterBroker registration;
    private final Duration heartbeatInterval;
    private final Duration sessionTimeout;
    private final ScheduledExecutorService scheduler;
    private final LongSupplier nanoTime;
    /** Leader side: when (nanoTime) each broker was last heard from. */
    private final Map<Integer, Long> lastHeard = new ConcurrentHashMap<>();
    private final AtomicBoolean heartbeatInFlight = new AtomicBoolean();
    private volatile long leaderSince = Long.MIN_VALUE;
    private volatile boolean leader;
    private volatile ScheduledFuture<?> task;

    public BrokerLifecycle(MetadataQuorum quorum, MetadataCommand.RegisterBroker registration, Duration heartbeatInterval,
                           Duration sessionTimeout, ScheduledExecutorService scheduler, LongSupplier nanoTime) {
        this.quorum = quorum;
        this.registration = registration;
        this.heartbeatInterval = heartbeatInterval;
        this.sessionTimeout = sessionTimeout;
        this.scheduler = scheduler;
        this.nanoTime = nanoTime;
        quorum.onApplied(this::observe);
        quorum.onLeadership(this::onLeadershipChange);
        if (quorum.isReadyLeader()) { // it became leader before this listener was added
            onLeadershipChange(true);
        }
    }

    /** Registers this node; completes once the registration is applied here (the node has caught up). */
    public CompletableFuture<MetadataImage> register(Duration timeout) {
        return quorum.propose(registration, timeout);
    }

    /** Starts heartbeating (and, as leader, fencing). */
    public void start() {
        long period = Math.max(10, Math.min(heartbeatInterval.toMillis(), sessionTimeout.toMillis() / 4));
        task = scheduler.scheduleWithFixedDelay(this::tick, period, period, TimeUnit.MILLISECONDS);
    }

    private void observe(MetadataCommand command) {
        if (command instanceof MetadataCommand.BrokerHeartbeat beat) {
            lastHeard.put(beat.id(), nanoTime.getAsLong());
        } else if (command instanceof MetadataCommand.RegisterBroker reg) {
            lastHeard.put(reg.id(), nanoTime.getAsLong());
        }
    }

    private void onLeadershipChange(boolean nowLeader) {
        leaderSince = nanoTime.getAsLong();
        leader = nowLeader;
    }

    private void tick() {
        try {
            heartbeat();
            if (leader) {
                fenceSilentBrokers();
            }
        } catch (RuntimeException e) {
            LOG.warn("Broker liveness tick failed", e);
        }
    }

    private void heartbeat() {
        if (!heartbeatInFlight.compareAndSet(false, true)) {
            return; // the previous one is still waiting for a quorum
        }
        quorum.propose(new MetadataCommand.BrokerHeartbeat(registration.id(), registration.incarnation()), sessionTimeout)
                .whenComplete((image, failure) -> {
                    heartbeatInFlight.set(false);
                    if (failure != null && failure.getCause() instanceof MetadataException e
                            && e.reason() == MetadataException.Reason.UNKNOWN_BROKER) {
                        register(sessionTimeout);
                    }
                });
    }

    private void fenceSilentBrokers() {
        long now = nanoTime.getAsLong();
        long timeout = sessionTimeout.toNanos();
        if (now - leaderSince < timeout) {
            return; // every broker gets a full session from the moment this node leads
        }
        for (BrokerImage broker : quorum.image().brokers().values()) {
            Long heard = lastHeard.get(broker.id());
            if (!broker.fenced() && (heard == null || now - heard > timeout)) {
                LOG.info("Fencing broker {}: no heartbeat for {} ms", broker.id(), sessionTimeout.toMillis());
                quorum.propose(new MetadataCommand.FenceBroker(broker.id(), broker.incarnation()), sessionTimeout);
            }
        }
    }

    @Override
    public void close() {
        ScheduledFuture<?> running = task;
        if (running != null) {
            running.cancel(false);
        }
    }
}
