package io.dlog.kafka.config;

import io.dlog.log.CleanerConfig;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigException;

/**
 * The broker's settings, with Kafka's {@code server.properties} names and defaults. Parsed once at
 * start; dynamic overrides (IncrementalAlterConfigs on the broker resource) produce a new instance
 * via {@link #withDynamic}. Immutable.
 */
public final class BrokerConfig {
    public static final String NODE_ID = "node.id";
    public static final String BROKER_ID = "broker.id";
    public static final String LISTENERS = "listeners";
    public static final String ADVERTISED_LISTENERS = "advertised.listeners";
    public static final String LOG_DIRS = "log.dirs";
    public static final String LOG_DIR = "log.dir";
    public static final String NUM_PARTITIONS = "num.partitions";
    public static final String AUTO_CREATE_TOPICS_ENABLE = "auto.create.topics.enable";
    public static final String DEFAULT_REPLICATION_FACTOR = "default.replication.factor";
    public static final String SOCKET_REQUEST_MAX_BYTES = "socket.request.max.bytes";
    public static final String LOG_RETENTION_CHECK_INTERVAL_MS = "log.retention.check.interval.ms";
    public static final String NUM_NETWORK_THREADS = "num.network.threads";
    public static final String NUM_IO_THREADS = "num.io.threads";
    public static final String DELETE_TOPIC_ENABLE = "delete.topic.enable";
    public static final String GROUP_COMMIT_MAX_WAIT_MS = "dlog.flush.group.commit.max.wait.ms";
    public static final String MAX_INCREMENTAL_FETCH_SESSION_CACHE_SLOTS = "max.incremental.fetch.session.cache.slots";
    public static final String PRODUCER_IDS_PER_PARTITION_MAX = "dlog.producer.ids.per.partition.max";
    public static final String QUEUED_MAX_REQUEST_BYTES = "queued.max.request.bytes";
    public static final String CONNECTION_MAX_REQUEST_BYTES = "dlog.connection.max.request.bytes";
    public static final String MAX_CONNECTIONS = "max.connections";
    public static final String MAX_CONNECTIONS_PER_IP = "max.connections.per.ip";
    public static final String CONNECTIONS_MAX_IDLE_MS = "connections.max.idle.ms";
    public static final String LOG_CLEANER_ENABLE = "log.cleaner.enable";
    public static final String LOG_CLEANER_THREADS = "log.cleaner.threads";
    public static final String LOG_CLEANER_DEDUPE_BUFFER_SIZE = "log.cleaner.dedupe.buffer.size";
    public static final String LOG_CLEANER_IO_BUFFER_LOAD_FACTOR = "log.cleaner.io.buffer.load.factor";
    public static final String LOG_CLEANER_IO_MAX_BYTES_PER_SECOND = "log.cleaner.io.max.bytes.per.second";
    public static final String LOG_CLEANER_BACKOFF_MS = "log.cleaner.backoff.ms";
    public static final String PROCESS_ROLES = "process.roles";
    public static final String CONTROLLER_QUORUM_VOTERS = "controller.quorum.voters";
    public static final String CONTROLLER_QUORUM_BOOTSTRAP_SERVERS = "controller.quorum.bootstrap.servers";
    public static final String CONTROLLER_LISTENER_NAMES = "controller.listener.names";
    public static final String LISTENER_SECURITY_PROTOCOL_MAP = "listener.security.protocol.map";
    public static final String BROKER_RACK = "broker.rack";
    public static final String REPLICA_SELECTOR_CLASS = "replica.selector.class";
    /** Kafka's rack-aware selector (KIP-392); DLog runs its own selector of the same behaviour under this name. */
    public static final String RACK_AWARE_REPLICA_SELECTOR = "org.apache.kafka.common.replica.RackAwareReplicaSelector";
    public static final String OFFSETS_TOPIC_REPLICATION_FACTOR = "offsets.topic.replication.factor";
    public static final String TRANSACTION_STATE_LOG_REPLICATION_FACTOR = "transaction.state.log.replication.factor";
    public static final String TRANSACTION_STATE_LOG_MIN_ISR = "transaction.state.log.min.isr";
    public static final String REPLICA_LAG_TIME_MAX_MS = "replica.lag.time.max.ms";
    public static final String REPLICA_FETCH_WAIT_MAX_MS = "replica.fetch.wait.max.ms";
    public static final String REPLICA_FETCH_MAX_BYTES = "replica.fetch.max.bytes";
    public static final String REPLICA_FETCH_RESPONSE_MAX_BYTES = "replica.fetch.response.max.bytes";
    public static final String REPLICA_FETCH_BACKOFF_MS = "replica.fetch.backoff.ms";
    public static final String REPLICA_SOCKET_TIMEOUT_MS = "replica.socket.timeout.ms";
    public static final String AUTO_LEADER_REBALANCE_ENABLE = "auto.leader.rebalance.enable";
    public static final String LEADER_IMBALANCE_CHECK_INTERVAL_SECONDS = "leader.imbalance.check.interval.seconds";
    public static final String UNCLEAN_LEADER_ELECTION_INTERVAL_MS = "unclean.leader.election.interval.ms";
    /** A topic config's broker synonym, read here for the metadata leader's unclean elections. */
    public static final String UNCLEAN_LEADER_ELECTION_ENABLE = "unclean.leader.election.enable";
    public static final String BROKER_SESSION_TIMEOUT_MS = "broker.session.timeout.ms";
    public static final String BROKER_HEARTBEAT_INTERVAL_MS = "broker.heartbeat.interval.ms";
    /** Fence a silent broker at once when all its listeners refuse connections (docs/reliability.md). */
    public static final String FAST_FENCE_ENABLE = "dlog.broker.fast.fence.enable";
    public static final String METADATA_ELECTION_TIMEOUT_MS = "dlog.metadata.election.timeout.ms";
    public static final String METADATA_SNAPSHOT_EVERY = "dlog.metadata.snapshot.entries";
    /** The Arrow Flight / Flight SQL endpoint's port (docs/analytics.md); unset: no endpoint. */
    public static final String FLIGHT_PORT = "dlog.flight.port";
    /** A Confluent-compatible schema registry's URL: Avro values in its wire format decode (docs/analytics.md). */
    public static final String SCHEMA_REGISTRY_URL = "dlog.schema.registry.url";
    /** The Prometheus endpoint's port (docs/metrics.md); unset: no endpoint. */
    public static final String METRICS_PORT = "dlog.metrics.port";
    /** The address the Prometheus endpoint binds. */
    public static final String METRICS_HOST = "dlog.metrics.host";
    public static final String INTER_BROKER_LISTENER_NAME = "inter.broker.listener.name";
    /**
     * Prefix of the settings of this node's connections to migration sources (mirror topics): any Kafka admin
     * client setting but bootstrap.servers, which each mirror topic names, e.g.
     * {@code dlog.mirror.source.security.protocol=SASL_SSL}.
     */
    public static final String MIRROR_SOURCE_PREFIX = "dlog.mirror.source.";
    public static final String SECURITY_INTER_BROKER_PROTOCOL = "security.inter.broker.protocol";
    public static final String QUOTA_WINDOW_NUM = "quota.window.num";
    public static final String QUOTA_WINDOW_SIZE_SECONDS = "quota.window.size.seconds";
    public static final String REPLICATION_QUOTA_WINDOW_NUM = "replication.quota.window.num";
    public static final String REPLICATION_QUOTA_WINDOW_SIZE_SECONDS = "replication.quota.window.size.seconds";

