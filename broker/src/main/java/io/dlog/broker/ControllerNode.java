package io.dlog.broker;

import io.dlog.cluster.BrokerLifecycle;
import io.dlog.cluster.ListenerProbe;
import io.dlog.cluster.MetadataQuorum;
import io.dlog.cluster.internal.RatisMetadataQuorum;
import io.dlog.kafka.config.BrokerConfig;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A controller-only node ({@code process.roles=controller}, Kafka's isolated mode): its replica of the metadata
 * Raft group and, while it leads the group, the fencing of brokers that stopped heartbeating. It has no client
 * listener, holds no partitions and registers as no broker; brokers ({@code process.roles=broker}) follow the
 * group's image and propose through it, so a cluster of three controllers and any number of brokers runs as
 * Kafka's does. Partition leadership needs no controller action: every voter derives it from the same log.
 *
 * <p>Thread-safe: {@link #start} and {@link #close} from one thread; fencing runs on the node's scheduler thread,
 * the metadata group on Ratis' threads.
 */
public final class ControllerNode implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ControllerNode.class);

    private final BrokerConfig config;
    private final RatisMetadataQuorum quorum;
    private final BrokerLifecycle lifecycle;
    private final ScheduledExecutorService scheduler;
    private final DataDirLock lock;

    private ControllerNode(BrokerConfig config, RatisMetadataQuorum quorum, BrokerLifecycle lifecycle,
                           ScheduledExecutorService scheduler, DataDirLock lock) {
        this.config = config;
        this.quorum = quorum;
        this.lifecycle = lifecycle;
        this.scheduler = scheduler;
        this.lock = lock;
    }

    /**
     * Opens the data folder, starts this node's metadata replica and waits for the group to agree on the cluster
     * id (a majority of the voters must be up: start a new cluster's controllers together).
     *
     * @throws IOException the folder cannot be used, the controller port is taken, or no quorum answered in time
     */
    public static ControllerNode start(BrokerConfig config) throws IOException {
        if (!config.isControllerOnly()) {
            throw new IllegalArgumentException("process.roles is not controller; start the node with DLogBroker");
        }
        Path dataDir = DLogBroker.prepareDataDir(config.dataDir());
        DataDirLock lock = DataDirLock.acquire(dataDir);
        RatisMetadataQuorum quorum = null;
        ScheduledExecutorService scheduler = null;
        BrokerLifecycle lifecycle = null;
        try {
            DLogBroker.checkListenerFree(config.controllerListener().orElseThrow());
            Optional<String> folderClusterId = ClusterIdentity.load(dataDir, config.nodeId());
            // No partitions and no coordinators here: nothing local follows the image.
            quorum = RatisMetadataQuorum.start(DLogBroker.quorumConfig(config, dataDir), (previous, next) -> { });
            int nodeId = config.nodeId();
            quorum.setLogFailureListener(cause -> halt("Stopping controller " + nodeId + ": its metadata log in "
                    + dataDir.toAbsolutePath() + " cannot be written (" + cause + "). Free or replace the folder, then"
                    + " start it again."));
            quorum.setApplyFailureListener(cause -> halt("Stopping controller " + nodeId + ": it cannot apply the "
                    + "metadata log (" + cause + "). Start it again (it replays the log from its folder)."));
            String clusterId = DLogBroker.joinCluster(quorum, folderClusterId, Optional.empty(), dataDir, config);
            scheduler = Executors.newSingleThreadScheduledExecutor(DLogBroker.daemon("dlog-controller"));
            ListenerProbe probe = config.fastFenceEnable()
                    ? new ListenerProbe(Duration.ofMillis(Math.min(1000, config.brokerHeartbeatIntervalMs())),
                    DLogBroker.resolvedVoters(config))
                    : null;
            lifecycle = BrokerLifecycle.fencingOnly(quorum, Duration.ofMillis(config.brokerHeartbeatIntervalMs()),
                    Duration.ofMillis(config.brokerSessionTimeoutMs()), scheduler, System::nanoTime, probe);
            lifecycle.start();
            DLogBroker.uncleanElector(quorum, config, scheduler); // stops with the scheduler and the quorum
            InetSocketAddress raft = quorum.voterAddresses().get(config.nodeId());
            LOG.info("DLog controller {} of cluster {} voting on {} with data in {}", config.nodeId(), clusterId,
                    raft, dataDir);
            return new ControllerNode(config, quorum, lifecycle, scheduler, lock);
        } catch (IOException | RuntimeException e) {
            closeQuietly(lifecycle, scheduler, quorum);
            lock.close();
            throw e;
        }
    }

    /**
     * A replica that cannot write or apply the metadata log stops voting for good (Ratis closes it), while the process
     * would go on fencing as if it still led: the process ends instead (exit code 1), as Kafka's controller halts on a
     * fatal fault, and as a broker node does ({@link DataFolderFailure}); the other voters go on without it. Only the
     * command line starts a controller-only node.
     */
    private static void halt(String message) {
        LOG.error(message);
        DataFolderFailure.halt(message);
    }

    public int nodeId() {
        return config.nodeId();
    }

    /** The address its metadata replica listens on (the controller listener). */
    public InetSocketAddress controllerAddress() {
        return quorum.voterAddresses().get(config.nodeId());
    }

    /** Stops fencing, then leaves the metadata group. */
    @Override
    public void close() {
        closeQuietly(lifecycle, scheduler, quorum);
        try {
            lock.close();
        } catch (IOException e) {
            LOG.warn("Releasing the data folder's lock failed", e);
        }
    }

    private static void closeQuietly(BrokerLifecycle lifecycle, ScheduledExecutorService scheduler, MetadataQuorum quorum) {
        if (lifecycle != null) {
            try {
                lifecycle.close();
            } catch (RuntimeException e) {
                LOG.warn("Closing the broker fencing failed", e);
            }
        }
        if (scheduler != null) {
            scheduler.shutdownNow();
        }
        if (quorum != null) {
            try {
                quorum.close();
            } catch (Exception e) {
                LOG.warn("Closing the metadata replica failed", e);
            }
        }
    }
}
