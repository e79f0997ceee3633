package io.dlog.broker;

import io.dlog.idcoord.SnowflakeIdGenerator;
import io.dlog.kafka.BrokerContext;
import io.dlog.kafka.KafkaApis;
import io.dlog.kafka.config.BrokerConfig;
import io.dlog.kafka.server.KafkaServer;
import io.dlog.kafka.topic.TopicService;
import io.dlog.log.LogManager;
import io.dlog.log.LogManagerConfig;
import io.dlog.log.metadata.MetadataStore;
import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One DLog node: data folder, log engine, cluster image, protocol adapter and listener, started in
 * dependency order and closed in reverse. Embeddable: tests start it in-process on a free port.
 */
public final class DLogBroker implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(DLogBroker.class);
    private static final String METADATA_DIR = "__dlog_metadata";
    private static final String IDS_DIR = "__dlog_ids";

    private final BrokerConfig config;
    private final LogManager logs;
    private final MetadataStore metadata;
    private final TopicService topics;
    private final ScheduledExecutorService scheduler;
    private final KafkaServer server;
    private final String clusterId;
    private final SnowflakeIdGenerator ids;
    private final DataDirLock lock;

    private DLogBroker(BrokerConfig config, LogManager logs, MetadataStore metadata, TopicService topics,
                       ScheduledExecutorService scheduler, KafkaServer server, String clusterId,
                       SnowflakeIdGenerator ids, DataDirLock lock) {
        this.ids = ids;
        this.lock = lock;
        this.config = config;
        this.logs = logs;
        this.metadata = metadata;
        this.topics = topics;
        this.scheduler = scheduler;
        this.server = server;
        this.clusterId = clusterId;
    }

    /**
     * Opens the data folder (recovering what a crash left), then listens.
     *
     * @throws IOException the folder cannot be used or the port cannot be bound; the message says which
     */
    public static DLogBroker start(BrokerConfig config) throws IOException {
        return start(config, Clock.systemUTC());
    }

    public static DLogBroker start(BrokerConfig config, Clock clock) throws IOException {
        Path dataDir = prepareDataDir(config.dataDir());
        DataDirLock lock = DataDirLock.acquire(dataDir);
        try {
            return start(config, clock, dataDir, lock);
        } catch (IOException | RuntimeException e) {
            lock.close();
            throw e;
        }
    }

    private static DLogBroker start(BrokerConfig config, Clock clock, Path dataDir, DataDirLock lock) throws IOException {
        String clusterId = ClusterIdentity.loadOrCreate(dataDir, config.nodeId());
        if (config.nodeId() > SnowflakeIdGenerator.Layout.DEFAULT.maxNodeId()) {
            throw new IOException("node.id " + config.nodeId() + " is above " + SnowflakeIdGenerator.Layout.DEFAULT.maxNodeId()
                    + ", the largest the id generator's layout holds");
        }
        LogManagerConfig logConfig = new LogManagerConfig(dataDir, Duration.ofMillis(config.retentionCheckIntervalMs()),
                Duration.ofMillis(config.groupCommitMaxWaitMs()), Math.max(1, Math.min(config.numIoThreads(),
                Runtime.getRuntime().availableProcessors())), Duration.ofMillis(config.producerIdExpirationMs()),
                config.cleanerConfig());
        MetadataStore metadata = MetadataStore.open(dataDir.resolve(METADATA_DIR));
        LogManager logs = null;
        ScheduledExecutorService scheduler = null;
        TopicService topics = null;
        SnowflakeIdGenerator ids = null;
        try {
            BrokerConfig effective = config.withDynamic(metadata.image().brokerConfigs());
            logs = LogManager.open(logConfig, clock, topic -> metadata.image().topic(topic)
                    .map(t -> io.dlog.kafka.config.TopicConfigs.resolve(t.configs(), effective))
                    .orElse(io.dlog.log.LogConfig.DEFAULT));
            ExecutorService admin = Executors.newSingleThreadExecutor(daemon("dlog-admin"));
            topics = new TopicService(metadata, logs, config, admin);
            topics.reconcile();
            scheduler = Executors.newSingleThreadScheduledExecutor(daemon("dlog-timer"));
            AtomicInteger boundPort = new AtomicInteger();
            ids = SnowflakeIdGenerator.open(dataDir.resolve(IDS_DIR), config.nodeId(), clock);
            BrokerContext context = new BrokerContext(clusterId, topics, clock, uncheckedIds(ids), scheduler, boundPort);
            KafkaServer server = KafkaServer.start(KafkaServer.Settings.of(config), KafkaApis.registry(context));
            boundPort.set(server.boundPort());
            LOG.info("DLog node {} of cluster {} serving on port {} with data in {}", config.nodeId(), clusterId,
                    server.boundPort(), dataDir);
            return new DLogBroker(config, logs, metadata, topics, scheduler, server, clusterId, ids, lock);
        } catch (IOException | RuntimeException e) {
            closeQuietly(topics, scheduler, logs, metadata, ids);
            throw e;
        }
    }

    private static Path prepareDataDir(Path dataDir) throws IOException {
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

    private static java.util.concurrent.ThreadFactory daemon(String name) {
        return runnable -> {
            Thread thread = new Thread(runnable, name);
            thread.setDaemon(true);
            return thread;
        };
    }

    public int port() {
        return server.boundPort();
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

    /** Stops listening, then flushes and closes every log and the metadata store. */
    @Override
    public void close() {
        server.close();
        closeQuietly(topics, scheduler, logs, metadata, ids);
        try {
            lock.close();
        } catch (IOException e) {
            LOG.warn("Releasing the data folder lock failed", e);
        }
        LOG.info("DLog node {} stopped", config.nodeId());
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

    private static void closeQuietly(TopicService topics, ScheduledExecutorService scheduler, LogManager logs,
                                     MetadataStore metadata, SnowflakeIdGenerator ids) {
        try {
            if (ids != null) {
                ids.close();
            }
        } catch (IOException | RuntimeException e) {
            LOG.error("Closing the id generator failed", e);
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
        if (topics != null) {
            topics.close();
        }
        try {
            if (logs != null) {
                logs.close();
            }
        } catch (IOException | RuntimeException e) {
            LOG.error("Closing the logs failed", e);
        }
        try {
            if (metadata != null) {
                metadata.close();
            }
        } catch (IOException | RuntimeException e) {
            LOG.error("Closing the metadata store failed", e);
        }
    }
}
