package io.dlog.cluster;

import io.dlog.log.metadata.BrokerImage;
import java.io.IOException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * Asks whether a silent broker's process is gone: true only when every endpoint it registered, and its metadata
 * Raft port when it is a voter, refuses a TCP connection (the host answered that nothing listens on the port).
 * That is what a killed process leaves behind.
 * A paused process (SIGSTOP, a long GC pause) still completes handshakes in the kernel, a cut network times out
 * or is unreachable, an unknown host does not resolve: none of these count, and such a broker is fenced only
 * after {@code broker.session.timeout.ms}, as before.
 *
 * <p>Why a refusal is safe grounds for fencing a broker that still holds a leader lease: a node binds its
 * listeners before it first registers, and closes them only while it stops, after fencing itself; so a node whose
 * every listener refuses cannot be serving anyone. Every endpoint, not any: a listener advertised for clients
 * outside (a container's {@code localhost:29092}) may be unreachable from here while the node is alive. The Raft
 * port too, where there is one: its address comes from {@code controller.quorum.voters}, which the metadata group
 * already reaches, so a client endpoint that resolves differently here than for clients cannot alone fence a node.
 *
 * <p>Thread-safe: probes run one at a time on a daemon thread of their own (a connect to a remote host may wait up
 * to the timeout; the caller's scheduler must not), at most one per broker at once.
 */
public final class ListenerProbe implements AutoCloseable {
    /** Connects to one endpoint; the seam tests replace. */
    @FunctionalInterface
    public interface Connector {
        /** @return true when the connection was refused; false when it was made or failed any other way */
        boolean refused(String host, int port);
    }

    private final Connector connector;
    /** The metadata Raft address of each voter (controller.quorum.voters), probed with its endpoints. */
    private final Map<Integer, InetSocketAddress> raftAddresses;
    private final ExecutorService executor;
    private final Set<Integer> probing = ConcurrentHashMap.newKeySet();

    /**
     * @param timeout       how long one connect may take before it counts as "not refused"
     * @param raftAddresses where each voter's metadata Raft server is reached; empty for none
     */
    public ListenerProbe(Duration timeout, Map<Integer, InetSocketAddress> raftAddresses) {
        this(tcp(timeout), raftAddresses);
    }

    public ListenerProbe(Connector connector, Map<Integer, InetSocketAddress> raftAddresses) {
        this.connector = connector;
        this.raftAddresses = Map.copyOf(raftAddresses);
        this.executor = Executors.newSingleThreadExecutor(r -> {
            Thread thread = new Thread(r, "dlog-listener-probe");
            thread.setDaemon(true);
            return thread;
        });
    }

    /**
     * Probes every endpoint of {@code broker} and its Raft port. Completes with true when all refused; with false
     * when any did not, the broker has no endpoint, or a probe of the same broker is still running.
     */
    public CompletableFuture<Boolean> allRefused(BrokerImage broker) {
        if (broker.endpoints().isEmpty() || !probing.add(broker.id())) {
            return CompletableFuture.completedFuture(false);
        }
        InetSocketAddress raft = raftAddresses.get(broker.id());
        try {
            return CompletableFuture.supplyAsync(() -> broker.endpoints().stream()
                            .allMatch(e -> connector.refused(e.host(), e.port()))
                            && (raft == null || connector.refused(raft.getHostString(), raft.getPort())), executor)
                    .whenComplete((refused, failure) -> probing.remove(broker.id()));
        } catch (java.util.concurrent.RejectedExecutionException closed) {
            probing.remove(broker.id());
            return CompletableFuture.completedFuture(false);
        }
    }

    /** A plain TCP connect, closed at once: the probed node sees a connection that sends nothing. */
    static Connector tcp(Duration timeout) {
        int millis = (int) Math.max(1, timeout.toMillis());
        return (host, port) -> {
            try (Socket socket = new Socket()) {
                socket.connect(new InetSocketAddress(host, port), millis);
                return false;
            } catch (ConnectException e) {
                // "Connection refused": the host is up and nothing listens there. Other ConnectExceptions
                // (a timeout reported as one by some platforms) say nothing about the process.
                return e.getMessage() != null && e.getMessage().contains("refused");
            } catch (IOException | RuntimeException e) {
                return false;
            }
        };
    }

    @Override
    public void close() {
        executor.shutdownNow();
    }
}
