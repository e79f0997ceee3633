package io.dlog.kafka.topic;

import io.dlog.cluster.ImageListener;
import io.dlog.cluster.MetadataCommand;
import io.dlog.cluster.MetadataQuorum;
import io.dlog.cluster.ReplicaPlacement;
import io.dlog.kafka.config.BrokerConfig;
import io.dlog.kafka.config.TopicConfigs;
import io.dlog.kafka.replica.ReplicaManager;
import io.dlog.log.LogConfig;
import io.dlog.log.LogManager;
import io.dlog.log.PartitionLog;
import io.dlog.log.PartitionMetadataFile;
import io.dlog.log.TopicPartition;
import io.dlog.log.metadata.BrokerImage;
import io.dlog.log.metadata.MetadataException;
import io.dlog.log.metadata.MetadataImage;
import io.dlog.log.metadata.TopicImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadLocalRandom;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Topics as a whole: the cluster image (held by the metadata Raft group) and the partition logs it
 * implies on this node. Changes are proposals to the metadata group; this node's logs follow the image
 * through {@link #onImage}, the one listener that turns image changes into local actions.
 *
 * <p>Catching up: while the node replays the metadata log at start, images pass by that are older than
 * the cluster's, so nothing is done with them. Once the node's own registration is applied
 * ({@link #catchUp}), the node has seen everything committed before it, and the logs are reconciled
 * with the image in one pass: missing partitions created, partitions of deleted topics removed. After that,
 * each image's changes are followed as they come: new topics and partitions, deleted topics, and replicas a
 * reassignment moves onto this node (log created) or off it (log deleted once the replica stopped). Each
 * partition folder is stamped with its topic id ({@code partition.metadata}), so data of a deleted
 * topic is never mistaken for its namesake's.
 *
 * <p>Leadership: the image records each partition's leader, epoch and ISR (the metadata group elects
 * leaders); the {@link ReplicaManager} turns them into this node's roles, and only a ready leader serves
 * a partition ({@link #partition}).
 *
 * <p>Thread-safe. Reads ({@link #image()}, {@link #partition}) are lock-free and safe on an event loop;
 * changes return futures that complete off the event loop once the change is applied on this node.
 * {@link #onImage} and {@link #catchUp} are serialized on this object.
 */
public final class TopicService implements ImageListener, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(TopicService.class);
    /** How long an admin change may wait for the metadata quorum when the request names no timeout. */
    public static final Duration DEFAULT_PROPOSAL_TIMEOUT = Duration.ofSeconds(15);
    /**
     * Kafka's metadata log's name: no topic may take it (Kafka refuses its creation), and its folder in a data
     * folder is Kafka's formatter's, never a partition's.
     */
    public static final String KAFKA_METADATA_TOPIC = "__cluster_metadata";

    private final LogManager logs;
    private final BrokerConfig staticConfig;
    private final int nodeId;
    private volatile MetadataQuorum quorum;
    private volatile ReplicaManager replicas;
    private volatile BrokerConfig brokerConfig;
    private MetadataImage lastSeen = MetadataImage.EMPTY; // guarded by this
    private volatile boolean caughtUp; // written under this

    public TopicService(LogManager logs, BrokerConfig staticConfig) {
        this.logs = logs;
        this.staticConfig = staticConfig;
        this.nodeId = staticConfig.nodeId();
        this.brokerConfig = staticConfig;
    }

    /** Connects the metadata group whose image this service follows (it was started with this as listener). */
    public void attach(MetadataQuorum metadataQuorum) {
        this.quorum = metadataQuorum;
    }

    /** Connects the replication layer, which this service hands every image once caught up. */
    public void attachReplicas(ReplicaManager replicaManager) {
        this.replicas = replicaManager;
    }

    /** The replication layer, or null in tests that run without one. */
    public ReplicaManager replicas() {
        return replicas;
    }

    /** True once {@link #catchUp} ran: the image is the cluster's and this node's logs match it. */
    public boolean isCaughtUp() {
        return caughtUp;
    }

    public MetadataQuorum quorum() {
        return quorum;
    }

    public MetadataImage image() {
        return quorum.image();
    }

    public BrokerConfig brokerConfig() {
        return brokerConfig;
    }

    public int nodeId() {
        return nodeId;
    }

    public LogManager logs() {
        return logs;
    }

    public LogConfig logConfig(TopicImage topic) {
        return TopicConfigs.resolve(topic.configs(), brokerConfig);
    }

    /** This node's log of the partition, only while this node leads it. */
    public Optional<PartitionLog> partition(String topic, int partition) {
        if (partition < 0) {
            return Optional.empty();
        }
        MetadataImage image = quorum.image();
        Optional<TopicImage> known = image.topic(topic);
        if (known.isEmpty() || partition >= known.get().partitions()) {
            return Optional.empty();
        }
        ReplicaManager replicaManager = replicas;
        if (replicaManager != null) {
            return replicaManager.leaderLog(new TopicPartition(topic, partition));
        }
        return leaderOf(image, known.get(), partition) == nodeId ? logs.get(new TopicPartition(topic, partition))
                : Optional.empty();
    }

    /**
     * The error for a partition this node does not serve: NOT_LEADER_OR_FOLLOWER when the cluster has it
     * (another node leads it, or its leader is offline: the client refreshes its metadata and retries),
     * UNKNOWN_TOPIC_OR_PARTITION when it does not exist.
     */
    public org.apache.kafka.common.protocol.Errors notServedError(String topic, int partition) {
        Optional<TopicImage> known = image().topic(topic);
        return known.isPresent() && partition >= 0 && partition < known.get().partitions()
                ? org.apache.kafka.common.protocol.Errors.NOT_LEADER_OR_FOLLOWER
                : org.apache.kafka.common.protocol.Errors.UNKNOWN_TOPIC_OR_PARTITION;
    }

    /** The partition's leader as the image records it, or -1 while it is offline. */
    public static int leaderOf(MetadataImage image, TopicImage topic, int partition) {
        int leader = topic.state(partition).leader();
        return leader >= 0 && image.isLive(leader) ? leader : -1;
    }

    /** The registered, unfenced brokers. */
    public static List<BrokerImage> liveBrokers(MetadataImage image) {
        return image.brokers().values().stream().filter(b -> !b.fenced()).toList();
    }

    // ------------------------------------------------------------------ changes (proposals)

    /**
     * Creates the topic with replica sets chosen by {@link ReplicaPlacement}; {@code replicationFactor} -1
     * means {@code default.replication.factor}. Fails with {@link MetadataException}.
     */
    public CompletableFuture<TopicImage> create(String name, int partitions, short replicationFactor,
                                                Map<String, String> configs, Duration timeout) {
        short rf = replicationFactor == -1 ? brokerConfig.defaultReplicationFactor() : replicationFactor;
        List<List<Integer>> assignment;
        try {
            if (partitions < 1) {
                throw new MetadataException(MetadataException.Reason.INVALID_PARTITIONS,
                        "Number of partitions must be larger than 0.");
            }
            assignment = ReplicaPlacement.assign(liveBrokers(image()), 0, partitions, rf,
                    ThreadLocalRandom.current().nextInt(1 << 16));
        } catch (MetadataException e) {
            return CompletableFuture.failedFuture(e);
        }
        return createWithAssignment(name, assignment, configs, timeout);
    }

    /** Creates the topic with these replica sets (kafka-topics --replica-assignment). */
    public CompletableFuture<TopicImage> createWithAssignment(String name, List<List<Integer>> assignment,
                                                              Map<String, String> configs, Duration timeout) {
        return quorum.propose(new MetadataCommand.CreateTopic(name, UUID.randomUUID(), assignment, configs), timeout)
                .thenCompose(this::rolesApplied).thenApply(image -> image.topic(name).orElseThrow());
    }

    /** The image once this node's replica roles follow it: a client told "created" may produce here at once. */
    private CompletableFuture<MetadataImage> rolesApplied(MetadataImage image) {
        ReplicaManager replicaManager = replicas;
        return replicaManager == null ? CompletableFuture.completedFuture(image)
                : replicaManager.awaitApplied(image.version()).thenApply(done -> image);
    }

    public CompletableFuture<TopicImage> delete(String name, Duration timeout) {
        TopicImage topic = image().topic(name).orElse(null);
        return quorum.propose(new MetadataCommand.DeleteTopic(name, topic == null ? null : topic.topicId()), timeout)
                .thenApply(image -> topic);
    }

    /** Adds partitions up to {@code count}, placed as the topic's first ones were, or on {@code added} when given. */
    public CompletableFuture<TopicImage> increasePartitions(String name, int count, List<List<Integer>> added,
                                                            Duration timeout) {
        List<List<Integer>> newReplicas = added;
        try {
            TopicImage topic = image().topic(name).orElseThrow(() -> new MetadataException(
                    MetadataException.Reason.UNKNOWN_TOPIC, "This server does not host this topic-partition."));
            if (count <= topic.partitions()) {
                throw new MetadataException(MetadataException.Reason.INVALID_PARTITIONS, "Topic currently has "
                        + topic.partitions() + " partitions, " + count + " would not be an increase.");
            }
            if (newReplicas == null) {
                newReplicas = ReplicaPlacement.assign(liveBrokers(image()), topic.partitions(), count - topic.partitions(),
                        topic.replicationFactor(), ThreadLocalRandom.current().nextInt(1 << 16));
            } else if (newReplicas.size() != count - topic.partitions()) {
                throw new MetadataException(MetadataException.Reason.INVALID_REPLICA_ASSIGNMENT, "Increasing the number "
                        + "of partitions by " + (count - topic.partitions()) + " but " + newReplicas.size()
                        + " assignments provided.");
            }
        } catch (MetadataException e) {
            return CompletableFuture.failedFuture(e);
        }
        return quorum.propose(new MetadataCommand.CreatePartitions(name, newReplicas), timeout)
                .thenApply(image -> image.topic(name).orElseThrow());
    }

    /** Replaces the topic's overrides (already validated). */
    public CompletableFuture<TopicImage> setTopicConfigs(String name, Map<String, String> configs, Duration timeout) {
        return quorum.propose(new MetadataCommand.SetTopicConfigs(name, configs), timeout)
                .thenApply(image -> image.topic(name).orElseThrow());
    }

    /** Replaces the config overrides (already validated) of a group; an empty map removes them. */
    public CompletableFuture<Map<String, String>> setGroupConfigs(String groupId, Map<String, String> configs, Duration timeout) {
        return quorum.propose(new MetadataCommand.SetGroupConfigs(groupId, configs), timeout)
                .thenApply(image -> image.groupConfigs(groupId));
    }

    /** Replaces the dynamic broker overrides (already validated) of {@code node}, or the cluster default for -1. */
    public CompletableFuture<BrokerConfig> setBrokerConfigs(int node, Map<String, String> configs, Duration timeout) {
        return quorum.propose(new MetadataCommand.SetBrokerConfigs(node, configs), timeout)
                .thenApply(image -> brokerConfig);
    }

    // ------------------------------------------------------------------ the image listener

    @Override
    public synchronized void onImage(MetadataImage previous, MetadataImage next) {
        lastSeen = next;
        if (!previous.brokerConfigs().equals(next.brokerConfigs()) || !previous.nodeConfigs().equals(next.nodeConfigs())) {
            brokerConfig = staticConfig.withDynamic(next.brokerConfigs(), next.nodeConfigs().getOrDefault(nodeId, Map.of()));
            logConfigChange("Dynamic broker config of node " + nodeId, previous.dynamicConfigsFor(nodeId),
                    next.dynamicConfigsFor(nodeId), true);
        }
        if (!caughtUp) {
            return;
        }
        reconcile(previous, next);
        ReplicaManager replicaManager = replicas;
        if (replicaManager != null) {
            replicaManager.applyLater(next); // never hold up the metadata apply thread on log writes
        }
    }

    private void reconcile(MetadataImage previous, MetadataImage next) {
        boolean configsChanged = !previous.brokerConfigs().equals(next.brokerConfigs())
                || !Objects.equals(previous.nodeConfigs().get(nodeId), next.nodeConfigs().get(nodeId));
        for (TopicImage topic : next.topics().values()) {
            TopicImage before = previous.topics().get(topic.name());
            boolean same = before != null && before.topicId().equals(topic.topicId());
            if (!same || before.partitions() != topic.partitions()) {
                ensureLogs(topic, same ? before.partitions() : 0);
            }
            if (same && before != topic) {
                followReassignments(before, topic, next.version());
            }
            if (same && (configsChanged || !before.configs().equals(topic.configs()))) {
                applyConfig(topic);
                logConfigChange("Config of topic " + topic.name(), before.configs(), topic.configs(), false);
            }
        }
        for (TopicImage gone : previous.topics().values()) {
            TopicImage now = next.topics().get(gone.name());
            if (now == null || !now.topicId().equals(gone.topicId())) {
                deleteLogs(gone);
            }
        }
    }

    /**
     * A reassignment placed a partition on this node (its empty log is created; the replica manager then follows
     * the leader into it) or took it away (its log is deleted once the replica manager stopped following it).
     */
    private void followReassignments(TopicImage before, TopicImage topic, long version) {
        int common = Math.min(before.partitions(), topic.partitions());
        for (int p = 0; p < common; p++) {
            boolean was = before.replicas(p).contains(nodeId);
            boolean is = topic.replicas(p).contains(nodeId);
            if (is && !was) {
                LOG.info("Partition {}-{} is being reassigned to node {}: creating its log", topic.name(), p, nodeId);
                ensureLog(topic, p, logConfig(topic));
            } else if (was && !is) {
                removeReplicaLater(new TopicPartition(topic.name(), p), topic.topicId(), version);
            }
        }
    }

    /**
     * Deletes the log of a replica the image no longer places here, once the replica manager applied that image
     * (its fetcher stopped), unless a later image placed it here again meanwhile. Off the image threads: the
     * replica manager completes the wait while holding its own lock.
     */
    private void removeReplicaLater(TopicPartition tp, UUID topicId, long version) {
        ReplicaManager replicaManager = replicas;
        CompletableFuture<Void> stopped = replicaManager == null ? CompletableFuture.completedFuture(null)
                : replicaManager.awaitApplied(version);
        stopped.thenRunAsync(() -> removeIfNotPlaced(tp, topicId));
    }

    private synchronized void removeIfNotPlaced(TopicPartition tp, UUID topicId) {
        Optional<TopicImage> topic = lastSeen.topic(tp.topic());
        boolean placed = topic.isPresent() && topic.get().topicId().equals(topicId)
                && tp.partition() < topic.get().partitions() && topic.get().replicas(tp.partition()).contains(nodeId);
        Optional<UUID> stamped = PartitionMetadataFile.read(Path.of(logs.dataDirPath()).resolve(tp.dirName()));
        if (placed || logs.get(tp).isEmpty() || (stamped.isPresent() && !stamped.get().equals(topicId))) {
            return;
        }
        ReplicaManager replicaManager = replicas;
        if (replicaManager != null && !replicaManager.awaitApplied(lastSeen.version()).isDone()) {
            // A newer image (placed here again, then away) is not yet in force: the replica may still be following.
            removeReplicaLater(tp, topicId, lastSeen.version());
            return;
        }
        LOG.info("Deleting {}: reassigned away from node {}", tp, nodeId);
        deleteQuietly(tp);
    }

    /**
     * Called once this node applied its own registration: everything committed before it has been
     * applied, so the image is the cluster's and destructive reconciliation is safe.
     */
    public synchronized void catchUp() {
        MetadataImage image = lastSeen;
        brokerConfig = staticConfig.withDynamic(image.brokerConfigs(), image.nodeConfigs().getOrDefault(nodeId, Map.of()));
        for (TopicImage topic : image.topics().values()) {
            ensureLogs(topic, 0);
            applyConfig(topic);
        }
        for (PartitionLog log : new ArrayList<>(logs.all())) {
            TopicPartition tp = log.topicPartition();
            Optional<TopicImage> topic = image.topic(tp.topic());
            boolean mine = topic.isPresent() && tp.partition() < topic.get().partitions()
                    && topic.get().replicas(tp.partition()).contains(nodeId);
            if (!mine) {
                LOG.info("Deleting {}: the cluster image (version {}) places no such partition on node {}", tp,
                        image.version(), nodeId);
                deleteQuietly(tp);
            }
        }
        caughtUp = true;
        ReplicaManager replicaManager = replicas;
        if (replicaManager != null) {
            replicaManager.apply(image);
        }
    }

    private void ensureLogs(TopicImage topic, int fromPartition) {
        LogConfig config = logConfig(topic);
        for (int p = fromPartition; p < topic.partitions(); p++) {
            if (topic.replicas(p).contains(nodeId)) {
                ensureLog(topic, p, config);
            }
        }
    }

    private void ensureLog(TopicImage topic, int p, LogConfig config) {
        TopicPartition tp = new TopicPartition(topic.name(), p);
        Path dir = Path.of(logs.dataDirPath()).resolve(tp.dirName());
        try {
            Optional<UUID> stamped = PartitionMetadataFile.read(dir);
            if (stamped.isPresent() && !stamped.get().equals(topic.topicId()) && logs.get(tp).isPresent()) {
                LOG.info("Deleting {}: its data belongs to an earlier topic of that name ({})", tp, stamped.get());
                logs.delete(tp);
            }
            if (stamped.isEmpty() || !stamped.get().equals(topic.topicId())) {
                // Stamp first: a crash after it leaves a folder whose owner is known.
                Files.createDirectories(dir);
                PartitionMetadataFile.write(dir, topic.topicId());
            }
            logs.getOrCreate(tp, config);
        } catch (IOException | RuntimeException e) {
            LOG.error("Creating the log of {} failed; the partition stays offline on node {}", tp, nodeId, e);
            if (e instanceof IOException failed) {
                // The folder takes no new partition (full, failing): the node stops, as for an append's I/O error
                logs.reportStorageFailure(tp, failed);
            }
        }
    }

    private void deleteLogs(TopicImage topic) {
        for (int p = 0; p < topic.partitions(); p++) {
            TopicPartition tp = new TopicPartition(topic.name(), p);
            Optional<UUID> stamped = PartitionMetadataFile.read(Path.of(logs.dataDirPath()).resolve(tp.dirName()));
            if (logs.get(tp).isPresent() && (stamped.isEmpty() || stamped.get().equals(topic.topicId()))) {
                deleteQuietly(tp);
            }
        }
    }

    private void deleteQuietly(TopicPartition tp) {
        try {
            logs.delete(tp);
        } catch (IOException | RuntimeException e) {
            LOG.error("Deleting the log of {} failed", tp, e);
        }
    }

    /**
     * One line per config change, naming the keys set and removed; values too unless {@code sensitive}
     * (dynamic broker configs may hold passwords).
     */
    private static void logConfigChange(String what, Map<String, String> before, Map<String, String> after,
                                        boolean sensitive) {
        List<String> changes = new ArrayList<>();
        after.forEach((key, value) -> {
            if (!value.equals(before.get(key))) {
                changes.add(sensitive ? key + " set" : key + "=" + value);
            }
        });
        before.keySet().stream().filter(key -> !after.containsKey(key)).forEach(key -> changes.add(key + " removed"));
        if (!changes.isEmpty()) {
            LOG.info("{} changed: {}", what, String.join(", ", changes));
        }
    }

    private void applyConfig(TopicImage topic) {
        LogConfig config = logConfig(topic);
        for (int p = 0; p < topic.partitions(); p++) {
            logs.get(new TopicPartition(topic.name(), p)).ifPresent(log -> log.updateConfig(config));
        }
    }

    /** Kafka's topic name rule: 1-249 characters of [a-zA-Z0-9._-], not "." or "..". */
    public static Optional<String> invalidTopicNameReason(String name) {
        if (name == null || name.isEmpty()) {
            return Optional.of("Topic name is empty");
        }
        if (name.equals(".") || name.equals("..")) {
            return Optional.of("Topic name cannot be \".\" or \"..\"");
        }
        if (name.length() > 249) {
            return Optional.of("Topic name is longer than 249 characters");
        }
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            boolean valid = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                    || c == '.' || c == '_' || c == '-';
            if (!valid) {
                return Optional.of("Topic name \"" + name + "\" is illegal, it contains a character other than "
                        + "ASCII alphanumerics, '.', '_' and '-'");
            }
        }
        return Optional.empty();
    }

    @Override
    public void close() {
        // the quorum and the logs are owned and closed by the broker
    }
}