    private static final ConfigDef DEF = TopicConfigs.addBrokerSynonyms(new ConfigDef()
            .define(NODE_ID, ConfigDef.Type.INT, 1, ConfigDef.Range.atLeast(0), ConfigDef.Importance.HIGH,
                    "This node's id.")
            .define(BROKER_ID, ConfigDef.Type.INT, -1, ConfigDef.Importance.LOW,
                    "Legacy alias of node.id; used when node.id is not set.")
            .define(LISTENERS, ConfigDef.Type.STRING, "PLAINTEXT://localhost:9092", ConfigDef.Importance.HIGH,
                    "The listeners, as NAME://host:port,...: client listeners (each NAME mapped to PLAINTEXT, SSL, "
                            + "SASL_PLAINTEXT or SASL_SSL by listener.security.protocol.map) and, in a cluster, the "
                            + "controller listener named by controller.listener.names.")
            .define(ADVERTISED_LISTENERS, ConfigDef.Type.STRING, null, ConfigDef.Importance.HIGH,
                    "The address given to clients; defaults to listeners.")
            .define(PROCESS_ROLES, ConfigDef.Type.STRING, "broker,controller", ConfigDef.Importance.HIGH,
                    "broker,controller: every DLog node serves clients and votes in the metadata group.")
            .define(CONTROLLER_QUORUM_VOTERS, ConfigDef.Type.STRING, "", ConfigDef.Importance.HIGH,
                    "The metadata group's voters, id@host:port,... (the controller listener of each). "
                            + "Empty: a single node, voting alone.")
            .define(CONTROLLER_QUORUM_BOOTSTRAP_SERVERS, ConfigDef.Type.STRING, "", ConfigDef.Importance.LOW,
                    "KIP-853 dynamic quorums; not supported: use controller.quorum.voters.")
            .define(CONTROLLER_LISTENER_NAMES, ConfigDef.Type.STRING, "CONTROLLER", ConfigDef.Importance.HIGH,
                    "The name of the listener the metadata group speaks on.")
            .define(LISTENER_SECURITY_PROTOCOL_MAP, ConfigDef.Type.STRING, ListenerProtocols.KAFKA_DEFAULT,
                    ConfigDef.Importance.LOW, "Listener name to security protocol, NAME:PROTOCOL,... (Kafka's default "
                            + "maps PLAINTEXT, SSL, SASL_PLAINTEXT and SASL_SSL to themselves).")
            .define(INTER_BROKER_LISTENER_NAME, ConfigDef.Type.STRING, null, ConfigDef.Importance.MEDIUM,
                    "The client listener brokers use to reach each other; default: the one whose protocol is "
                            + "security.inter.broker.protocol, else the first client listener.")
            .define(SECURITY_INTER_BROKER_PROTOCOL, ConfigDef.Type.STRING, "PLAINTEXT", ConfigDef.Importance.MEDIUM,
                    "Security protocol of the inter-broker listener when inter.broker.listener.name is not set.")
            .define(BROKER_RACK, ConfigDef.Type.STRING, null, ConfigDef.Importance.MEDIUM,
                    "The rack of this node; replica placement spreads each partition over racks, and a rack-aware "
                            + "replica selector sends consumers of the same client.rack to it.")
            .define(REPLICA_SELECTOR_CLASS, ConfigDef.Type.STRING, null, (name, value) -> {
                if (value != null && !RACK_AWARE_REPLICA_SELECTOR.equals(((String) value).trim())) {
                    throw new ConfigException(name, value, "DLog selects read replicas itself: leave it unset (consumers "
                            + "fetch from the leader) or set " + RACK_AWARE_REPLICA_SELECTOR + " (consumers fetch from an "
                            + "in-sync replica in their client.rack); other ReplicaSelector plugins are not supported");
                }
            }, ConfigDef.Importance.MEDIUM, "Which replica consumers fetch from (KIP-392): unset, the leader; "
                    + RACK_AWARE_REPLICA_SELECTOR + ", an in-sync replica whose broker.rack is the consumer's client.rack.")
            .define(OFFSETS_TOPIC_REPLICATION_FACTOR, ConfigDef.Type.SHORT, (short) 3, ConfigDef.Range.atLeast(1),
                    ConfigDef.Importance.HIGH, "Replication factor of __consumer_offsets (capped at the live brokers "
                            + "when it is created).")
            .define(TRANSACTION_STATE_LOG_REPLICATION_FACTOR, ConfigDef.Type.SHORT, (short) 3, ConfigDef.Range.atLeast(1),
                    ConfigDef.Importance.HIGH, "Replication factor of __transaction_state (capped at the live brokers "
                            + "when it is created).")
            .define(TRANSACTION_STATE_LOG_MIN_ISR, ConfigDef.Type.INT, 2, ConfigDef.Range.atLeast(1),
                    ConfigDef.Importance.HIGH, "min.insync.replicas of __transaction_state (capped at its replication "
                            + "factor when it is created): a transaction's state is written only while that many "
                            + "replicas are in sync, and counts once they all have it.")
            .define(REPLICA_LAG_TIME_MAX_MS, ConfigDef.Type.LONG, 30_000L, ConfigDef.Range.atLeast(1),
                    ConfigDef.Importance.HIGH, "A follower that has not caught up with the leader's log end for this "
                            + "long leaves the ISR.")
            .define(QUOTA_WINDOW_NUM, ConfigDef.Type.INT, 11, ConfigDef.Range.atLeast(1), ConfigDef.Importance.LOW,
                    "The number of samples kept in memory for client quotas.")
            .define(QUOTA_WINDOW_SIZE_SECONDS, ConfigDef.Type.INT, 1, ConfigDef.Range.atLeast(1), ConfigDef.Importance.LOW,
                    "The time span of each sample for client quotas.")
            .define(REPLICATION_QUOTA_WINDOW_NUM, ConfigDef.Type.INT, 11, ConfigDef.Range.atLeast(1),
                    ConfigDef.Importance.LOW, "The number of samples kept in memory for replication quotas.")
            .define(REPLICATION_QUOTA_WINDOW_SIZE_SECONDS, ConfigDef.Type.INT, 1, ConfigDef.Range.atLeast(1),
                    ConfigDef.Importance.LOW, "The time span of each sample for replication quotas.")
            .define(REPLICA_FETCH_WAIT_MAX_MS, ConfigDef.Type.INT, 500, ConfigDef.Range.atLeast(0),
                    ConfigDef.Importance.MEDIUM, "How long a follower's fetch waits at the leader for new data.")
            .define(REPLICA_FETCH_MAX_BYTES, ConfigDef.Type.INT, 1024 * 1024, ConfigDef.Range.atLeast(0),
                    ConfigDef.Importance.MEDIUM, "Bytes a follower asks for per partition per fetch (at least one batch).")
            .define(REPLICA_FETCH_RESPONSE_MAX_BYTES, ConfigDef.Type.INT, 10 * 1024 * 1024, ConfigDef.Range.atLeast(0),
                    ConfigDef.Importance.MEDIUM, "Bytes a follower asks for per fetch in all.")
            .define(REPLICA_FETCH_BACKOFF_MS, ConfigDef.Type.INT, 1000, ConfigDef.Range.atLeast(0),
                    ConfigDef.Importance.MEDIUM, "How long a follower waits after a failed fetch.")
            .define(REPLICA_SOCKET_TIMEOUT_MS, ConfigDef.Type.INT, 30_000, ConfigDef.Range.atLeast(1),
                    ConfigDef.Importance.MEDIUM, "How long a follower waits for a fetch response before reconnecting.")
            .define(AUTO_LEADER_REBALANCE_ENABLE, ConfigDef.Type.BOOLEAN, true, ConfigDef.Importance.HIGH,
                    "Give leadership back to the preferred replica once it is in sync again.")
            .define(UNCLEAN_LEADER_ELECTION_INTERVAL_MS, ConfigDef.Type.LONG, 300_000L, ConfigDef.Range.atLeast(1),
                    ConfigDef.Importance.MEDIUM, "How often the metadata leader looks for offline partitions to elect a "
                            + "leader for uncleanly (it also looks after every metadata change).")
            .define(LEADER_IMBALANCE_CHECK_INTERVAL_SECONDS, ConfigDef.Type.LONG, 300L, ConfigDef.Range.atLeast(1),
                    ConfigDef.Importance.HIGH, "How often the metadata leader checks for partitions not led by their "
                            + "preferred replica.")
            .define(BROKER_SESSION_TIMEOUT_MS, ConfigDef.Type.INT, 9000, ConfigDef.Range.atLeast(1),
                    ConfigDef.Importance.MEDIUM, "A node that has not heartbeated for this long is fenced.")
            .define(BROKER_HEARTBEAT_INTERVAL_MS, ConfigDef.Type.INT, 2000, ConfigDef.Range.atLeast(1),
                    ConfigDef.Importance.MEDIUM, "How often a node heartbeats to the metadata group.")
            .define(FAST_FENCE_ENABLE, ConfigDef.Type.BOOLEAN, true, ConfigDef.Importance.MEDIUM,
                    "Fence a node that missed a heartbeat at once when every listener it registered refuses "
                            + "connections (its process is gone), instead of after broker.session.timeout.ms.")
            .define(METADATA_ELECTION_TIMEOUT_MS, ConfigDef.Type.INT, 1000, ConfigDef.Range.atLeast(50),
                    ConfigDef.Importance.LOW, "Shortest metadata election timeout (the longest is twice it).")
            .define(METADATA_SNAPSHOT_EVERY, ConfigDef.Type.LONG, 10_000L, ConfigDef.Range.atLeast(2),
                    ConfigDef.Importance.LOW, "Snapshot the metadata image, and purge the Raft log before it, every this "
                            + "many entries.")
            .define(LOG_DIRS, ConfigDef.Type.STRING, null, ConfigDef.Importance.HIGH,
                    "The data folder (one folder).")
            .define(LOG_DIR, ConfigDef.Type.STRING, "dlog-data", ConfigDef.Importance.HIGH,
                    "The data folder when log.dirs is not set.")
            .define(NUM_PARTITIONS, ConfigDef.Type.INT, 1, ConfigDef.Range.atLeast(1), ConfigDef.Importance.MEDIUM,
                    "Partitions of an auto-created topic or of a created topic that names none.")
            .define(AUTO_CREATE_TOPICS_ENABLE, ConfigDef.Type.BOOLEAN, true, ConfigDef.Importance.HIGH,
                    "Create a topic when Metadata names an unknown one.")
            .define(DEFAULT_REPLICATION_FACTOR, ConfigDef.Type.SHORT, (short) 1, ConfigDef.Importance.MEDIUM,
                    "Replication factor of auto-created topics.")
            .define(SOCKET_REQUEST_MAX_BYTES, ConfigDef.Type.INT, 100 * 1024 * 1024, ConfigDef.Range.atLeast(1),
                    ConfigDef.Importance.HIGH, "Largest request frame; a larger one closes the connection.")
            .define(LOG_RETENTION_CHECK_INTERVAL_MS, ConfigDef.Type.LONG, 300_000L, ConfigDef.Range.atLeast(1),
                    ConfigDef.Importance.MEDIUM, "How often retention runs.")
            .define(NUM_NETWORK_THREADS, ConfigDef.Type.INT, 3, ConfigDef.Range.atLeast(1), ConfigDef.Importance.HIGH,
                    "Netty event loop threads.")
            .define(NUM_IO_THREADS, ConfigDef.Type.INT, 8, ConfigDef.Range.atLeast(1), ConfigDef.Importance.HIGH,
                    "Log writer threads (at most the number of cores is used).")
            .define(DELETE_TOPIC_ENABLE, ConfigDef.Type.BOOLEAN, true, ConfigDef.Importance.HIGH,
                    "Allow DeleteTopics.")
            .define(GROUP_COMMIT_MAX_WAIT_MS, ConfigDef.Type.LONG, 2L, ConfigDef.Range.atLeast(0),
                    ConfigDef.Importance.MEDIUM, "dlog.flush.mode=fsync: longest wait for company before an fsync.")
            // Kafka's default is -1 (no limit); DLog bounds request memory out of the box (docs/reliability.md).
            .define(QUEUED_MAX_REQUEST_BYTES, ConfigDef.Type.LONG, 256L << 20, ConfigDef.Importance.MEDIUM,
                    "Request bytes held in memory broker-wide before connections stop reading; -1 for no limit.")
            .define(CONNECTION_MAX_REQUEST_BYTES, ConfigDef.Type.LONG, 32L << 20, ConfigDef.Importance.MEDIUM,
                    "Request bytes one connection may hold before it stops reading; -1 for no limit.")
            .define(MAX_CONNECTIONS, ConfigDef.Type.INT, Integer.MAX_VALUE, ConfigDef.Range.atLeast(0),
                    ConfigDef.Importance.MEDIUM, "Connections open at once; at the limit accepting pauses.")
            .define(MAX_CONNECTIONS_PER_IP, ConfigDef.Type.INT, Integer.MAX_VALUE, ConfigDef.Range.atLeast(0),
                    ConfigDef.Importance.MEDIUM, "Connections from one address; more are closed at once.")
            .define(CONNECTIONS_MAX_IDLE_MS, ConfigDef.Type.LONG, 600_000L, ConfigDef.Importance.MEDIUM,
                    "A connection idle this long is closed; -1 never.")
            .define(FLIGHT_PORT, ConfigDef.Type.INT, null, (name, value) -> {
                if (value != null && ((Integer) value < 0 || (Integer) value > 65_535)) {
                    throw new ConfigException(name, value, "a port number, 0 for any free port");
                }
            }, ConfigDef.Importance.MEDIUM, "Port of the Arrow Flight / Flight SQL endpoint (same host as the client "
                    + "listener); unset: the endpoint is off.")
            .define(SCHEMA_REGISTRY_URL, ConfigDef.Type.STRING, null, (name, value) -> {
                if (value != null && !((String) value).matches("https?://\\S+")) {
                    throw new ConfigException(name, value, "an http:// or https:// URL");
                }
            }, ConfigDef.Importance.MEDIUM, "URL of a Confluent-compatible schema registry: the Flight endpoint and SQL read "
                    + "Avro values in its wire format (magic byte 0, schema id); unset: none.")
            .define(METRICS_PORT, ConfigDef.Type.INT, null, (name, value) -> {
                if (value != null && ((Integer) value < 0 || (Integer) value > 65_535)) {
                    throw new ConfigException(name, value, "a port number, 0 for any free port");
                }
            }, ConfigDef.Importance.MEDIUM, "Port of the Prometheus endpoint (HTTP GET /metrics); unset: the endpoint is off.")
            .define(METRICS_HOST, ConfigDef.Type.STRING, "0.0.0.0", ConfigDef.Importance.LOW,
                    "Address the Prometheus endpoint binds (0.0.0.0: every interface, as Prometheus exporters do).")
            .define("group.initial.rebalance.delay.ms", ConfigDef.Type.INT, 3000, ConfigDef.Range.atLeast(0),
                    ConfigDef.Importance.MEDIUM, "How long a new classic group waits for more members before its first rebalance.")
            .define("group.min.session.timeout.ms", ConfigDef.Type.INT, 6000, ConfigDef.Range.atLeast(1),
                    ConfigDef.Importance.MEDIUM, "Smallest session timeout a classic member may ask for.")
            .define("group.max.session.timeout.ms", ConfigDef.Type.INT, 1_800_000, ConfigDef.Range.atLeast(1),
                    ConfigDef.Importance.MEDIUM, "Largest session timeout a classic member may ask for.")
            .define("group.max.size", ConfigDef.Type.INT, Integer.MAX_VALUE, ConfigDef.Range.atLeast(1),
                    ConfigDef.Importance.MEDIUM, "Most members in a classic group.")
            .define("offsets.retention.minutes", ConfigDef.Type.INT, 10080, ConfigDef.Range.atLeast(1),
                    ConfigDef.Importance.HIGH, "How long the offsets of an empty group are kept.")
            .define("offsets.retention.check.interval.ms", ConfigDef.Type.LONG, 600_000L, ConfigDef.Range.atLeast(1),
                    ConfigDef.Importance.HIGH, "How often expired offsets are removed.")
            .define("offset.metadata.max.bytes", ConfigDef.Type.INT, 4096, ConfigDef.Range.atLeast(0),
                    ConfigDef.Importance.HIGH, "Largest metadata string of a committed offset.")
            // Kafka's default is 50; a single node gains nothing from 50 partitions and pays for 50 logs.
            .define("offsets.topic.num.partitions", ConfigDef.Type.INT, 16, ConfigDef.Range.atLeast(1),
                    ConfigDef.Importance.HIGH, "Partitions of __consumer_offsets (fixed once the topic exists).")
            .define("group.consumer.session.timeout.ms", ConfigDef.Type.INT, 45_000, ConfigDef.Range.atLeast(1),
                    ConfigDef.Importance.MEDIUM, "KIP-848 member session timeout.")
            .define("group.consumer.heartbeat.interval.ms", ConfigDef.Type.INT, 5000, ConfigDef.Range.atLeast(1),
                    ConfigDef.Importance.MEDIUM, "KIP-848 heartbeat interval given to members.")
            .define("group.consumer.max.size", ConfigDef.Type.INT, Integer.MAX_VALUE, ConfigDef.Range.atLeast(1),
                    ConfigDef.Importance.MEDIUM, "Most members in a KIP-848 group.")
            .define("group.consumer.migration.policy", ConfigDef.Type.STRING, "bidirectional",
                    ConfigDef.CaseInsensitiveValidString.in("disabled", "upgrade", "downgrade", "bidirectional"),
                    ConfigDef.Importance.MEDIUM, "Online migration between the classic and the consumer group protocol:"
                            + " upgrade (a KIP-848 member joining a classic group converts it), downgrade (the last"
                            + " KIP-848 member leaving converts it back), bidirectional (both) or disabled.")
            // Share groups (KIP-932), Kafka's ShareGroupConfig and ShareCoordinatorConfig keys and bounds.
            .define("group.share.record.lock.duration.ms", ConfigDef.Type.INT, 30_000, ConfigDef.Range.between(1000, 3_600_000),
                    ConfigDef.Importance.MEDIUM, "How long a share consumer holds the records it acquired.")
            .define("group.share.delivery.count.limit", ConfigDef.Type.INT, 5, ConfigDef.Range.between(2, 10),
                    ConfigDef.Importance.MEDIUM, "Deliveries of a record to share consumers before it is archived.")
            .define("group.share.partition.max.record.locks", ConfigDef.Type.INT, 2000, ConfigDef.Range.between(100, 10_000),
                    ConfigDef.Importance.MEDIUM, "Most in-flight records per share-partition.")
            .define("group.share.session.timeout.ms", ConfigDef.Type.INT, 45_000, ConfigDef.Range.atLeast(1),
                    ConfigDef.Importance.MEDIUM, "Share group member session timeout.")
            .define("group.share.heartbeat.interval.ms", ConfigDef.Type.INT, 5000, ConfigDef.Range.atLeast(1),
                    ConfigDef.Importance.MEDIUM, "Heartbeat interval given to share group members.")
            .define("group.share.max.share.sessions", ConfigDef.Type.INT, 2000, ConfigDef.Range.atLeast(1),
                    ConfigDef.Importance.MEDIUM, "Most share sessions a broker keeps.")
            .define("share.coordinator.state.topic.replication.factor", ConfigDef.Type.SHORT, (short) 3,
                    ConfigDef.Range.atLeast(1), ConfigDef.Importance.HIGH,
                    "Replication factor of __share_group_state (capped at the live brokers when it is created).")
            .define("share.coordinator.state.topic.min.isr", ConfigDef.Type.SHORT, (short) 2,
                    ConfigDef.Range.atLeast(1), ConfigDef.Importance.HIGH,
                    "min.insync.replicas of __share_group_state (capped at its replication factor when it is "
                            + "created).")
            // Kafka's default is 50; 16 for the reason offsets.topic.num.partitions gives.
            .define("share.coordinator.state.topic.num.partitions", ConfigDef.Type.INT, 16, ConfigDef.Range.atLeast(1),
                    ConfigDef.Importance.HIGH, "Partitions of __share_group_state (fixed once the topic exists).")
            .define("group.streams.session.timeout.ms", ConfigDef.Type.INT, 45_000, ConfigDef.Range.atLeast(1),
                    ConfigDef.Importance.MEDIUM, "Streams group (KIP-1071) member session timeout.")
            .define("group.streams.heartbeat.interval.ms", ConfigDef.Type.INT, 5000, ConfigDef.Range.atLeast(1),
                    ConfigDef.Importance.MEDIUM, "Streams group heartbeat interval given to members.")
            .define("group.streams.max.size", ConfigDef.Type.INT, Integer.MAX_VALUE, ConfigDef.Range.atLeast(1),
                    ConfigDef.Importance.MEDIUM, "Most members in a streams group.")
            .define("group.streams.num.standby.replicas", ConfigDef.Type.INT, 0, ConfigDef.Range.atLeast(0),
                    ConfigDef.Importance.MEDIUM, "Standby replicas of each task the streams assignor places.")
            .define("group.streams.initial.rebalance.delay.ms", ConfigDef.Type.INT, 3000, ConfigDef.Range.atLeast(0),
                    ConfigDef.Importance.MEDIUM, "How long the first assignment of a streams group that was empty waits"
                            + " for more members to join.")
            // Bounds of the group configs (GROUP resources), Kafka's keys and defaults.
            .define("group.consumer.min.session.timeout.ms", ConfigDef.Type.INT, 45_000, ConfigDef.Range.atLeast(1),
                    ConfigDef.Importance.MEDIUM, "Smallest KIP-848 member session timeout a group config may set.")
            .define("group.consumer.max.session.timeout.ms", ConfigDef.Type.INT, 60_000, ConfigDef.Range.atLeast(1),
                    ConfigDef.Importance.MEDIUM, "Largest KIP-848 member session timeout a group config may set.")
            .define("group.consumer.min.heartbeat.interval.ms", ConfigDef.Type.INT, 5000, ConfigDef.Range.atLeast(1),
                    ConfigDef.Importance.MEDIUM, "Smallest KIP-848 heartbeat interval a group config may set.")
            .define("group.consumer.max.heartbeat.interval.ms", ConfigDef.Type.INT, 15_000, ConfigDef.Range.atLeast(1),
                    ConfigDef.Importance.MEDIUM, "Largest KIP-848 heartbeat interval a group config may set.")
            .define("group.share.min.session.timeout.ms", ConfigDef.Type.INT, 45_000, ConfigDef.Range.atLeast(1),
                    ConfigDef.Importance.MEDIUM, "Smallest share group session timeout a group config may set.")
            .define("group.share.max.session.timeout.ms", ConfigDef.Type.INT, 60_000, ConfigDef.Range.atLeast(1),
                    ConfigDef.Importance.MEDIUM, "Largest share group session timeout a group config may set.")
            .define("group.share.min.heartbeat.interval.ms", ConfigDef.Type.INT, 5000, ConfigDef.Range.atLeast(1),
                    ConfigDef.Importance.MEDIUM, "Smallest share group heartbeat interval a group config may set.")
            .define("group.share.max.heartbeat.interval.ms", ConfigDef.Type.INT, 15_000, ConfigDef.Range.atLeast(1),
                    ConfigDef.Importance.MEDIUM, "Largest share group heartbeat interval a group config may set.")
            .define("group.share.min.record.lock.duration.ms", ConfigDef.Type.INT, 15_000, ConfigDef.Range.atLeast(1),
                    ConfigDef.Importance.MEDIUM, "Smallest share.record.lock.duration.ms a group config may set.")
            .define("group.share.max.record.lock.duration.ms", ConfigDef.Type.INT, 60_000, ConfigDef.Range.atLeast(1),
                    ConfigDef.Importance.MEDIUM, "Largest share.record.lock.duration.ms a group config may set.")
            .define("group.share.min.delivery.count.limit", ConfigDef.Type.INT, 2, ConfigDef.Range.atLeast(1),
                    ConfigDef.Importance.MEDIUM, "Smallest share.delivery.count.limit a group config may set.")
            .define("group.share.max.delivery.count.limit", ConfigDef.Type.INT, 10, ConfigDef.Range.atLeast(1),
                    ConfigDef.Importance.MEDIUM, "Largest share.delivery.count.limit a group config may set.")
            .define("group.share.min.partition.max.record.locks", ConfigDef.Type.INT, 100, ConfigDef.Range.atLeast(1),
                    ConfigDef.Importance.MEDIUM, "Smallest share.partition.max.record.locks a group config may set.")
            .define("group.share.max.partition.max.record.locks", ConfigDef.Type.INT, 4000, ConfigDef.Range.atLeast(1),
                    ConfigDef.Importance.MEDIUM, "Largest share.partition.max.record.locks a group config may set.")
            .define("group.streams.min.session.timeout.ms", ConfigDef.Type.INT, 45_000, ConfigDef.Range.atLeast(1),
                    ConfigDef.Importance.MEDIUM, "Smallest streams group session timeout a group config may set.")
            .define("group.streams.max.session.timeout.ms", ConfigDef.Type.INT, 60_000, ConfigDef.Range.atLeast(1),
                    ConfigDef.Importance.MEDIUM, "Largest streams group session timeout a group config may set.")
            .define("group.streams.min.heartbeat.interval.ms", ConfigDef.Type.INT, 5000, ConfigDef.Range.atLeast(1),
                    ConfigDef.Importance.MEDIUM, "Smallest streams group heartbeat interval a group config may set.")
            .define("group.streams.max.heartbeat.interval.ms", ConfigDef.Type.INT, 15_000, ConfigDef.Range.atLeast(1),
                    ConfigDef.Importance.MEDIUM, "Largest streams group heartbeat interval a group config may set.")
            .define("group.streams.max.standby.replicas", ConfigDef.Type.INT, 2, ConfigDef.Range.atLeast(0),
                    ConfigDef.Importance.MEDIUM, "Largest streams.num.standby.replicas a group config may set.")
            .define("offsets.topic.segment.bytes", ConfigDef.Type.INT, 100 * 1024 * 1024, ConfigDef.Range.atLeast(1),
                    ConfigDef.Importance.HIGH, "segment.bytes of __consumer_offsets when it is created.")
            .define(LOG_CLEANER_ENABLE, ConfigDef.Type.BOOLEAN, true, ConfigDef.Importance.MEDIUM,
                    "Run the log cleaner, which compacts topics whose cleanup.policy contains compact.")
            .define(LOG_CLEANER_THREADS, ConfigDef.Type.INT, 1, ConfigDef.Range.atLeast(0), ConfigDef.Importance.MEDIUM,
                    "Cleaner threads (0: no cleaning).")
            .define(LOG_CLEANER_DEDUPE_BUFFER_SIZE, ConfigDef.Type.LONG, 128L * 1024 * 1024, ConfigDef.Importance.MEDIUM,
                    "Memory of the cleaners' key maps, all threads together.")
            .define(LOG_CLEANER_IO_BUFFER_LOAD_FACTOR, ConfigDef.Type.DOUBLE, 0.9, ConfigDef.Importance.MEDIUM,
                    "How full a cleaner key map may get.")
            .define(LOG_CLEANER_IO_MAX_BYTES_PER_SECOND, ConfigDef.Type.DOUBLE, Double.MAX_VALUE,
                    ConfigDef.Importance.MEDIUM, "Cleaner read plus write rate, all threads together.")
            .define(LOG_CLEANER_BACKOFF_MS, ConfigDef.Type.LONG, 15_000L, ConfigDef.Range.atLeast(0),
                    ConfigDef.Importance.MEDIUM, "Cleaner pause when no log needs cleaning.")
            .define(MAX_INCREMENTAL_FETCH_SESSION_CACHE_SLOTS, ConfigDef.Type.INT, 1000, ConfigDef.Range.atLeast(0),
                    ConfigDef.Importance.MEDIUM, "Incremental fetch sessions the broker keeps (KIP-227); "
                            + "which session yields its slot follows Kafka's FetchSessionCache rule.")
            .define(PRODUCER_IDS_PER_PARTITION_MAX, ConfigDef.Type.INT, 10_000, ConfigDef.Range.atLeast(1),
                    ConfigDef.Importance.LOW, "DLog: producer ids whose idempotence state one partition keeps (Kafka keeps "
                            + "any number until producer.id.expiration.ms; KIP-936). Past it the least recently writing "
                            + "producer outside a transaction is forgotten early.")
            .define("producer.id.expiration.ms", ConfigDef.Type.INT, 86_400_000, ConfigDef.Range.atLeast(1),
                    ConfigDef.Importance.LOW, "How long a partition keeps an idle producer's state (not one inside a transaction).")
            .define("transaction.version", ConfigDef.Type.SHORT, (short) 2, ConfigDef.Range.between(1, 2),
                    ConfigDef.Importance.HIGH, "Transaction protocol version (Kafka's transaction.version feature, 2 on new Kafka 4 clusters): "
                            + "2 is KIP-890 part 2 (epoch bump on every commit or abort, partitions added by Produce).")
            .define("transaction.state.log.num.partitions", ConfigDef.Type.INT, 50, ConfigDef.Range.atLeast(1),
                    ConfigDef.Importance.HIGH, "Partitions of __transaction_state (fixed once the topic exists).")
            .define("transaction.max.timeout.ms", ConfigDef.Type.INT, 900_000, ConfigDef.Range.atLeast(1),
                    ConfigDef.Importance.HIGH, "Largest transaction.timeout.ms a producer may ask for.")
            .define("transactional.id.expiration.ms", ConfigDef.Type.INT, 604_800_000, ConfigDef.Range.atLeast(1),
                    ConfigDef.Importance.HIGH, "How long an idle transactional id is kept.")
            .define("transaction.abort.timed.out.transaction.cleanup.interval.ms", ConfigDef.Type.INT, 10_000,
                    ConfigDef.Range.atLeast(1), ConfigDef.Importance.LOW, "How often timed-out transactions are aborted.")
            .define("transaction.remove.expired.transaction.cleanup.interval.ms", ConfigDef.Type.INT, 3_600_000,
                    ConfigDef.Range.atLeast(1), ConfigDef.Importance.LOW, "How often expired transactional ids are removed.")
            .define("add.partitions.to.txn.retry.backoff.ms", ConfigDef.Type.INT, 20, ConfigDef.Range.atLeast(1),
                    ConfigDef.Importance.HIGH, "How long a Produce waits before asking the transaction coordinator again "
                            + "to add its partition (transaction version 2) after CONCURRENT_TRANSACTIONS.")
            .define("add.partitions.to.txn.retry.backoff.max.ms", ConfigDef.Type.INT, 100, ConfigDef.Range.atLeast(0),
                    ConfigDef.Importance.HIGH, "How long a Produce keeps asking to add its partition before the producer "
                            + "gets CONCURRENT_TRANSACTIONS (adding only, not verifying)."));

