package io.dlog.kafka.interbroker;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Semaphore;
import org.apache.kafka.clients.ApiVersions;
import org.apache.kafka.clients.ClientRequest;
import org.apache.kafka.clients.ClientResponse;
import org.apache.kafka.clients.ManualMetadataUpdater;
import org.apache.kafka.clients.MetadataRecoveryStrategy;
import org.apache.kafka.clients.NetworkClient;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.errors.AuthenticationException;
import org.apache.kafka.common.errors.BrokerNotAvailableException;
import org.apache.kafka.common.errors.DisconnectException;
import org.apache.kafka.common.errors.NetworkException;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.metrics.Metrics;
import org.apache.kafka.common.network.ChannelBuilder;
import org.apache.kafka.common.network.PlaintextChannelBuilder;
import org.apache.kafka.common.network.Selectable;
import org.apache.kafka.common.network.Selector;
import org.apache.kafka.common.requests.AbstractRequest;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.utils.LogContext;
import org.apache.kafka.common.utils.Time;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends Kafka requests to nodes of the cluster (this one included) and hands back their responses, the
 * way Kafka's brokers talk to each other: one kafka-clients {@link NetworkClient} owned by one thread,
 * versions negotiated with ApiVersions on each connection.
 *
 * <p>A request names its destination by node id; the node's address is looked up when the request is
 * about to leave ({@link NodeResolver}, from the metadata image), so a node that moved is found at its
 * new address. Failures complete the future exceptionally with Kafka's exception types, all of which a
 * caller should treat as "try again with fresh metadata": {@link BrokerNotAvailableException} (the node is
 * not live), {@link DisconnectException} (connection lost or refused), {@link TimeoutException} (no
 * answer within the request timeout, or not sent within it), {@link NetworkException} (too many
 * requests outstanding, or the client closed), or the connection's {@link AuthenticationException}.
 *
 * <p>Connections use the inter-broker listener's security protocol, PLAINTEXT or TLS
 * ({@link InterBrokerChannels}).
 *
 * <p>Bounded: at most {@code maxOutstanding} requests queued or in flight; beyond it {@link #send} fails at
 * once rather than buffering without limit. Thread-safe: {@link #send} enqueues and wakes the thread,
 * never blocks. Futures complete on the inter-broker thread, so their continuations must not block.
 */
public final class InterBrokerClient implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(InterBrokerClient.class);
    /** How long the thread sleeps in poll when nothing is due; a send wakes it at once. */
    private static final long IDLE_POLL_MS = 1_000;
    /** While requests wait for a connection, how often their node is looked at again. */
    private static final long WAITING_POLL_MS = 50;

    /** Where a node is now: its address for inter-broker requests, empty while it is not live. */
    @FunctionalInterface
    public interface NodeResolver {
        Optional<Node> node(int nodeId);
    }

    /**
     * @param requestTimeoutMs   Kafka's request.timeout.ms for inter-broker requests (30000)
     * @param maxOutstanding     requests queued or in flight, all nodes together
     * @param maxInFlightPerNode requests in flight on one connection
     */
    public record Settings(int requestTimeoutMs, int maxOutstanding, int maxInFlightPerNode) {
        public static final Settings DEFAULTS = new Settings(30_000, 1_000, 5);
    }

    private final class Pending {
        final int nodeId;
        final AbstractRequest.Builder<?> request;
        final CompletableFuture<AbstractResponse> future = new CompletableFuture<>();
        final long deadlineMs;

        Pending(int nodeId, AbstractRequest.Builder<?> request, long deadlineMs) {
            this.nodeId = nodeId;
            this.request = request;
            this.deadlineMs = deadlineMs;
        }

        void fail(RuntimeException e) {
            future.completeExceptionally(e);
        }
    }

    private final NetworkClient client;
    private final NodeResolver nodes;
    private final Time time;
    private final Settings settings;
    private final Semaphore slots;
    private final ConcurrentLinkedQueue<Pending> incoming = new ConcurrentLinkedQueue<>();
    /** Requests waiting for their node's connection: thread-confined. */
    private final Map<Integer, ArrayDeque<Pending>> waiting = new HashMap<>();
    /** Requests sent and not yet answered: thread-confined. */
    private final Set<Pending> inFlight = new HashSet<>();
    private final Thread thread;
    private volatile boolean running = true;

    InterBrokerClient(NetworkClient client, NodeResolver nodes, Time time, Settings settings, String threadName) {
        this.client = client;
        this.nodes = nodes;
        this.time = time;
        this.settings = settings;
        this.slots = new Semaphore(settings.maxOutstanding());
        this.thread = new Thread(this::run, threadName);
        this.thread.setDaemon(true);
    }

    /** A started PLAINTEXT client for node {@code nodeId}. */
    public static InterBrokerClient start(int nodeId, NodeResolver nodes, Settings settings) {
        ChannelBuilder plaintext = new PlaintextChannelBuilder(null);
        plaintext.configure(Map.of());
        return start(nodeId, nodes, settings, plaintext);
    }

    /** A started client for node {@code nodeId} connecting through {@code channels} ({@link InterBrokerChannels}). */
    public static InterBrokerClient start(int nodeId, NodeResolver nodes, Settings settings, ChannelBuilder channels) {
        Time time = Time.SYSTEM;
        LogContext logContext = new LogContext("[InterBroker node=" + nodeId + "] ");
        // Kafka's connections.max.idle.ms default for the idle close; metrics stay in this client's own registry.
        Selectable selector = new Selector(540_000L, new Metrics(time), time, "dlog-interbroker", channels, logContext);
        NetworkClient client = new NetworkClient(selector, new ManualMetadataUpdater(), "dlog-broker-" + nodeId,
                settings.maxInFlightPerNode(), 50L, 1_000L, Selectable.USE_DEFAULT_BUFFER_SIZE,
                Selectable.USE_DEFAULT_BUFFER_SIZE, settings.requestTimeoutMs(), 10_000L, 30_000L, time,
                true, new ApiVersions(), logContext, MetadataRecoveryStrategy.NONE);
        InterBrokerClient started = new InterBrokerClient(client, nodes, time, settings, "dlog-interbroker");
        started.thread.start();
        return started;
    }

    /**
     * Sends the request to the node; completes with its response body, or exceptionally (see the class
     * comment). Never blocks.
     */
    public CompletableFuture<AbstractResponse> send(int nodeId, AbstractRequest.Builder<?> request) {
        if (!running) {
            return CompletableFuture.failedFuture(new NetworkException("the inter-broker client is closed"));
        }
        if (!slots.tryAcquire()) {
            return CompletableFuture.failedFuture(new NetworkException("more than " + settings.maxOutstanding()
                    + " inter-broker requests outstanding"));
        }
        Pending pending = new Pending(nodeId, request, time.milliseconds() + settings.requestTimeoutMs());
        pending.future.whenComplete((response, failure) -> slots.release());
        incoming.add(pending);
        client.wakeup();
        if (!running) {
            // close() may have drained the queue before this request joined it
            pending.fail(new NetworkException("the inter-broker client is closed"));
        }
        return pending.future;
    }

    private void run() {
        try {
            while (running) {
                long now = time.milliseconds();
                for (Pending p; (p = incoming.poll()) != null; ) {
                    waiting.computeIfAbsent(p.nodeId, id -> new ArrayDeque<>()).add(p);
                }
                long pollMs = sendReady(now);
                client.poll(pollMs, now); // completes answered requests through their handlers
            }
        } catch (RuntimeException e) {
            LOG.error("The inter-broker client stopped on an unexpected failure", e);
        } finally {
            running = false;
            failEverything();
            client.close();
        }
    }

    /** Sends what may leave now, fails what cannot; returns how long the next poll may sleep. */
    private long sendReady(long now) {
        long pollMs = IDLE_POLL_MS;
        Iterator<Map.Entry<Integer, ArrayDeque<Pending>>> entries = waiting.entrySet().iterator();
        while (entries.hasNext()) {
            Map.Entry<Integer, ArrayDeque<Pending>> entry = entries.next();
            ArrayDeque<Pending> queue = entry.getValue();
            Optional<Node> node = nodes.node(entry.getKey());
            if (node.isEmpty()) {
                failAll(queue, new BrokerNotAvailableException("node " + entry.getKey() + " is not live"));
            } else {
                while (!queue.isEmpty() && client.ready(node.get(), now)) {
                    send(queue.poll(), now);
                }
                if (!queue.isEmpty() && client.connectionFailed(node.get())) {
                    AuthenticationException auth = client.authenticationException(node.get());
                    failAll(queue, auth != null ? auth
                            : new DisconnectException("cannot connect to node " + node.get().idString() + " at "
                            + node.get().host() + ":" + node.get().port()));
                }
                expire(queue, now);
            }
            if (queue.isEmpty()) {
                entries.remove();
            } else {
                pollMs = WAITING_POLL_MS;
            }
        }
        return pollMs;
    }

    private void send(Pending p, long now) {
        ClientRequest request = client.newClientRequest(Integer.toString(p.nodeId), p.request, now, true,
                settings.requestTimeoutMs(), response -> onResponse(p, response));
        inFlight.add(p);
        try {
            client.send(request, now);
        } catch (RuntimeException e) {
            inFlight.remove(p);
            p.fail(e);
        }
    }

    private void onResponse(Pending p, ClientResponse response) {
        inFlight.remove(p);
        if (response.authenticationException() != null) {
            p.fail(response.authenticationException());
        } else if (response.versionMismatch() != null) {
            p.fail(response.versionMismatch());
        } else if (response.wasTimedOut()) {
            p.fail(new TimeoutException("node " + p.nodeId + " did not answer within " + settings.requestTimeoutMs() + " ms"));
        } else if (response.wasDisconnected()) {
            p.fail(new DisconnectException("node " + p.nodeId + " disconnected before answering"));
        } else {
            p.future.complete(response.responseBody());
        }
    }

    private void expire(ArrayDeque<Pending> queue, long now) {
        queue.removeIf(p -> {
            if (now < p.deadlineMs) {
                return false;
            }
            p.fail(new TimeoutException("not sent to node " + p.nodeId + " within " + settings.requestTimeoutMs() + " ms"));
            return true;
        });
    }

    private static void failAll(ArrayDeque<Pending> queue, RuntimeException e) {
        for (Pending p; (p = queue.poll()) != null; ) {
            p.fail(e);
        }
    }

    private void failEverything() {
        NetworkException closed = new NetworkException("the inter-broker client is closed");
        waiting.values().forEach(queue -> failAll(queue, closed));
        waiting.clear();
        List<Pending> sent = new ArrayList<>(inFlight);
        inFlight.clear();
        sent.forEach(p -> p.fail(closed));
        for (Pending p; (p = incoming.poll()) != null; ) {
            p.fail(closed);
        }
    }

    /** Stops the thread: pending and in-flight requests fail, connections close. */
    @Override
    public void close() {
        running = false;
        client.wakeup();
        try {
            thread.join(5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (thread.isAlive()) {
            LOG.warn("The inter-broker thread did not stop within 5 s");
        }
    }
}
