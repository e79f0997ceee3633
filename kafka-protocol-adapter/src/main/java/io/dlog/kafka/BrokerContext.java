package io.dlog.kafka;

import io.dlog.kafka.config.BrokerConfig;
import io.dlog.kafka.topic.TopicService;
import java.time.Clock;
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
 * @param boundPort   the listener's port once bound (the configured one may be 0)
 */
public record BrokerContext(String clusterId, TopicService topics, Clock clock, LongSupplier idGenerator,
                            ScheduledExecutorService scheduler, AtomicInteger boundPort) {

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
