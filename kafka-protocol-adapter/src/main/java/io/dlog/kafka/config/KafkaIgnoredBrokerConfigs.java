package io.dlog.kafka.config;

import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * Apache Kafka broker keys that DLog accepts in server.properties and ignores, because they configure
 * parts DLog does differently (KRaft controller roles, replica fetchers, socket buffers) or not yet.
 * Listing them lets a Kafka server.properties start DLog unchanged; any other unknown key is an error.
 * With the keys DLog implements, this covers every key of the broker definitions of Kafka 4.0 to 4.4, and Kafka 3.9's
 * keys that Kafka 4 dropped ({@code KafkaBrokerKeysTest} in compat-tests checks it against
 * {@code kafka.server.KafkaConfig}).
 */
final class KafkaIgnoredBrokerConfigs {
    /**
     * Broker keys that Kafka dropped: Kafka 3.9's that 4.0 removed (ZooKeeper, message format versions, the password
     * encoder of ZooKeeper-stored secrets and the rest) and 4.0-4.2's that a later 4.x removed (the last two). Kafka
     * starts with them set and ignores them as it ignores any key it does not know, so a server.properties carried
     * over from an older Kafka starts a newer one; DLog takes them the same way. (Any other key it does not know,
     * DLog refuses: docs/operations.md.)
     */
    private static final Set<String> REMOVED_FROM_KAFKA = Set.of(
            "auto.include.jmx.reporter", "broker.id.generation.enable", "control.plane.listener.name",
            "controlled.shutdown.max.retries", "controlled.shutdown.retry.backoff.ms", "delegation.token.master.key",
            "eligible.leader.replicas.enable", "group.coordinator.new.enable", "group.share.enable",
            "group.share.max.groups", "inter.broker.protocol.version", "leader.imbalance.per.broker.percentage",
            "log.message.downconversion.enable", "log.message.format.version",
            "log.message.timestamp.difference.max.ms", "metadata.log.segment.min.bytes", "offsets.commit.required.acks",
            "password.encoder.cipher.algorithm", "password.encoder.iterations", "password.encoder.key.length",
            "password.encoder.keyfactory.algorithm", "password.encoder.old.secret", "password.encoder.secret",
            "reserved.broker.max.id", "zookeeper.clientCnxnSocket", "zookeeper.connect",
            "zookeeper.connection.timeout.ms", "zookeeper.max.in.flight.requests",
            "zookeeper.metadata.migration.enable", "zookeeper.metadata.migration.min.batch.size",
            "zookeeper.session.timeout.ms", "zookeeper.set.acl", "zookeeper.ssl.cipher.suites",
            "zookeeper.ssl.client.enable", "zookeeper.ssl.crl.enable", "zookeeper.ssl.enabled.protocols",
            "zookeeper.ssl.endpoint.identification.algorithm", "zookeeper.ssl.keystore.location",
            "zookeeper.ssl.keystore.password", "zookeeper.ssl.keystore.type", "zookeeper.ssl.ocsp.enable",
            "zookeeper.ssl.protocol", "zookeeper.ssl.truststore.location", "zookeeper.ssl.truststore.password",
            "zookeeper.ssl.truststore.type",
            "share.fetch.max.fetch.records", "internal.metadata.max.fetch.size.in.bytes");

