package io.dlog.broker;

import io.dlog.kafka.replica.ReplicaManager;
import io.dlog.log.StorageFailureListener;
import io.dlog.log.TopicPartition;
import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a node does when its data folder fails (a partition's append or flush met an I/O error, a partition's folder
 * could not be made, or Ratis could not write the metadata log: a full disk, a failing one): it stops, as a Kafka
 * broker whose log directories have all failed halts. The folder is the node's only one, so every partition on it is
 * at risk; a partition left offline on a node that still leads it would take no write until someone restarted the
 * node, while its other replicas could take over at once. Stopping hands the node's partitions to them through the
 * usual failover (the node is fenced and each partition's epoch group picks a new leader among the in-sync
 * replicas), with nothing acknowledged lost: acks=all writes are on those replicas. A node that cannot apply the
 * metadata log (an {@link Error} of its JVM while applying an entry: its Raft replica is closed and its image would
 * stay where it is) stops the same way, rather than serve on as a zombie with a frozen image.
 *
 * <p>How it stops: a node started from the command line halts the JVM (exit code 1), without its shutdown steps,
 * which would write to the failed folder and could wait on it; an embedded node (tests, {@code EmbeddedDLog}) closes
 * instead, so the JVM that hosts it goes on. Either way the node first stops serving as a leader (its lease is
 * revoked), so nothing more is acknowledged from it.
 *
 * <p>Thread-safety: {@link #onStorageFailure} and {@link #onMetadataLogFailure} run on the thread that met the error
 * and only start a thread of their own; the node is stopped once, whatever number of failures come.
 */
final class DataFolderFailure implements StorageFailureListener {
    private static final Logger LOG = LoggerFactory.getLogger(DataFolderFailure.class);

    private final int nodeId;
    private final Path dataDir;
    private final DLogBroker.OnDataFolderFailure stop;
    private final AtomicBoolean fired = new AtomicBoolean();
    private final AtomicReference<ReplicaManager> replicas = new AtomicReference<>();
    /** The node to close (CLOSE), known once its start completed; a failure during the start closes it then. */
    private final AtomicReference<AutoCloseable> node = new AtomicReference<>();
    private volatile boolean closeWhenStarted;
    private final AtomicBoolean closing = new AtomicBoolean();

    DataFolderFailure(int nodeId, Path dataDir, DLogBroker.OnDataFolderFailure stop) {
        this.nodeId = nodeId;
        this.dataDir = dataDir;
        this.stop = stop;
    }

    /** The replica manager whose lease is revoked first. */
    void attach(ReplicaManager replicaManager) {
        replicas.set(replicaManager);
    }

    /** The started node (CLOSE closes it). If its folder already failed during the start, it is closed now. */
    void started(AutoCloseable startedNode) {
        node.set(startedNode);
        if (closeWhenStarted) {
            closeLater(startedNode);
        }
    }

    /** Whether the node is stopping for a failed data folder. */
    boolean fired() {
        return fired.get();
    }

    @Override
    public void onStorageFailure(TopicPartition tp, IOException cause) {
        if (outOfFileDescriptors(cause)) {
            // Not the folder: the process's open-file limit, met by every replica of a new topic at once (seen with
            // 19,650 partitions a node: both nodes holding a new topic stopped together). A restart would meet it
            // again while opening its logs, so the node stays up; the partition stays offline here.
            LOG.error("{} is offline on node {}: too many open files. Raise the open-file limit (ulimit -n, "
                    + "LimitNOFILE) and restart the node.", tp, nodeId);
            return;
        }
        stop(tp.toString(), cause);
    }

    /** This node's replica of the metadata log could not be written: the same folder, the same remedy. */
    void onMetadataLogFailure(Throwable cause) {
        if (outOfFileDescriptors(cause)) {
            LOG.error("The metadata log of node {} cannot be written: too many open files. Raise the open-file limit "
                    + "(ulimit -n, LimitNOFILE) and restart the node.", nodeId);
            return;
        }
        stop("the metadata log", cause);
    }

    /** This node's replica of the metadata group could not apply an entry (an error of this JVM): it stops. */
    void onMetadataApplyFailure(Throwable cause) {
        stop("Stopping this node: it cannot apply the metadata log (" + cause + "), so its metadata would stop "
                + "moving. The other nodes take over its partitions; start node " + nodeId + " again (it replays "
                + "the log from its folder).");
    }

    private void stop(String what, Throwable cause) {
        stop("Stopping this node: its data folder " + dataDir.toAbsolutePath() + " failed (" + what + ": "
                + cause + "). The other replicas of its partitions take over; free or replace the folder, then start "
                + "node " + nodeId + " again.");
    }

    private void stop(String message) {
        if (!fired.compareAndSet(false, true)) {
            return;
        }
        ReplicaManager replicaManager = replicas.get();
        if (replicaManager != null) {
            replicaManager.revokeLease();
        }
        LOG.error(message);
        if (stop == DLogBroker.OnDataFolderFailure.HALT) {
            halt(message);
            return;
        }
        AutoCloseable started = node.get();
        if (started == null) {
            closeWhenStarted = true;
            started = node.get(); // started() may have run between the two reads
            if (started == null) {
                return;
            }
        }
        closeLater(started);
    }

    /**
     * Ends the process with exit code 1 without its shutdown steps (they could write to a failed folder and wait on
     * it), after putting {@code message} (already logged) on stderr, the command line's channel for the one line a
     * failed node leaves (the log may buffer). Returns at once: the halt runs on a thread of its own.
     */
    static void halt(String message) {
        System.err.println("ERROR: " + message);
        System.err.flush();
        Thread halt = new Thread(() -> Runtime.getRuntime().halt(1), "dlog-halt");
        halt.setDaemon(false);
        halt.start();
    }

    /** EMFILE or ENFILE anywhere in the chain (the JDK's message is the C library's: "Too many open files"). */
    static boolean outOfFileDescriptors(Throwable cause) {
        for (Throwable t = cause; t != null; t = t.getCause()) {
            String message = t.getMessage();
            if (message != null && message.contains("Too many open files")) {
                return true;
            }
        }
        return false;
    }

    private void closeLater(AutoCloseable started) {
        if (!closing.compareAndSet(false, true)) {
            return; // started() and onStorageFailure() both saw the other's step
        }
        Thread closer = new Thread(() -> {
            try {
                started.close();
            } catch (Exception e) {
                LOG.warn("Closing node {} after its data folder failed", nodeId, e);
            }
        }, "dlog-close-on-folder-failure");
        closer.setDaemon(true);
        closer.start();
    }
}
