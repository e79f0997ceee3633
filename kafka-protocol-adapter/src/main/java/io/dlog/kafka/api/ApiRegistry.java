package io.dlog.kafka.api;

import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;

/**
 * The APIs this broker serves, each with its version range and handler. ApiVersions answers from this
 * table, so the broker advertises exactly what it implements. Built once at start-up, then read-only.
 * Resources the handlers share (the inter-broker client) are closed with it, after the listener stopped.
 */
public final class ApiRegistry implements AutoCloseable {

    /** One API: versions served (inclusive) and its handler. */
    public record Entry(ApiKeys key, short minVersion, short maxVersion, ApiHandler<ApiMessage> handler) {
        public boolean supports(short version) {
            return version >= minVersion && version <= maxVersion;
        }
    }

    private final Map<ApiKeys, Entry> entries = new EnumMap<>(ApiKeys.class);
    /** Set once handlers were wrapped (authorization): a later registration would escape the wrapper. */
    private boolean wrapped;
    private final List<AutoCloseable> resources = new ArrayList<>();
    private final List<Runnable> stoppingActions = new ArrayList<>();
    /** Where the listeners record request rates and times; in-memory until the node's metrics are set. */
    private volatile io.dlog.kafka.metrics.RequestMetrics requestMetrics;
    private volatile io.dlog.kafka.quota.ClientQuotas clientQuotas;

    /**
     * Registers a handler for versions [min, max], clipped to what kafka-clients can parse.
     *
     * @throws IllegalStateException the API is registered twice or the range is empty
     */
    @SuppressWarnings("unchecked")
    public <Q extends ApiMessage> ApiRegistry register(ApiKeys key, int minVersion, int maxVersion, ApiHandler<Q> handler) {
        short min = (short) Math.max(minVersion, key.oldestVersion());
        short max = (short) Math.min(maxVersion, key.latestVersion());
        if (wrapped) {
            throw new IllegalStateException(key + " registered after the handlers were wrapped");
        }
        if (min > max) {
            throw new IllegalStateException(key + ": no version in [" + minVersion + ", " + maxVersion + "] is parseable");
        }
        if (entries.putIfAbsent(key, new Entry(key, min, max, (ApiHandler<ApiMessage>) handler)) != null) {
            throw new IllegalStateException(key + " registered twice");
        }
        return this;
    }

    public Optional<Entry> find(ApiKeys key) {
        return Optional.ofNullable(entries.get(key));
    }

    public Map<ApiKeys, Entry> entries() {
        return Collections.unmodifiableMap(entries);
    }

    /**
     * Puts a wrapper around every registered handler (the authorizer's checks); versions unchanged.
     * Called at start-up, before the registry is shared.
     */
    public void wrapHandlers(java.util.function.BiFunction<ApiKeys, ApiHandler<ApiMessage>, ApiHandler<ApiMessage>> wrapper) {
        entries.replaceAll((key, entry) -> new Entry(key, entry.minVersion(), entry.maxVersion(),
                wrapper.apply(key, entry.handler())));
        wrapped = true;
    }

    /** Records request rates and times into the node's metrics (set at start-up, before serving). */
    public void measureWith(io.dlog.kafka.metrics.RequestMetrics metrics) {
        this.requestMetrics = metrics;
    }

    /** The request metrics the listeners record into (never null). */
    public io.dlog.kafka.metrics.RequestMetrics requestMetrics() {
        io.dlog.kafka.metrics.RequestMetrics metrics = requestMetrics;
        if (metrics == null) {
            synchronized (this) {
                if (requestMetrics == null) {
                    requestMetrics = io.dlog.kafka.metrics.BrokerMetrics.unpublished().requests();
                }
                metrics = requestMetrics;
            }
        }
        return metrics;
    }

    /** The client quotas connections enforce on what they count themselves (produce request bytes). */
    public void useClientQuotas(io.dlog.kafka.quota.ClientQuotas quotas) {
        this.clientQuotas = quotas;
    }

    /** The client quotas, or empty when none are enforced (a registry built without them, in tests). */
    public Optional<io.dlog.kafka.quota.ClientQuotas> clientQuotas() {
        return Optional.ofNullable(clientQuotas);
    }

    /**
     * Work to do when the listener stops accepting but its event loops still run ({@link #stopping}): answering
     * parked requests, which must complete on those loops to be freed.
     */
    public synchronized void onStopping(Runnable action) {
        stoppingActions.add(action);
    }

    /** Runs the {@link #onStopping} actions; a failing one does not keep the others from running. */
    public synchronized void stopping() {
        for (Runnable action : stoppingActions) {
            try {
                action.run();
            } catch (RuntimeException e) {
                org.slf4j.LoggerFactory.getLogger(ApiRegistry.class).warn("Stopping {} failed", action, e);
            }
        }
        stoppingActions.clear();
    }

    /** A resource the handlers use, closed by {@link #close} (in reverse order of registration). */
    public synchronized void closeWith(AutoCloseable resource) {
        resources.add(resource);
    }

    /** Closes the registered resources; a failing one does not keep the others open. */
    @Override
    public synchronized void close() {
        for (int i = resources.size() - 1; i >= 0; i--) {
            try {
                resources.get(i).close();
            } catch (Exception e) {
                org.slf4j.LoggerFactory.getLogger(ApiRegistry.class).warn("Closing {} failed", resources.get(i), e);
            }
        }
        resources.clear();
    }
}
