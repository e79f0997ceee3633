package io.dlog.broker;

import io.dlog.analytics.ColumnarCopies;
import io.dlog.analytics.SchemaRegistryClient;
import io.dlog.analytics.TopicCatalog;
import io.dlog.analytics.TopicTables;
import io.dlog.analytics.flight.FlightService;
import io.dlog.cluster.BrokerLifecycle;
import io.dlog.cluster.UncleanLeaderElector;
import io.dlog.cluster.ListenerProbe;
import io.dlog.cluster.VoterDiscovery;
import io.dlog.cluster.MetadataCommand;
import io.dlog.cluster.PortPicker;
import io.dlog.cluster.QuorumConfig;
import io.dlog.cluster.MetadataQuorum;
import io.dlog.cluster.internal.ObserverMetadataQuorum;
import io.dlog.cluster.internal.RatisMetadataQuorum;
import io.dlog.idcoord.SnowflakeIdGenerator;
import io.dlog.kafka.BrokerContext;
import io.dlog.kafka.KafkaApis;
import io.dlog.broker.metrics.PrometheusEndpoint;
import io.dlog.kafka.config.BrokerConfig;
import io.dlog.kafka.metrics.BrokerMetrics;
import io.dlog.kafka.metrics.ClusterGauges;
import io.dlog.kafka.metrics.DLogMetrics;
import io.dlog.kafka.metrics.LogGauges;
import io.dlog.kafka.mirror.MirrorManager;
import io.dlog.kafka.server.KafkaServer;
import io.dlog.kafka.replica.LeaderLease;
import io.dlog.kafka.replica.ReplicaManager;
import io.dlog.kafka.topic.TopicService;
import io.dlog.log.LogManager;
import io.dlog.log.LogManagerConfig;
import io.dlog.log.metadata.BrokerImage;
import io.dlog.log.metadata.LegacyImageFile;
import io.dlog.log.metadata.MetadataException;
import io.dlog.log.metadata.MetadataImage;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One DLog node: data folder, log engine, its replica of the metadata Raft group, protocol adapter and
 * listener, started in dependency order and closed in reverse. Embeddable: tests start it in-process
 * on a free port.
 *
 * <p>Start-up in a cluster waits for a majority of the voters ({@code controller.quorum.voters}): start
 * the nodes of a new cluster at the same time (in parallel), not one after the other.
 */
