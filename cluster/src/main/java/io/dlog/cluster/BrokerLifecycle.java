package io.dlog.cluster;

import io.dlog.log.metadata.BrokerImage;
import io.dlog.log.metadata.MetadataException;
import io.dlog.log.metadata.MetadataImage;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Broker liveness, both halves: this node registers and heartbeats every
 * {@code broker.heartbeat.interval.ms}; and while this node leads the metadata group, it fences every
 * broker it has not heard from for {@code broker.session.timeout.ms} (Kafka's names and defaults).
 *
 * <p>With a {@link ListenerProbe} (DLog's {@code dlog.broker.fast.fence.enable}), a broker that has missed a
 * heartbeat is probed, and fenced at once when every listener it registered refuses connections: its process is
 * gone (kill -9, a crash), so its partitions need not wait a whole session for a new leader. A paused or cut-off
 * broker does not refuse and is fenced after the session, as in Kafka.
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
    /**
     * Heartbeats waiting for a quorum at once. More than one, so that when commits are slow the newest
     * acknowledged heartbeat is still a recent one (a node's leader lease runs from the send time of that
     * heartbeat), but few, so that a struggling quorum is not flooded.
     */
    private static final int MAX_HEARTBEATS_IN_FLIGHT = 3;

    /** Told when a heartbeat or the registration of this node is committed and applied here. */
    public interface SessionListener {
        /**
         * @param sentNanos when it was sent (the {@code nanoTime} clock given to the constructor)
         * @param image     the image it was applied in: everything the group committed before it is in it
         */
        void onAcknowledged(long sentNanos, MetadataImage image);
    }

    private final MetadataQuorum quorum;
    private final MetadataCommand.RegisterBroker registration;
    /** How long a stopping node tries to fence itself before it stops regardless. */
    private static final Duration CONTROLLED_SHUTDOWN = Duration.ofSeconds(2);
    private final Duration heartbeatInterval;
    private final Duration sessionTimeout;
    private final ScheduledExecutorService scheduler;
    private final LongSupplier nanoTime;
    /** Leader side: when (nanoTime) each broker was last heard from. */
    private final Map<Integer, Long> lastHeard = new ConcurrentHashMap<>();
    private final AtomicInteger heartbeatsInFlight = new AtomicInteger();
    /** True while this node's image has stopped following the group (written by the scheduler thread only). */
    private volatile boolean stalled;
    private final List<SessionListener> sessionListeners = new CopyOnWriteArrayList<>();
    private volatile long leaderSince = Long.MIN_VALUE;
    /** When the last fencing check ran (nanoTime), to notice that this node itself was stalled. */
    private long lastCheck = Long.MIN_VALUE;
    private volatile boolean leader;
    private volatile ScheduledFuture<?> task;
    private volatile ScheduledFuture<?> probeTask;
    /** Null: a silent broker is fenced only when its session ends. */
    private final ListenerProbe probe;
    /** How long after its last heartbeat a broker counts as silent enough to probe: a period and a quarter. */
    private final long probeAfterNanos;

    public BrokerLifecycle(MetadataQuorum quorum, MetadataCommand.RegisterBroker registration, Duration heartbeatInterval,
                           Duration sessionTimeout, ScheduledExecutorService scheduler, LongSupplier nanoTime) {
        this(quorum, registration, heartbeatInterval, sessionTimeout, scheduler, nanoTime, null);
    }

    /** @param probe asks whether a silent broker's process is gone; null to wait for the session timeout only */
    public BrokerLifecycle(MetadataQuorum quorum, MetadataCommand.RegisterBroker registration, Duration heartbeatInterval,
                           Duration sessionTimeout, ScheduledExecutorService scheduler, LongSupplier nanoTime,
                           ListenerProbe probe) {
        this.probe = probe;
        long period = period(heartbeatInterval, sessionTimeout);
        this.probeAfterNanos = TimeUnit.MILLISECONDS.toNanos(period + 2 * probePeriod(period));
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

    /**
     * The leader half alone, for a controller-only node ({@code process.roles=controller}): it is no broker, so it
     * neither registers nor heartbeats, but while it leads the metadata group it fences silent brokers.
     */
    public static BrokerLifecycle fencingOnly(MetadataQuorum quorum, Duration heartbeatInterval, Duration sessionTimeout,
                                              ScheduledExecutorService scheduler, LongSupplier nanoTime,
                                              ListenerProbe probe) {
        return new BrokerLifecycle(quorum, null, heartbeatInterval, sessionTimeout, scheduler, nanoTime, probe);
    }

    /** Adds a listener of this node's acknowledged heartbeats (add it before {@link #register}). */
    public void addSessionListener(SessionListener listener) {
        sessionListeners.add(listener);
    }

    /** Registers this node; completes once the registration is applied here (the node has caught up). */
    public CompletableFuture<MetadataImage> register(Duration timeout) {
        if (registration == null) {
            throw new IllegalStateException("a controller-only node does not register as a broker");
        }
        long sent = nanoTime.getAsLong();
        return quorum.propose(registration, timeout).whenComplete((image, failure) -> {
            if (failure == null) {
                acknowledged(sent, image);
            }
        });
    }

    private void acknowledged(long sentNanos, MetadataImage image) {
        for (SessionListener listener : sessionListeners) {
            try {
                listener.onAcknowledged(sentNanos, image);
            } catch (RuntimeException e) {
                LOG.warn("Heartbeat listener failed", e);
            }
        }
    }

    /**
     * True while this node withholds its heartbeats because its image stopped following the group (it fenced itself;
     * see {@link #stopWhileStalled}): a gauge for operators, since the node stays up and serves nothing as leader.
     */
    public boolean imageStalled() {
        return stalled;
    }

    /** Starts heartbeating (and, as leader, fencing). */
    public void start() {
        long period = period(heartbeatInterval, sessionTimeout);
        task = scheduler.scheduleWithFixedDelay(this::tick, period, period, TimeUnit.MILLISECONDS);
        if (probe != null) {
            long every = probePeriod(period);
            probeTask = scheduler.scheduleWithFixedDelay(this::probeTick, every, every, TimeUnit.MILLISECONDS);
        }
    }

    /** Milliseconds between heartbeats (and fencing checks): the interval, at least four per session. */
    private static long period(Duration heartbeatInterval, Duration sessionTimeout) {
        return Math.max(10, Math.min(heartbeatInterval.toMillis(), sessionTimeout.toMillis() / 4));
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
            if (registration != null) {
                heartbeat();
            }
            if (leader) {
                fenceSilentBrokers();
            }
        } catch (RuntimeException e) {
            LOG.warn("Broker liveness tick failed", e);
        }
    }

    private void heartbeat() {
        if (quorum.applyStalled(sessionTimeout)) {
            stopWhileStalled();
            return;
        }
        if (stalled) {
            stalled = false;
            LOG.info("This node's metadata image follows the group again ({}); heartbeating again", quorum.applyProgress());
        }
        if (heartbeatsInFlight.incrementAndGet() > MAX_HEARTBEATS_IN_FLIGHT) {
            heartbeatsInFlight.decrementAndGet();
            return; // enough are waiting for a quorum
        }
        long sent = nanoTime.getAsLong();
        quorum.propose(new MetadataCommand.BrokerHeartbeat(registration.id(), registration.incarnation()), sessionTimeout)
                .whenComplete((image, failure) -> {
                    heartbeatsInFlight.decrementAndGet();
                    if (failure == null) {
                        acknowledged(sent, image);
                    } else if (failure.getCause() instanceof MetadataException e
                            && e.reason() == MetadataException.Reason.UNKNOWN_BROKER) {
                        register(sessionTimeout);
                    }
                });
    }

    /**
     * This node's image stopped following the group (its replica cannot append what the leader sends, or the leader
     * cannot reach it) while its own heartbeats still commit, so the leader would keep its session alive and leave
     * it the leader of partitions it cannot serve: its lease needs heartbeats applied here, so it refuses writes,
     * and nothing moves them elsewhere. Withholding heartbeats and fencing itself (once per stall) lets the
     * partitions move to other in-sync replicas. A fenced broker's next heartbeat unfences it, so the node returns
     * by itself once its image catches up.
     */
    private void stopWhileStalled() {
        if (stalled) {
            return;
        }
        stalled = true;
        LOG.error("This node's metadata image has not followed the group for {} ms ({}): its view of partition leaders"
                + " is stale. It stops heartbeating and fences itself so that its partitions move to other replicas;"
                + " it heartbeats again once its image catches up (restart this node if it does not)",
                sessionTimeout.toMillis(), quorum.applyProgress());
        quorum.propose(new MetadataCommand.FenceBroker(registration.id(), registration.incarnation()), sessionTimeout);
    }

    private void fenceSilentBrokers() {
        long now = nanoTime.getAsLong();
        long timeout = sessionTimeout.toNanos();
        long previous = lastCheck;
        lastCheck = now;
        if (previous != Long.MIN_VALUE && now - previous > timeout / 2) {
            // This node did not run for a while (a GC pause, a starved machine, SIGSTOP): heartbeats it did not
            // apply meanwhile prove nothing about the others. Everyone gets a full session from now on.
            LOG.info("Liveness check ran {} ms late; giving every broker a fresh session", (now - previous) / 1_000_000);
            quorum.image().brokers().keySet().forEach(id -> lastHeard.put(id, now));
            return;
        }
        // Every broker gets a full session from the moment this node leads; a refused probe needs no history.
        boolean firstSession = now - leaderSince < timeout;
        for (BrokerImage broker : quorum.image().brokers().values()) {
            Long heard = lastHeard.get(broker.id());
            if (broker.fenced()) {
                continue;
            }
            if (!firstSession && (heard == null || now - heard > timeout)) {
                LOG.info("Fencing broker {}: no heartbeat for {} ms", broker.id(), sessionTimeout.toMillis());
                quorum.propose(new MetadataCommand.FenceBroker(broker.id(), broker.incarnation()), sessionTimeout);
            }
        }
    }

    /**
     * Milliseconds between the leader's probes of silent brokers: an eighth of the heartbeat period. A broker killed
     * just after a heartbeat is probed, and fenced, within a period and a quarter of that heartbeat instead of within
     * the next fencing check after one and a half periods (2 s heartbeats: the kill of a follower held acks=all
     * writes 3.5-3.9 s in the fault suite before). Cheap: a probe is a connect per endpoint, at most one per broker
     * at once, and only for a broker silent for over a period.
     */
    private static long probePeriod(long period) {
        return Math.max(10, period / 8);
    }

    /** Leader side: probes every broker silent for over a period and a quarter; fences one whose process is gone. */
    private void probeTick() {
        try {
            if (!leader) {
                return;
            }
            long now = nanoTime.getAsLong();
            for (BrokerImage broker : quorum.image().brokers().values()) {
                Long heard = lastHeard.get(broker.id());
                if (!broker.fenced() && !isSelf(broker) && (heard == null || now - heard > probeAfterNanos)) {
                    fenceIfGone(broker, heard);
                }
            }
        } catch (RuntimeException e) {
            LOG.warn("Probe of silent brokers failed", e);
        }
    }

    private boolean isSelf(BrokerImage broker) {
        return registration != null && broker.id() == registration.id();
    }

    /**
     * Probes a silent broker's listeners; fences it if all refuse and nothing changed meanwhile: no heartbeat of it
     * was applied, it was not fenced or registered again, and this node still leads.
     */
    private void fenceIfGone(BrokerImage broker, Long heardBefore) {
        probe.allRefused(broker).thenAccept(refused -> {
            if (!refused || !leader || !Objects.equals(lastHeard.get(broker.id()), heardBefore)) {
                return;
            }
            BrokerImage current = quorum.image().brokers().get(broker.id());
            if (current == null || current.fenced() || current.incarnation() != broker.incarnation()) {
                return;
            }
            LOG.info("Fencing broker {}: {} and every listener it registered refuses connections (its process is gone)",
                    broker.id(), heardBefore == null ? "no heartbeat applied here yet"
                            : "no heartbeat for " + (nanoTime.getAsLong() - heardBefore) / 1_000_000 + " ms");
            quorum.propose(new MetadataCommand.FenceBroker(broker.id(), broker.incarnation()), sessionTimeout);
        });
    }

    /**
     * Stops heartbeating, then fences this node itself (Kafka's controlled shutdown): the partitions it leads
     * move to other in-sync replicas at once instead of after a session timeout, and no heartbeat still in
     * flight can land after the fence and make a stopped node look alive. Bounded: without a quorum the node
     * stops anyway and is fenced by the others after {@code broker.session.timeout.ms}.
     */
    @Override
    public void close() {
        ScheduledFuture<?> running = task;
        if (running == null) {
            return; // never started: nothing registered to withdraw
        }
        running.cancel(false);
        ScheduledFuture<?> probing = probeTask;
        if (probing != null) {
            probing.cancel(false);
        }
        if (probe != null) {
            probe.close();
        }
        if (registration == null) {
            return; // a controller-only node has no broker session to withdraw
        }
        long deadline = System.nanoTime() + CONTROLLED_SHUTDOWN.toNanos();
        while (heartbeatsInFlight.get() > 0 && System.nanoTime() - deadline < 0) {
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
        try {
            quorum.propose(new MetadataCommand.FenceBroker(registration.id(), registration.incarnation()), CONTROLLED_SHUTDOWN)
                    .get(CONTROLLED_SHUTDOWN.toMillis() + 500, TimeUnit.MILLISECONDS);
            LOG.info("Node {} fenced itself for shutdown; its partitions moved to other replicas", registration.id());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
            LOG.info("Shutting down without a controlled fence (no metadata quorum answered): {}", e.toString());
        }
    }
}
