package io.dlog.kafka;

import io.dlog.kafka.config.BrokerConfig;
import io.dlog.kafka.metrics.BrokerMetrics;
import io.dlog.kafka.topic.TopicService;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.LongSupplier;

/**
 * What the handlers share: this node's identity, the topics, time, an id source and a timer.
 *
 * @param clusterId   the cluster's id (stable across restarts)
 * @param topics      topics and partition logs
 * @param clock       wall-clock time for timestamps and expiry (injected so tests can drive it)
 * @param idGenerator durable, never-repeating 64-bit ids (producer ids, member ids)
 * @param scheduler   timers for long-poll fetch and other delayed work; never runs blocking I/O
 * @param boundPort   the inter-broker listener's port once bound (the configured one may be 0)
 * @param boundPorts  every client listener's port once bound, by listener name
 * @param metrics     the node's metrics (docs/metrics.md)
 */
public record BrokerContext(String clusterId, TopicService topics, Clock clock, LongSupplier idGenerator,
                            ScheduledExecutorService scheduler, AtomicInteger boundPort, Map<String, Integer> boundPorts,
                            BrokerMetrics metrics) {

    /** A node whose listeners' ports are filled in {@code boundPorts} once bound, with in-memory metrics. */
    public BrokerContext(String clusterId, TopicService topics, Clock clock, LongSupplier idGenerator,
                         ScheduledExecutorService scheduler, AtomicInteger boundPort) {
        this(clusterId, topics, clock, idGenerator, scheduler, boundPort, BrokerMetrics.unpublished());
    }

    /** A node whose listeners' ports are filled in {@code boundPorts} once bound. */
    public BrokerContext(String clusterId, TopicService topics, Clock clock, LongSupplier idGenerator,
                         ScheduledExecutorService scheduler, AtomicInteger boundPort, BrokerMetrics metrics) {
        this(clusterId, topics, clock, idGenerator, scheduler, boundPort, new ConcurrentHashMap<>(), metrics);
    }

    /** Every client listener as clients are told to reach it, a port of 0 replaced by the bound one. */
    public List<BrokerConfig.Listener> advertisedListeners() {
        return config().advertisedListeners().stream().map(this::withBoundPort).toList();
    }

    /** One client listener as clients are told to reach it. */
    public Optional<BrokerConfig.Listener> advertisedListener(String listenerName) {
        return advertisedListeners().stream().filter(l -> l.name().equals(listenerName)).findFirst();
    }

    private BrokerConfig.Listener withBoundPort(BrokerConfig.Listener advertised) {
        if (advertised.port() != 0) {
            return advertised;
        }
        int port = advertised.name().equals(config().listener().name()) ? boundPort.get()
                : boundPorts.getOrDefault(advertised.name(), 0);
        return new BrokerConfig.Listener(advertised.name(), advertised.host(), port);
    }

    /** Host and port clients are told to use: advertised.listeners, with port 0 meaning the bound port. */
    public BrokerConfig.Listener advertisedListener() {
        BrokerConfig.Listener advertised = config().advertisedListener();
        return advertised.port() != 0 ? advertised
                : new BrokerConfig.Listener(advertised.name(), advertised.host(), boundPort.get());
    }

    public BrokerConfig config() {
        return topics.brokerConfig();
    }

    public int nodeId() {
        return config().nodeId();
    }
}