    private static final Set<String> DYNAMIC = dynamicKeys();

    private final Map<String, String> staticValues;
    /** The cluster-wide dynamic layer (resource ""); {@link #dynamicValues} has this node's overrides on top. */
    private final Map<String, String> dynamicDefaultValues;
    /** This node's own dynamic overrides (resource "&lt;node id&gt;"). */
    private final Map<String, String> nodeDynamicValues;
    private final Map<String, String> dynamicValues;
    private final Map<String, Object> parsed;

    private BrokerConfig(Map<String, String> staticValues, Map<String, String> dynamicDefaults, Map<String, String> nodeDynamic) {
        this.staticValues = Map.copyOf(staticValues);
        this.dynamicDefaultValues = Map.copyOf(dynamicDefaults);
        this.nodeDynamicValues = Map.copyOf(nodeDynamic);
        Map<String, String> dynamic = new HashMap<>(dynamicDefaults);
        dynamic.putAll(nodeDynamic);
        this.dynamicValues = Map.copyOf(dynamic);
        Map<String, String> merged = new HashMap<>(staticValues);
        merged.putAll(dynamicValues);
        Map<String, Object> values = new HashMap<>(DEF.parse(merged));
        values.putAll(ReplicationThrottleConfigs.definition().parse(dynamicValues));
        this.parsed = values;
    }

