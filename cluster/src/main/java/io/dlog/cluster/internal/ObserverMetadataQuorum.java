package io.dlog.cluster.internal;

import io.dlog.cluster.ImageListener;
import io.dlog.cluster.MetadataCommand;
import io.dlog.cluster.MetadataQuorum;
import io.dlog.log.metadata.MetadataException;
import io.dlog.log.metadata.MetadataImage;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.TimeUnit;
import org.apache.ratis.client.RaftClient;
import org.apache.ratis.client.RaftClientConfigKeys;
import org.apache.ratis.conf.RaftProperties;
import org.apache.ratis.protocol.ClientId;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.retry.RetryPolicies;
import org.apache.ratis.thirdparty.com.google.protobuf.ByteString;
import org.apache.ratis.util.TimeDuration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The metadata group as a broker-only node ({@code process.roles=broker}) sees it: no Raft replica of its
 * own, no vote. It proposes through a Ratis client like any node, and follows the image by asking the
 * group's leader for it whenever it changed (a linearizable read-only query answered only when the
 * leader's image is newer than this node's), every {@value #POLL_MS} ms and right after each of its own
 * proposals. Images arrive whole and in version order, so the listener sees the same sequence of states
 * a voter does, possibly with steps merged.
 *
 * <p>Thread-safe: one poller thread applies images and completes waiters; proposals come from any thread.
 */
public final class ObserverMetadataQuorum implements MetadataQuorum {
    private static final Logger LOG = LoggerFactory.getLogger(ObserverMetadataQuorum.class);
    static final long POLL_MS = 100;
    static final long ANONYMOUS_FOR_MS = 60_000;

    private final int nodeId;
    private final Map<Integer, InetSocketAddress> voters;
    private final RaftClient client;
    private final ImageListener listener;
    private final Thread poller;
    private final Object wakeup = new Object();
    /** Waiters by the image version they need. */
    private final ConcurrentSkipListMap<Long, CompletableFuture<Void>> waiting = new ConcurrentSkipListMap<>();
    private volatile MetadataImage image = MetadataImage.EMPTY;
    private volatile boolean running = true;
    private volatile boolean pollNow;
    /** Until when image queries go without this node's id (System.nanoTime); set from Ratis's reply threads. */
    private volatile long anonymousUntilNanos = System.nanoTime();
    /** The image's version is the index of the last entry it holds: how far this node follows the group. */
    private final ApplyStallWatch applyWatch = new ApplyStallWatch(() -> image.version(), System::nanoTime);

    private ObserverMetadataQuorum(int nodeId, Map<Integer, InetSocketAddress> voters, RaftClient client,
                                   ImageListener listener) {
        this.nodeId = nodeId;
        this.voters = Map.copyOf(voters);
        this.client = client;
        this.listener = listener;
        this.poller = new Thread(this::poll, "dlog-metadata-observer");
        this.poller.setDaemon(true);
    }

    /** Connects to the voters and starts following the image. */
    public static ObserverMetadataQuorum start(int nodeId, Map<Integer, InetSocketAddress> voters,
                                               Duration requestTimeout, ImageListener listener) {
        if (voters.containsKey(nodeId)) {
            throw new IllegalArgumentException("node " + nodeId + " is a voter, not a broker-only node");
        }
        RaftProperties props = new RaftProperties();
        RaftClientConfigKeys.Rpc.setRequestTimeout(props, TimeDuration.valueOf(requestTimeout.toMillis(), TimeUnit.MILLISECONDS));
        RaftClient client = RaftClient.newBuilder()
                .setProperties(props)
                .setRaftGroup(RatisMetadataQuorum.group(voters))
                .setClientId(ClientId.randomId())
                .setRetryPolicy(RetryPolicies.retryUpToMaximumCountWithFixedSleep(150, TimeDuration.valueOf(200, TimeUnit.MILLISECONDS)))
                .build();
        ObserverMetadataQuorum quorum = new ObserverMetadataQuorum(nodeId, voters, client, listener);
        quorum.poller.start();
        LOG.info("Broker-only node {} follows the metadata group of voters {}", nodeId, voters.keySet());
        return quorum;
    }

    private void poll() {
        while (running) {
            try {
                fetchImage().get(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                return;
            } catch (Exception e) {
                LOG.debug("Metadata poll failed: {}", e.toString());
            }
            synchronized (wakeup) {
                if (running && !pollNow) {
                    try {
                        wakeup.wait(POLL_MS);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
                pollNow = false;
            }
        }
    }

    /**
     * Asks the leader for its image if newer, and applies it. The query names this node, so that the leader lists it
     * among the group's observers; a leader of an older version refuses that form, and is then asked anonymously for
     * {@value #ANONYMOUS_FOR_MS} ms (a rolling upgrade) before the named form is tried again.
     */
    private CompletableFuture<Void> fetchImage() {
        long now = System.nanoTime();
        boolean named = now - anonymousUntilNanos >= 0;
        byte[] query = named ? ObserverTracker.query(image.version(), nodeId) : ObserverTracker.anonymousQuery(image.version());
        CompletableFuture<RaftClientReply> sent = client.async().sendReadOnly(Message.valueOf(ByteString.copyFrom(query)));
        sent.whenComplete((reply, failure) -> {
            Throwable refusal = failure != null ? failure : reply.isSuccess() ? null : reply.getException();
            if (named && refusal != null && refusedAsUnknown(refusal)) {
                anonymousUntilNanos = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(ANONYMOUS_FOR_MS);
                LOG.info("The metadata leader does not know named image queries (an older version); asking anonymously");
            }
        });
        return sent.thenAccept(reply -> {
            if (!reply.isSuccess()) {
                return;
            }
            byte[] bytes = reply.getMessage().getContent().toByteArray();
            if (bytes.length == 0) {
                return;
            }
            try {
                apply(MetadataCodec.readImage(new java.io.ByteArrayInputStream(bytes)));
            } catch (IOException e) {
                throw new CompletionException(e);
            }
        });
    }

    /** Whether a failed query was refused as unknown by the leader's state machine (an older leader's answer). */
    static boolean refusedAsUnknown(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (String.valueOf(t.getMessage()).contains(RatisMetadataQuorum.UNKNOWN_QUERY)) {
                return true;
            }
        }
        return false;
    }

    private synchronized void apply(MetadataImage next) {
        MetadataImage previous = image;
        if (next.version() <= previous.version()) {
            return;
        }
        image = next;
        try {
            listener.onImage(previous, next);
        } catch (RuntimeException e) {
            LOG.error("Image listener failed at version {}", next.version(), e);
        }
        var done = waiting.headMap(next.version(), true);
        done.values().forEach(f -> f.complete(null));
        done.clear();
    }

    private void pollSoon() {
        synchronized (wakeup) {
            pollNow = true;
            wakeup.notifyAll();
        }
    }

    /** Completes once this node's image is at {@code version} or later. */
    private CompletableFuture<Void> awaitVersion(long version) {
        if (image.version() >= version) {
            return CompletableFuture.completedFuture(null);
        }
        CompletableFuture<Void> done = waiting.computeIfAbsent(version, v -> new CompletableFuture<>());
        if (image.version() >= version) {
            done.complete(null);
        }
        pollSoon();
        return done;
    }

    @Override
    public MetadataImage image() {
        return image;
    }

    @Override
    public CompletableFuture<MetadataImage> propose(MetadataCommand command, Duration timeout) {
        // Read your own write: the image that holds the change (or its refusal) reaches this node first.
        return RatisMetadataQuorum.propose(client, command, timeout, applyWatch::committed, this::awaitVersion, () -> image);
    }

    @Override
    public boolean applyStalled(Duration patience) {
        return applyWatch.stalledFor(patience);
    }

    @Override
    public String applyProgress() {
        return applyWatch.describe();
    }

    @Override
    public CompletableFuture<MetadataImage> latestImage(Duration timeout) {
        return fetchImage().thenApply(done -> image).completeOnTimeout(image, timeout.toMillis(), TimeUnit.MILLISECONDS)
                .exceptionally(failure -> image);
    }

    @Override
    public int nodeId() {
        return nodeId;
    }

    @Override
    public boolean isReadyLeader() {
        return false; // never a voter, never the leader
    }

    @Override
    public OptionalInt leaderId() {
        RaftPeerId leader = client.getLeaderId();
        return leader == null ? OptionalInt.empty() : OptionalInt.of(Integer.parseInt(leader.toString()));
    }

    @Override
    public List<Integer> voters() {
        return List.copyOf(new java.util.TreeMap<>(voters).keySet());
    }

    @Override
    public Map<Integer, InetSocketAddress> voterAddresses() {
        return voters;
    }

    @Override
    public CompletableFuture<QuorumDescription> describe(Duration timeout) {
        Message query = Message.valueOf(ByteString.copyFrom(new byte[] {RatisMetadataQuorum.QUERY_DESCRIBE}));
        return client.async().sendReadOnly(query).thenApply(reply -> {
            if (!reply.isSuccess()) {
                throw new CompletionException(new MetadataException(MetadataException.Reason.TIMED_OUT,
                        "no metadata leader answered: " + reply.getException()));
            }
            return RatisMetadataQuorum.decodeDescription(reply.getMessage().getContent().asReadOnlyByteBuffer());
        }).orTimeout(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    /**
     * Commands are applied by the voters; this node receives whole images and so has no command to report.
     * The one observer there is (broker liveness) acts only on the group's leader, which this node never is.
     */
    @Override
    public void onApplied(java.util.function.Consumer<MetadataCommand> observer) {
        // nothing is applied here command by command
    }

    /** Never the leader: leadership never changes here. */
    @Override
    public void onLeadership(LeadershipListener leadershipListener) {
        // a broker-only node never leads the metadata group
    }

    @Override
    public void close() {
        running = false;
        poller.interrupt();
        waiting.values().forEach(f -> f.completeExceptionally(new MetadataException(MetadataException.Reason.UNAVAILABLE,
                "the node is shutting down")));
        try {
            client.close();
        } catch (IOException | RuntimeException e) {
            LOG.warn("Closing the metadata client failed", e);
        }
    }
}
