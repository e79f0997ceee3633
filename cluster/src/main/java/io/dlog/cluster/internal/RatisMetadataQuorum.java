package io.dlog.cluster.internal;

import io.dlog.cluster.ImageListener;
import io.dlog.cluster.MetadataCommand;
import io.dlog.cluster.MetadataQuorum;
import io.dlog.cluster.MetadataQuorum.ObserverState;
import io.dlog.cluster.MetadataQuorum.VoterRole;
import io.dlog.cluster.PortPicker;
import io.dlog.cluster.QuorumConfig;
import io.dlog.log.metadata.MetadataException;
import io.dlog.log.metadata.MetadataImage;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.ratis.client.RaftClient;
import org.apache.ratis.client.RaftClientConfigKeys;
import org.apache.ratis.conf.RaftProperties;
import org.apache.ratis.grpc.GrpcConfigKeys;
import org.apache.ratis.proto.RaftProtos.RoleInfoProto;
import org.apache.ratis.proto.RaftProtos.ServerRpcProto;
import org.apache.ratis.protocol.ClientId;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.protocol.RaftGroup;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.retry.RetryPolicies;
import org.apache.ratis.server.DivisionInfo;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.server.RaftServerConfigKeys;
import org.apache.ratis.server.storage.RaftStorage;
import org.apache.ratis.thirdparty.com.google.protobuf.ByteString;
import org.apache.ratis.util.SizeInBytes;
import org.apache.ratis.util.TimeDuration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link MetadataQuorum} on Apache Ratis: a Raft server for this node's replica of the metadata group
 * and a Raft client that sends proposals to whichever node leads (Ratis redirects and retries).
 *
 * <p>Thread-safe. Proposals are asynchronous (Ratis's own threads); their futures complete on the
 * state-machine updater thread once this node applied the change.
 */
public final class RatisMetadataQuorum implements MetadataQuorum {
    private static final Logger LOG = LoggerFactory.getLogger(RatisMetadataQuorum.class);
    /** One metadata group per cluster: its id is fixed, its members come from controller.quorum.voters. */
    static final RaftGroupId GROUP_ID = RaftGroupId.valueOf(UUID.nameUUIDFromBytes("dlog-metadata".getBytes(StandardCharsets.UTF_8)));
    /** How this leader (and every earlier version) refuses a query it does not know: observers look for it. */
    static final String UNKNOWN_QUERY = "unknown metadata query";
    static final byte QUERY_DESCRIBE = 1;
    static final byte QUERY_APPLIED = 2;
    /**
     * [3, version, node id]: the leader's image when newer than {@code version}, else nothing (broker-only nodes poll
     * it; {@link ObserverTracker} has both forms, an older observer's [3, version] included).
     */
    static final byte QUERY_IMAGE = 3;

    private final QuorumConfig config;
    private final Map<Integer, InetSocketAddress> voterAddresses;
    private final RaftServer server;
    private final RaftClient client;
    private final MetadataStateMachine stateMachine;
    private final CopyOnWriteArrayList<LeadershipListener> leadershipListeners = new CopyOnWriteArrayList<>();
    private final ObserverTracker observers = new ObserverTracker();
    private volatile int leaderId = -1;
    private volatile io.dlog.cluster.QuorumMetrics metrics = io.dlog.cluster.QuorumMetrics.NONE;
    private final java.util.concurrent.atomic.AtomicLong leaderChanges = new java.util.concurrent.atomic.AtomicLong();
    private volatile boolean leaderReady;
    private final ApplyStallWatch applyWatch;

    private RatisMetadataQuorum(QuorumConfig config, Map<Integer, InetSocketAddress> voterAddresses, RaftServer server,
                                RaftClient client, MetadataStateMachine sm) {
        this.config = config;
        this.voterAddresses = Map.copyOf(voterAddresses);
        this.server = server;
        this.client = client;
        this.stateMachine = sm;
        this.applyWatch = new ApplyStallWatch(sm::appliedIndex, System::nanoTime);
    }

    /** Starts this node's replica; it replays its log (and snapshot) before returning. */
    public static RatisMetadataQuorum start(QuorumConfig config, ImageListener listener) throws IOException {
        return start(config, listener, io.dlog.cluster.MetadataApplier::apply);
    }

    /** With other rules than {@link io.dlog.cluster.MetadataApplier}'s: tests of a rule that fails. */
    static RatisMetadataQuorum start(QuorumConfig config, ImageListener listener, MetadataStateMachine.Applier applier)
            throws IOException {
        Files.createDirectories(config.storageDir());
        RaftProperties props = properties(config);
        RatisMetadataQuorum[] self = new RatisMetadataQuorum[1];
        MetadataStateMachine sm = new MetadataStateMachine(listener, request -> self[0].answerQuery(request), applier);
        boolean fresh;
        try (var entries = Files.list(config.storageDir())) {
            fresh = entries.findAny().isEmpty();
        }
        checkBindable(config.bindAddress());
        RaftServer server = RaftServer.newBuilder()
                .setServerId(peerId(config.nodeId()))
                .setGroup(group(config.voters()))
                .setProperties(props)
                .setStateMachine(sm)
                .setOption(fresh ? RaftStorage.StartupOption.FORMAT : RaftStorage.StartupOption.RECOVER)
                .build();
        server.start();
        InetSocketAddress bound = server.getServerRpc().getInetSocketAddress();
        Map<Integer, InetSocketAddress> clientView = new java.util.HashMap<>(config.voters());
        if (config.ownAddress().getPort() == 0) {
            clientView.put(config.nodeId(), new InetSocketAddress(config.ownAddress().getHostString(), bound.getPort()));
        }
        RaftClient client = RaftClient.newBuilder()
                .setProperties(props)
                .setRaftGroup(group(clientView))
                .setClientId(ClientId.randomId())
                // Bounded: a proposal in a minority gives up (and its caller gets TIMED_OUT) instead of
                // retrying forever behind the ordered window.
                .setRetryPolicy(RetryPolicies.retryUpToMaximumCountWithFixedSleep(150, TimeDuration.valueOf(200, TimeUnit.MILLISECONDS)))
                .build();
        RatisMetadataQuorum quorum = new RatisMetadataQuorum(config, clientView, server, client, sm);
        self[0] = quorum;
        sm.onLeaderChanged(quorum::leaderChanged);
        sm.onLeaderReady(quorum::becameReadyLeader);
        // A single voter elects itself within 20 ms of server.start(), which can be before the two listeners above
        // were added (the client's first build in a JVM takes longer): take the state Ratis is in now, or the notice
        // is lost for good and this node never acts as the metadata leader (never fences a silent broker).
        quorum.catchUpLeadership();
        LOG.info("Metadata replica of node {} started on {} (voters {})", config.nodeId(), bound, config.voters().keySet());
        return quorum;
    }

    /**
     * Ratis ends the whole JVM (System.exit(1), "Failed to start Grpc server") when its port is taken; a node that
     * cannot bind its CONTROLLER listener should instead fail its start with one line that names the address.
     * Checked just before Ratis binds it, so only a process that takes the port in between still meets Ratis's exit.
     */
    private static void checkBindable(InetSocketAddress address) throws IOException {
        PortPicker.checkFree(address, address.getHostString() + ":" + address.getPort()
                + " (CONTROLLER listener, the metadata replica)");
    }

    private static RaftProperties properties(QuorumConfig config) {
        RaftProperties props = new RaftProperties();
        RaftServerConfigKeys.setStorageDir(props, List.of(config.storageDir().toFile()));
        GrpcConfigKeys.Server.setHost(props, config.bindAddress().getHostString());
        GrpcConfigKeys.Server.setPort(props, config.bindAddress().getPort());
        long min = config.electionTimeoutMin().toMillis();
        RaftServerConfigKeys.Rpc.setTimeoutMin(props, TimeDuration.valueOf(min, TimeUnit.MILLISECONDS));
        RaftServerConfigKeys.Rpc.setTimeoutMax(props, TimeDuration.valueOf(2 * min, TimeUnit.MILLISECONDS));
        // A single voter need not wait for anyone: elect itself at once.
        long first = config.voters().size() == 1 ? 10 : min;
        RaftServerConfigKeys.Rpc.setFirstElectionTimeoutMin(props, TimeDuration.valueOf(first, TimeUnit.MILLISECONDS));
        RaftServerConfigKeys.Rpc.setFirstElectionTimeoutMax(props, TimeDuration.valueOf(2 * first, TimeUnit.MILLISECONDS));
        RaftServerConfigKeys.Rpc.setRequestTimeout(props, TimeDuration.valueOf(Math.max(3000, 3 * min), TimeUnit.MILLISECONDS));
        RaftClientConfigKeys.Rpc.setRequestTimeout(props, TimeDuration.valueOf(Math.max(3000, 3 * min), TimeUnit.MILLISECONDS));
        // The leader's retries to an unreachable follower: Ratis backs off to 5 s (randomized, up to ~7.5 s)
        // after 30 failures, i.e. after a partition of a few seconds, so a node cut off for 10 s learned it had
        // been fenced only 10-17 s after the network healed (measured with NetworkPartitionTest), and served
        // nothing as leader meanwhile. Retrying every 500 ms costs an RPC to a dead peer per half second.
        RaftServerConfigKeys.Log.Appender.setRetryPolicy(props, "1ms,10, 100ms,50, 500ms,1000000");
        // Metadata entries are small: the 8 MiB direct write buffer per group replica is waste.
        RaftServerConfigKeys.Log.setWriteBufferSize(props, SizeInBytes.valueOf("256KB"));
        RaftServerConfigKeys.Log.Appender.setBufferByteLimit(props, SizeInBytes.valueOf("128KB"));
        RaftServerConfigKeys.Log.setSegmentSizeMax(props, SizeInBytes.valueOf("1MB"));
        RaftServerConfigKeys.Log.setPreallocatedSize(props, SizeInBytes.valueOf("256KB"));
        // A follower appends what its leader sends on the calling thread, in order, as Ratis did before 3.2.2 (and as
        // Apache Ozone runs it), not on a chain of futures: in 3.3.0 one failed link of that chain fails every later
        // append without running it, and the replica stops following until its process restarts. Seen once, in a
        // fault-suite partition run: node 3 logged "Failed to append (t:2, i:78) ... last index 65" and applied
        // nothing more (docs/reliability.md). Metadata entries are few and small: the chain's throughput is not needed.
        RaftServerConfigKeys.Log.setAppendEntriesComposeEnabled(props, false);
        // Ratis closes the whole server when it sees the JVM stopped for longer than this (60 s by default), and the
        // replica then never follows again until the process restarts: a node stopped for a minute (SIGSTOP, a VM
        // frozen, a long GC) came back, fenced itself for its stale image, and stayed fenced (LongPauseTest,
        // docs/reliability.md). Raft needs no such close to stay safe: a returning
        // replica meets the newer term and follows, and a pause past the step-down threshold (10 s) still makes a
        // leader step down. So the close is pushed out of reach.
        RaftServerConfigKeys.setCloseThreshold(props, TimeDuration.valueOf(3650, TimeUnit.DAYS));
        // Bounded log: snapshot every N entries and purge the log before it; a replica that was down
        // longer catches up by installing the leader's snapshot.
        RaftServerConfigKeys.Snapshot.setAutoTriggerEnabled(props, true);
        RaftServerConfigKeys.Snapshot.setAutoTriggerThreshold(props, config.snapshotEvery());
        RaftServerConfigKeys.Snapshot.setRetentionFileNum(props, 2);
        RaftServerConfigKeys.Log.setPurgeUptoSnapshotIndex(props, true);
        RaftServerConfigKeys.Log.setPurgeGap(props, (int) Math.max(1, Math.min(Integer.MAX_VALUE, config.snapshotEvery() / 2)));
        return props;
    }

    static RaftGroup group(Map<Integer, InetSocketAddress> voters) {
        List<RaftPeer> peers = new ArrayList<>();
        voters.forEach((id, address) -> peers.add(RaftPeer.newBuilder().setId(peerId(id))
                .setAddress(address.getHostString() + ":" + address.getPort()).build()));
        return RaftGroup.valueOf(GROUP_ID, peers);
    }

    private static RaftPeerId peerId(int nodeId) {
        return RaftPeerId.valueOf(Integer.toString(nodeId));
    }

    @Override
    public MetadataImage image() {
        return stateMachine.image();
    }

    @Override
    public int nodeId() {
        return config.nodeId();
    }

    @Override
    public List<Integer> voters() {
        return List.copyOf(config.voters().keySet());
    }

    @Override
    public Map<Integer, InetSocketAddress> voterAddresses() {
        return voterAddresses;
    }

    @Override
    public OptionalInt leaderId() {
        int id = leaderId;
        return id < 0 ? OptionalInt.empty() : OptionalInt.of(id);
    }

    /**
     * Waits (polling every 10 ms, for start-up only) until the group has a ready leader, so the first
     * proposals do not go through the client's retry sleeps. Returns false on timeout.
     */
    public boolean awaitLeader(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            try {
                DivisionInfo info = server.getDivision(GROUP_ID).getInfo();
                RaftPeerId leader = info.getLeaderId();
                if (leader != null && (!info.isLeader() || info.isLeaderReady())) {
                    return true;
                }
            } catch (IOException e) {
                return false;
            }
            Thread.sleep(10);
        }
        return false;
    }

    @Override
    public boolean isReadyLeader() {
        return leaderReady;
    }

    @Override
    public void onApplied(java.util.function.Consumer<MetadataCommand> observer) {
        stateMachine.onApplied(observer);
    }

    @Override
    public void onLeadership(LeadershipListener listener) {
        leadershipListeners.add(listener);
    }

    @Override
    public CompletableFuture<MetadataImage> propose(MetadataCommand command, Duration timeout) {
        long sent = System.nanoTime();
        return propose(client, command, timeout, applyWatch::committed, index -> stateMachine.awaitApplied(index),
                stateMachine::image)
                .whenComplete((image, failure) -> {
                    if (failure == null) {
                        metrics.onCommit(System.nanoTime() - sent);
                    }
                });
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
    public void setLogFailureListener(java.util.function.Consumer<Throwable> listener) {
        stateMachine.setLogFailureListener(listener);
    }

    @Override
    public void setApplyFailureListener(java.util.function.Consumer<Throwable> listener) {
        stateMachine.setApplyFailureListener(listener);
    }

    @Override
    public void setMetrics(io.dlog.cluster.QuorumMetrics metrics) {
        this.metrics = metrics;
    }

    @Override
    public long leaderChanges() {
        return leaderChanges.get();
    }

    /**
     * A proposal through {@code client}, answered once this node's image holds it ({@code awaitApplied} of
     * the entry's index): read your own write, a refusal included (the caller reads the image that refused
     * it, e.g. the cluster id another node set first). Shared by voters and broker-only nodes.
     *
     * @param committed told the index at which the group committed it, before this node waits to apply it
     */
    static CompletableFuture<MetadataImage> propose(RaftClient client, MetadataCommand command, Duration timeout,
                                                    java.util.function.LongConsumer committed,
                                                    java.util.function.LongFunction<CompletableFuture<?>> awaitApplied,
                                                    java.util.function.Supplier<MetadataImage> image) {
        Message message = Message.valueOf(ByteString.copyFrom(MetadataCodec.encode(command)));
        CompletableFuture<MetadataImage> result;
        try {
            result = client.async().send(message).thenCompose(reply -> afterCommit(reply, committed, awaitApplied, image));
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(new MetadataException(MetadataException.Reason.UNAVAILABLE,
                    "the metadata client is closed: " + e.getMessage()));
        }
        return result.orTimeout(timeout.toMillis(), TimeUnit.MILLISECONDS).handle((applied, failure) -> {
            if (failure == null) {
                return applied;
            }
            throw new CompletionException(asMetadataException(failure, command));
        });
    }

    private static CompletableFuture<MetadataImage> afterCommit(RaftClientReply reply,
                                                                java.util.function.LongConsumer committed,
                                                                java.util.function.LongFunction<CompletableFuture<?>> awaitApplied,
                                                                java.util.function.Supplier<MetadataImage> image) {
        if (!reply.isSuccess()) {
            return CompletableFuture.failedFuture(new MetadataException(MetadataException.Reason.TIMED_OUT,
                    "the metadata quorum did not commit the change: " + reply.getException()));
        }
        java.util.Optional<MetadataException> refusal;
        try {
            refusal = MetadataCodec.decodeOutcome(reply.getMessage().getContent().toByteArray());
        } catch (IOException e) {
            return CompletableFuture.failedFuture(e);
        }
        committed.accept(reply.getLogIndex());
        return awaitApplied.apply(reply.getLogIndex()).thenApply(done -> {
            if (refusal.isPresent()) {
                throw new CompletionException(refusal.get());
            }
            return image.get();
        });
    }

    static MetadataException asMetadataException(Throwable failure, MetadataCommand command) {
        Throwable cause = failure;
        while (cause instanceof CompletionException && cause.getCause() != null) {
            cause = cause.getCause();
        }
        if (cause instanceof MetadataException e) {
            return e;
        }
        if (cause instanceof TimeoutException) {
            return new MetadataException(MetadataException.Reason.TIMED_OUT, "no metadata quorum committed "
                    + command.getClass().getSimpleName() + " in time (is a majority of the controllers up?)");
        }
        return new MetadataException(MetadataException.Reason.TIMED_OUT, "the metadata quorum did not commit "
                + command.getClass().getSimpleName() + ": " + cause);
    }

    @Override
    public CompletableFuture<QuorumDescription> describe(Duration timeout) {
        Message query = Message.valueOf(ByteString.copyFrom(new byte[] {QUERY_DESCRIBE}));
        return client.async().sendReadOnly(query).thenApply(reply -> {
            if (!reply.isSuccess()) {
                throw new CompletionException(new MetadataException(MetadataException.Reason.TIMED_OUT,
                        "no metadata leader answered: " + reply.getException()));
            }
            return decodeDescription(reply.getMessage().getContent().asReadOnlyByteBuffer());
        }).orTimeout(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    @Override
    public CompletableFuture<MetadataImage> latestImage(Duration timeout) {
        if (config.voters().size() == 1) {
            return CompletableFuture.completedFuture(image()); // this node is the leader: nothing to wait for
        }
        Message query = Message.valueOf(ByteString.copyFrom(new byte[] {QUERY_APPLIED}));
        CompletableFuture<MetadataImage> latest;
        try {
            latest = client.async().sendReadOnly(query).thenCompose(reply -> {
                if (!reply.isSuccess()) {
                    return CompletableFuture.completedFuture(image());
                }
                long index = reply.getMessage().getContent().asReadOnlyByteBuffer().getLong();
                applyWatch.committed(index);
                return stateMachine.awaitApplied(index).thenApply(done -> image());
            });
        } catch (RuntimeException e) {
            return CompletableFuture.completedFuture(image());
        }
        return latest.completeOnTimeout(null, timeout.toMillis(), TimeUnit.MILLISECONDS)
                .handle((image, failure) -> image != null ? image : image());
    }

    /** Runs on the leader: its own view of term, commit index and each voter's progress. */
    private CompletableFuture<byte[]> answerQuery(byte[] request) {
        if (ObserverTracker.isImageQuery(request)) {
            long known = ObserverTracker.knownVersion(request);
            MetadataImage current = stateMachine.image();
            observers.onQuery(request, current.version(), stateMachine.appliedIndex(), monotonicMillis());
            if (current.version() <= known) {
                return CompletableFuture.completedFuture(new byte[0]);
            }
            try {
                java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
                MetadataCodec.writeImage(bytes, current);
                return CompletableFuture.completedFuture(bytes.toByteArray());
            } catch (IOException e) {
                return CompletableFuture.failedFuture(e);
            }
        }
        if (request.length == 1 && request[0] == QUERY_APPLIED) {
            return CompletableFuture.completedFuture(ByteBuffer.allocate(8).putLong(stateMachine.appliedIndex()).array());
        }
        if (request.length != 1 || request[0] != QUERY_DESCRIBE) {
            return CompletableFuture.failedFuture(new IOException(UNKNOWN_QUERY));
        }
        try {
            DivisionInfo info = server.getDivision(GROUP_ID).getInfo();
            RoleInfoProto role = info.getRoleInfoProto();
            long[] matches = info.getFollowerMatchIndices();
            List<ServerRpcProto> followers = role.hasLeaderInfo() ? role.getLeaderInfo().getFollowerInfoList() : List.of();
            long commit = server.getDivision(GROUP_ID).getRaftLog().getLastCommittedIndex();
            List<ObserverState> observed = observers.observers(monotonicMillis());
            ByteBuffer out = ByteBuffer.allocate(32 + 24 * (followers.size() + 1) + ObserverTracker.sectionBytes(observed.size()));
            out.putInt(config.nodeId()).putLong(info.getCurrentTerm()).putLong(commit);
            out.putInt(followers.size() + 1);
            out.putInt(config.nodeId()).putLong(server.getDivision(GROUP_ID).getRaftLog().getFlushIndex()).putLong(0);
            for (int i = 0; i < followers.size(); i++) {
                ServerRpcProto follower = followers.get(i);
                int id = Integer.parseInt(follower.getId().getId().toStringUtf8());
                long match = i < matches.length ? matches[i] : -1;
                out.putInt(id).putLong(match).putLong(follower.getLastRpcElapsedTimeMs());
            }
            ObserverTracker.write(out, observed);
            return CompletableFuture.completedFuture(java.util.Arrays.copyOf(out.array(), out.position()));
        } catch (IOException | RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    /**
     * Asks voter {@code nodeId}'s metadata replica, and only it, for its role and the leader it knows (Ratis's group
     * info), within {@code timeout}.
     *
     * @throws IOException it did not answer, or answered that it holds no replica of the metadata group
     */
    public static VoterRole askVoter(int nodeId, Map<Integer, InetSocketAddress> voters, Duration timeout) throws IOException {
        if (!voters.containsKey(nodeId)) {
            throw new IOException("node " + nodeId + " is not among the voters " + voters.keySet());
        }
        RaftProperties props = new RaftProperties();
        RaftClientConfigKeys.Rpc.setRequestTimeout(props, TimeDuration.valueOf(timeout.toMillis(), TimeUnit.MILLISECONDS));
        try (RaftClient client = RaftClient.newBuilder().setProperties(props).setRaftGroup(group(voters))
                .setClientId(ClientId.randomId()).setRetryPolicy(RetryPolicies.noRetry()).build()) {
            RoleInfoProto role = client.getGroupManagementApi(peerId(nodeId)).info(GROUP_ID).getRoleInfoProto();
            int leader = -1;
            if (role.hasLeaderInfo()) {
                leader = nodeId;
            } else if (role.hasFollowerInfo() && role.getFollowerInfo().hasLeaderInfo()) {
                String id = role.getFollowerInfo().getLeaderInfo().getId().getId().toStringUtf8();
                leader = id.isEmpty() ? -1 : Integer.parseInt(id);
            }
            return new VoterRole(nodeId, role.getRole().name(), leader);
        } catch (NumberFormatException e) {
            throw new IOException("node " + nodeId + " named a leader that is no node id: " + e.getMessage(), e);
        } catch (RuntimeException e) {
            // gRPC reports an unreachable server unchecked (StatusRuntimeException UNAVAILABLE)
            throw new IOException(e.getMessage(), e);
        }
    }

    /**
     * Asks the metadata replica at {@code controller}, whose node id is not known yet, for the group's voters as its
     * configuration lists them (Ratis's group info), within {@code timeout}: how a broker-only node given only
     * {@code controller.quorum.bootstrap.servers} learns the voters' ids, as a Kafka observer learns them from its
     * bootstrap servers.
     *
     * @throws IOException it did not answer, holds no replica of the metadata group, or lists a peer that is no node
     */
    public static Map<Integer, InetSocketAddress> askVoters(InetSocketAddress controller, Duration timeout) throws IOException {
        RaftProperties props = new RaftProperties();
        RaftClientConfigKeys.Rpc.setRequestTimeout(props, TimeDuration.valueOf(timeout.toMillis(), TimeUnit.MILLISECONDS));
        // The group info request is addressed by group, not by the server's id, so a placeholder id reaches it.
        RaftPeerId unknown = RaftPeerId.valueOf("bootstrap");
        RaftPeer peer = RaftPeer.newBuilder().setId(unknown)
                .setAddress(controller.getHostString() + ":" + controller.getPort()).build();
        try (RaftClient client = RaftClient.newBuilder().setProperties(props).setRaftGroup(RaftGroup.valueOf(GROUP_ID, peer))
                .setClientId(ClientId.randomId()).setRetryPolicy(RetryPolicies.noRetry()).build()) {
            Map<Integer, InetSocketAddress> voters = new java.util.TreeMap<>();
            for (RaftPeer voter : client.getGroupManagementApi(unknown).info(GROUP_ID).getGroup().getPeers()) {
                String address = voter.getAddress();
                int colon = address == null ? -1 : address.lastIndexOf(':');
                if (colon <= 0) {
                    throw new IOException("voter " + voter.getId() + " has no host:port address: " + address);
                }
                voters.put(Integer.parseInt(voter.getId().toString()), InetSocketAddress.createUnresolved(
                        address.substring(0, colon), Integer.parseInt(address.substring(colon + 1))));
            }
            if (voters.isEmpty()) {
                throw new IOException("its metadata replica lists no voters");
            }
            return voters;
        } catch (NumberFormatException e) {
            throw new IOException("it lists a voter that is no node id or port: " + e.getMessage(), e);
        } catch (RuntimeException e) {
            // gRPC reports an unreachable server unchecked (StatusRuntimeException UNAVAILABLE)
            throw new IOException(e.getMessage(), e);
        }
    }

    static QuorumDescription decodeDescription(ByteBuffer in) {
        int leader = in.getInt();
        long term = in.getLong();
        long commit = in.getLong();
        int n = in.getInt();
        List<VoterState> voters = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            voters.add(new VoterState(in.getInt(), in.getLong(), in.getLong()));
        }
        return new QuorumDescription(leader, term, commit, voters, ObserverTracker.read(in));
    }

    /** Milliseconds of a monotonic clock: observer ages are differences of these, never wall-clock times. */
    private static long monotonicMillis() {
        return TimeUnit.NANOSECONDS.toMillis(System.nanoTime());
    }

    private void leaderChanged(RaftPeerId newLeader) {
        int previous = leaderId;
        leaderId = newLeader == null ? -1 : Integer.parseInt(newLeader.toString());
        if (leaderReady && leaderId != config.nodeId()) {
            leaderReady = false;
            leadershipListeners.forEach(l -> l.onLeadershipChange(false));
        }
        if (previous != leaderId) {
            leaderChanges.incrementAndGet();
            LOG.info("Metadata leader is now node {}", leaderId < 0 ? "(none)" : leaderId);
        }
    }

    /** Applies the leadership Ratis reports now, for notices fired before the listeners were added. Idempotent. */
    private void catchUpLeadership() {
        try {
            DivisionInfo info = server.getDivision(GROUP_ID).getInfo();
            RaftPeerId leader = info.getLeaderId();
            if (info.isLeader() && info.isLeaderReady()) {
                if (!leaderReady) {
                    becameReadyLeader();
                }
            } else if (leader != null && leaderId == -1) {
                leaderChanged(leader);
            }
        } catch (IOException e) {
            LOG.warn("Could not read the metadata group's leadership at start; waiting for Ratis's next notice", e);
        }
    }

    private void becameReadyLeader() {
        // Ratis may report readiness before (or without) the leader-change notice: count the change here too,
        // or a node that was elected that way would show LeaderChanges 0.
        if (leaderId != config.nodeId()) {
            leaderChanges.incrementAndGet();
        }
        leaderId = config.nodeId();
        leaderReady = true;
        leadershipListeners.forEach(l -> l.onLeadershipChange(true));
    }

    @Override
    public void close() {
        try {
            client.close();
        } catch (IOException | RuntimeException e) {
            LOG.warn("Closing the metadata client failed", e);
        }
        try {
            server.close();
        } catch (IOException | RuntimeException e) {
            LOG.warn("Closing the metadata replica failed", e);
        }
    }
}