    /**
     * Parses {@code server.properties} values. Unknown keys are refused, except Kafka's own broker keys
     * that DLog accepts and ignores (so a Kafka server.properties works as it is).
     *
     * @throws ConfigException a one-line message naming the bad key or value
     */
    public static BrokerConfig parse(Map<String, String> values) {
        for (String key : values.keySet()) {
            if (!isKnown(key)) {
                throw new ConfigException("unknown config '" + key + "'");
            }
        }
        refuseMissingFeatures(values);
        Map<String, String> known = new HashMap<>(values);
        known.keySet().removeAll(KafkaIgnoredBrokerConfigs.NAMES);
        BrokerConfig config = new BrokerConfig(known, Map.of(), Map.of());
        Optional<String> formatted = config.formattedVoters(values.get("metadata.log.dir"));
        if (formatted.isPresent()) {
            known.put(CONTROLLER_QUORUM_VOTERS, formatted.get());
            config = new BrokerConfig(known, Map.of(), Map.of());
        }
        config.checkClusterSettings();
        return config;
    }

    /**
     * For a dynamic quorum (KIP-853: {@code controller.quorum.bootstrap.servers} of other controllers than this
     * node alone, no {@code controller.quorum.voters}), the voters written into the metadata folder by {@code dlog
     * format} or Kafka's {@code kafka-storage format --initial-controllers}, as a {@code controller.quorum.voters}
     * value; empty for a static quorum, a single-node one, or a folder not formatted so.
     */
    private Optional<String> formattedVoters(String metadataLogDir) {
        String bootstrap = ((String) parsed.get(CONTROLLER_QUORUM_BOOTSTRAP_SERVERS)).trim();
        if (!((String) parsed.get(CONTROLLER_QUORUM_VOTERS)).isBlank() || bootstrap.isEmpty()
                || isOwnControllerAddress(bootstrap)) {
            return Optional.empty();
        }
        try {
            return KraftBootstrapSnapshot.read(KraftBootstrapSnapshot.metadataDir(metadataLogDir, dataDir()),
                    controllerListenerName()).map(KraftBootstrapSnapshot::votersValue);
        } catch (IOException e) {
            throw new ConfigException(CONTROLLER_QUORUM_BOOTSTRAP_SERVERS, bootstrap, "the voters of this dynamic "
                    + "quorum cannot be read: " + e.getMessage());
        }
    }

