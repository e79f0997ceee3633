package io.dlog.kafka.config;

import java.util.Set;

/**
 * Apache Kafka broker keys that DLog accepts in server.properties and ignores, because they configure
 * parts DLog does differently (KRaft controller roles, replica fetchers, socket buffers) or not yet.
 * Listing them lets a Kafka server.properties start DLog unchanged; any other unknown key is an error.
 */
final class KafkaIgnoredBrokerConfigs {
    static final Set<String> NAMES = Set.of(
            "num.recovery.threads.per.data.dir",
            "num.replica.fetchers",
            "transaction.state.log.min.isr",
            "share.coordinator.state.topic.min.isr",
            "socket.send.buffer.bytes",
            "socket.receive.buffer.bytes",
            "metadata.log.dir",
            "log.flush.scheduler.interval.ms",
            "queued.max.requests",
            // the cleaner sizes its read and write buffers by the batches it meets
            "log.cleaner.io.buffer.size",
            // dynamic-only on Kafka too, which ignores them here (ReplicationThrottleConfigs)
            ReplicationThrottleConfigs.LEADER_RATE,
            ReplicationThrottleConfigs.FOLLOWER_RATE,
            ReplicationThrottleConfigs.ALTER_LOG_DIRS_RATE);

    private KafkaIgnoredBrokerConfigs() {
    }
}
