package io.dlog.kafka.replica;

import io.dlog.cluster.MetadataCommand;
import io.dlog.cluster.MetadataQuorum;
import io.dlog.kafka.config.BrokerConfig;
import io.dlog.kafka.config.ThrottledReplicas;
import io.dlog.kafka.quota.ReplicationQuotaManager;
import io.dlog.log.LogManager;
import io.dlog.log.PartitionLog;
import io.dlog.log.TopicPartition;
import io.dlog.log.metadata.BrokerImage;
import io.dlog.log.metadata.MetadataImage;
import io.dlog.log.metadata.PartitionState;
import io.dlog.log.metadata.TopicImage;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.apache.kafka.common.protocol.Errors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * This node's side of replication: for every local replica, the role the cluster image gives it (leader,
 * follower or offline at a leader epoch) and what the role implies. As leader: the epoch recorded in the
 * log before the first append, followers' positions from their fetches, the high watermark, acks=all
 * waiting for it, and ISR changes proposed to the metadata group (a follower joins once it reaches the
 * high watermark within this epoch, leaves after {@code replica.lag.time.max.ms} behind; replicas a
 * reassignment adds while it leads are tracked from then on). As follower: a
 * fetcher pulling from the leader ({@link ReplicaFetchers}). Leaders are chosen by the metadata group
 * (see the cluster module's PartitionLeadership); this class only follows. Replication throttles, as Kafka's:
 * a leader quota (what this node sends to followers of the partitions in leader.replication.throttled.replicas,
 * bound by leader.replication.throttled.rate) and a follower quota (what its fetchers pull, likewise).
 *
 * <p>Thread-safety: {@link #apply} is called by the image listener, serialized; everything else may be
 * called from any thread, including Netty event loops (nothing here blocks but {@link #apply}, which waits
 * for the logs' writer threads to record a new role).
 */
public final class ReplicaManager implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ReplicaManager.class);
    private static final Duration PROPOSAL_TIMEOUT = Duration.ofSeconds(30);
    private static final long ROLE_CHANGE_TIMEOUT_S = 60;

    /** Told when the ISR of a partition this node leads shrinks or expands (Kafka's IsrShrinks/IsrExpands). */
    public interface IsrChangeListener {
        void onIsrChanged(boolean shrink);
    }

    /**
     * This node's replicas at one moment (Kafka's ReplicaManager gauges): partitions with a replica here,
     * those it leads, those it leads with an ISR smaller than the replica set, those whose log failed, and of
     * those it leads: with an ISR below / at the topic's min.insync.replicas (acks=all refused / one more loss
     * away from refused) and with a reassignment in progress.
     */
    public record ReplicaCounts(int partitions, int leaders, int underReplicated, int offline, int underMinIsr,
                                int atMinIsr, int reassigning) {
    }

    /** Told when this node starts or stops leading a partition (coordinators load and unload their state). */
    public interface LeadershipListener {
        void onBecomeLeader(TopicPartition tp, int leaderEpoch);

        void onResign(TopicPartition tp);
    }

    private final int self;
    private final LogManager logs;
    private final Supplier<BrokerConfig> config;
    private final Supplier<MetadataQuorum> quorum;
    private final ScheduledExecutorService scheduler;
    private final ReplicaFetchers fetchers;
    private final ReplicationQuotaManager leaderQuota;
    private final Map<TopicPartition, PartitionReplica> replicas = new ConcurrentHashMap<>();
    private final List<LeadershipListener> listeners = new CopyOnWriteArrayList<>();
    private static final CompletableFuture<?> DONE = CompletableFuture.completedFuture(null);
    private volatile Consumer<TopicPartition> highWatermarkListener = tp -> { };
    /** Told when the high watermark of a partition this node leads moved with nothing appended. */
    private volatile Consumer<TopicPartition> commitListener = tp -> { };
    private volatile IsrChangeListener isrChangeListener = (shrink) -> { };
    /** Answers the parked fetches of a follower (by node id): see {@link #setFollowerReleaser}. */
    private volatile java.util.function.IntConsumer followerReleaser = replica -> { };
    /** When this node last started leading a partition, by each follower of that partition (milliseconds). */
    private final Map<Integer, Long> newLeadershipAt = new ConcurrentHashMap<>();
    /** Record bytes this node's followers appended from their leaders (Kafka's ReplicationBytesInPerSec). */
    private volatile java.util.function.LongConsumer replicationBytesIn = bytes -> { };
    /** Record bytes this node sent to followers as their leader (Kafka's ReplicationBytesOutPerSec). */
    private volatile java.util.function.LongConsumer replicationBytesOut = bytes -> { };
    private volatile MetadataImage image = MetadataImage.EMPTY;
    /** Null until {@link #setLease}: then replicated partitions are served as leader only while it holds. */
    private volatile LeaderLease lease;
    private final List<ScheduledFuture<?>> tasks = new ArrayList<>();
    private volatile long appliedVersion;
    private final java.util.concurrent.ConcurrentSkipListMap<Long, CompletableFuture<Void>> appliedWaiters =
            new java.util.concurrent.ConcurrentSkipListMap<>();
    /**
     * Role changes run here, not on the metadata group's apply thread: they wait for the logs' writer
     * threads (checkpoint writes), and an apply thread held up that long delays heartbeats until the
     * metadata leader fences everyone, which changes more roles: a storm.
     */
    private final java.util.concurrent.ExecutorService roleThread = java.util.concurrent.Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "dlog-replica-roles");
        t.setDaemon(true);
        return t;
    });
    /** The newest image not yet applied by the role thread; intermediate ones are skipped. */
    private final java.util.concurrent.atomic.AtomicReference<MetadataImage> nextImage =
            new java.util.concurrent.atomic.AtomicReference<>();

    public ReplicaManager(int self, LogManager logs, Supplier<BrokerConfig> config, Supplier<MetadataQuorum> quorum,
                          ScheduledExecutorService scheduler) {
        this.self = self;
        this.logs = logs;
        this.config = config;
        this.quorum = quorum;
        this.scheduler = scheduler;
        BrokerConfig initial = config.get();
        this.leaderQuota = new ReplicationQuotaManager(ThrottledReplicas.LEADER_KEY, self,
                initial.replicationQuotaWindowNum(), initial.replicationQuotaWindowSizeSeconds(), () -> image,
                () -> config.get().leaderReplicationThrottledRate(), ReplicaManager::nowMs);
        ReplicationQuotaManager followerQuota = new ReplicationQuotaManager(ThrottledReplicas.FOLLOWER_KEY, self,
                initial.replicationQuotaWindowNum(), initial.replicationQuotaWindowSizeSeconds(), () -> image,
                () -> config.get().followerReplicationThrottledRate(), ReplicaManager::nowMs);
        this.fetchers = new ReplicaFetchers(self, config, () -> image, this::followerView,
                tp -> highWatermarkListener.accept(tp), followerQuota, bytes -> replicationBytesIn.accept(bytes));
    }

    /** Starts the periodic ISR-shrink and leader-balance checks. */
    public synchronized void start() {
        long lag = Math.max(1, config.get().replicaLagTimeMaxMs() / 2);
        tasks.add(scheduler.scheduleWithFixedDelay(this::shrinkIsrs, lag, lag, TimeUnit.MILLISECONDS));
        tasks.add(scheduler.scheduleWithFixedDelay(this::raiseEpochsBehindLogs, 1, 1, TimeUnit.SECONDS));
        long balance = config.get().leaderImbalanceCheckIntervalSeconds();
        tasks.add(scheduler.scheduleWithFixedDelay(this::balanceLeaders, balance, balance, TimeUnit.SECONDS));
    }

    /**
     * How long after this node starts leading a partition its followers' fetches park at most (instead of
     * replica.fetch.wait.max.ms): long enough for a follower to learn of the partition from its own copy of the
     * metadata, short enough that the fetch carrying it is not held back (see {@link #newlyLeadingFor}).
     */
    public static final int NEW_LEADERSHIP_FETCH_WAIT_MS = 20;
    /** The window after a new leadership in which {@link #newlyLeadingFor} holds for its followers. */
    static final long NEW_LEADERSHIP_WINDOW_MS = 2_000;

    /**
     * Set by the request layer: answers the fetches a node has parked on this one. Called for each follower of a
     * partition this node starts leading, so that the follower's next fetch, which can name the partition, goes out
     * now rather than after replica.fetch.wait.max.ms.
     */
    public void setFollowerReleaser(java.util.function.IntConsumer releaser) {
        this.followerReleaser = releaser;
    }

    /**
     * True for {@link #NEW_LEADERSHIP_WINDOW_MS} after this node started leading a partition that {@code replicaId}
     * follows: that node may still be adding it to its fetches, so its fetches should not park long meanwhile.
     */
    public boolean newlyLeadingFor(int replicaId) {
        Long at = newLeadershipAt.get(replicaId);
        return at != null && nowMs() - at < NEW_LEADERSHIP_WINDOW_MS;
    }

    public void addLeadershipListener(LeadershipListener listener) {
        listeners.add(listener);
    }

    /** Told when the ISR of a partition this node leads shrinks or expands. */
    public void setIsrChangeListener(IsrChangeListener listener) {
        this.isrChangeListener = listener;
    }

    /**
     * Told the record bytes of replication: {@code in} on the fetcher threads when a follower here appends what its
     * leader sent, {@code out} on the event loops when this node answers a follower's fetch. Both must be cheap.
     */
    public void setReplicationTrafficListeners(java.util.function.LongConsumer in, java.util.function.LongConsumer out) {
        this.replicationBytesIn = in;
        this.replicationBytesOut = out;
    }

    /** Counts this node's replicas now (reads volatile role fields; no lock). */
    public ReplicaCounts counts() {
        int partitions = 0;
        int leaders = 0;
        int underReplicated = 0;
        int offline = 0;
        int underMinIsr = 0;
        int atMinIsr = 0;
        int reassigning = 0;
        MetadataImage current = image;
        BrokerConfig broker = config.get();
        for (PartitionReplica replica : replicas.values()) {
            partitions++;
            if (replica.role == PartitionReplica.Role.LEADER) {
                leaders++;
                int isr = replica.isr.size();
                if (isr < replica.replicas.size()) {
                    underReplicated++;
                }
                Optional<TopicImage> topic = current.topic(replica.tp.topic());
                if (topic.isPresent() && replica.tp.partition() < topic.get().partitions()) {
                    int minIsr = replica.effectiveMinIsr(
                            io.dlog.kafka.config.TopicConfigs.minInsyncReplicas(topic.get().configs(), broker));
                    underMinIsr += isr < minIsr ? 1 : 0;
                    atMinIsr += isr == minIsr ? 1 : 0;
                    reassigning += topic.get().state(replica.tp.partition()).isReassigning() ? 1 : 0;
                }
            }
            if (replica.log.isOffline()) {
                offline++;
            }
        }
        return new ReplicaCounts(partitions, leaders, underReplicated, offline, underMinIsr, atMinIsr, reassigning);
    }

    /** The node is stopping: serve no replicated partition as leader from now on (see {@link LeaderLease#revoke}). */
    public void revokeLease() {
        LeaderLease current = lease;
        if (current != null) {
            current.revoke();
        }
    }

    /** From now on, serve replicated partitions as leader only while {@code lease} holds (see {@link LeaderLease}). */
    public void setLease(LeaderLease lease) {
        this.lease = lease;
    }

    /**
     * True when this node may answer for {@code replica} as its leader now: it leads it, its epoch is recorded,
     * and, for a replicated partition, its lease holds (no other replica can have been made leader yet).
     */
    private boolean isServingLeader(PartitionReplica replica) {
        if (replica == null || !replica.isReadyLeader()) {
            return false;
        }
        LeaderLease current = lease;
        return current == null || !replica.isReplicated() || current.isValid();
    }

    /**
     * {@code listener} is told after an append that did not come through Produce, after a partition this node leads
     * stopped being replicated, and after the high watermark of a partition this node follows moved (on a follower it
     * wakes consumers reading from it, KIP-392); {@code committed}
     * after the high watermark of a partition this node leads moved because followers caught up (consumers' long polls
     * wait for it; followers' fetches have nothing new to read).
     */
    public void setHighWatermarkListener(Consumer<TopicPartition> listener, Consumer<TopicPartition> committed) {
        this.highWatermarkListener = listener;
        this.commitListener = committed;
    }

    // ------------------------------------------------------------------ following the image

    /**
     * Hands {@code next} to the role thread and returns at once (the image listener's path). Only the newest
     * image waiting is applied: roles depend on the latest state, not on the steps to it.
     */
    public void applyLater(MetadataImage next) {
        if (nextImage.getAndSet(next) != null) {
            return; // a task is queued and will take the newest
        }
        try {
            roleThread.execute(() -> {
                MetadataImage latest = nextImage.getAndSet(null);
                if (latest != null) {
                    apply(latest);
                }
            });
        } catch (java.util.concurrent.RejectedExecutionException e) {
            LOG.debug("Replica manager closed; image {} not applied", next.version());
        }
    }

    /**
     * Brings every local replica to the role {@code next} gives it. Waits (bounded) for the logs' writer
     * threads to record new leader epochs, so a node answers as leader only once its log is ready to be one.
     * Called directly once at catch-up (so the node serves as leader from its first request), then through
     * {@link #applyLater}.
     */
    public synchronized void apply(MetadataImage next) {
        try {
            applyRoles(next);
        } finally {
            markApplied(image.version());
        }
    }

    /**
     * Completes once the roles of an image at {@code version} or later are in force here (a coordinator that
     * just created its topic waits for this before looking for the partitions it leads).
     */
    public CompletableFuture<Void> awaitApplied(long version) {
        if (appliedVersion >= version) {
            return CompletableFuture.completedFuture(null);
        }
        CompletableFuture<Void> done = appliedWaiters.computeIfAbsent(version, v -> new CompletableFuture<>());
        if (appliedVersion >= version) {
            done.complete(null);
        }
        return done;
    }

    private void markApplied(long version) {
        appliedVersion = Math.max(appliedVersion, version);
        var done = appliedWaiters.headMap(appliedVersion, true);
        done.values().forEach(f -> f.complete(null));
        done.clear();
    }

    private void applyRoles(MetadataImage next) {
        MetadataImage previous = image;
        if (next.version() < previous.version()) {
            return;
        }
        image = next;
        if (previous.topics() == next.topics() && previous.brokers() == next.brokers()
                && previous.brokerConfigs().equals(next.brokerConfigs())
                && previous.nodeConfigs().equals(next.nodeConfigs())) {
            return; // (a cluster default of min.insync.replicas moves every replica's, hence the configs)
        }
        List<CompletableFuture<?>> pending = new ArrayList<>();
        List<Runnable> afterReady = new ArrayList<>();
        Set<TopicPartition> seen = new HashSet<>();
        for (TopicImage topic : next.topics().values()) {
            for (int p = 0; p < topic.partitions(); p++) {
                if (!topic.replicas(p).contains(self)) {
                    continue;
                }
                TopicPartition tp = new TopicPartition(topic.name(), p);
                Optional<PartitionLog> log = logs.get(tp);
                if (log.isEmpty()) {
                    continue; // its creation failed: offline here
                }
                seen.add(tp);
                PartitionReplica replica = replicas.get(tp);
                if (replica == null || replica.log != log.get() || !replica.topicId.equals(topic.topicId())) {
                    if (replica != null) {
                        stop(replica);
                    }
                    replica = new PartitionReplica(tp, topic.topicId(), log.get(), self);
                    replicas.put(tp, replica);
                }
                replica.configuredMinIsr = minInsyncReplicas(topic);
                update(replica, topic.replicas(p), topic.state(p), pending, afterReady);
            }
        }
        for (PartitionReplica replica : new ArrayList<>(replicas.values())) {
            if (!seen.contains(replica.tp)) {
                replicas.remove(replica.tp);
                stop(replica);
            }
        }
        try {
            CompletableFuture.allOf(pending.toArray(CompletableFuture[]::new)).get(ROLE_CHANGE_TIMEOUT_S, TimeUnit.SECONDS);
        } catch (Exception e) {
            LOG.error("Recording new partition roles in the logs failed or timed out; those partitions stay unavailable "
                    + "here until the next change", e);
        }
        afterReady.forEach(Runnable::run);
    }

    /** The topic's min.insync.replicas (its own or the broker's default); 1 if the image holds an unreadable one. */
    private int minInsyncReplicas(TopicImage topic) {
        try {
            return io.dlog.kafka.config.TopicConfigs.minInsyncReplicas(topic.configs(), config.get());
        } catch (RuntimeException e) {
            LOG.warn("min.insync.replicas of {} is unreadable; using 1: {}", topic.name(), e.getMessage());
            return 1;
        }
    }

    private void update(PartitionReplica replica, List<Integer> assigned, PartitionState state,
                        List<CompletableFuture<?>> pending, List<Runnable> afterReady) {
        boolean changed = replica.partitionEpoch != state.partitionEpoch();
        int previousIsrSize = replica.isr.size();
        boolean stillLeading = replica.role == PartitionReplica.Role.LEADER && state.leader() == self
                && replica.leaderEpoch == state.leaderEpoch();
        boolean wasReplicated = replica.isReplicated();
        List<Integer> previousReplicas = replica.replicas;
        replica.replicas = assigned;
        replica.isr = state.isr();
        if (stillLeading && state.isr().size() != previousIsrSize) {
            // Whether this leader proposed it or the metadata group dropped a fenced replica, the ISR of a
            // partition led here changed: Kafka's IsrShrinksPerSec / IsrExpandsPerSec.
            isrChangeListener.onIsrChanged(state.isr().size() < previousIsrSize);
        }
        replica.partitionEpoch = state.partitionEpoch();
        if (changed) {
            replica.pendingIsr = null; // the pending change was applied, or another change won: start again from here
        }
        if (state.leader() == self) {
            if (replica.role != PartitionReplica.Role.LEADER || replica.leaderEpoch != state.leaderEpoch()) {
                becomeLeader(replica, state.leaderEpoch(), pending, afterReady);
            } else {
                if (!previousReplicas.equals(assigned)) {
                    onReplicasChanged(replica, wasReplicated, pending);
                }
                afterReady.add(() -> maybeAdvanceHighWatermark(replica));
            }
        } else if (state.hasLeader()) {
            if (replica.role != PartitionReplica.Role.FOLLOWER || replica.leaderEpoch != state.leaderEpoch()
                    || replica.leaderId != state.leader()) {
                becomeFollower(replica, state.leader(), state.leaderEpoch(), pending, afterReady);
            }
        } else if (replica.role != PartitionReplica.Role.OFFLINE) {
            boolean wasLeader = replica.role == PartitionReplica.Role.LEADER;
            replica.role = PartitionReplica.Role.OFFLINE;
            replica.ready = false;
            replica.leaderId = -1;
            replica.leaderEpoch = state.leaderEpoch();
            fetchers.remove(replica.tp);
            replica.failWaiting(Errors.NOT_LEADER_OR_FOLLOWER);
            if (wasLeader) {
                afterReady.add(() -> notifyResign(replica.tp));
            }
        }
    }

    private void becomeLeader(PartitionReplica replica, int epoch, List<CompletableFuture<?>> pending,
                              List<Runnable> afterReady) {
        boolean wasLeader = replica.role == PartitionReplica.Role.LEADER;
        replica.ready = false;
        replica.role = PartitionReplica.Role.LEADER;
        replica.leaderId = self;
        replica.leaderEpoch = epoch;
        fetchers.remove(replica.tp);
        replica.failWaiting(Errors.NOT_LEADER_OR_FOLLOWER); // acks of an older epoch of ours: the client retries
        replica.followers.clear();
        long now = nowMs();
        for (int r : replica.replicas) {
            if (r != self) {
                replica.followers.put(r, new PartitionReplica.FollowerState(now));
            }
        }
        PartitionLog log = replica.log;
        pending.add(log.setReplicated(replica.isReplicated()).thenCompose(v -> log.assignLeaderEpoch(epoch))
                .thenRun(() -> {
                    if (replica.role == PartitionReplica.Role.LEADER && replica.leaderEpoch == epoch) {
                        replica.epochStartOffset = log.logEndOffset();
                        replica.ready = true;
                    }
                }));
        afterReady.add(() -> {
            if (replica.isReadyLeader() && replica.leaderEpoch == epoch) {
                LOG.info("Leading {} at epoch {} from offset {} (ISR {})", replica.tp, epoch, replica.epochStartOffset,
                        replica.isr);
                if (!wasLeader) {
                    listeners.forEach(l -> l.onBecomeLeader(replica.tp, epoch));
                    long at = nowMs();
                    for (int follower : replica.followers.keySet()) {
                        newLeadershipAt.put(follower, at);
                        followerReleaser.accept(follower);
                    }
                }
                maybeAdvanceHighWatermark(replica);
            }
        });
    }

    /**
     * A reassignment changed the replica set of a partition this node keeps leading: a replica that appears gets
     * a {@link PartitionReplica.FollowerState} (it joins the ISR through {@link #maybeExpandIsr} once caught up, and
     * bounds the high watermark only from then), one that left loses it (it left the ISR on the same change). A
     * partition going from one replica to several hands its high watermark to the replication layer; one going back
     * to a single replica has its appends move it again, and the acks waiting for it complete.
     */
    private void onReplicasChanged(PartitionReplica replica, boolean wasReplicated, List<CompletableFuture<?>> pending) {
        long now = nowMs();
        for (int r : replica.replicas) {
            if (r != self) {
                replica.followers.computeIfAbsent(r, id -> new PartitionReplica.FollowerState(now));
            }
        }
        replica.followers.keySet().retainAll(replica.replicas);
        boolean replicated = replica.isReplicated();
        LOG.info("Replicas of {} are now {} (ISR {})", replica.tp, replica.replicas, replica.isr);
        if (replicated != wasReplicated) {
            PartitionLog log = replica.log;
            pending.add(log.setReplicated(replicated).thenRun(() -> {
                if (!replicated) {
                    replica.completeUpTo(log.highWatermark());
                    highWatermarkListener.accept(replica.tp);
                }
            }));
        }
    }

    private void becomeFollower(PartitionReplica replica, int leader, int epoch, List<CompletableFuture<?>> pending,
                                List<Runnable> afterReady) {
        boolean wasLeader = replica.role == PartitionReplica.Role.LEADER;
        replica.ready = false;
        replica.role = PartitionReplica.Role.FOLLOWER;
        replica.leaderId = leader;
        replica.leaderEpoch = epoch;
        replica.failWaiting(Errors.NOT_LEADER_OR_FOLLOWER);
        replica.followers.clear();
        pending.add(replica.log.setReplicated(true));
        afterReady.add(() -> {
            if (replica.role == PartitionReplica.Role.FOLLOWER && replica.leaderEpoch == epoch) {
                LOG.info("Following {} at epoch {}: leader {}", replica.tp, epoch, leader);
                fetchers.add(replica.tp, leader);
            }
            if (wasLeader) {
                notifyResign(replica.tp);
            }
        });
    }

    private void stop(PartitionReplica replica) {
        boolean wasLeader = replica.role == PartitionReplica.Role.LEADER;
        replica.role = PartitionReplica.Role.OFFLINE;
        replica.ready = false;
        fetchers.remove(replica.tp);
        replica.failWaiting(Errors.NOT_LEADER_OR_FOLLOWER);
        if (wasLeader) {
            notifyResign(replica.tp);
        }
    }

    private void notifyResign(TopicPartition tp) {
        LOG.info("No longer leading {}", tp);
        listeners.forEach(l -> l.onResign(tp));
    }

    /** What the fetcher needs of a followed partition, or null when this node no longer follows it. */
    private ReplicaFetchers.Followed followerView(TopicPartition tp) {
        PartitionReplica replica = replicas.get(tp);
        if (replica == null || replica.role != PartitionReplica.Role.FOLLOWER) {
            return null;
        }
        return replica.followedView();
    }

    // ------------------------------------------------------------------ serving as leader

    /** The partition's log while this node is its ready leader. */
    public Optional<PartitionLog> leaderLog(TopicPartition tp) {
        PartitionReplica replica = replicas.get(tp);
        return isServingLeader(replica) ? replica.presentLog : Optional.empty();
    }

    /** This node's log of a partition it follows, and the leader epoch it follows it at (KIP-392 reads). */
    public record FollowerRead(PartitionLog log, int leaderEpoch) {
    }

    /**
     * The log of {@code tp} while this node follows it, for a consumer sent here by the leader (KIP-392): the
     * caller reads up to the log's high watermark (min of the leader's and this log's end) or last stable offset.
     * Empty when this node leads the partition, is not one of its replicas, or has it offline.
     */
    public Optional<FollowerRead> followerRead(TopicPartition tp) {
        PartitionReplica replica = replicas.get(tp);
        if (replica == null || replica.role != PartitionReplica.Role.FOLLOWER || replica.log.isOffline()) {
            return Optional.empty();
        }
        return Optional.of(new FollowerRead(replica.log, replica.leaderEpoch));
    }

    /**
     * KIP-392 at the leader: the follower a consumer fetching {@code fetchOffset} of {@code tp} from {@code clientRack}
     * should read from, or -1 for this leader. Only with {@code replica.selector.class} set, only while this node is
     * the serving leader, and only among followers Kafka would pick: in the ISR (and staying in it if a change is
     * pending), live in the image (not fenced), holding the offset (log start &lt;= offset &lt;= log end), and
     * advertising the listener the consumer came in on (a follower it could not reach is no choice; Kafka's rule).
     */
    public int preferredReadReplica(TopicPartition tp, String clientRack, String listener, long fetchOffset) {
        if (clientRack == null || clientRack.isEmpty() || !config.get().rackAwareReplicaSelector()) {
            return ReadReplicaSelector.LEADER;
        }
        PartitionReplica replica = replicas.get(tp);
        if (!isServingLeader(replica) || !replica.isReplicated()) {
            return ReadReplicaSelector.LEADER;
        }
        MetadataImage current = image;
        List<Integer> pending = replica.pendingIsr;
        long now = nowMs();
        List<ReadReplicaSelector.Candidate> candidates = new ArrayList<>();
        for (int member : replica.isr) {
            PartitionReplica.FollowerState f = replica.followers.get(member);
            if (member == self || f == null || (pending != null && !pending.contains(member)) || !current.isLive(member)
                    || f.logEndOffset < fetchOffset || f.logStartOffset > fetchOffset) {
                continue;
            }
            Optional<BrokerImage> broker = current.broker(member);
            candidates.add(new ReadReplicaSelector.Candidate(member, broker.map(BrokerImage::rack).orElse(null),
                    broker.flatMap(b -> b.endpoint(listener)).isPresent(), f.logEndOffset, now - f.lastCaughtUpMs));
        }
        String leaderRack = current.broker(self).map(b -> b.rack()).orElse(null);
        return ReadReplicaSelector.select(clientRack, leaderRack, candidates);
    }

    /** The leader epoch this node leads {@code tp} at, or -1. */
    public int leaderEpoch(TopicPartition tp) {
        PartitionReplica replica = replicas.get(tp);
        return isServingLeader(replica) ? replica.leaderEpoch : -1;
    }

    /**
     * True while this node leads {@code tp} with a high watermark below the log end it started its epoch at:
     * its predecessor may have told consumers more (KIP-207), so offset queries answer OFFSET_NOT_AVAILABLE.
     */
    public boolean highWatermarkBehindEpochStart(TopicPartition tp) {
        PartitionReplica replica = replicas.get(tp);
        return isServingLeader(replica) && replica.isReplicated()
                && replica.log.highWatermark() < replica.epochStartOffset;
    }

    /** True when {@code tp} has more than one replica (acks=all then waits for the ISR). */
    public boolean isReplicated(TopicPartition tp) {
        PartitionReplica replica = replicas.get(tp);
        return replica != null && replica.isReplicated();
    }

    /** An append that did not come through Produce (a coordinator's write, a marker): wakes followers' fetches. */
    public void onAppended(TopicPartition tp) {
        onLeaderAppended(tp);
        highWatermarkListener.accept(tp);
    }

    /**
     * This node appended to {@code tp} as its leader. With other in-sync replicas their next fetches move the high
     * watermark; with none (the others fell out of the ISR, and min.insync.replicas is 1), nothing else would
     * until the next metadata change, up to a heartbeat interval later, so it moves here, as Kafka's leader moves it
     * in the append itself.
     */
    public CompletableFuture<?> onLeaderAppended(TopicPartition tp) {
        PartitionReplica replica = replicas.get(tp);
        if (replica != null && replica.isr.size() == 1 && replica.isReplicated()) {
            return maybeAdvanceHighWatermark(replica);
        }
        return DONE;
    }

    /**
     * Kafka's check before an acks=all append: NOT_ENOUGH_REPLICAS while the ISR is smaller than min.insync.replicas
     * (at most the replica count: Kafka's effective min ISR).
     */
    public Errors checkEnoughReplicas(TopicPartition tp, int minInsyncReplicas) {
        PartitionReplica replica = replicas.get(tp);
        if (!isServingLeader(replica)) {
            return Errors.NOT_LEADER_OR_FOLLOWER;
        }
        return replica.isr.size() < replica.effectiveMinIsr(minInsyncReplicas) ? Errors.NOT_ENOUGH_REPLICAS : Errors.NONE;
    }

    /**
     * Completes once the high watermark passes {@code requiredOffset} (exclusive end of the append): NONE, or
     * NOT_ENOUGH_REPLICAS_AFTER_APPEND when the ISR shrank below {@code minInsyncReplicas} meanwhile (the high
     * watermark had passed it first: below it, it stays put, so the ack then waits for the ISR to grow again),
     * NOT_LEADER_OR_FOLLOWER when this node stops leading, REQUEST_TIMED_OUT after {@code timeoutMs}.
     */
    public CompletableFuture<Errors> awaitCommitted(TopicPartition tp, long requiredOffset, int minInsyncReplicas,
                                                    long timeoutMs) {
        PartitionReplica replica = replicas.get(tp);
        if (!isServingLeader(replica)) {
            return CompletableFuture.completedFuture(Errors.NOT_LEADER_OR_FOLLOWER);
        }
        PartitionReplica.DelayedAck ack = new PartitionReplica.DelayedAck(requiredOffset, minInsyncReplicas);
        replica.addWaiting(ack);
        if (replica.log.highWatermark() >= requiredOffset || !replica.isReadyLeader()) {
            replica.removeWaiting(ack);
            ack.complete(!replica.isReadyLeader() ? Errors.NOT_LEADER_OR_FOLLOWER
                    : replica.isr.size() >= replica.effectiveMinIsr(minInsyncReplicas) ? Errors.NONE
                    : Errors.NOT_ENOUGH_REPLICAS_AFTER_APPEND);
            return ack.result;
        }
        ack.timer = scheduler.schedule(() -> {
            replica.removeWaiting(ack);
            ack.complete(Errors.REQUEST_TIMED_OUT);
        }, Math.max(0, timeoutMs), TimeUnit.MILLISECONDS);
        if (ack.result.isDone()) {
            ack.timer.cancel(false);
        }
        return ack.result;
    }

    /**
     * A follower's fetch reached this leader: records its log end and moves the ISR and the high watermark.
     * Returns the replica when this node is the ready leader at {@code currentLeaderEpoch}, else the error to
     * answer (NOT_LEADER_OR_FOLLOWER, FENCED_LEADER_EPOCH, UNKNOWN_LEADER_EPOCH).
     */
    public Errors checkFollowerFetch(TopicPartition tp, int currentLeaderEpoch) {
        PartitionReplica replica = replicas.get(tp);
        if (!isServingLeader(replica)) {
            return Errors.NOT_LEADER_OR_FOLLOWER;
        }
        if (currentLeaderEpoch >= 0 && currentLeaderEpoch != replica.leaderEpoch) {
            return currentLeaderEpoch > replica.leaderEpoch ? Errors.UNKNOWN_LEADER_EPOCH : Errors.FENCED_LEADER_EPOCH;
        }
        return Errors.NONE;
    }

    /**
     * Kafka's leader-side replication throttle: the answer to {@code replicaId}'s fetch of {@code tp} leaves its
     * records out while the leader quota is exceeded, if the partition is in this node's
     * leader.replication.throttled.replicas and the follower is not in the ISR (in-sync replicas are never held back:
     * that would push them out of the ISR).
     */
    public boolean shouldLeaderThrottle(TopicPartition tp, int replicaId) {
        PartitionReplica replica = replicas.get(tp);
        boolean inSync = replica != null && replica.isr.contains(replicaId);
        return !inSync && leaderQuota.isThrottled(tp) && leaderQuota.isQuotaExceeded();
    }

    /**
     * Counts {@code bytes} sent to a follower for {@code tp} against the leader quota when {@code tp} is throttled
     * there (in-sync followers' bytes count too, as on Kafka: the bound is on all throttled replication traffic).
     */
    public void recordLeaderReplication(TopicPartition tp, long bytes) {
        replicationBytesOut.accept(bytes);
        if (leaderQuota.isThrottled(tp)) {
            leaderQuota.record(bytes);
        }
    }

    /**
     * Records a follower's fetch offset (its log end) and log start at the leader; see {@link #checkFollowerFetch}.
     *
     * @param followerLogStart the follower's log start offset from its fetch, -1 when it sent none
     */
    public void onFollowerFetch(TopicPartition tp, int replicaId, long fetchOffset, long followerLogStart) {
        PartitionReplica replica = replicas.get(tp);
        if (replica == null || !replica.isReadyLeader()) {
            return;
        }
        PartitionReplica.FollowerState follower = replica.followers.get(replicaId);
        if (follower == null) {
            return; // not a replica of this partition
        }
        follower.onFetch(fetchOffset, followerLogStart, replica.log.logEndOffset(), nowMs());
        maybeExpandIsr(replica, replicaId, fetchOffset);
        maybeAdvanceHighWatermark(replica);
    }

    /** Completes once the high watermark has moved as far as the in-sync replicas allow now. */
    private CompletableFuture<?> maybeAdvanceHighWatermark(PartitionReplica replica) {
        if (!replica.isReadyLeader()) {
            return DONE;
        }
        if (!replica.isReplicated()) {
            return DONE; // one replica: its own appends move the high watermark, and acks=all never waits here
        }
        if (replica.isUnderMinIsr()) {
            return DONE; // Kafka's strict min ISR: what consumers read stays on min.insync.replicas replicas
        }
        long hw = replica.computeHighWatermark();
        if (hw <= replica.log.highWatermark()) {
            return DONE;
        }
        return replica.log.updateHighWatermark(hw).whenComplete((moved, failure) -> {
            if (failure != null) {
                LOG.warn("Moving the high watermark of {} failed", replica.tp, failure);
                return;
            }
            replica.completeUpTo(moved);
            commitListener.accept(replica.tp);
        });
    }

    // ------------------------------------------------------------------ ISR changes

    private void maybeExpandIsr(PartitionReplica replica, int replicaId, long fetchOffset) {
        if (replica.isr.contains(replicaId) || replica.pendingIsr != null) {
            return;
        }
        if (fetchOffset < replica.log.highWatermark() || fetchOffset < replica.epochStartOffset) {
            return;
        }
        MetadataImage current = image;
        if (!current.isLive(replicaId)) {
            return;
        }
        List<Integer> isr = new ArrayList<>(replica.isr);
        isr.add(replicaId);
        proposeIsr(replica, isr, "caught up at offset " + fetchOffset);
    }

    /** Every leader's ISR members that have not caught up for replica.lag.time.max.ms leave it. */
    private void shrinkIsrs() {
        try {
            long now = nowMs();
            long lagMax = config.get().replicaLagTimeMaxMs();
            for (PartitionReplica replica : replicas.values()) {
                if (!replica.isReadyLeader() || replica.pendingIsr != null || !replica.isReplicated()) {
                    continue;
                }
                List<Integer> kept = new ArrayList<>();
                for (int member : replica.isr) {
                    PartitionReplica.FollowerState f = replica.followers.get(member);
                    boolean lagging = member != self && f != null && now - f.lastCaughtUpMs > lagMax
                            && (f.logEndOffset < replica.log.logEndOffset());
                    if (!lagging) {
                        kept.add(member);
                    }
                }
                if (kept.size() < replica.isr.size()) {
                    proposeIsr(replica, kept, "followers behind for more than " + lagMax + " ms");
                }
            }
        } catch (RuntimeException e) {
            LOG.error("ISR check failed", e);
        }
    }

    /**
     * A leader's log may hold batches of a higher epoch than the image gives it: a migration mirror appends
     * its source's batches verbatim. Clients would then take every Metadata answer for stale (its epoch is
     * below the epochs they read), so the leader asks for an epoch above its log's; the new epoch is recorded
     * in the log like any other once the image has it.
     */
    private void raiseEpochsBehindLogs() {
        try {
            MetadataQuorum metadata = quorum.get();
            if (metadata == null) {
                return;
            }
            for (PartitionReplica replica : replicas.values()) {
                int logEpoch = replica.log.latestLeaderEpoch();
                if (replica.role != PartitionReplica.Role.LEADER || logEpoch <= replica.leaderEpoch
                        || replica.epochRaisePending) {
                    continue;
                }
                replica.epochRaisePending = true;
                LOG.info("Raising the leader epoch of {} from {} above its log's {}", replica.tp, replica.leaderEpoch, logEpoch);
                metadata.propose(new MetadataCommand.RaiseLeaderEpoch(replica.tp.topic(), replica.tp.partition(), self,
                        replica.leaderEpoch, logEpoch + 1), PROPOSAL_TIMEOUT)
                        .whenComplete((applied, failure) -> replica.epochRaisePending = false);
            }
        } catch (RuntimeException e) {
            LOG.error("Leader epoch check failed", e);
        }
    }

    private void proposeIsr(PartitionReplica replica, List<Integer> isr, String why) {
        MetadataQuorum metadata = quorum.get();
        if (metadata == null) {
            return;
        }
        replica.pendingIsr = List.copyOf(isr);
        LOG.info("Proposing ISR {} for {} (was {}): {}", isr, replica.tp, replica.isr, why);
        metadata.propose(new MetadataCommand.AlterPartition(replica.tp.topic(), replica.topicId, replica.tp.partition(),
                        self, replica.leaderEpoch, replica.partitionEpoch, isr), PROPOSAL_TIMEOUT)
                .whenComplete((applied, failure) -> {
                    if (failure != null) {
                        LOG.debug("ISR change of {} not applied: {}", replica.tp, failure.getMessage());
                        replica.pendingIsr = null; // the image holds the truth; retried on the next fetch or check
                    }
                });
    }

    // ------------------------------------------------------------------ leader balance

    /**
     * auto.leader.rebalance.enable: this node asks for leadership of the partitions it is the preferred
     * replica of, once it is in their ISR, when more than 10% of them are led elsewhere (Kafka's
     * leader.imbalance.per.broker.percentage default). Each node acts for itself: no controller needed.
     */
    private void balanceLeaders() {
        try {
            if (!config.get().autoLeaderRebalanceEnable()) {
                return;
            }
            electPreferred();
        } catch (RuntimeException e) {
            LOG.error("Leader balance check failed", e);
        }
    }

    /**
     * Proposes this node as leader of every partition it prefers and can lead (in sync, live) but does not,
     * when they are more than 10% of the partitions it prefers.
     */
    private void electPreferred() {
        MetadataImage current = image;
        MetadataQuorum metadata = quorum.get();
        if (metadata == null || !current.isLive(self)) {
            return;
        }
        int preferred = 0;
        List<MetadataCommand.ElectLeader> elections = new ArrayList<>();
        for (TopicImage topic : current.topics().values()) {
            for (int p = 0; p < topic.partitions(); p++) {
                if (topic.replicas(p).get(0) != self) {
                    continue;
                }
                preferred++;
                PartitionState state = topic.state(p);
                if (state.leader() != self && state.isr().contains(self)) {
                    elections.add(new MetadataCommand.ElectLeader(topic.name(), p, self, false));
                }
            }
        }
        if (elections.isEmpty() || elections.size() * 10 <= preferred) {
            return;
        }
        LOG.info("Taking back leadership of {} partitions this node prefers", elections.size());
        for (MetadataCommand.ElectLeader election : elections) {
            metadata.propose(election, PROPOSAL_TIMEOUT).whenComplete((applied, failure) -> {
                if (failure != null) {
                    LOG.debug("Preferred election of {}-{} not applied: {}", election.topic(), election.partition(),
                            failure.getMessage());
                }
            });
        }
    }

    private static long nowMs() {
        return System.nanoTime() / 1_000_000L;
    }

    @Override
    public void close() {
        roleThread.shutdown();
        try {
            roleThread.awaitTermination(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        closeFetchersAndAcks();
    }

    private synchronized void closeFetchersAndAcks() {
        tasks.forEach(t -> t.cancel(false));
        fetchers.close();
        replicas.values().forEach(r -> r.failWaiting(Errors.NOT_LEADER_OR_FOLLOWER));
    }
}