    /**
     * Accepted Kafka keys whose non-empty value turns on what DLog does not have: ignoring them would leave
     * ${provider:...} values unresolved, a policy or quota plugin unenforced or a tiered-storage setup silently
     * local, so they stop the start instead.
     */
    private static void refuseMissingFeatures(Map<String, String> values) {
        for (Map.Entry<String, String> plugin : KafkaIgnoredBrokerConfigs.PLUGINS.entrySet()) {
            String value = values.get(plugin.getKey());
            if (value != null && !value.isBlank()) {
                throw new ConfigException(plugin.getKey(), value, plugin.getValue());
            }
        }
        String tiered = values.get("remote.log.storage.system.enable");
        if (tiered != null && tiered.trim().equalsIgnoreCase("true")) {
            throw new ConfigException("remote.log.storage.system.enable", tiered,
                    "DLog has no tiered storage (KIP-405)");
        }
    }

    /**
     * Whether {@link #parse} takes {@code key}: a key DLog implements, a Kafka key it accepts and ignores, a security
     * key (listener prefixes included) or a mirror-source client key.
     */
    public static boolean isKnown(String key) {
        return DEF.names().contains(key) || KafkaIgnoredBrokerConfigs.NAMES.contains(key)
                || SecurityConfigs.isSecurityKey(key) || isMirrorSourceKey(key);
    }

    private static boolean isMirrorSourceKey(String key) {
        if (!key.startsWith(MIRROR_SOURCE_PREFIX)) {
            return false;
        }
        String setting = key.substring(MIRROR_SOURCE_PREFIX.length());
        return !setting.equals(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG) && AdminClientConfig.configNames().contains(setting);
    }

    /**
     * The client settings of connections to migration sources ({@link #MIRROR_SOURCE_PREFIX} stripped): security
     * protocol, SASL and TLS settings when the source cluster requires them. Empty: PLAINTEXT with defaults.
     */
    public Map<String, Object> mirrorSourceClientSettings() {
        Map<String, Object> settings = new HashMap<>();
        staticValues.forEach((key, value) -> {
            if (isMirrorSourceKey(key)) {
                settings.put(key.substring(MIRROR_SOURCE_PREFIX.length()), value);
            }
        });
        return settings;
    }

    /** The listener and quorum settings fit together; fails at start with a one-line message, not later. */
    private void checkClusterSettings() {
        if (!isControllerOnly()) {
            listener();
            advertisedListener();
            advertisedListeners();
        }
        // Kafka's rules: a follower's fetch parked at the leader longer than the lag limit would look lagging
        // (and leave the ISR) whenever data arrives just before it returns; one parked past the socket timeout fails.
        if (replicaFetchWaitMaxMs() > replicaLagTimeMaxMs()) {
            throw new ConfigException(REPLICA_FETCH_WAIT_MAX_MS, replicaFetchWaitMaxMs(), "must be at most "
                    + REPLICA_LAG_TIME_MAX_MS + " (" + replicaLagTimeMaxMs() + ") to prevent frequent changes in the ISR");
        }
        if (replicaFetchWaitMaxMs() > replicaSocketTimeoutMs()) {
            throw new ConfigException(REPLICA_FETCH_WAIT_MAX_MS, replicaFetchWaitMaxMs(), "must be at most "
                    + REPLICA_SOCKET_TIMEOUT_MS + " (" + replicaSocketTimeoutMs() + ")");
        }
        Set<String> roles = new HashSet<>();
        for (String role : ((String) parsed.get(PROCESS_ROLES)).split(",")) {
            roles.add(role.trim());
        }
        if (!roles.equals(Set.of("broker", "controller")) && !roles.equals(Set.of("broker"))
                && !roles.equals(Set.of("controller"))) {
            throw new ConfigException(PROCESS_ROLES, parsed.get(PROCESS_ROLES),
                    "a DLog node is broker,controller, broker or controller");
        }
        Map<Integer, java.net.InetSocketAddress> voters = controllerQuorumVoters();
        String bootstrap = ((String) parsed.get(CONTROLLER_QUORUM_BOOTSTRAP_SERVERS)).trim();
        if (voters.isEmpty() && !bootstrap.isEmpty() && !isBrokerOnly() && !isOwnControllerAddress(bootstrap)) {
            throw new ConfigException(CONTROLLER_QUORUM_BOOTSTRAP_SERVERS, bootstrap,
                    "a dynamic quorum (KIP-853) takes its voters from the data folder, and "
                            + KraftBootstrapSnapshot.file(dataDir()) + " is missing: format the folder first "
                            + "(dlog format --cluster-id ID --config FILE --initial-controllers id@host:port:dirid,..., "
                            + "as kafka-storage format) or list the voters in controller.quorum.voters (id@host:port,...)");
        }
        if (isControllerOnly()) {
            // Kafka's isolated mode: a voter that serves no clients and holds no partitions.
            if (voters.isEmpty() || !voters.containsKey(nodeId())) {
                throw new ConfigException(CONTROLLER_QUORUM_VOTERS, parsed.get(CONTROLLER_QUORUM_VOTERS),
                        "a controller-only node (process.roles=controller) must be among the voters (node.id "
                                + nodeId() + ")");
            }
            if (controllerListener().isEmpty()) {
                throw new ConfigException(LISTENERS, parsed.get(LISTENERS), "a controller-only node needs a "
                        + controllerListenerName() + "://host:port listener for the metadata group");
            }
        } else if (isBrokerOnly()) {
            if (voters.isEmpty() && controllerQuorumBootstrapServers().isEmpty()) {
                throw new ConfigException(CONTROLLER_QUORUM_VOTERS, parsed.get(CONTROLLER_QUORUM_VOTERS),
                        "a broker-only node (process.roles=broker) needs the controllers to follow: "
                                + CONTROLLER_QUORUM_BOOTSTRAP_SERVERS + " (host:port,...) or controller.quorum.voters");
            }
            if (voters.containsKey(nodeId())) {
                throw new ConfigException(PROCESS_ROLES, parsed.get(PROCESS_ROLES), "node.id " + nodeId()
                        + " is among controller.quorum.voters, so its process.roles must include controller");
            }
        } else if (!voters.isEmpty()) {
            if (!voters.containsKey(nodeId())) {
                throw new ConfigException(CONTROLLER_QUORUM_VOTERS, parsed.get(CONTROLLER_QUORUM_VOTERS),
                        "node.id " + nodeId() + " is not among the voters");
            }
            if (controllerListener().isEmpty()) {
                throw new ConfigException(LISTENERS, parsed.get(LISTENERS), "a cluster node needs a "
                        + controllerListenerName() + "://host:port listener for the metadata group");
            }
        }
    }

