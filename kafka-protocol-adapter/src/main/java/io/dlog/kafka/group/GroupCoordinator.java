package io.dlog.kafka.group;

import io.dlog.kafka.BrokerContext;
import io.dlog.kafka.config.GroupConfigs;
import io.dlog.kafka.coordinator.InternalTopicLog;
import io.dlog.kafka.group.GroupRecords.OffsetValue;
import java.io.IOException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.message.ConsumerGroupDescribeRequestData;
import org.apache.kafka.common.message.ConsumerGroupDescribeResponseData;
import org.apache.kafka.common.message.ConsumerGroupHeartbeatRequestData;
import org.apache.kafka.common.message.ConsumerGroupHeartbeatResponseData;
import org.apache.kafka.common.message.DeleteGroupsRequestData;
import org.apache.kafka.common.message.DeleteGroupsResponseData;
import org.apache.kafka.common.message.DescribeGroupsRequestData;
import org.apache.kafka.common.message.DescribeGroupsResponseData;
import org.apache.kafka.common.message.HeartbeatRequestData;
import org.apache.kafka.common.message.HeartbeatResponseData;
import org.apache.kafka.common.message.JoinGroupRequestData;
import org.apache.kafka.common.message.JoinGroupResponseData;
import org.apache.kafka.common.message.LeaveGroupRequestData;
import org.apache.kafka.common.message.LeaveGroupResponseData;
import org.apache.kafka.common.message.ListGroupsRequestData;
import org.apache.kafka.common.message.ListGroupsResponseData;
import org.apache.kafka.common.message.OffsetCommitRequestData;
import org.apache.kafka.common.message.OffsetCommitResponseData;
import org.apache.kafka.common.message.OffsetDeleteRequestData;
import org.apache.kafka.common.message.OffsetDeleteResponseData;
import org.apache.kafka.common.message.OffsetFetchRequestData;
import org.apache.kafka.common.message.OffsetFetchResponseData;
import org.apache.kafka.common.message.StreamsGroupDescribeRequestData;
import org.apache.kafka.common.message.StreamsGroupDescribeResponseData;
import org.apache.kafka.common.message.StreamsGroupHeartbeatRequestData;
import org.apache.kafka.common.message.StreamsGroupHeartbeatResponseData;
import org.apache.kafka.common.message.SyncGroupRequestData;
import org.apache.kafka.common.message.SyncGroupResponseData;
import org.apache.kafka.common.message.TxnOffsetCommitRequestData;
import org.apache.kafka.common.message.TxnOffsetCommitResponseData;
import org.apache.kafka.common.protocol.Errors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The group coordinator: every classic and KIP-848 consumer group and their committed offsets, kept in
 * memory and written to {@code __consumer_offsets} (one partition per group,
 * {@code abs(groupId.hashCode()) % partitions}, as Kafka). Loaded by replaying the partitions of that
 * topic this node leads once it has caught up with the cluster image (and, later, each partition it comes to
 * lead, on the next tick); records of key types it does not read (share groups') go to its
 * {@link GroupRecordsListener}. Until then group requests get
 * COORDINATOR_LOAD_IN_PROGRESS (COORDINATOR_NOT_AVAILABLE while a failed load is retried), and a
 * request for a group whose partition another node leads gets
 * NOT_COORDINATOR (FindCoordinator answers with the leader of the group's partition).
 *
 * <p>Thread-safety: one monitor (this object) guards all state; every public method takes it, does
 * only in-memory work and returns. Writes go to the log asynchronously; a request that must wait for
 * its write gets a future completed by the log's writer. Time is the injected clock, and {@link #tick}
 * (called by the broker's scheduler, or by tests) fires the deadlines; no thread ever waits here.
 */
public final class GroupCoordinator {
    private static final Logger LOG = LoggerFactory.getLogger(GroupCoordinator.class);
    static final long TICK_INTERVAL_MS = 100;

    private final GroupConfig config;
    private final TopicMetadata topics;
    private final Clock clock;
    private final java.util.function.LongSupplier ticks;
    private final ClassicGroupManager classic;
    private final ConsumerGroupManager consumer;
    private final ConsumerGroupClassicMembers classicMembers;
    private final TopicRegexResolver regexes;
    private final OffsetManager offsets;
    private final GroupQueries queries;
    private final TxnOffsets txnOffsets;
    final Map<String, ClassicGroup> classicGroups = new HashMap<>();
    final Map<String, ConsumerGroup> consumerGroups = new HashMap<>();
    final Map<String, StreamsGroup> streamsGroups = new HashMap<>();
    private final StreamsGroupManager streams;
    private volatile StreamsGroupConfig streamsConfig = StreamsGroupConfig.DEFAULTS;
    private volatile GroupStore store;
    private volatile boolean loaded;
    /** Why the last load attempt failed; null while none failed or once loaded. */
    private volatile Exception loadFailure;
    /** Partitions of __consumer_offsets whose groups are in memory, with the leader epoch they were loaded at. */
    private final Map<Integer, Integer> loadedPartitions = new java.util.concurrent.ConcurrentHashMap<>();
    private final java.util.Set<Integer> loadingPartitions = java.util.concurrent.ConcurrentHashMap.newKeySet();
    private volatile Executor partitionLoader = Runnable::run;
    private long nextOffsetExpiryCheck;
    /** Who restores the records of the key types this coordinator does not read (share groups); null: nobody. */
    private GroupRecordsListener recordsListener;

    /** Regexes resolved on the caller's thread: for state-machine tests only. */
    GroupCoordinator(GroupConfig config, TopicMetadata topics, Clock clock) {
        this(config, topics, clock, Runnable::run);
    }

    /** @param regexExecutor where subscribedTopicRegex patterns are matched against topic names */
    GroupCoordinator(GroupConfig config, TopicMetadata topics, Clock clock, Executor regexExecutor) {
        this.config = config;
        this.topics = topics;
        this.clock = clock;
        this.ticks = io.dlog.kafka.coordinator.DeadlineClock.of(clock);
        this.regexes = new TopicRegexResolver(topics, regexExecutor);
        this.classic = new ClassicGroupManager(this);
        this.consumer = new ConsumerGroupManager(this, regexes);
        this.classicMembers = new ConsumerGroupClassicMembers(this);
        this.streams = new StreamsGroupManager(this);
        this.offsets = new OffsetManager(this);
        this.queries = new GroupQueries(this);
        this.txnOffsets = new TxnOffsets(this);
    }

    /**
     * Creates the coordinator for a broker: opens (creating if needed) {@code __consumer_offsets} and
     * replays it on a loader thread, then ticks every {@value #TICK_INTERVAL_MS} ms on the scheduler.
     */
    public static GroupCoordinator start(BrokerContext context, GroupConfig config) {
        GroupCoordinator coordinator = new GroupCoordinator(config, TopicMetadata.of(context.topics()),
                context.clock(), context.scheduler());
        coordinator.streamsConfig = StreamsGroupConfig.from(context.config());
        Thread loader = new Thread(() -> coordinator.loadRetrying(
                () -> OffsetsTopicStore.open(context.topics(), context.clock(), config.offsetsTopicPartitions(),
                        context.scheduler()::isShutdown),
                context.scheduler()::isShutdown, Thread::sleep), "dlog-group-loader");
        loader.setDaemon(true);
        loader.start();
        coordinator.partitionLoader = java.util.concurrent.Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "dlog-group-partition-loader");
            t.setDaemon(true);
            return t;
        });
        try {
            context.scheduler().scheduleWithFixedDelay(coordinator::tickQuietly, TICK_INTERVAL_MS, TICK_INTERVAL_MS,
                    TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException e) {
            LOG.debug("Scheduler already stopped; no group timers", e);
        }
        return coordinator;
    }

    /** Opens the group store: blocking. */
    interface StoreOpener {
        GroupStore open() throws IOException, InterruptedException;
    }

    /** Sleeps between load attempts (tests pass one that does not). */
    interface Sleeper {
        void sleep(long millis) throws InterruptedException;
    }

    static final long FIRST_LOAD_RETRY_MS = 1_000;
    static final long MAX_LOAD_RETRY_MS = 30_000;

    /**
     * Loads, retrying with a doubling backoff until it succeeds or the broker stops. A failed load must
     * not leave every group request at COORDINATOR_LOAD_IN_PROGRESS forever: while the last attempt failed,
     * requests get COORDINATOR_NOT_AVAILABLE (clients look for the coordinator again) and each failure is
     * logged at ERROR with its cause. Runs on the loader thread.
     */
    void loadRetrying(StoreOpener opener, java.util.function.BooleanSupplier stopped, Sleeper sleeper) {
        long backoff = FIRST_LOAD_RETRY_MS;
        for (int attempt = 1; !stopped.getAsBoolean(); attempt++) {
            try {
                load(opener.open());
                loadFailure = null;
                return;
            } catch (IOException | RuntimeException e) {
                if (stopped.getAsBoolean()) {
                    LOG.debug("Broker stopped while the group coordinator loaded", e); // a failed start: not news
                    return;
                }
                loadFailure = e;
                LOG.error("Loading the group coordinator failed (attempt {}); group requests get COORDINATOR_NOT_AVAILABLE;"
                        + " retrying in {} ms", attempt, backoff, e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
            try {
                sleeper.sleep(backoff);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
            backoff = Math.min(MAX_LOAD_RETRY_MS, backoff * 2);
        }
    }

    /** The error a request gets before the groups are loaded: still loading, or the last load failed. */
    private Errors notLoaded() {
        return loadFailure != null ? Errors.COORDINATOR_NOT_AVAILABLE : Errors.COORDINATOR_LOAD_IN_PROGRESS;
    }

    /** Replays the store into memory and starts serving. Blocking; once. */
    void load(GroupStore groupStore) throws IOException {
        long start = clock.millis();
        // Epochs first: a partition whose leadership changes during the replay is found stale and reloaded.
        Map<Integer, Integer> led = new HashMap<>();
        for (int p = 0; p < groupStore.partitions(); p++) {
            int epoch = topics.offsetsPartitionEpoch(p);
            // One not caught up yet is replayed again, whole, on its first request once it is (startLoad).
            if (epoch >= 0 && topics.offsetsPartitionCaughtUp(p)) {
                led.put(p, epoch);
            }
        }
        Replayed replayed = new Replayed();
        groupStore.replay(replayed);
        synchronized (this) {
            classicGroups.clear(); // what a failed attempt may have restored
            consumerGroups.clear();
            streamsGroups.clear();
            restore(replayed);
            if (recordsListener != null) {
                recordsListener.onLoad(groupId -> true, replayed.others);
            }
            loadedPartitions.putAll(led);
            this.store = groupStore;
            this.loaded = true;
        }
        LOG.info("Group coordinator loaded {} classic, {} consumer and {} streams groups from {} partitions in {} ms",
                classicGroups.size(), consumerGroups.size(), streamsGroups.size(), groupStore.partitions(), clock.millis() - start);
    }

    /** What a replay of the store finds: group snapshots, committed offsets, offsets of open transactions. */
    private static final class Replayed implements GroupRecords.Visitor {
        final Map<String, byte[]> groups = new HashMap<>();
        final Map<String, Map<OffsetManager.Key, OffsetValue>> committed = new HashMap<>();
        final Map<Long, Map<String, Map<OffsetManager.Key, OffsetValue>>> pending = new HashMap<>();
        /** Records of the key types this coordinator does not read, in log order, for the records listener. */
        final List<GroupRecordsListener.Record> others = new ArrayList<>();

        @Override
        public void other(java.nio.ByteBuffer key, java.nio.ByteBuffer value) {
            others.add(new GroupRecordsListener.Record(bytes(key), value == null ? null : bytes(value)));
        }

        private static byte[] bytes(java.nio.ByteBuffer buffer) {
            byte[] out = new byte[buffer.remaining()];
            buffer.duplicate().get(out);
            return out;
        }

        @Override
        public void offset(GroupRecords.OffsetKey key, OffsetValue value) {
            OffsetManager.Key k = new OffsetManager.Key(key.topic(), key.partition());
            if (value == null) {
                Map<OffsetManager.Key, OffsetValue> group = committed.get(key.groupId());
                if (group != null) {
                    group.remove(k);
                }
            } else {
                committed.computeIfAbsent(key.groupId(), g -> new TreeMap<>()).put(k, value);
            }
        }

        @Override
        public void pendingOffset(long producerId, GroupRecords.OffsetKey key, OffsetValue value) {
            if (value != null) {
                pending.computeIfAbsent(producerId, p -> new HashMap<>()).computeIfAbsent(key.groupId(),
                        g -> new TreeMap<>()).put(new OffsetManager.Key(key.topic(), key.partition()), value);
            }
        }

        @Override
        public void group(String groupId, byte[] snapshot) {
            if (snapshot == null) {
                groups.remove(groupId);
            } else {
                groups.put(groupId, snapshot);
            }
        }
    }

    private void restore(Replayed replayed) {
        long now = now();
        long ticks = ticks();
        replayed.groups.forEach((groupId, snapshot) -> restoreGroup(groupId, snapshot, ticks));
        replayed.committed.forEach((groupId, values) -> {
            if (!values.isEmpty()) {
                offsets.restore(groupId, values);
                if (!hasGroup(groupId)) {
                    classicGroups.put(groupId, new ClassicGroup(groupId, now));
                }
            }
        });
        replayed.pending.forEach((producerId, byGroup) -> byGroup.forEach((groupId, values) ->
                txnOffsets.add(producerId, groupId, values)));
    }

    /**
     * Coordinators follow partitions: once this node leads partition {@code p} of {@code __consumer_offsets}
     * at an epoch its memory was not loaded at, the partition's groups are replayed from the log on the
     * loader thread (requests meanwhile get COORDINATOR_LOAD_IN_PROGRESS).
     */
    private void startLoad(int p) {
        if (!loadingPartitions.add(p)) {
            return;
        }
        try {
            partitionLoader.execute(() -> {
                try {
                    int epoch = topics.offsetsPartitionEpoch(p);
                    if (epoch < 0 || !topics.offsetsPartitionCaughtUp(p)) {
                        return; // not led, or not yet holding all its predecessor committed: asked again later
                    }
                    long start = clock.millis();
                    Replayed replayed = new Replayed();
                    store.replay(p, replayed);
                    synchronized (this) {
                        unloadPartition(p);
                        restore(replayed);
                        if (recordsListener != null) {
                            recordsListener.onLoad(groupId -> partitionFor(groupId) == p, replayed.others);
                        }
                        loadedPartitions.put(p, epoch);
                    }
                    LOG.info("Loaded the groups of __consumer_offsets-{} (leader epoch {}) in {} ms", p, epoch,
                            clock.millis() - start);
                } catch (IOException | RuntimeException e) {
                    LOG.error("Loading the groups of __consumer_offsets-{} failed; retried on the next request", p, e);
                } finally {
                    loadingPartitions.remove(p);
                }
            });
        } catch (RejectedExecutionException e) {
            loadingPartitions.remove(p);
        }
    }

    /** Forgets the groups of partition {@code p}: another node leads it now (or will, at a later epoch). */
    private synchronized void unloadPartition(int p) {
        loadedPartitions.remove(p);
        java.util.function.Predicate<String> inPartition = groupId -> partitionFor(groupId) == p;
        // A JoinGroup or SyncGroup parked in a group that goes is answered NOT_COORDINATOR now, as Kafka's coordinator
        // answers them on resignation: else the client waits for its own timeout (librdkafka: max.poll.interval.ms,
        // 5 min) before it looks for the new coordinator.
        classicGroups.entrySet().removeIf(e -> {
            if (!inPartition.test(e.getKey())) {
                return false;
            }
            ClassicGroupManager.answerParked(e.getValue(), Errors.NOT_COORDINATOR);
            return true;
        });
        consumerGroups.keySet().removeIf(inPartition);
        streamsGroups.keySet().removeIf(inPartition);
        offsets.unload(inPartition);
        txnOffsets.unload(inPartition);
        if (recordsListener != null) {
            recordsListener.onUnload(inPartition);
        }
    }

    /**
     * Coordinators follow partitions, eagerly: every partition this node leads at an epoch it has not loaded is
     * loaded now (once caught up, see {@link #startLoad}), not at its first group request, so ListGroups on the
     * new leader shows an idle group of a partition that moved here (as Kafka's coordinators load on election).
     */
    private void loadLed() {
        for (int p = 0; p < store.partitions(); p++) {
            int epoch = topics.offsetsPartitionEpoch(p);
            Integer loadedAt = loadedPartitions.get(p);
            if (epoch >= 0 && (loadedAt == null || loadedAt != epoch)) {
                startLoad(p);
            }
        }
    }

    /** The tick's check: partitions loaded at an epoch this node no longer leads at are unloaded. */
    private void unloadResigned() {
        for (Map.Entry<Integer, Integer> e : loadedPartitions.entrySet()) {
            if (topics.offsetsPartitionEpoch(e.getKey()) != e.getValue()) {
                LOG.info("Unloading the groups of __consumer_offsets-{}: no longer led here at epoch {}", e.getKey(),
                        e.getValue());
                unloadPartition(e.getKey());
            }
        }
    }

    /** @param ticks the deadlines' clock now: restored members get a full session from it */
    private void restoreGroup(String groupId, byte[] snapshot, long ticks) {
        GroupRecords.Reader reader = new GroupRecords.Reader(snapshot);
        short kind = reader.readShort();
        if (kind == 0) {
            classicGroups.put(groupId, ClassicGroup.restore(groupId, reader, ticks));
        } else if (kind == 1) {
            consumerGroups.put(groupId, ConsumerGroup.restore(groupId, reader, ticks, ticks + consumerSessionTimeoutMs(groupId)));
        } else if (kind == 2) {
            streamsGroups.put(groupId, StreamsGroup.restore(groupId, reader, ticks, ticks + streamsConfig(groupId).sessionTimeoutMs()));
        }
    }

    // ---------------------------------------------------------------- shared with the managers

    GroupConfig config() {
        return config;
    }

    TopicMetadata topics() {
        return topics;
    }

    /** The wall clock: timestamps that are stored or compared with stored ones (state changes, commits, expiry). */
    long now() {
        return clock.millis();
    }

    /** The clock of member deadlines, in ms ({@link io.dlog.kafka.coordinator.DeadlineClock}): not the wall clock. */
    long ticks() {
        return ticks.getAsLong();
    }

    Logger log() {
        return LOG;
    }

    public boolean isLoaded() {
        return loaded;
    }

    /**
     * Why this node cannot serve {@code groupId} now: COORDINATOR_LOAD_IN_PROGRESS while loading,
     * NOT_COORDINATOR when another node leads the group's {@code __consumer_offsets} partition (the client
     * asks FindCoordinator again); null when it can.
     */
    private Errors unavailable(String groupId) {
        if (!loaded) {
            return notLoaded();
        }
        if (groupId == null) {
            return null;
        }
        int p = partitionFor(groupId);
        int epoch = topics.offsetsPartitionEpoch(p);
        if (epoch < 0) {
            return Errors.NOT_COORDINATOR;
        }
        Integer loadedAt = loadedPartitions.get(p);
        if (loadedAt == null || loadedAt != epoch) {
            startLoad(p);
            return Errors.COORDINATOR_LOAD_IN_PROGRESS;
        }
        return null;
    }

    /**
     * For the share group coordinator (io.dlog.kafka.share), which serves the same group ids from the same
     * partitions: why this node cannot serve {@code groupId} now, null when it can.
     */
    public synchronized Errors availability(String groupId) {
        return unavailable(groupId);
    }

    /**
     * Registers who restores the records of key types this coordinator does not read (the share group
     * coordinator). Registered after the first load began, it has the partitions loaded again (on the next tick)
     * so it sees their records too.
     */
    public synchronized void setRecordsListener(GroupRecordsListener listener) {
        this.recordsListener = listener;
        if (loaded) {
            loadedPartitions.clear();
        }
    }

    /**
     * Appends another coordinator's records (share groups') to {@code groupId}'s partition; completes once they
     * are committed, exceptionally when they could not be written. Never blocks; call only while
     * {@link #availability} answers null for the group.
     */
    public CompletableFuture<Void> appendRecords(String groupId, List<GroupRecordsListener.Record> records) {
        return append(groupId, records.stream().map(r -> new GroupRecords.Record(r.key(), r.value())).toList());
    }

    /** Whether a classic, consumer or streams group has this id (a share group may not take it, as on Kafka). */
    public synchronized boolean hasGroup(String groupId) {
        return classicGroups.containsKey(groupId) || consumerGroups.containsKey(groupId) || streamsGroups.containsKey(groupId);
    }

    /**
     * Runs {@code create} (another coordinator making a group of its own type, e.g. a share group) under this monitor
     * unless a classic, consumer or streams group holds the id, and says whether it ran. Consumer, streams and classic
     * groups are made under this monitor after asking {@link #otherCoordinatorHolds}, so two joins of different types
     * racing for a new id cannot both win. Lock order as {@link #otherCoordinatorHolds}: this, then the other.
     */
    public synchronized boolean createUnlessTaken(String groupId, Runnable create) {
        if (hasGroup(groupId)) {
            return false;
        }
        create.run();
        return true;
    }

    /**
     * Whether another coordinator's group (a share group, empty or not) holds this id: then no consumer, streams or
     * classic group may take it (Kafka 4.x: a group id is one kind of group; GroupMetadataManager answers "Group %s is
     * not a consumer group." / "... streams group." and JoinGroup INCONSISTENT_GROUP_PROTOCOL). Under the monitor.
     */
    boolean otherCoordinatorHolds(String groupId) {
        return recordsListener != null && recordsListener.holdsGroup(groupId);
    }

    /** Whether any group, of any type, has this id (for the "is not a ... group" messages). Under the monitor. */
    boolean anyGroupHolds(String groupId) {
        return hasGroup(groupId) || otherCoordinatorHolds(groupId);
    }

    /** The group an OffsetFetch names: v8+ batch the groups (one coordinator's groups per request). */
    private static String fetchedGroupId(short version, OffsetFetchRequestData request) {
        if (version < 8) {
            return request.groupId();
        }
        return request.groups().isEmpty() ? null : request.groups().get(0).groupId();
    }

    ClassicGroupManager classic() {
        return classic;
    }

    ConsumerGroupManager consumer() {
        return consumer;
    }

    /** Classic members of consumer groups (KIP-848 online migration). */
    ConsumerGroupClassicMembers classicMembers() {
        return classicMembers;
    }

    StreamsGroupManager streams() {
        return streams;
    }

    StreamsGroupConfig streamsConfig() {
        return streamsConfig;
    }

    /** The streams settings of one group: its group configs over the broker's. */
    StreamsGroupConfig streamsConfig(String groupId) {
        Map<String, String> overrides = topics.groupConfigs(groupId);
        if (overrides.isEmpty()) {
            return streamsConfig;
        }
        StreamsGroupConfig base = streamsConfig;
        return new StreamsGroupConfig(
                GroupConfigs.intValue(overrides, GroupConfigs.STREAMS_SESSION_TIMEOUT_MS, base.sessionTimeoutMs()),
                GroupConfigs.intValue(overrides, GroupConfigs.STREAMS_HEARTBEAT_INTERVAL_MS, base.heartbeatIntervalMs()),
                base.maxSize(),
                GroupConfigs.intValue(overrides, GroupConfigs.STREAMS_NUM_STANDBY_REPLICAS, base.numStandbyReplicas()),
                GroupConfigs.intValue(overrides, GroupConfigs.STREAMS_INITIAL_REBALANCE_DELAY_MS,
                        base.initialRebalanceDelayMs()));
    }

    /** consumer.session.timeout.ms of a KIP-848 group, else the broker's group.consumer.session.timeout.ms. */
    int consumerSessionTimeoutMs(String groupId) {
        return GroupConfigs.intValue(topics.groupConfigs(groupId), GroupConfigs.CONSUMER_SESSION_TIMEOUT_MS,
                config.consumerSessionTimeoutMs());
    }

    /** consumer.heartbeat.interval.ms of a KIP-848 group, else the broker's group.consumer.heartbeat.interval.ms. */
    int consumerHeartbeatIntervalMs(String groupId) {
        return GroupConfigs.intValue(topics.groupConfigs(groupId), GroupConfigs.CONSUMER_HEARTBEAT_INTERVAL_MS,
                config.consumerHeartbeatIntervalMs());
    }

    /** For tests: streams group settings. */
    void streamsConfig(StreamsGroupConfig config) {
        this.streamsConfig = config;
    }

    /**
     * Whether a joining streams member may take this id: no group of another type holds it, except an empty classic
     * group (offsets only), which is dropped, its offsets kept, as Kafka's getOrCreateStreamsGroup converts it
     * (maybeDeleteEmptyClassicGroup). A consumer group, even empty, or a share group keeps its id (Kafka 4.x).
     */
    boolean dropIfEmptyOtherGroup(String groupId) {
        ClassicGroup classic = classicGroups.get(groupId);
        if ((classic != null && !classic.isEmpty()) || consumerGroups.containsKey(groupId) || otherCoordinatorHolds(groupId)) {
            return false;
        }
        classicGroups.remove(groupId);
        return true;
    }

    OffsetManager offsets() {
        return offsets;
    }

    TxnOffsets txnOffsets() {
        return txnOffsets;
    }

    CompletableFuture<io.dlog.log.AppendResult> appendTransactional(String groupId, List<GroupRecords.Record> records,
                                                                    long producerId, short producerEpoch,
                                                                    io.dlog.log.VerificationGuard guard) {
        return store.appendTransactional(partitionFor(groupId), records, producerId, producerEpoch, guard);
    }

    // ---------------------------------------------------------------- transactions

    /**
     * TxnOffsetCommit: offsets inside a producer's transaction, visible once it commits.
     *
     * @param guard the verification guard of the check that the transaction has the group's offsets
     *              partition (KIP-890), taken on that partition before the check; null when none was made
     */
    public synchronized CompletableFuture<TxnOffsetCommitResponseData> txnOffsetCommit(short version,
                                                                                     TxnOffsetCommitRequestData request,
                                                                                     io.dlog.log.VerificationGuard guard) {
        Errors unavailable = unavailable(request.groupId());
        if (unavailable != null) {
            return CompletableFuture.completedFuture(txnOffsetCommitError(request, unavailable));
        }
        return txnOffsets.commit(version, request, guard);
    }

    /** The same error for every partition of a TxnOffsetCommit. */
    public TxnOffsetCommitResponseData txnOffsetCommitError(TxnOffsetCommitRequestData request, Errors error) {
        TxnOffsetCommitResponseData response = new TxnOffsetCommitResponseData();
        for (var topic : request.topics()) {
            var answer = new TxnOffsetCommitResponseData.TxnOffsetCommitResponseTopic().setName(topic.name());
            topic.partitions().forEach(p -> answer.partitions().add(new TxnOffsetCommitResponseData
                    .TxnOffsetCommitResponsePartition().setPartitionIndex(p.partitionIndex()).setErrorCode(error.code())));
            response.topics().add(answer);
        }
        return response;
    }

    /**
     * A transaction marker reached {@code __consumer_offsets} partition {@code offsetsPartition}: the
     * producer's offsets for the groups there become committed (or are dropped on abort).
     */
    public synchronized void onTxnMarker(int offsetsPartition, long producerId, boolean commit) {
        if (store == null) {
            return;
        }
        txnOffsets.complete(producerId, offsetsPartition, commit, this::partitionFor)
                .forEach(offsets::commitTransactional);
    }

    /**
     * A member id as Kafka makes it: prefix + "-" + a random UUID. Not from the node's durable id
     * generator: that one fsyncs when its lease runs out, and JoinGroup runs on an event loop under
     * this coordinator's lock.
     */
    String newMemberId(String prefix) {
        return (prefix == null || prefix.isEmpty() ? "member" : prefix) + "-" + Uuid.randomUuid();
    }

    int partitionFor(String groupId) {
        // Kafka's Utils.abs (not Math.abs): Integer.MIN_VALUE maps to 0, not to a negative number.
        return (groupId.hashCode() & 0x7fffffff) % store.partitions();
    }

    Optional<ClassicGroup> classicGroup(String groupId) {
        return Optional.ofNullable(classicGroups.get(groupId));
    }

    ClassicGroup createClassicGroup(String groupId) {
        ClassicGroup group = new ClassicGroup(groupId, now());
        classicGroups.put(groupId, group);
        return group;
    }

    /**
     * Whether a KIP-848 group of this id keeps a classic JoinGroup out of the classic path: one with members does (the
     * member joins it as a classic member, see {@link ConsumerGroupClassicMembers}); an empty one is converted (its
     * offsets stay), as Kafka converts empty groups between the protocols.
     */
    boolean consumerGroupBlocks(String groupId) {
        ConsumerGroup group = consumerGroups.get(groupId);
        if (group == null) {
            return false;
        }
        if (!group.members.isEmpty()) {
            return true;
        }
        consumerGroups.remove(groupId);
        return false;
    }

    /**
     * Whether a streams or a share group, empty or not, holds this id: neither gives way to a consumer or classic group
     * (Kafka 4.x converts only between the classic and the consumer protocol).
     */
    boolean streamsOrShareGroupHolds(String groupId) {
        return streamsGroups.containsKey(groupId) || otherCoordinatorHolds(groupId);
    }

    CompletableFuture<Void> persist(ClassicGroup group) {
        return append(group.groupId, List.of(GroupRecords.group(group.groupId, withKind(0, group.snapshot()))));
    }

    CompletableFuture<Void> persist(ConsumerGroup group) {
        return append(group.groupId, List.of(GroupRecords.group(group.groupId, withKind(1, group.snapshot()))));
    }

    CompletableFuture<Void> persist(StreamsGroup group) {
        return append(group.groupId, List.of(GroupRecords.group(group.groupId, withKind(2, group.snapshot()))));
    }

    private static byte[] withKind(int kind, byte[] body) {
        byte[] out = new byte[body.length + 2];
        out[0] = (byte) (kind >> 8);
        out[1] = (byte) kind;
        System.arraycopy(body, 0, out, 2, body.length);
        return out;
    }

    CompletableFuture<Void> append(String groupId, List<GroupRecords.Record> records) {
        return store.append(partitionFor(groupId), records).whenComplete((ok, failure) -> {
            if (failure != null && InternalTopicLog.tooFewInSync(failure)) {
                LOG.debug("Writing {} records of group {} failed: {}", records.size(), groupId, failure.getMessage());
            } else if (failure != null) {
                LOG.warn("Writing {} records of group {} failed", records.size(), groupId, failure);
            }
        });
    }

    /** Removes a group (it must be empty) and its offsets: tombstones for both. */
    CompletableFuture<Void> deleteGroup(String groupId) {
        List<GroupRecords.Record> records = new ArrayList<>(offsets.removeAll(groupId));
        records.add(GroupRecords.group(groupId, null));
        ClassicGroup group = classicGroups.remove(groupId);
        if (group != null) {
            group.transition(ClassicGroup.State.DEAD, now());
        }
        consumerGroups.remove(groupId);
        streamsGroups.remove(groupId);
        return append(groupId, records);
    }

    // ---------------------------------------------------------------- classic protocol

    public synchronized CompletableFuture<JoinGroupResponseData> joinGroup(short version, String clientId,
                                                                           String clientHost, JoinGroupRequestData request) {
        Errors unavailable = unavailable(request.groupId());
        if (unavailable != null) {
            return CompletableFuture.completedFuture(new JoinGroupResponseData()
                    .setErrorCode(unavailable.code()).setMemberId(request.memberId())
                    .setGenerationId(-1).setLeader("").setProtocolName(version >= 7 ? null : ""));
        }
        // protocolName is nullable only from v7; older versions get "" on errors, as Kafka sends them.
        return classic.joinGroup(version, clientId, clientHost, request).thenApply(response -> version >= 7
                || response.protocolName() != null ? response : response.setProtocolName(""));
    }

    public synchronized CompletableFuture<SyncGroupResponseData> syncGroup(SyncGroupRequestData request) {
        Errors unavailable = unavailable(request.groupId());
        if (unavailable != null) {
            return CompletableFuture.completedFuture(new SyncGroupResponseData()
                    .setErrorCode(unavailable.code()).setAssignment(new byte[0]));
        }
        return classic.syncGroup(request);
    }

    public synchronized HeartbeatResponseData heartbeat(HeartbeatRequestData request) {
        Errors unavailable = unavailable(request.groupId());
        if (unavailable != null) {
            return new HeartbeatResponseData().setErrorCode(unavailable.code());
        }
        return classic.heartbeat(request);
    }

    public synchronized LeaveGroupResponseData leaveGroup(short version, LeaveGroupRequestData request) {
        Errors unavailable = unavailable(request.groupId());
        if (unavailable != null) {
            return new LeaveGroupResponseData().setErrorCode(unavailable.code());
        }
        return classic.leaveGroup(version, request);
    }

    // ---------------------------------------------------------------- offsets

    public synchronized CompletableFuture<OffsetCommitResponseData> offsetCommit(short version, OffsetCommitRequestData request) {
        Errors unavailable = unavailable(request.groupId());
        if (unavailable != null) {
            return CompletableFuture.completedFuture(OffsetManager.commitError(version, request,
                    unavailable));
        }
        return offsets.commit(version, request);
    }

    public synchronized OffsetFetchResponseData offsetFetch(short version, OffsetFetchRequestData request) {
        Errors unavailable = unavailable(fetchedGroupId(version, request));
        if (unavailable != null) {
            return OffsetManager.fetchError(version, request, unavailable);
        }
        return offsets.fetch(version, request);
    }

    public synchronized CompletableFuture<OffsetDeleteResponseData> offsetDelete(OffsetDeleteRequestData request) {
        Errors unavailable = unavailable(request.groupId());
        if (unavailable != null) {
            return CompletableFuture.completedFuture(new OffsetDeleteResponseData()
                    .setErrorCode(unavailable.code()));
        }
        return offsets.delete(request);
    }

    // ---------------------------------------------------------------- admin

    public synchronized DescribeGroupsResponseData describeGroups(short version, DescribeGroupsRequestData request) {
        if (!loaded) {
            DescribeGroupsResponseData response = new DescribeGroupsResponseData();
            request.groups().forEach(g -> response.groups().add(new DescribeGroupsResponseData.DescribedGroup()
                    .setGroupId(g).setErrorCode(notLoaded().code())));
            return response;
        }
        return queries.describe(version, request);
    }

    public synchronized ListGroupsResponseData listGroups(ListGroupsRequestData request) {
        if (!loaded) {
            return new ListGroupsResponseData().setErrorCode(notLoaded().code());
        }
        return queries.list(request);
    }

    public synchronized CompletableFuture<DeleteGroupsResponseData> deleteGroups(DeleteGroupsRequestData request) {
        if (!loaded) {
            DeleteGroupsResponseData response = new DeleteGroupsResponseData();
            request.groupsNames().forEach(g -> response.results().add(new DeleteGroupsResponseData.DeletableGroupResult()
                    .setGroupId(g).setErrorCode(notLoaded().code())));
            return CompletableFuture.completedFuture(response);
        }
        return queries.delete(request);
    }

    // ---------------------------------------------------------------- KIP-848

    public CompletableFuture<ConsumerGroupHeartbeatResponseData> consumerGroupHeartbeat(
            short version, String clientId, String clientHost, ConsumerGroupHeartbeatRequestData request) {
        // Client input: compiled before the lock is taken, so the check under it is a cache lookup.
        regexes.compile(request.subscribedTopicRegex());
        synchronized (this) {
            Errors unavailable = unavailable(request.groupId());
            if (unavailable != null) {
                return CompletableFuture.completedFuture(new ConsumerGroupHeartbeatResponseData()
                        .setErrorCode(unavailable.code()));
            }
            return consumer.heartbeat(version, clientId, clientHost, request);
        }
    }

    public synchronized ConsumerGroupDescribeResponseData consumerGroupDescribe(ConsumerGroupDescribeRequestData request) {
        if (!loaded) {
            ConsumerGroupDescribeResponseData response = new ConsumerGroupDescribeResponseData();
            request.groupIds().forEach(g -> response.groups().add(new ConsumerGroupDescribeResponseData.DescribedGroup()
                    .setGroupId(g).setErrorCode(notLoaded().code())));
            return response;
        }
        return consumer.describe(request);
    }

    // ---------------------------------------------------------------- KIP-1071

    /** StreamsGroupHeartbeat: the answer, and the group's internal topics the caller should create. */
    public synchronized CompletableFuture<StreamsGroupHeartbeatResult> streamsGroupHeartbeat(
            String clientId, String clientHost, StreamsGroupHeartbeatRequestData request) {
        Errors unavailable = unavailable(request.groupId());
        if (unavailable != null) {
            return CompletableFuture.completedFuture(StreamsGroupHeartbeatResult.of(new StreamsGroupHeartbeatResponseData()
                    .setErrorCode(unavailable.code())));
        }
        return streams.heartbeat(clientId, clientHost, request);
    }

    public synchronized StreamsGroupDescribeResponseData streamsGroupDescribe(StreamsGroupDescribeRequestData request) {
        if (!loaded) {
            StreamsGroupDescribeResponseData response = new StreamsGroupDescribeResponseData();
            request.groupIds().forEach(g -> response.groups().add(new StreamsGroupDescribeResponseData.DescribedGroup()
                    .setGroupId(g).setErrorCode(notLoaded().code())));
            return response;
        }
        return streams.describe(request);
    }

    // ---------------------------------------------------------------- time

    private void tickQuietly() {
        try {
            tick();
        } catch (RuntimeException e) {
            LOG.error("Group coordinator timer failed", e);
        }
    }

    /** Fires every deadline that has passed on the injected clock. */
    public synchronized void tick() {
        if (!loaded) {
            return;
        }
        unloadResigned();
        loadLed();
        for (ClassicGroup group : new ArrayList<>(classicGroups.values())) {
            classic.tick(group);
        }
        for (ConsumerGroup group : new ArrayList<>(consumerGroups.values())) {
            consumer.tick(group);
        }
        for (StreamsGroup group : new ArrayList<>(streamsGroups.values())) {
            streams.tick(group);
        }
        long now = now();
        if (now >= nextOffsetExpiryCheck) {
            nextOffsetExpiryCheck = now + config.offsetsRetentionCheckMs();
            offsets.expire(now);
            deleteEmptyGroupsWithoutOffsets();
        }
    }

    /**
     * Kafka's group cleanup (GroupCoordinatorShard.cleanupGroupMetadata, every
     * offsets.retention.check.interval.ms): a group with no members, empty for at least one interval, and
     * with no committed or pending transactional offsets is deleted, with a tombstone. Without this, every group id a client ever
     * used would stay in memory and in {@code __consumer_offsets} forever. A classic group still
     * waiting for a member's second JoinGroup (KIP-394) is kept until that times out.
     */
    private void deleteEmptyGroupsWithoutOffsets() {
        // Empty for a whole check interval: an offset commit creates its group at once but adds the offsets
        // only when their write completes, so a group only just made may look unused for a moment.
        long emptyBefore = now() - config.offsetsRetentionCheckMs();
        List<String> doomed = new ArrayList<>();
        for (ClassicGroup group : classicGroups.values()) {
            if (group.state == ClassicGroup.State.EMPTY && group.stateTimestamp <= emptyBefore
                    && group.pendingMembers.isEmpty() && isUnused(group.groupId)) {
                doomed.add(group.groupId);
            }
        }
        for (ConsumerGroup group : consumerGroups.values()) {
            if (group.members.isEmpty() && group.emptySince <= emptyBefore && isUnused(group.groupId)) {
                doomed.add(group.groupId);
            }
        }
        for (StreamsGroup group : streamsGroups.values()) {
            if (group.members.isEmpty() && group.emptySince <= emptyBefore && isUnused(group.groupId)) {
                doomed.add(group.groupId);
            }
        }
        for (String groupId : doomed) {
            deleteGroup(groupId);
        }
        if (!doomed.isEmpty()) {
            LOG.info("Deleted {} empty groups without offsets", doomed.size());
        }
    }

    private boolean isUnused(String groupId) {
        return !offsets.hasOffsets(groupId) && !txnOffsets.hasPending(groupId);
    }

    /**
     * Groups this node coordinates now, for Kafka's GroupMetadataManager gauges: classic groups by state
     * (Kafka's names: Empty, PreparingRebalance, CompletingRebalance, Stable, Dead), KIP-848 consumer groups
     * by state, KIP-1071 streams groups by state (Kafka's names: Empty, NotReady, Assigning, Reconciling, Stable),
     * and committed offsets.
     */
    public record GroupCounts(Map<String, Integer> classicByState, Map<String, Integer> consumerByState,
                              Map<String, Integer> streamsByState, int offsets) {
    }

    public synchronized GroupCounts counts() {
        Map<String, Integer> classicByState = new HashMap<>();
        for (ClassicGroup.State state : ClassicGroup.State.values()) {
            classicByState.put(state.kafkaName, 0);
        }
        for (ClassicGroup group : classicGroups.values()) {
            classicByState.merge(group.state.kafkaName, 1, Integer::sum);
        }
        Map<String, Integer> consumerByState = new HashMap<>();
        for (ConsumerGroup.State state : ConsumerGroup.State.values()) {
            consumerByState.put(state.kafkaName, 0);
        }
        for (ConsumerGroup group : consumerGroups.values()) {
            consumerByState.merge(group.state().kafkaName, 1, Integer::sum);
        }
        Map<String, Integer> streamsByState = new HashMap<>();
        for (StreamsGroup.State state : StreamsGroup.State.values()) {
            streamsByState.put(state.kafkaName, 0);
        }
        for (StreamsGroup group : streamsGroups.values()) {
            streamsByState.merge(group.state().kafkaName, 1, Integer::sum);
        }
        return new GroupCounts(classicByState, consumerByState, streamsByState, offsets.offsetCount());
    }

    /** For tests: the next tick checks offset retention. */
    synchronized void checkOffsetRetentionOnNextTick() {
        nextOffsetExpiryCheck = 0;
    }
}