public final class DLogBroker implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(DLogBroker.class);
    private static final String RAFT_DIR = "__dlog_raft";
    private static final String IDS_DIR = "__dlog_ids";
    /** How long start-up waits for the metadata quorum (a majority of the voters must be up). */
    private static final Duration STARTUP_TIMEOUT = Duration.ofMinutes(2);
    /** Records per partition from which a JSON topic's schema is inferred, and the Flight endpoint's Arrow memory. */
    private static final int FLIGHT_SCHEMA_SAMPLE = 1000;
    private static final long FLIGHT_MEMORY_BYTES = 2L << 30;
    private static final long COLUMNAR_COPY_MEMORY_BYTES = 256L << 20;
    /** How often the meters of deleted topics are dropped. */
    private static final long TOPIC_METRICS_PRUNE_SECONDS = 30;
    /** How often the per-partition log gauges follow the partitions this node holds. */
    private static final long LOG_METRICS_RECONCILE_SECONDS = 5;

    private final BrokerConfig config;
    private final LogManager logs;
    private final MetadataQuorum quorum;
    private final TopicService topics;
    private final BrokerLifecycle lifecycle;
    private final ScheduledExecutorService scheduler;
    private final KafkaServer server;
    private final String clusterId;
    private final SnowflakeIdGenerator ids;
    private final DataDirLock lock;
    /** The Arrow Flight endpoint, when {@code dlog.flight.port} is set (docs/analytics.md). */
    private volatile FlightService flight;
    /** Columnar copies of sealed segments read by the Flight endpoint and SQL, beside the partitions' folders. */
    private volatile ColumnarCopies columnarCopies;
    /** Migration mirrors (docs/migration.md): copy from their source on the node that leads each partition. */
    private volatile MirrorManager mirrors;
    private final BrokerMetrics metrics;
    /** The Prometheus endpoint, when {@code dlog.metrics.port} is set (docs/metrics.md). */
    private volatile PrometheusEndpoint metricsEndpoint;
    /** Unclean leader elections while this node leads the metadata group. */
    private volatile UncleanLeaderElector uncleanElector;

    private DLogBroker(BrokerConfig config, LogManager logs, MetadataQuorum quorum, TopicService topics,
                       BrokerLifecycle lifecycle, ScheduledExecutorService scheduler, KafkaServer server,
                       String clusterId, SnowflakeIdGenerator ids, DataDirLock lock, BrokerMetrics metrics) {
        this.metrics = metrics;
        this.config = config;
        this.logs = logs;
        this.quorum = quorum;
        this.topics = topics;
        this.lifecycle = lifecycle;
        this.scheduler = scheduler;
        this.server = server;
        this.clusterId = clusterId;
        this.ids = ids;
        this.lock = lock;
    }

    /**
     * Opens the data folder (recovering what a crash left), joins the metadata group, then listens.
     *
     * @throws IOException the folder cannot be used, the port cannot be bound or no metadata quorum
     *                     answered in time; the message says which
     */
    public static DLogBroker start(BrokerConfig config) throws IOException {
        return start(config, Clock.systemUTC());
    }

    /** What a node does when its data folder fails (see {@link DataFolderFailure}). */
    public enum OnDataFolderFailure {
        /** Runtime.halt(1): the process ends at once, as a Kafka broker whose log directories all failed does. */
        HALT,
        /** The node closes and the JVM hosting it goes on (an embedded node). */
        CLOSE
    }

    /** An embedded node: a failed data folder closes it. */
    public static DLogBroker start(BrokerConfig config, Clock clock) throws IOException {
        return start(config, clock, OnDataFolderFailure.CLOSE);
    }

    public static DLogBroker start(BrokerConfig config, OnDataFolderFailure onFailure) throws IOException {
        return start(config, Clock.systemUTC(), onFailure);
    }

    public static DLogBroker start(BrokerConfig config, Clock clock, OnDataFolderFailure onFailure) throws IOException {
        Path dataDir = prepareDataDir(config.dataDir());
        DataDirLock lock = DataDirLock.acquire(dataDir);
        try {
            return start(config, clock, dataDir, lock, new DataFolderFailure(config.nodeId(), dataDir, onFailure));
        } catch (IOException | RuntimeException e) {
            lock.close();
            throw e;
        }
    }

    private static DLogBroker start(BrokerConfig config, Clock clock, Path dataDir, DataDirLock lock,
                                    DataFolderFailure folderFailure) throws IOException {
        if (config.isControllerOnly()) {
            throw new IllegalArgumentException("process.roles=controller: start the node with ControllerNode");
        }
        if (config.nodeId() > SnowflakeIdGenerator.Layout.DEFAULT.maxNodeId()) {
            throw new IOException("node.id " + config.nodeId() + " is above " + SnowflakeIdGenerator.Layout.DEFAULT.maxNodeId()
                    + ", the largest the id generator's layout holds");
        }
        for (BrokerConfig.Listener listener : config.clientListeners()) {
            checkListenerFree(listener);
        }
        if (!config.controllerQuorumVoters().isEmpty() && !config.isBrokerOnly()) {
            // The metadata group's server binds it only after the logs are open; a taken port should fail first.
            Optional<BrokerConfig.Listener> controller = config.controllerListener();
            if (controller.isPresent()) {
                checkListenerFree(controller.get());
            }
        }
        // TLS stores and SASL settings are loaded now: a wrong path or password fails the start at once.
        java.util.concurrent.atomic.AtomicReference<TopicService> topicsHolder = new java.util.concurrent.atomic.AtomicReference<>();
        List<KafkaServer.Settings> listeners = KafkaServer.Settings.allOf(config, new io.dlog.kafka.security.ImageScramCredentials(
                () -> topicsHolder.get() == null ? null : topicsHolder.get().image()));
        Optional<String> folderClusterId = ClusterIdentity.load(dataDir, config.nodeId());
        Optional<MetadataImage> legacy = LegacyImageFile.read(dataDir, config.nodeId());
        LogManagerConfig logConfig = new LogManagerConfig(dataDir, Duration.ofMillis(config.retentionCheckIntervalMs()),
                Duration.ofMillis(config.groupCommitMaxWaitMs()), Math.max(1, Math.min(config.numIoThreads(),
                Runtime.getRuntime().availableProcessors())), Duration.ofMillis(config.producerIdExpirationMs()),
                config.cleanerConfig(), config.maxProducerIdsPerPartition());
        LogManager logs = null;
        MetadataQuorum quorum = null;
        TopicService topics = null;
        ScheduledExecutorService scheduler = null;
        ReplicaManager replicas = null;
        SnowflakeIdGenerator ids = null;
        KafkaServer server = null;
        BrokerLifecycle lifecycle = null;
        BrokerMetrics metrics = null;
        try {
            metrics = BrokerMetrics.publishing(config.nodeId(), config.numNetworkThreads());
            TopicService[] topicsRef = new TopicService[1];
            logs = LogManager.open(logConfig, clock, topic -> topicsRef[0] == null ? io.dlog.log.LogConfig.DEFAULT
                    : topicsRef[0].image().topic(topic).map(t -> topicsRef[0].logConfig(t)).orElse(io.dlog.log.LogConfig.DEFAULT));
            logs.setStorageFailureListener(folderFailure);
            topics = new TopicService(logs, config);
            topicsRef[0] = topics;
            topicsHolder.set(topics);
            // A broker-only node follows the voters' image without a Raft replica of its own.
            Map<Integer, InetSocketAddress> voters = voters(config);
            quorum = config.isBrokerOnly()
                    ? ObserverMetadataQuorum.start(config.nodeId(), voters,
                    Duration.ofMillis(Math.max(3000, 3L * config.metadataElectionTimeoutMs())), topics)
                    : RatisMetadataQuorum.start(quorumConfig(config, dataDir), topics);
            topics.attach(quorum);
            quorum.setLogFailureListener(folderFailure::onMetadataLogFailure);
            quorum.setApplyFailureListener(folderFailure::onMetadataApplyFailure);
            String clusterId = joinCluster(quorum, folderClusterId, legacy, dataDir, config);
            ScheduledThreadPoolExecutor timer = new ScheduledThreadPoolExecutor(1, daemon("dlog-timer"));
            // Every acks=all produce arms a request.timeout.ms timer that is cancelled when the write commits: kept
            // in the queue, each would wake this thread once more when its time came (one wake-up per message).
            timer.setRemoveOnCancelPolicy(true);
            scheduler = timer;
            TopicService service = topics;
            replicas = new ReplicaManager(config.nodeId(), logs, service::brokerConfig, service::quorum, scheduler);
            topics.attachReplicas(replicas);
            folderFailure.attach(replicas);
            AtomicInteger boundPort = new AtomicInteger();
            ids = SnowflakeIdGenerator.open(dataDir.resolve(IDS_DIR), config.nodeId(), clock);
            BrokerContext context = new BrokerContext(clusterId, topics, clock, uncheckedIds(ids), scheduler, boundPort, metrics);
            server = KafkaServer.start(listeners, KafkaApis.registry(context));
            context.boundPorts().putAll(server.boundPorts());
            boundPort.set(server.boundPorts().get(config.listener().name()));
            // A probe connect waits at most a heartbeat interval (1 s at most): longer proves nothing more.
            ListenerProbe probe = config.fastFenceEnable()
                    ? new ListenerProbe(Duration.ofMillis(Math.min(1000, config.brokerHeartbeatIntervalMs())), voters)
                    : null;
            String directoryId = ClusterIdentity.directoryId(dataDir, config.nodeId());
            lifecycle = new BrokerLifecycle(quorum, registration(config, context, directoryId),
                    Duration.ofMillis(config.brokerHeartbeatIntervalMs()),
                    Duration.ofMillis(config.brokerSessionTimeoutMs()), scheduler, System::nanoTime, probe);
            // Partition leadership lapses with the broker session (see LeaderLease); an acknowledged heartbeat
            // renews it once the roles of the image it was applied in are in force here.
            LeaderLease lease = new LeaderLease(Duration.ofMillis(config.brokerSessionTimeoutMs()).toNanos(), System::nanoTime);
            ReplicaManager roles = replicas;
            lifecycle.addSessionListener((sent, image) -> roles.awaitApplied(image.version()).thenRun(() -> lease.renew(sent)));
            replicas.setLease(lease);
            await(lifecycle.register(STARTUP_TIMEOUT), "registering node " + config.nodeId());
            // Our registration is applied: everything committed before it is too. Now reconcile the logs.
            topics.catchUp();
            replicas.start();
            lifecycle.start();
            UncleanLeaderElector elector = uncleanElector(quorum, config, scheduler);
            LOG.info("DLog node {} of cluster {} serving on port {} with data in {}", config.nodeId(), clusterId,
                    server.boundPort(), dataDir);
            DLogBroker broker = new DLogBroker(config, logs, quorum, topics, lifecycle, scheduler, server, clusterId, ids, lock,
                    metrics);
            broker.uncleanElector = elector;
            broker.startMetrics();
            broker.maybeStartFlight();
            broker.mirrors = MirrorManager.start(topics);
            folderFailure.started(broker);
            return broker;
        } catch (IOException | RuntimeException e) {
            closeQuietly(lifecycle, server, replicas, scheduler, quorum, logs, ids);
            if (metrics != null) {
                metrics.close();
            }
            throw e;
        }
    }

    /**
     * Fails at once, with the listener's own message, when the client port is taken: otherwise the node
     * would join the metadata group (and in a cluster wait for a quorum) before finding out.
     */
    static void checkListenerFree(BrokerConfig.Listener listener) throws IOException {
        InetSocketAddress address = listener.host().isEmpty() ? new InetSocketAddress(listener.port())
                : new InetSocketAddress(listener.host(), listener.port());
        String where = (listener.host().isEmpty() ? "*" : listener.host()) + ":" + listener.port();
        PortPicker.checkFree(address, where + " (listener " + listener.name() + ")");
    }

    static QuorumConfig quorumConfig(BrokerConfig config, Path dataDir) {
        Path storage = dataDir.resolve(RAFT_DIR);
        Map<Integer, InetSocketAddress> voters = config.controllerQuorumVoters();
        if (voters.isEmpty()) {
            return QuorumConfig.singleNode(config.nodeId(), storage);
        }
        Map<Integer, InetSocketAddress> resolved = resolvedVoters(config);
        // Kafka's split: the Raft server binds the CONTROLLER listener; the voters say where the others reach it.
        InetSocketAddress own = resolved.get(config.nodeId());
        InetSocketAddress bind = config.controllerListener()
                .map(listener -> new InetSocketAddress(listener.host().isEmpty() ? own.getHostString() : listener.host(),
                        listener.port()))
                .orElse(own);
        return new QuorumConfig(config.nodeId(), storage, resolved, Duration.ofMillis(config.metadataElectionTimeoutMs()),
                config.metadataSnapshotEvery(), bind);
    }

    /**
     * The metadata group's voters: those configured, or for a broker-only node given only
     * {@code controller.quorum.bootstrap.servers}, those the controllers list (asked until one answers).
     */
    private static Map<Integer, InetSocketAddress> voters(BrokerConfig config) throws IOException {
        if (!config.discoversVoters()) {
            return resolvedVoters(config);
        }
        try {
            Map<Integer, InetSocketAddress> voters = VoterDiscovery.discover(config.controllerQuorumBootstrapServers(),
                    STARTUP_TIMEOUT);
            if (voters.containsKey(config.nodeId())) {
                throw new IOException("node.id " + config.nodeId() + " is a voter of the metadata group the controllers "
                        + "list (" + voters.keySet() + "), so its process.roles must include controller");
            }
            return voters;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while asking the controllers for the voters", e);
        }
    }

    static Map<Integer, InetSocketAddress> resolvedVoters(BrokerConfig config) {
        Map<Integer, InetSocketAddress> resolved = new TreeMap<>();
        config.controllerQuorumVoters().forEach((id, address) ->
                resolved.put(id, new InetSocketAddress(address.getHostString(), address.getPort())));
        return resolved;
    }

    /**
     * Agrees on the cluster id with the metadata group (the folder's, or the one the group already has
     * for a new folder), and imports a single-node 0.1 image once.
     */
    static String joinCluster(MetadataQuorum quorum, Optional<String> folderClusterId,
                                      Optional<MetadataImage> legacy, Path dataDir, BrokerConfig config) throws IOException {
        String proposed = folderClusterId.orElseGet(ClusterIdentity::newClusterId);
        try {
            if (quorum instanceof RatisMetadataQuorum voter) {
                voter.awaitLeader(STARTUP_TIMEOUT);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while waiting for a metadata leader", e);
        }
        try {
            await(quorum.propose(new MetadataCommand.InitCluster(proposed), STARTUP_TIMEOUT), "joining the metadata quorum");
        } catch (IOException e) {
            if (!(e.getCause() instanceof MetadataException m) || m.reason() != MetadataException.Reason.INVALID_COMMAND) {
                throw e;
            }
        }
        String clusterId = quorum.image().clusterId();
        if (folderClusterId.isPresent() && !folderClusterId.get().equals(clusterId)) {
            throw new IOException("data folder " + dataDir + " belongs to cluster " + folderClusterId.get()
                    + ", but the metadata quorum's cluster is " + clusterId);
        }
        if (folderClusterId.isEmpty()) {
            ClusterIdentity.store(dataDir, config.nodeId(), clusterId);
        }
        if (legacy.isPresent()) {
            if (quorum.image().topics().isEmpty()) {
                await(quorum.propose(new MetadataCommand.ImportImage(legacy.get()), STARTUP_TIMEOUT), "importing the 0.1 image");
                LOG.info("Imported the single-node metadata image ({} topics) into the metadata group",
                        legacy.get().topics().size());
            }
            LegacyImageFile.markImported(dataDir);
        }
        return clusterId;
    }

    private static MetadataCommand.RegisterBroker registration(BrokerConfig config, BrokerContext context,
                                                               String directoryId) {
        List<BrokerImage.Endpoint> endpoints = context.advertisedListeners().stream()
                .map(client -> new BrokerImage.Endpoint(client.name(), client.host(), client.port())).toList();
        // A new incarnation each start: heartbeats and fencing of the previous run no longer apply.
        long incarnation = ThreadLocalRandom.current().nextLong(1, Long.MAX_VALUE);
        return new MetadataCommand.RegisterBroker(config.nodeId(), incarnation, endpoints, config.rack().orElse(null),
                directoryId);
    }

    private static <T> T await(java.util.concurrent.CompletableFuture<T> future, String what) throws IOException {
        try {
            return future.get(STARTUP_TIMEOUT.toMillis() + 5_000, TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            throw new IOException(what + " failed: " + e.getCause().getMessage(), e.getCause());
        } catch (TimeoutException e) {
            throw new IOException(what + " timed out: is a majority of controller.quorum.voters up?", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(what + " was interrupted", e);
        }
    }

    static Path prepareDataDir(Path dataDir) throws IOException {
        Path dir = dataDir.toAbsolutePath();
        try {
            Files.createDirectories(dir);
        } catch (AccessDeniedException e) {
            throw new IOException("data folder " + dir + " cannot be created: permission denied", e);
        } catch (IOException e) {
            throw new IOException("data folder " + dir + " cannot be created: " + e.getMessage(), e);
        }
        if (!Files.isDirectory(dir) || !Files.isWritable(dir)) {
            throw new IOException("data folder " + dir + " is not a writable folder");
        }
        return dir;
    }

    static java.util.concurrent.ThreadFactory daemon(String name) {
        return runnable -> {
            Thread thread = new Thread(runnable, name);
            thread.setDaemon(true);
            return thread;
        };
    }

    /** The port of the inter-broker listener. */
    public int port() {
        return server.boundPorts().get(config.listener().name());
    }

    /** The port of each client listener, by listener name. */
    public Map<String, Integer> ports() {
        return server.boundPorts();
    }

    public String bootstrapServers() {
        return "127.0.0.1:" + port();
    }

    public String clusterId() {
        return clusterId;
    }

    public BrokerConfig config() {
        return config;
    }

    public int nodeId() {
        return config.nodeId();
    }

    /** This node's view of the cluster image (for tests and tools). */
    public MetadataImage metadataImage() {
        return topics.image();
    }

    /** This node's replica of a partition, whatever its role (for tests and tools: offsets, high watermark). */
    public java.util.Optional<io.dlog.log.PartitionLog> localLog(String topic, int partition) {
        return logs.get(new io.dlog.log.TopicPartition(topic, partition));
    }

    /** The metadata group's leader as this node knows it, or -1. */
    public int metadataLeaderId() {
        return quorum.leaderId().orElse(-1);
    }

    /**
     * Starts the Arrow Flight endpoint over this node's partitions when {@code dlog.flight.port} is set, on the
     * client listener's host. On failure the node is closed: a configured endpoint that cannot start is an error.
     */
    private void maybeStartFlight() throws IOException {
        if (config.flightPort().isEmpty()) {
            return;
        }
        try {
            // Topic configs (dlog.value.schema, dlog.columnar.copies) as in force when a table is read: the
            // image's overrides, else the broker's defaults.
            TopicCatalog catalog = TopicCatalog.of(logs, topic -> topics.image().topic(topic)
                    .map(t -> io.dlog.kafka.config.TopicConfigs.effectiveValues(t.configs(), topics.brokerConfig()))
                    .orElse(java.util.Map.of()));
            SchemaRegistryClient registry = config.schemaRegistryUrl().map(SchemaRegistryClient::new).orElse(null);
            // ".analytics" never matches a partition folder's name (<topic>-<n>), so the log manager ignores it.
            columnarCopies = ColumnarCopies.open(config.dataDir().resolve(".analytics"), catalog, COLUMNAR_COPY_MEMORY_BYTES, registry);
            flight = FlightService.start(config.listener().host(), config.flightPort().getAsInt(),
                    new TopicTables(catalog, FLIGHT_SCHEMA_SAMPLE, columnarCopies, registry), FLIGHT_MEMORY_BYTES,
                    FlightSecurity.of(config, topics::image).orElse(null));
        } catch (IOException | RuntimeException e) {
            close();
            throw e;
        }
    }

    /**
     * Starts sampling the time-based metrics, the pruning of deleted topics' meters, and the Prometheus
     * endpoint when {@code dlog.metrics.port} is set. On failure the node is closed: a configured endpoint
     * that cannot start is an error.
     */
    private void startMetrics() throws IOException {
        scheduler.scheduleAtFixedRate(metrics::sample, 1, 1, TimeUnit.SECONDS);
        ClusterGauges.registerReplicaManager(metrics, topics.replicas());
        ClusterGauges.registerController(metrics, topics, config.nodeId());
        DLogMetrics own = new DLogMetrics(metrics);
        logs.setStorageMetrics(own);
        quorum.setMetrics(own);
        DLogMetrics.registerLeaderChanges(metrics, quorum);
        DLogMetrics.registerImageStalled(metrics, lifecycle::imageStalled);
        ids.setLeaseRefillListener(own.leaseRefills());
        LogGauges logGauges = new LogGauges(metrics, logs);
        logGauges.reconcile();
        scheduler.scheduleWithFixedDelay(quietly(logGauges::reconcile, "log gauges"), LOG_METRICS_RECONCILE_SECONDS,
                LOG_METRICS_RECONCILE_SECONDS, TimeUnit.SECONDS);
        scheduler.scheduleWithFixedDelay(quietly(() -> metrics.topics().retainOnly(topics.image().topics().keySet()),
                "topic meters"), TOPIC_METRICS_PRUNE_SECONDS, TOPIC_METRICS_PRUNE_SECONDS, TimeUnit.SECONDS);
        if (config.metricsPort().isEmpty()) {
            return;
        }
        try {
            metricsEndpoint = PrometheusEndpoint.start(config.metricsHost(), config.metricsPort().getAsInt(), metrics.registry());
            LOG.info("Prometheus metrics of node {} on http://{}:{}/metrics", config.nodeId(), config.metricsHost(),
                    metricsEndpoint.port());
        } catch (IOException | RuntimeException e) {
            close();
            throw e;
        }
    }

    /** A periodic task that logs a failure and runs again next time (an escaping exception would cancel it). */
    private static Runnable quietly(Runnable task, String what) {
        return () -> {
            try {
                task.run();
            } catch (RuntimeException e) {
                LOG.warn("Updating the {} failed; retried at the next interval", what, e);
            }
        };
    }

    /** The node's metrics (JMX MBeans with Kafka's names; docs/metrics.md). */
    public BrokerMetrics metrics() {
        return metrics;
    }

    /** The Prometheus endpoint's bound port, empty when {@code dlog.metrics.port} is unset. */
    public java.util.OptionalInt metricsPort() {
        PrometheusEndpoint endpoint = metricsEndpoint;
        return endpoint == null ? java.util.OptionalInt.empty() : java.util.OptionalInt.of(endpoint.port());
    }

    /** The Arrow Flight endpoint's bound port, empty when {@code dlog.flight.port} is unset. */
    public java.util.OptionalInt flightPort() {
        FlightService endpoint = flight;
        return endpoint == null ? java.util.OptionalInt.empty() : java.util.OptionalInt.of(endpoint.port());
    }

    /** Stops listening, leaves the metadata group, then flushes and closes every log. */
    @Override
    public void close() {
        MirrorManager mirrorManager = mirrors;
        if (mirrorManager != null) {
            mirrorManager.close();
        }
        FlightService endpoint = flight;
        if (endpoint != null) {
            endpoint.close();
        }
        ColumnarCopies copies = columnarCopies;
        if (copies != null) {
            copies.close();
        }
        PrometheusEndpoint prometheus = metricsEndpoint;
        if (prometheus != null) {
            prometheus.close();
        }
        UncleanLeaderElector elector = uncleanElector;
        if (elector != null) {
            elector.close();
        }
        closeQuietly(lifecycle, server, topics.replicas(), scheduler, quorum, logs, ids);
        metrics.close();
        try {
            lock.close();
        } catch (IOException e) {
            LOG.warn("Releasing the data folder lock failed", e);
        }
        LOG.info("DLog node {} stopped", config.nodeId());
    }

    /** Started on every node that may lead the metadata group; a broker-only node never leads, so it never elects. */
    static UncleanLeaderElector uncleanElector(MetadataQuorum quorum, BrokerConfig config, ScheduledExecutorService scheduler) {
        UncleanLeaderElector elector = new UncleanLeaderElector(quorum, config.staticUncleanLeaderElectionEnable(),
                Duration.ofMillis(config.uncleanLeaderElectionIntervalMs()), scheduler);
        elector.start();
        return elector;
    }

    /** Producer and member ids come from the node's durable generator; an I/O failure fails the request. */
    private static java.util.function.LongSupplier uncheckedIds(SnowflakeIdGenerator ids) {
        return () -> {
            // nextId fsyncs whenever its lease runs out: recorded as blocking whatever the lease's state,
            // so a call from an event loop shows in every test, not once per lease.
            io.dlog.log.BlockingCallGuard.check("a durable id (fsyncs when its lease runs out)");
            try {
                return ids.nextId();
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        };
    }

    private static void closeQuietly(BrokerLifecycle lifecycle, KafkaServer server, ReplicaManager replicas,
                                     ScheduledExecutorService scheduler, MetadataQuorum quorum, LogManager logs,
                                     SnowflakeIdGenerator ids) {
        if (lifecycle != null) {
            lifecycle.close();
        }
        if (replicas != null) {
            // Before the listeners close: once they refuse, the metadata leader may fence this node at once
            // (ListenerProbe), so nothing may be served as leader over a connection still open meanwhile.
            replicas.revokeLease();
        }
        if (server != null) {
            server.close();
        }
        if (replicas != null) {
            replicas.close(); // fetchers stop before the logs they append to close
        }
        if (scheduler != null) {
            // Not shutdownNow() first: interrupting the timer thread in FileChannel I/O (a fetch re-read,
            // retention) closes that channel for every reader and for the final flush.
            scheduler.shutdown();
            try {
                if (!scheduler.awaitTermination(5, java.util.concurrent.TimeUnit.SECONDS)) {
                    scheduler.shutdownNow();
                }
            } catch (InterruptedException e) {
                scheduler.shutdownNow();
                Thread.currentThread().interrupt();
            }
        }
        if (quorum != null) {
            quorum.close();
        }
        try {
            if (ids != null) {
                ids.close();
            }
        } catch (IOException | RuntimeException e) {
            LOG.error("Closing the id generator failed", e);
        }
        try {
            if (logs != null) {
                logs.close();
            }
        } catch (IOException | RuntimeException e) {
            LOG.error("Closing the logs failed", e);
        }
    }
}