    private static Set<String> dynamicKeys() {
        Set<String> keys = new HashSet<>();
        for (TopicConfigs.Definition definition : TopicConfigs.definitions().values()) {
            if (!definition.brokerSynonyms().isEmpty()) {
                keys.add(definition.brokerSynonyms().get(0));
            }
        }
        return Set.copyOf(keys);
    }

    /** A copy with these dynamic overrides of this node (and no cluster-wide ones) in place of the current ones. */
    public BrokerConfig withDynamic(Map<String, String> dynamic) {
        return new BrokerConfig(staticValues, Map.of(), dynamic);
    }

    /**
     * A copy with these dynamic layers in place of the current ones: the cluster-wide defaults (resource "") and this
     * node's own overrides, which win over them (Kafka's DYNAMIC_DEFAULT_BROKER_CONFIG and DYNAMIC_BROKER_CONFIG).
     */
    public BrokerConfig withDynamic(Map<String, String> clusterDefaults, Map<String, String> nodeOverrides) {
        return new BrokerConfig(staticValues, clusterDefaults, nodeOverrides);
    }

    public static ConfigDef definition() {
        return DEF;
    }

    public static Set<String> names() {
        return DEF.names();
    }

    /** Apache Kafka broker keys that DLog accepts in server.properties and ignores (docs/operations.md lists them). */
    public static Set<String> ignoredKafkaKeys() {
        return KafkaIgnoredBrokerConfigs.NAMES;
    }

    /**
     * Broker keys that IncrementalAlterConfigs/AlterConfigs may change at runtime. As in Kafka
     * ({@code DynamicLogConfig.ReconfigurableConfigs}), these are the main broker synonym of each topic
     * config (log.retention.ms, log.segment.bytes, message.max.bytes, ...) but not the alternative
     * units (log.retention.hours, log.roll.hours): Kafka refuses those dynamically too; and the
     * dynamic-only replication throttles ({@link ReplicationThrottleConfigs}). Everything else is read
     * at start-up only.
     */
    public static boolean isDynamic(String name) {
        return DYNAMIC.contains(name) || ReplicationThrottleConfigs.names().contains(name);
    }

    /**
     * The definition of a broker key, including the dynamic-only ones ({@link ReplicationThrottleConfigs}), or empty
     * for a key the broker does not have.
     */
    public static Optional<ConfigDef.ConfigKey> configKey(String name) {
        ConfigDef.ConfigKey key = DEF.configKeys().get(name);
        return Optional.ofNullable(key != null ? key : ReplicationThrottleConfigs.definition().configKeys().get(name));
    }

    /** The keys that set the same value as {@code name}, most precise first (log.retention.ms, .minutes, .hours). */
    public static List<String> synonymGroup(String name) {
        return TopicConfigs.definitionOfBrokerSynonym(name).map(TopicConfigs.Definition::brokerSynonyms)
                .filter(group -> group.size() > 1).orElse(List.of(name));
    }

    /**
     * Why these dynamic overrides cannot be applied (unknown key, bad type, out of range), or empty.
     * Whether each key may change at runtime is {@link #isDynamic}'s question, not this one's.
     */
    public Optional<String> invalidDynamicReason(Map<String, String> dynamic) {
        for (Map.Entry<String, String> entry : dynamic.entrySet()) {
            ConfigDef.ConfigKey key = configKey(entry.getKey()).orElse(null);
            if (key == null) {
                return Optional.of("Unknown broker config name: " + entry.getKey());
            }
            if (entry.getValue() == null) {
                return Optional.of("Null value not supported for broker config: " + entry.getKey());
            }
            try {
                Object parsed = ConfigDef.parseType(key.name, entry.getValue(), key.type);
                if (key.validator != null) {
                    key.validator.ensureValid(key.name, parsed);
                }
            } catch (ConfigException e) {
                return Optional.of(e.getMessage());
            }
            Optional<String> topicRule = TopicConfigs.validateBrokerSynonym(entry.getKey(), entry.getValue());
            if (topicRule.isPresent()) {
                return topicRule;
            }
        }
        try {
            withDynamic(dynamic);
            return Optional.empty();
        } catch (ConfigException e) {
            return Optional.of(e.getMessage());
        }
    }

    /**
     * Where the values of these keys come from, as DescribeConfigs lists synonyms: every key this node
     * overrides dynamically, then every key set as a dynamic cluster default, then every key set statically,
     * then every key's default (Kafka's order).
     */
    public List<TopicConfigs.Synonym> synonyms(List<String> keys) {
        List<TopicConfigs.Synonym> result = new ArrayList<>();
        for (String key : keys) {
            if (nodeDynamicValues.containsKey(key)) {
                result.add(new TopicConfigs.Synonym(key, nodeDynamicValues.get(key), TopicConfigs.Source.DYNAMIC_BROKER));
            }
        }
        for (String key : keys) {
            if (dynamicDefaultValues.containsKey(key)) {
                result.add(new TopicConfigs.Synonym(key, dynamicDefaultValues.get(key),
                        TopicConfigs.Source.DYNAMIC_DEFAULT_BROKER));
            }
        }
        for (String key : keys) {
            if (staticValues.containsKey(key)) {
                result.add(new TopicConfigs.Synonym(key, staticValues.get(key), TopicConfigs.Source.STATIC_BROKER));
            }
        }
        for (String key : keys) {
            ConfigDef.ConfigKey definition = DEF.configKeys().get(key);
            if (definition != null && definition.hasDefault() && definition.defaultValue != null) {
                result.add(new TopicConfigs.Synonym(key, ConfigDef.convertToString(definition.defaultValue, definition.type),
                        TopicConfigs.Source.DEFAULT));
            }
        }
        return result;
    }

    public Map<String, String> staticValues() {
        return staticValues;
    }

    /** The dynamic values in force here: the cluster-wide defaults with this node's overrides on top. */
    public Map<String, String> dynamicValues() {
        return dynamicValues;
    }

    /** The cluster-wide dynamic defaults (broker resource ""). */
    public Map<String, String> dynamicDefaultValues() {
        return dynamicDefaultValues;
    }

    /**
     * Which dynamic layer a key in {@link #dynamicValues} comes from: this node's overrides (DYNAMIC_BROKER) or the
     * cluster-wide defaults (DYNAMIC_DEFAULT_BROKER).
     */
    public TopicConfigs.Source dynamicSource(String key) {
        return nodeDynamicValues.containsKey(key) ? TopicConfigs.Source.DYNAMIC_BROKER
                : TopicConfigs.Source.DYNAMIC_DEFAULT_BROKER;
    }

    /** The parsed value of any defined key (type per {@link ConfigDef.Type}). */
    public Object value(String name) {
        return parsed.get(name);
    }

    public int nodeId() {
        int brokerId = (Integer) parsed.get(BROKER_ID);
        boolean nodeIdSet = staticValues.containsKey(NODE_ID);
        return !nodeIdSet && brokerId >= 0 ? brokerId : (Integer) parsed.get(NODE_ID);
    }

    /** The Arrow Flight endpoint's port ({@code dlog.flight.port}), empty when the endpoint is off. */
    public java.util.OptionalInt flightPort() {
        Integer port = (Integer) parsed.get(FLIGHT_PORT);
        return port == null ? java.util.OptionalInt.empty() : java.util.OptionalInt.of(port);
    }