    static final Set<String> NAMES = Stream.of(Set.of(
            "num.recovery.threads.per.data.dir",
            "num.replica.fetchers",
            "socket.send.buffer.bytes",
            "socket.receive.buffer.bytes",
            "metadata.log.dir",
            "log.flush.scheduler.interval.ms",
            "queued.max.requests",
            // KRaft's controller and metadata log: DLog's metadata group is a Ratis group with its own timeouts and
            // snapshots, and a node's SIGTERM always hands its leaderships over
            "controller.performance.always.log.threshold.ms",
            "internal.metadata.log.segment.bytes",
            "controller.performance.sample.period.ms",
            "controller.quorum.append.linger.ms",
            "controller.quorum.auto.join.enable",
            "controller.quorum.election.backoff.max.ms",
            "controller.quorum.election.timeout.ms",
            "controller.quorum.fetch.max.bytes",
            "controller.quorum.fetch.snapshot.max.bytes",
            "controller.quorum.fetch.timeout.ms",
            "controller.quorum.request.timeout.ms",
            "controller.quorum.retry.backoff.ms",
            "controller.quota.window.num",
            "controller.quota.window.size.seconds",
            "controller.socket.timeout.ms",
            "sasl.mechanism.controller.protocol",
            "initial.broker.registration.timeout.ms",
            "internal.metadata.delete.delay.millis",
            "internal.metadata.max.batch.size.in.bytes",
            "metadata.log.max.record.bytes.between.snapshots",
            "metadata.log.max.snapshot.interval.ms",
            "metadata.log.segment.bytes",
            "metadata.log.segment.ms",
            "metadata.max.idle.interval.ms",
            "metadata.max.retention.bytes",
            "metadata.max.retention.ms",
            "server.max.startup.time.ms",
            "controlled.shutdown.enable",
            "request.timeout.ms",
            // thread pools, purgatory purge intervals, load buffers, checkpoint intervals and socket details of Kafka's
            // implementation, which DLog's does not share
            "background.threads",
            "early.start.listeners",
            "num.replica.alter.log.dirs.threads",
            "group.coordinator.threads",
            "group.coordinator.background.threads",
            "group.coordinator.append.linger.ms",
            "group.coordinator.cached.buffer.max.bytes",
            "share.coordinator.threads",
            "share.coordinator.append.linger.ms",
            "share.coordinator.cached.buffer.max.bytes",
            "share.coordinator.load.buffer.size",
            "share.coordinator.write.timeout.ms",
            "share.coordinator.cold.partition.snapshot.interval.ms",
            "share.coordinator.snapshot.update.records.per.snapshot",
            "share.coordinator.state.topic.compression.codec",
            "share.coordinator.state.topic.prune.interval.ms",
            "share.coordinator.state.topic.segment.bytes",
            "delete.records.purgatory.purge.interval.requests",
            "fetch.purgatory.purge.interval.requests",
            "producer.purgatory.purge.interval.requests",
            "share.fetch.purgatory.purge.interval.requests",
            "offsets.load.buffer.size",
            "offsets.commit.timeout.ms",
            "offsets.topic.compression.codec",
            "transaction.state.log.load.buffer.size",
            "transaction.state.log.segment.bytes",
            "log.flush.offset.checkpoint.interval.ms",
            "log.flush.start.offset.checkpoint.interval.ms",
            "replica.high.watermark.checkpoint.interval.ms",
            "log.initial.task.delay.ms",
            "log.dir.failure.timeout.ms",
            "cordoned.log.dirs",
            "producer.id.expiration.check.interval.ms",
            "max.request.partition.size.limit",
            "fetch.max.bytes",
            "replica.fetch.min.bytes",
            "replica.socket.receive.buffer.bytes",
            "socket.listen.backlog.size",
            "socket.connection.setup.timeout.ms",
            "socket.connection.setup.timeout.max.ms",
            "connection.failed.authentication.delay.ms",
            "max.connection.creation.rate",
            "max.connections.per.ip.overrides",
            "alter.log.dirs.replication.quota.window.num",
            "alter.log.dirs.replication.quota.window.size.seconds",
            // group assignors and intervals: DLog's consumer, share and streams groups use their own assignors, and
            // every rebalance protocol is on
            "group.consumer.assignment.interval.ms",
            "group.consumer.assignors",
            "group.consumer.max.assignment.interval.ms",
            "group.consumer.min.assignment.interval.ms",
            "group.consumer.regex.refresh.interval.ms",
            "group.coordinator.rebalance.protocols",
            "group.share.assignment.interval.ms",
            "group.share.assignors",
            "group.share.initialize.retry.interval.ms",
            "group.share.max.assignment.interval.ms",
            "group.share.max.size",
            "group.share.min.assignment.interval.ms",
            "group.share.persister.class.name",
            "group.streams.assignment.interval.ms",
            "group.streams.max.assignment.interval.ms",
            "group.streams.min.assignment.interval.ms",
            // Kafka 4.4's: where its coordinator runs assignors, its streams assignor's warm-up tasks and rack tags,
            // and share groups' dead-letter queues (KIP-1191), which DLog's share groups do not write
            "group.consumer.assignor.offload.enable",
            "group.share.assignor.offload.enable",
            "group.streams.assignor.offload.enable",
            "group.streams.assignors",
            "group.streams.acceptable.recovery.lag",
            "group.streams.max.warmup.replicas",
            "group.streams.num.warmup.replicas",
            "group.streams.min.task.offset.interval.ms",
            "group.streams.task.offset.interval.ms",
            "group.streams.rack.aware.assignment.tags",
            "group.streams.topology.description.plugin.class",
            "group.share.dlq.manager.class.name",
            "errors.deadletterqueue.auto.create.topics.enable",
            "errors.deadletterqueue.topic.name.prefix",
            // Kafka 4.4's OAUTHBEARER JWT checks: DLog has no OAUTHBEARER (docs/security.md)
            "sasl.oauthbearer.allow.unverified.audience",
            "sasl.oauthbearer.allow.unverified.issuer",
            // metrics: DLog exports its own (docs/operations.md), not through Kafka's reporters
            "metric.reporters",
            "metrics.num.samples",
            "metrics.recording.level",
            "metrics.sample.window.ms",
            "kafka.metrics.polling.interval.secs",
            "kafka.metrics.reporters",
            "telemetry.max.bytes",
            // what DLog does not have: delegation tokens, unstable API and feature versions, two-phase commit
            // (KIP-939), config providers, broker plugins and tiered storage (a value that turns one of the last
            // three on stops the start: PLUGINS, BrokerConfig#parse); and DLog always verifies transactional
            // partitions (KIP-890)
            "delegation.token.expiry.check.interval.ms",
            "delegation.token.expiry.time.ms",
            "delegation.token.max.lifetime.ms",
            "delegation.token.secret.key",
            "create.topic.policy.class.name",
            "alter.config.policy.class.name",
            "client.quota.callback.class",
            "unstable.api.versions.enable",
            "unstable.feature.versions.enable",
            "transaction.two.phase.commit.enable",
            "transaction.partition.verification.enable",
            "config.providers",
            "follower.fetch.last.tiered.offset.enable",
            "remote.fetch.max.wait.ms",
            "remote.list.offsets.request.timeout.ms",
            "remote.log.index.file.cache.total.size.bytes",
            "remote.log.index.file.cache.ttl.ms",
            "remote.log.manager.copier.thread.pool.size",
            "remote.log.manager.copy.max.bytes.per.second",
            "remote.log.manager.copy.quota.window.num",
            "remote.log.manager.copy.quota.window.size.seconds",
            "remote.log.manager.expiration.thread.pool.size",
            "remote.log.manager.fetch.max.bytes.per.second",
            "remote.log.manager.fetch.quota.window.num",
            "remote.log.manager.fetch.quota.window.size.seconds",
            "remote.log.manager.follower.thread.pool.size",
            "remote.log.manager.task.interval.ms",
            "remote.log.manager.task.retry.backoff.max.ms",
            "remote.log.manager.task.retry.backoff.ms",
            "remote.log.manager.task.retry.jitter",
            "remote.log.manager.thread.pool.size",
            "remote.log.metadata.custom.metadata.max.bytes",
            "remote.log.metadata.manager.class.name",
            "remote.log.metadata.manager.impl.prefix",
            "remote.log.reader.max.pending.tasks",
            "remote.log.reader.threads",
            "remote.log.storage.manager.impl.prefix",
            "remote.log.metadata.manager.class.path",
            "remote.log.metadata.manager.listener.name",
            "remote.log.storage.manager.class.name",
            "remote.log.storage.manager.class.path",
            "remote.log.storage.system.enable",
            // the cleaner sizes its read and write buffers by the batches it meets
            "log.cleaner.io.buffer.size",
            // dynamic-only on Kafka too, which ignores them here (ReplicationThrottleConfigs)
            ReplicationThrottleConfigs.LEADER_RATE,
            ReplicationThrottleConfigs.FOLLOWER_RATE,
            ReplicationThrottleConfigs.ALTER_LOG_DIRS_RATE),
            REMOVED_FROM_KAFKA).flatMap(Set::stream).collect(Collectors.toUnmodifiableSet());

    /** Of {@link #NAMES}, the keys accepted only empty, with why a value is refused (BrokerConfig#parse). */
    static final Map<String, String> PLUGINS = Map.of(
            "config.providers", "DLog has no config providers; write the values into the file or pass them with "
                    + "-o key=value",
            "create.topic.policy.class.name", "DLog does not load Kafka's topic policy plugins",
            "alter.config.policy.class.name", "DLog does not load Kafka's config policy plugins",
            "client.quota.callback.class", "DLog does not load Kafka's quota callback plugins",
            "group.streams.topology.description.plugin.class",
            "DLog does not load Kafka's streams topology description plugins");

    private KafkaIgnoredBrokerConfigs() {
    }
}