    /** The Prometheus endpoint's port ({@code dlog.metrics.port}), empty when the endpoint is off. */
    public java.util.OptionalInt metricsPort() {
        Integer port = (Integer) parsed.get(METRICS_PORT);
        return port == null ? java.util.OptionalInt.empty() : java.util.OptionalInt.of(port);
    }

    /** The address the Prometheus endpoint binds ({@code dlog.metrics.host}). */
    /** The schema registry's URL, empty when {@code dlog.schema.registry.url} is unset. */
    public java.util.Optional<String> schemaRegistryUrl() {
        return java.util.Optional.ofNullable((String) parsed.get(SCHEMA_REGISTRY_URL));
    }

    public String metricsHost() {
        return (String) parsed.get(METRICS_HOST);
    }

    /**
     * The inter-broker listener, one of the client listeners: {@code inter.broker.listener.name}, else the
     * one whose protocol is {@code security.inter.broker.protocol}, else the first. Brokers reach each
     * other there, and it is the listener of requests that come without one.
     */
    public Listener listener() {
        List<Listener> clients = clientListeners();
        String named = (String) parsed.get(INTER_BROKER_LISTENER_NAME);
        if (named != null && !named.isBlank()) {
            String wanted = named.trim().toUpperCase(java.util.Locale.ROOT);
            return clients.stream().filter(l -> l.name().equals(wanted)).findFirst().orElseThrow(() -> new ConfigException(
                    INTER_BROKER_LISTENER_NAME, named, "is not among the client listeners " + parsed.get(LISTENERS)));
        }
        String protocol = ((String) parsed.get(SECURITY_INTER_BROKER_PROTOCOL)).trim();
        return clients.stream().filter(l -> securityProtocol(l.name()).name().equals(protocol)).findFirst()
                .orElse(clients.get(0));
    }

    /** Every client listener of {@code listeners} (all but the controller listener), in their order. */
    public List<Listener> clientListeners() {
        return clientListeners(LISTENERS, (String) parsed.get(LISTENERS));
    }

    /** The security protocol of a listener, from {@code listener.security.protocol.map}. */
    public org.apache.kafka.common.security.auth.SecurityProtocol securityProtocol(String listenerName) {
        return protocols().protocolOf(LISTENER_SECURITY_PROTOCOL_MAP, listenerName);
    }

    /** {@code listener.security.protocol.map}, parsed. */
    public ListenerProtocols protocols() {
        return ListenerProtocols.parse(LISTENER_SECURITY_PROTOCOL_MAP, (String) parsed.get(LISTENER_SECURITY_PROTOCOL_MAP));
    }

    /** Where clients are told to connect: advertised.listeners, else listeners (an empty host becomes localhost). */
    public Listener advertisedListener() {
        String name = listener().name();
        return advertisedListeners().stream().filter(l -> l.name().equals(name)).findFirst()
                .orElseThrow(() -> new ConfigException(ADVERTISED_LISTENERS, parsed.get(ADVERTISED_LISTENERS),
                        "does not advertise the inter-broker listener " + name));
    }

    /**
     * Every client listener as clients are told to reach it: those of advertised.listeners (each must
     * be one of listeners), else listeners; an empty host or 0.0.0.0 becomes localhost.
     */
    public List<Listener> advertisedListeners() {
        String advertised = (String) parsed.get(ADVERTISED_LISTENERS);
        List<Listener> listeners = advertised == null ? clientListeners() : clientListeners(ADVERTISED_LISTENERS, advertised);
        Set<String> bound = new HashSet<>();
        clientListeners().forEach(l -> bound.add(l.name()));
        List<Listener> result = new ArrayList<>();
        for (Listener listener : listeners) {
            if (!bound.contains(listener.name())) {
                throw new ConfigException(ADVERTISED_LISTENERS, advertised, "listener " + listener.name()
                        + " is not among listeners");
            }
            result.add(listener.host().isEmpty() || listener.host().equals("0.0.0.0")
                    ? new Listener(listener.name(), "localhost", listener.port()) : listener);
        }
        return result;
    }

    /** The listener the metadata group binds, if {@code listeners} names one. */
    /** {@code process.roles=broker}: the node serves clients and follows the metadata group without a vote. */
    public boolean isBrokerOnly() {
        return !((String) parsed.get(PROCESS_ROLES)).contains("controller");
    }

    /**
     * {@code process.roles=controller} (Kafka's isolated mode): the node votes in the metadata group and, while it
     * leads it, fences silent brokers; it serves no clients and holds no partitions.
     */
    public boolean isControllerOnly() {
        return !((String) parsed.get(PROCESS_ROLES)).contains("broker");
    }

    /**
     * True when {@code bootstrap} (controller.quorum.bootstrap.servers) is one address, the port of this node's
     * controller listener on this host: Kafka 4's stock server.properties (localhost:9093 with
     * CONTROLLER://:9093), formatted there with --standalone. DLog runs that as its single-node quorum.
     */
    private boolean isOwnControllerAddress(String bootstrap) {
        if (bootstrap.contains(",") || isBrokerOnly()) {
            return false;
        }
        int colon = bootstrap.lastIndexOf(':');
        Optional<Listener> controller = controllerListener();
        if (colon <= 0 || controller.isEmpty()) {
            return false;
        }
        String host = bootstrap.substring(0, colon).trim();
        String port = bootstrap.substring(colon + 1).trim();
        if (!port.equals(Integer.toString(controller.get().port()))) {
            return false;
        }
        String listenerHost = controller.get().host();
        if (host.equals(listenerHost)) {
            return true;
        }
        try {
            return java.net.InetAddress.getByName(host).isLoopbackAddress()
                    || java.net.NetworkInterface.getByInetAddress(java.net.InetAddress.getByName(host)) != null;
        } catch (java.io.IOException e) {
            return false; // an unknown host is not this node
        }
    }

    public Optional<Listener> controllerListener() {
        String controllerName = controllerListenerName();
        return Listener.parseAll(LISTENERS, (String) parsed.get(LISTENERS), controllerName).stream()
                .filter(l -> l.name().equals(controllerName)).findFirst();
    }

    public String controllerListenerName() {
        String names = ((String) parsed.get(CONTROLLER_LISTENER_NAMES)).trim();
        return names.contains(",") ? names.substring(0, names.indexOf(',')).trim() : names;
    }

    private List<Listener> clientListeners(String key, String value) {
        ListenerProtocols protocols = protocols();
        List<Listener> clients = new ArrayList<>();
        Set<String> names = new HashSet<>();
        for (Listener listener : Listener.parseAll(key, value, controllerListenerName())) {
            if (listener.name().equals(controllerListenerName())) {
                continue;
            }
            protocols.protocolOf(key, listener.name());
            if (!names.add(listener.name())) {
                throw new ConfigException(key, value, "listener " + listener.name() + " is named twice");
            }
            clients.add(listener);
        }
        if (clients.isEmpty()) {
            throw new ConfigException(key, value, "no client listener (NAME://host:port with NAME in "
                    + LISTENER_SECURITY_PROTOCOL_MAP + ")");
        }
        return clients;
    }

    /**
     * The metadata group's voters by node id ({@code controller.quorum.voters}); empty for a single
     * node voting alone.
     */
    public Map<Integer, java.net.InetSocketAddress> controllerQuorumVoters() {
        String value = ((String) parsed.get(CONTROLLER_QUORUM_VOTERS)).trim();
        Map<Integer, java.net.InetSocketAddress> voters = new java.util.TreeMap<>();
        if (value.isEmpty()) {
            return voters;
        }
        for (String entry : value.split(",")) {
            String voter = entry.trim();
            int at = voter.indexOf('@');
            int colon = voter.lastIndexOf(':');
            if (at <= 0 || colon <= at + 1) {
                throw new ConfigException(CONTROLLER_QUORUM_VOTERS, value, "expected id@host:port,...");
            }
            try {
                int id = Integer.parseInt(voter.substring(0, at));
                String host = voter.substring(at + 1, colon);
                if (host.startsWith("[") && host.endsWith("]")) {
                    host = host.substring(1, host.length() - 1);
                }
                int port = Integer.parseInt(voter.substring(colon + 1));
                if (port < 1 || port > 65535 || voters.put(id, java.net.InetSocketAddress.createUnresolved(host, port)) != null) {
                    throw new NumberFormatException();
                }
            } catch (NumberFormatException e) {
                throw new ConfigException(CONTROLLER_QUORUM_VOTERS, value, "expected id@host:port,... with distinct ids "
                        + "and ports 1-65535");
            }
        }
        return voters;
    }

    /**
     * The controllers' addresses in {@code controller.quorum.bootstrap.servers} (host:port,..., Kafka's form), in
     * the order given; empty when unset. A broker-only node that lists no voters asks these for the voters at start.
     */
    public List<java.net.InetSocketAddress> controllerQuorumBootstrapServers() {
        String value = ((String) parsed.get(CONTROLLER_QUORUM_BOOTSTRAP_SERVERS)).trim();
        List<java.net.InetSocketAddress> servers = new ArrayList<>();
        if (value.isEmpty()) {
            return servers;
        }
        for (String entry : value.split(",")) {
            String server = entry.trim();
            int colon = server.lastIndexOf(':');
            try {
                if (colon <= 0) {
                    throw new NumberFormatException();
                }
                String host = server.substring(0, colon);
                if (host.startsWith("[") && host.endsWith("]")) {
                    host = host.substring(1, host.length() - 1);
                }
                int port = Integer.parseInt(server.substring(colon + 1));
                if (host.isEmpty() || port < 1 || port > 65535) {
                    throw new NumberFormatException();
                }
                servers.add(java.net.InetSocketAddress.createUnresolved(host, port));
            } catch (NumberFormatException e) {
                throw new ConfigException(CONTROLLER_QUORUM_BOOTSTRAP_SERVERS, value, "expected host:port,... with "
                        + "ports 1-65535");
            }
        }
        return servers;
    }

    /** A broker-only node given no voters: it learns them from {@link #controllerQuorumBootstrapServers()} at start. */
    public boolean discoversVoters() {
        return isBrokerOnly() && controllerQuorumVoters().isEmpty();
    }

    public Optional<String> rack() {
        return Optional.ofNullable((String) parsed.get(BROKER_RACK));
    }

    /** replica.selector.class is the rack-aware selector: consumers are sent to in-sync replicas of their rack. */
    public boolean rackAwareReplicaSelector() {
        return parsed.get(REPLICA_SELECTOR_CLASS) != null;
    }

    public short offsetsTopicReplicationFactor() {
        return (Short) parsed.get(OFFSETS_TOPIC_REPLICATION_FACTOR);
    }

    public short transactionStateLogReplicationFactor() {
        return (Short) parsed.get(TRANSACTION_STATE_LOG_REPLICATION_FACTOR);
    }

    public int transactionStateLogMinIsr() {
        return (Integer) parsed.get(TRANSACTION_STATE_LOG_MIN_ISR);
    }

    public long replicaLagTimeMaxMs() {
        return (Long) parsed.get(REPLICA_LAG_TIME_MAX_MS);
    }

    public int replicaFetchWaitMaxMs() {
        return (Integer) parsed.get(REPLICA_FETCH_WAIT_MAX_MS);
    }

    public int replicaFetchMaxBytes() {
        return (Integer) parsed.get(REPLICA_FETCH_MAX_BYTES);
    }

    public int replicaFetchResponseMaxBytes() {
        return (Integer) parsed.get(REPLICA_FETCH_RESPONSE_MAX_BYTES);
    }

    public int replicaFetchBackoffMs() {
        return (Integer) parsed.get(REPLICA_FETCH_BACKOFF_MS);
    }

    public int replicaSocketTimeoutMs() {
        return (Integer) parsed.get(REPLICA_SOCKET_TIMEOUT_MS);
    }

    public boolean autoLeaderRebalanceEnable() {
        return (Boolean) parsed.get(AUTO_LEADER_REBALANCE_ENABLE);
    }

    public long leaderImbalanceCheckIntervalSeconds() {
        return (Long) parsed.get(LEADER_IMBALANCE_CHECK_INTERVAL_SECONDS);
    }

    public long uncleanLeaderElectionIntervalMs() {
        return (Long) parsed.get(UNCLEAN_LEADER_ELECTION_INTERVAL_MS);
    }

    /** server.properties' {@code unclean.leader.election.enable}, or null when the file leaves it out. */
    public String staticUncleanLeaderElectionEnable() {
        return staticValues.get(UNCLEAN_LEADER_ELECTION_ENABLE);
    }

    public int brokerSessionTimeoutMs() {
        return (Integer) parsed.get(BROKER_SESSION_TIMEOUT_MS);
    }

    public boolean fastFenceEnable() {
        return (Boolean) parsed.get(FAST_FENCE_ENABLE);
    }

    public int brokerHeartbeatIntervalMs() {
        return (Integer) parsed.get(BROKER_HEARTBEAT_INTERVAL_MS);
    }

    public int metadataElectionTimeoutMs() {
        return (Integer) parsed.get(METADATA_ELECTION_TIMEOUT_MS);
    }

    public long metadataSnapshotEvery() {
        return (Long) parsed.get(METADATA_SNAPSHOT_EVERY);
    }

    public Path dataDir() {
        String dirs = (String) parsed.get(LOG_DIRS);
        String dir = dirs != null ? dirs : (String) parsed.get(LOG_DIR);
        if (dir.contains(",")) {
            throw new ConfigException(LOG_DIRS, dir, "DLog uses one data folder per broker");
        }
        return Path.of(dir.trim());
    }

    public int numPartitions() {
        return (Integer) parsed.get(NUM_PARTITIONS);
    }

    public int quotaWindowNum() {
        return (Integer) parsed.get(QUOTA_WINDOW_NUM);
    }

    public int quotaWindowSizeSeconds() {
        return (Integer) parsed.get(QUOTA_WINDOW_SIZE_SECONDS);
    }

    public int replicationQuotaWindowNum() {
        return (Integer) parsed.get(REPLICATION_QUOTA_WINDOW_NUM);
    }

    public int replicationQuotaWindowSizeSeconds() {
        return (Integer) parsed.get(REPLICATION_QUOTA_WINDOW_SIZE_SECONDS);
    }

    /** leader.replication.throttled.rate in force here (bytes/s; {@link ReplicationThrottleConfigs#UNLIMITED} unset). */
    public long leaderReplicationThrottledRate() {
        return (Long) parsed.get(ReplicationThrottleConfigs.LEADER_RATE);
    }

    /** follower.replication.throttled.rate in force here (bytes/s; {@link ReplicationThrottleConfigs#UNLIMITED} unset). */
    public long followerReplicationThrottledRate() {
        return (Long) parsed.get(ReplicationThrottleConfigs.FOLLOWER_RATE);
    }

    public boolean autoCreateTopicsEnable() {
        return (Boolean) parsed.get(AUTO_CREATE_TOPICS_ENABLE);
    }

    public short defaultReplicationFactor() {
        return (Short) parsed.get(DEFAULT_REPLICATION_FACTOR);
    }

    public int socketRequestMaxBytes() {
        return (Integer) parsed.get(SOCKET_REQUEST_MAX_BYTES);
    }

    public int maxIncrementalFetchSessionCacheSlots() {
        return (Integer) parsed.get(MAX_INCREMENTAL_FETCH_SESSION_CACHE_SLOTS);
    }

    public int maxProducerIdsPerPartition() {
        return (Integer) parsed.get(PRODUCER_IDS_PER_PARTITION_MAX);
    }

    /** producer.id.expiration.ms (Kafka's 86400000). */
    public long producerIdExpirationMs() {
        return ((Number) parsed.get("producer.id.expiration.ms")).longValue();
    }

    public long retentionCheckIntervalMs() {
        return (Long) parsed.get(LOG_RETENTION_CHECK_INTERVAL_MS);
    }

    public int numNetworkThreads() {
        return (Integer) parsed.get(NUM_NETWORK_THREADS);
    }

    public int numIoThreads() {
        return (Integer) parsed.get(NUM_IO_THREADS);
    }

    public boolean deleteTopicEnable() {
        return (Boolean) parsed.get(DELETE_TOPIC_ENABLE);
    }

    public long groupCommitMaxWaitMs() {
        return (Long) parsed.get(GROUP_COMMIT_MAX_WAIT_MS);
    }

    /** The log cleaner's settings, with Kafka's codecs for compressed batches. */
    public CleanerConfig cleanerConfig() {
        int threads = (Integer) parsed.get(LOG_CLEANER_THREADS);
        return new CleanerConfig((Boolean) parsed.get(LOG_CLEANER_ENABLE) && threads > 0, Math.max(1, threads),
                (Long) parsed.get(LOG_CLEANER_DEDUPE_BUFFER_SIZE), (Double) parsed.get(LOG_CLEANER_IO_BUFFER_LOAD_FACTOR),
                (Double) parsed.get(LOG_CLEANER_IO_MAX_BYTES_PER_SECOND), (Long) parsed.get(LOG_CLEANER_BACKOFF_MS),
                KafkaRecordsCodec.INSTANCE);
    }

    /** segment.bytes of {@code __consumer_offsets} (Kafka: offsets.topic.segment.bytes). */
    public int offsetsTopicSegmentBytes() {
        return (Integer) parsed.get("offsets.topic.segment.bytes");
    }

    /** One listener: {@code NAME://host:port}. */
    public record Listener(String name, String host, int port) {
        static List<Listener> parseAll(String key, String value, String controllerName) {
            List<Listener> listeners = new ArrayList<>();
            for (String one : value.split(",")) {
                if (!one.isBlank()) {
                    listeners.add(parse(key, one, controllerName));
                }
            }
            return listeners;
        }

        static Listener parse(String key, String value, String controllerName) {
            String trimmed = value.trim();
            int scheme = trimmed.indexOf("://");
            int colon = trimmed.lastIndexOf(':');
            if (scheme <= 0 || colon <= scheme + 2) {
                throw new ConfigException(key, value, "expected NAME://host:port");
            }
            // Kafka upper-cases listener names (ListenerName.normalised).
            String name = trimmed.substring(0, scheme).toUpperCase(java.util.Locale.ROOT);
            String host = trimmed.substring(scheme + 3, colon);
            if (host.startsWith("[") && host.endsWith("]")) {
                host = host.substring(1, host.length() - 1);
            }
            try {
                int port = Integer.parseInt(trimmed.substring(colon + 1));
                if (port < 0 || port > 65535) {
                    throw new NumberFormatException();
                }
                return new Listener(name, host, port);
            } catch (NumberFormatException e) {
                throw new ConfigException(key, value, "port must be 0-65535");
            }
        }
    }
}
