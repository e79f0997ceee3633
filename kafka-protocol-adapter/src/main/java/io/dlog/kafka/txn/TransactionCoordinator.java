package io.dlog.kafka.txn;

import io.dlog.kafka.BrokerContext;
import io.dlog.kafka.coordinator.InternalTopicLog;
import io.dlog.kafka.coordinator.InternalTopics;
import io.dlog.kafka.topic.FeatureLevels;
import io.dlog.log.TopicPartition;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import org.apache.kafka.common.message.WriteTxnMarkersRequestData;
import org.apache.kafka.common.message.WriteTxnMarkersResponseData;
import org.apache.kafka.common.protocol.Errors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The transaction coordinator: Kafka's state machine over transactional ids (Empty, Ongoing,
 * PrepareCommit/PrepareAbort, CompleteCommit/CompleteAbort, PrepareEpochFence, Dead), with producer ids
 * minted by the node's durable id generator and every transition written to {@code
 * __transaction_state} before it takes effect.
 *
 * <p>Commit or abort (TV1, as Kafka without transaction.version 2): Ongoing → Prepare* is written and
 * the client answered; the markers go out through {@link TxnMarkerWriter}; Complete* is written once
 * every partition has its marker. A crash between the two leaves Prepare* in the log, and loading the
 * partition resumes the markers, so a transaction is never half applied. An Ongoing transaction found
 * after a crash is aborted once it times out.
 *
 * <p>Fencing: InitProducerId on an id with an open transaction bumps the epoch and aborts it (the old
 * producer's requests then fail PRODUCER_FENCED, its batches INVALID_PRODUCER_EPOCH, as the markers
 * carry the new epoch); the periodic sweep does the same to transactions older than their timeout.
 *
 * <p>State lives per {@code __transaction_state} partition: {@link #loadPartition} replays one,
 * {@link #unloadPartition} forgets it, so a cluster can move coordinators with partition leadership.
 *
 * <p>Thread-safety: this object's monitor guards all state; methods do only in-memory work under it.
 * Writes complete on the log's writer thread and take the monitor to apply their result.
 */
public final class TransactionCoordinator {
    private static final Logger LOG = LoggerFactory.getLogger(TransactionCoordinator.class);

    /** Where markers go: the WriteTxnMarkers path of the partition's leader (this node, for now). */
    public interface MarkerChannel {
        CompletableFuture<WriteTxnMarkersResponseData> send(WriteTxnMarkersRequestData request);
    }

    final TxnConfig config;
    private final Clock clock;
    /** Transaction timeouts' clock ({@link io.dlog.kafka.coordinator.DeadlineClock}), not the wall clock. */
    private final LongSupplier ticks;
    /** Per open transaction, when it started on {@link #ticks}; guarded by this. */
    private final Map<String, Opened> opened = new HashMap<>();
    private final LongSupplier ids;
    private final Executor blocking;
    private final MarkerChannel markers;
    private volatile TxnStateStore store;
    /** Loaded partitions: transactional id → state. */
    private final Map<Integer, Map<String, TxnMetadata>> partitions = new HashMap<>();
    private final Map<Integer, Integer> coordinatorEpochs = new HashMap<>();
    private final Set<Integer> loading = new HashSet<>();
    /** Ids with a state write in flight: other requests get CONCURRENT_TRANSACTIONS meanwhile. */
    private final Set<String> writing = new HashSet<>();
    /** Ids whose markers are being written, each with the attempt doing it (an unload ends the attempt). */
    private final Map<String, Object> sendingMarkers = new HashMap<>();
    /** First and largest wait before markers not yet written are sent again. */
    private static final long MARKER_RETRY_INITIAL_MS = 50;
    private static final long MARKER_RETRY_MAX_MS = 1_000;
    private long nextExpiryCheck;
    private volatile java.util.function.Supplier<Short> transactionVersion;
    /** The loader thread, which then follows the leadership of {@code __transaction_state} partitions. */
    private volatile Thread follower;
    private static final long LEADERSHIP_CHECK_NANOS = TimeUnit.MILLISECONDS.toNanos(250);

    TransactionCoordinator(TxnConfig config, Clock clock, LongSupplier ids, Executor blocking, MarkerChannel markers) {
        this.config = config;
        this.clock = clock;
        this.ticks = io.dlog.kafka.coordinator.DeadlineClock.of(clock);
        this.ids = ids;
        this.blocking = blocking;
        this.markers = markers;
        this.transactionVersion = config::transactionVersion;
    }

    /**
     * Creates the coordinator of a node: opens (creating if needed) {@code __transaction_state} and loads
     * the partitions this node leads on a loader thread, then sweeps for
     * timed-out transactions every transaction.abort.timed.out.transaction.cleanup.interval.ms.
     */
    public static TransactionCoordinator start(BrokerContext context, TxnConfig config, MarkerChannel markers) {
        TransactionCoordinator coordinator = new TransactionCoordinator(config, context.clock(), context.idGenerator(),
                context.scheduler(), markers);
        coordinator.transactionVersion = () -> FeatureLevels.transactionVersion(context.topics().image(),
                config.transactionVersion());
        Thread loader = new Thread(() -> {
            try {
                TxnStateStore opened = TxnStateStore.open(context.topics(), context.clock(), config.stateLogPartitions(),
                        context.scheduler()::isShutdown);
                coordinator.attach(opened);
                // The coordinator of an id is the leader of its partition: serve exactly those this node leads,
                // and follow their leadership as it moves.
                while (!context.scheduler().isShutdown()) {
                    coordinator.followLeadership(p -> context.topics().partition(InternalTopics.TRANSACTION_STATE, p)
                            .isPresent(), opened::caughtUp);
                    java.util.concurrent.locks.LockSupport.parkNanos(LEADERSHIP_CHECK_NANOS);
                }
            } catch (IOException | RuntimeException e) {
                if (context.scheduler().isShutdown()) {
                    LOG.debug("Broker stopped while the transaction coordinator loaded", e); // a failed start: not news
                } else {
                    LOG.error("Loading the transaction coordinator failed; transactional requests will be refused", e);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "dlog-txn-loader");
        coordinator.follower = loader;
        loader.setDaemon(true);
        loader.start();
        try {
            context.scheduler().scheduleWithFixedDelay(coordinator::tickQuietly, config.abortTimedOutIntervalMs(),
                    config.abortTimedOutIntervalMs(), TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException e) {
            LOG.debug("Scheduler already stopped; no transaction timeouts", e);
        }
        return coordinator;
    }

    /**
     * Loads the {@code __transaction_state} partitions this node now leads and unloads those it no longer
     * leads (meanwhile their ids are answered COORDINATOR_LOAD_IN_PROGRESS, then NOT_COORDINATOR).
     * Blocking (a load replays the partition); runs on the loader thread.
     */
    void followLeadership(java.util.function.IntPredicate leads) throws IOException {
        followLeadership(leads, p -> true);
    }

    /**
     * As {@link #followLeadership(java.util.function.IntPredicate)}, loading a newly led partition only once
     * {@code caughtUp} holds for it: a new leader's high watermark may trail records its predecessor had
     * committed (and answered clients for) until its followers fetch again, and a replay stops at the high
     * watermark, so loading earlier would lose those transitions (a committed transaction seen as still open).
     * Until then its ids are answered COORDINATOR_LOAD_IN_PROGRESS.
     */
    void followLeadership(java.util.function.IntPredicate leads, java.util.function.IntPredicate caughtUp)
            throws IOException {
        TxnStateStore s = store;
        for (int p = 0; p < s.partitions(); p++) {
            boolean served;
            synchronized (this) {
                served = partitions.containsKey(p);
            }
            if (leads.test(p) && !served) {
                if (caughtUp.test(p)) {
                    loadPartition(p);
                } else {
                    synchronized (this) {
                        loading.add(p);
                    }
                }
            } else if (!leads.test(p) && (served || isLoading(p))) {
                if (served) {
                    LOG.info("No longer the leader of {}-{}: its transactional ids move", InternalTopics.TRANSACTION_STATE, p);
                }
                unloadPartition(p);
            }
        }
    }

    private synchronized boolean isLoading(int partition) {
        return loading.contains(partition);
    }

    /** A leadership change may concern {@code __transaction_state}: look now rather than at the next check. */
    public void leadershipChanged() {
        Thread f = follower;
        if (f != null) {
            java.util.concurrent.locks.LockSupport.unpark(f);
        }
    }

    synchronized void attach(TxnStateStore opened) {
        this.store = opened;
        for (int p = 0; p < opened.partitions(); p++) {
            loading.add(p);
        }
    }

    /** Replays one {@code __transaction_state} partition and starts serving its ids. Blocking. */
    public void loadPartition(int partition) throws IOException {
        TxnStateStore s = store;
        synchronized (this) {
            loading.add(partition);
        }
        Map<String, TxnMetadata> loaded = new HashMap<>();
        s.replay(partition, (key, value) -> apply(loaded, key, value));
        int epoch = s.coordinatorEpoch(partition);
        synchronized (this) {
            loading.remove(partition);
            partitions.put(partition, loaded);
            coordinatorEpochs.put(partition, epoch);
            for (TxnMetadata m : loaded.values()) {
                noteOpened(m);
                if (m.state().isPrepare()) {
                    sendMarkers(m);
                }
            }
        }
    }

    private static void apply(Map<String, TxnMetadata> loaded, ByteBuffer key, ByteBuffer value) {
        String id = TxnRecords.readKey(key);
        if (id == null) {
            return;
        }
        if (value == null) {
            loaded.remove(id);
            return;
        }
        TxnMetadata m = TxnRecords.readValue(id, value);
        if (m != null) {
            loaded.put(id, m);
        }
    }

    /** Stops serving a partition's ids (its leadership moved); in-flight writes fail NOT_COORDINATOR. */
    public synchronized void unloadPartition(int partition) {
        loading.remove(partition);
        Map<String, TxnMetadata> gone = partitions.remove(partition);
        coordinatorEpochs.remove(partition);
        if (gone != null) {
            gone.keySet().forEach(id -> {
                opened.remove(id);
                writing.remove(id);
                sendingMarkers.remove(id);
            });
        }
    }

    /** Is this node serving the id now? NONE, COORDINATOR_LOAD_IN_PROGRESS or NOT_COORDINATOR. */
    synchronized Errors ownership(String transactionalId) {
        TxnStateStore s = store;
        if (s == null) {
            return Errors.COORDINATOR_LOAD_IN_PROGRESS;
        }
        int p = s.partitionFor(transactionalId);
        if (loading.contains(p)) {
            return Errors.COORDINATOR_LOAD_IN_PROGRESS;
        }
        return partitions.containsKey(p) ? Errors.NONE : Errors.NOT_COORDINATOR;
    }

    synchronized TxnMetadata get(String transactionalId) {
        Map<String, TxnMetadata> p = partitions.get(store.partitionFor(transactionalId));
        return p == null ? null : p.get(transactionalId);
    }

    synchronized boolean isWriting(String transactionalId) {
        return writing.contains(transactionalId);
    }

    long now() {
        return clock.millis();
    }

    Executor blocking() {
        return blocking;
    }

    long newProducerId() {
        return ids.getAsLong();
    }

    /** Every loaded id's state (DescribeTransactions, ListTransactions). */
    synchronized List<TxnMetadata> all() {
        List<TxnMetadata> out = new ArrayList<>();
        partitions.values().forEach(p -> out.addAll(p.values()));
        return out;
    }

    /**
     * Writes a transition and makes it current once durable. The caller checked {@link #isWriting};
     * completes with NONE, or as Kafka's transaction state manager answers a failed write: COORDINATOR_NOT_AVAILABLE
     * while too few replicas are in sync (the client retries here), NOT_COORDINATOR when the partition was unloaded
     * or its leadership moved (the client looks the coordinator up again).
     */
    synchronized CompletableFuture<Errors> transition(TxnMetadata next) {
        String id = next.transactionalId();
        int p = store.partitionFor(id);
        if (!partitions.containsKey(p)) {
            return CompletableFuture.completedFuture(Errors.NOT_COORDINATOR);
        }
        writing.add(id);
        byte[] value = next.state() == TxnState.DEAD ? null : TxnRecords.value(next);
        return store.append(p, TxnRecords.key(id), value).handle((ok, failure) -> {
            synchronized (this) {
                writing.remove(id);
                Map<String, TxnMetadata> loaded = partitions.get(p);
                if (failure != null || loaded == null) {
                    if (failure != null && InternalTopicLog.tooFewInSync(failure)) {
                        LOG.debug("Writing the state of transactional id {} failed: {}", id, failure.getMessage());
                    } else if (failure != null) {
                        LOG.warn("Writing the state of transactional id {} failed", id, failure);
                    }
                    return loaded == null ? Errors.NOT_COORDINATOR : InternalTopicLog.coordinatorError(failure);
                }
                if (next.state() == TxnState.DEAD) {
                    loaded.remove(id);
                } else {
                    loaded.put(id, next);
                }
                noteOpened(next);
                return Errors.NONE;
            }
        });
    }

    /** Ongoing → Prepare*, then markers, then Complete*. Caller holds the monitor and checked the state. */
    CompletableFuture<Errors> endTransaction(TxnMetadata current, boolean commit) {
        TxnMetadata prepared = current.withState(commit ? TxnState.PREPARE_COMMIT : TxnState.PREPARE_ABORT, now());
        return transition(prepared).thenApply(error -> {
            if (error == Errors.NONE) {
                synchronized (this) {
                    sendMarkers(prepared);
                }
            }
            return error;
        });
    }

    /**
     * Bumps the epoch of an id with an open transaction and aborts it under the new epoch (Kafka's
     * prepareFenceProducerEpoch): the markers fence the old producer on every partition.
     */
    synchronized CompletableFuture<Errors> fenceAndAbort(TxnMetadata current) {
        if (current.producerEpoch() >= Short.MAX_VALUE - 1) {
            // no epoch left to fence with: abort under the current epoch; the next InitProducerId gets a new id
            return endTransaction(current, false);
        }
        TxnMetadata fenced = current.withProducer(current.producerId(), (short) (current.producerEpoch() + 1),
                current.producerEpoch(), current.timeoutMs(), TxnState.ONGOING, now());
        return endTransaction(fenced, false);
    }

    /**
     * Sends a prepared transaction's markers and writes Complete* once every partition has its marker.
     * Partitions not yet written (no leader, leader moved, leader unreachable) are sent again after a
     * backoff with fresh leaders, for as long as this node still holds the transaction in that state;
     * a fenced marker (a newer coordinator or producer epoch on the partition) stops the attempt, and the
     * sweep tries again later. Caller holds the monitor.
     */
    private void sendMarkers(TxnMetadata prepared) {
        String id = prepared.transactionalId();
        if (sendingMarkers.containsKey(id)) {
            return;
        }
        Object attempt = new Object();
        sendingMarkers.put(id, attempt);
        sendMarkers(prepared, prepared.partitions(), attempt, MARKER_RETRY_INITIAL_MS);
    }

    private void sendMarkers(TxnMetadata prepared, Set<TopicPartition> remaining, Object attempt, long backoffMs) {
        String id = prepared.transactionalId();
        boolean commit = prepared.state() == TxnState.PREPARE_COMMIT;
        Integer epoch = coordinatorEpochs.get(store.partitionFor(id));
        WriteTxnMarkersRequestData.WritableTxnMarker marker = new WriteTxnMarkersRequestData.WritableTxnMarker()
                .setProducerId(prepared.producerId()).setProducerEpoch(prepared.producerEpoch())
                .setTransactionResult(commit).setCoordinatorEpoch(epoch == null ? 0 : epoch);
        Map<String, WriteTxnMarkersRequestData.WritableTxnMarkerTopic> byTopic = new LinkedHashMap<>();
        for (TopicPartition tp : remaining) {
            byTopic.computeIfAbsent(tp.topic(), t -> new WriteTxnMarkersRequestData.WritableTxnMarkerTopic().setName(t))
                    .partitionIndexes().add(tp.partition());
        }
        marker.topics().addAll(byTopic.values());
        markers.send(new WriteTxnMarkersRequestData().setMarkers(List.of(marker))).whenComplete((response, failure) ->
                onMarkersAnswered(prepared, remaining, attempt, backoffMs, response, failure));
    }

    private synchronized void onMarkersAnswered(TxnMetadata prepared, Set<TopicPartition> sent, Object attempt,
                                                long backoffMs, WriteTxnMarkersResponseData response, Throwable failure) {
        String id = prepared.transactionalId();
        if (!isCurrentAttempt(prepared, attempt)) {
            sendingMarkers.remove(id, attempt);
            return;
        }
        Set<TopicPartition> unwritten = failure != null ? sent : unwritten(response);
        if (unwritten.isEmpty()) {
            sendingMarkers.remove(id);
            transition(prepared.completed(prepared.state() == TxnState.PREPARE_COMMIT ? TxnState.COMPLETE_COMMIT
                    : TxnState.COMPLETE_ABORT, now()));
            return;
        }
        if (failure == null && fenced(response)) {
            LOG.warn("Markers of transactional id {} were fenced by a newer epoch on a partition; the sweep retries", id);
            sendingMarkers.remove(id);
            return;
        }
        if (backoffMs == MARKER_RETRY_INITIAL_MS) {
            LOG.info("Markers of transactional id {} not yet written to {}; retrying", id, unwritten, failure);
        }
        long next = Math.min(backoffMs * 2, MARKER_RETRY_MAX_MS);
        try {
            CompletableFuture.delayedExecutor(backoffMs, TimeUnit.MILLISECONDS, blocking).execute(() -> {
                synchronized (this) {
                    if (isCurrentAttempt(prepared, attempt)) {
                        sendMarkers(prepared, unwritten, attempt, next);
                    } else {
                        sendingMarkers.remove(id, attempt);
                    }
                }
            });
        } catch (RejectedExecutionException e) {
            sendingMarkers.remove(id, attempt); // stopping
        }
    }

    /** The attempt still owns the id's markers, and the id is still loaded in the same prepared state. */
    private boolean isCurrentAttempt(TxnMetadata prepared, Object attempt) {
        TxnMetadata now = get(prepared.transactionalId());
        return sendingMarkers.get(prepared.transactionalId()) == attempt && now != null
                && now.state() == prepared.state() && now.producerEpoch() == prepared.producerEpoch()
                && now.producerId() == prepared.producerId();
    }

    /** The partitions whose marker is not written yet. */
    private static Set<TopicPartition> unwritten(WriteTxnMarkersResponseData response) {
        Set<TopicPartition> left = new HashSet<>();
        for (var marker : response.markers()) {
            for (var topic : marker.topics()) {
                for (var partition : topic.partitions()) {
                    if (partition.errorCode() != Errors.NONE.code()) {
                        left.add(new TopicPartition(topic.name(), partition.partitionIndex()));
                    }
                }
            }
        }
        return left;
    }

    /** Kafka stops sending a transaction's markers when a partition has seen a newer coordinator or producer epoch. */
    private static boolean fenced(WriteTxnMarkersResponseData response) {
        for (var marker : response.markers()) {
            for (var topic : marker.topics()) {
                for (var partition : topic.partitions()) {
                    short code = partition.errorCode();
                    if (code == Errors.TRANSACTION_COORDINATOR_FENCED.code() || code == Errors.INVALID_PRODUCER_EPOCH.code()) {
                        return true;
                    }
                }
            }
        }
        return false;
    }

    /** Kafka's rule for the partitions a request may add: every one must exist. */
    static boolean exists(Collection<TopicPartition> partitions, java.util.function.Predicate<TopicPartition> known) {
        for (TopicPartition tp : partitions) {
            if (!known.test(tp)) {
                return false;
            }
        }
        return true;
    }

    // ---------------------------------------------------------------- client requests

    /** PRODUCER_FENCED arrived with KIP-588; older versions of each API know only INVALID_PRODUCER_EPOCH. */
    static Errors fenced(boolean clientKnowsFenced) {
        return clientKnowsFenced ? Errors.PRODUCER_FENCED : Errors.INVALID_PRODUCER_EPOCH;
    }

    /** A producer id and epoch for a client, or why not. */
    public record ProducerIdAndEpoch(Errors error, long producerId, short producerEpoch) {
        static ProducerIdAndEpoch failed(Errors error) {
            return new ProducerIdAndEpoch(error, -1L, (short) -1);
        }
    }

    /**
     * InitProducerId with a transactional id (Kafka's handleInitProducerId): a new id gets a fresh
     * producer id at epoch 0; a known one in Empty or Complete* gets its epoch bumped (a new producer id
     * when the epoch would overflow); one with an open transaction is fenced and aborted, and the caller
     * told CONCURRENT_TRANSACTIONS to retry. {@code expectedProducerId}/{@code expectedEpoch} (v3+,
     * KIP-360; -1 when absent) must name the current producer or its previous epoch.
     */
    public CompletableFuture<ProducerIdAndEpoch> initProducerId(String transactionalId, int timeoutMs,
                                                               long expectedProducerId, short expectedEpoch,
                                                               boolean clientKnowsFenced) {
        if (timeoutMs <= 0 || timeoutMs > config.maxTimeoutMs()) {
            return CompletableFuture.completedFuture(ProducerIdAndEpoch.failed(Errors.INVALID_TRANSACTION_TIMEOUT));
        }
        TxnMetadata existing;
        synchronized (this) {
            Errors owner = ownership(transactionalId);
            if (owner != Errors.NONE) {
                return CompletableFuture.completedFuture(ProducerIdAndEpoch.failed(owner));
            }
            existing = get(transactionalId);
            if (existing != null && existing.producerEpoch() < Short.MAX_VALUE - 1) {
                return initExisting(transactionalId, timeoutMs, expectedProducerId, expectedEpoch, clientKnowsFenced, -1L);
            }
        }
        // A new producer id may cost an fsync of the id lease: mint it off the event loop and the monitor.
        return CompletableFuture.supplyAsync(this::newProducerId, blocking).thenCompose(pid ->
                initExisting(transactionalId, timeoutMs, expectedProducerId, expectedEpoch, clientKnowsFenced, pid));
    }

    private synchronized CompletableFuture<ProducerIdAndEpoch> initExisting(String id, int timeoutMs, long expectedPid,
                                                                           short expectedEpoch, boolean knowsFenced,
                                                                           long freshPid) {
        Errors owner = ownership(id);
        if (owner != Errors.NONE) {
            return CompletableFuture.completedFuture(ProducerIdAndEpoch.failed(owner));
        }
        if (writing.contains(id)) {
            return CompletableFuture.completedFuture(ProducerIdAndEpoch.failed(Errors.CONCURRENT_TRANSACTIONS));
        }
        long now = now();
        TxnMetadata m = get(id);
        TxnMetadata next;
        if (m == null) {
            if (freshPid < 0) {
                return CompletableFuture.completedFuture(ProducerIdAndEpoch.failed(Errors.CONCURRENT_TRANSACTIONS));
            }
            next = new TxnMetadata(id, freshPid, (short) 0, (short) -1, timeoutMs, TxnState.EMPTY, Set.of(), -1, now);
        } else {
            if (expectedPid >= 0) {
                boolean current = expectedPid == m.producerId() && expectedEpoch == m.producerEpoch();
                boolean retry = expectedPid == m.producerId() && expectedEpoch == m.lastProducerEpoch()
                        && m.state() == TxnState.EMPTY;
                if (retry) {
                    return CompletableFuture.completedFuture(new ProducerIdAndEpoch(Errors.NONE, m.producerId(), m.producerEpoch()));
                }
                if (!current) {
                    return CompletableFuture.completedFuture(ProducerIdAndEpoch.failed(fenced(knowsFenced)));
                }
            }
            switch (m.state()) {
                case PREPARE_COMMIT, PREPARE_ABORT, PREPARE_EPOCH_FENCE -> {
                    return CompletableFuture.completedFuture(ProducerIdAndEpoch.failed(Errors.CONCURRENT_TRANSACTIONS));
                }
                case ONGOING -> {
                    fenceAndAbort(m);
                    return CompletableFuture.completedFuture(ProducerIdAndEpoch.failed(Errors.CONCURRENT_TRANSACTIONS));
                }
                default -> {
                    boolean overflow = m.producerEpoch() >= Short.MAX_VALUE - 1;
                    if (overflow && freshPid < 0) {
                        return CompletableFuture.completedFuture(ProducerIdAndEpoch.failed(Errors.CONCURRENT_TRANSACTIONS));
                    }
                    next = overflow
                            ? m.withProducer(freshPid, (short) 0, (short) -1, timeoutMs, TxnState.EMPTY, now)
                            : m.withProducer(m.producerId(), (short) (m.producerEpoch() + 1), m.producerEpoch(), timeoutMs,
                            TxnState.EMPTY, now);
                }
            }
        }
        TxnMetadata written = next;
        return transition(next).thenApply(error -> error == Errors.NONE
                ? new ProducerIdAndEpoch(Errors.NONE, written.producerId(), written.producerEpoch())
                : ProducerIdAndEpoch.failed(error));
    }

    /**
     * Checks a client's producer id and epoch against the id's state: INVALID_PRODUCER_ID_MAPPING for an
     * unknown id or another producer, PRODUCER_FENCED (INVALID_PRODUCER_EPOCH for old clients) for
     * another epoch, CONCURRENT_TRANSACTIONS while a state write is in flight. Caller holds the monitor.
     */
    private Errors checkProducer(String id, long producerId, short epoch, boolean knowsFenced) {
        Errors owner = ownership(id);
        if (owner != Errors.NONE) {
            return owner;
        }
        TxnMetadata m = get(id);
        if (m == null || m.producerId() != producerId) {
            return Errors.INVALID_PRODUCER_ID_MAPPING;
        }
        if (m.producerEpoch() != epoch) {
            return fenced(knowsFenced);
        }
        return writing.contains(id) ? Errors.CONCURRENT_TRANSACTIONS : Errors.NONE;
    }

    /**
     * AddPartitionsToTxn / AddOffsetsToTxn: the partitions join the transaction (Ongoing from now). While
     * a previous transaction's markers are still going out the client gets CONCURRENT_TRANSACTIONS.
     */
    public synchronized CompletableFuture<Errors> addPartitions(String id, long producerId, short epoch,
                                                             Collection<TopicPartition> added, boolean knowsFenced) {
        Errors error = checkProducer(id, producerId, epoch, knowsFenced);
        if (error != Errors.NONE) {
            return CompletableFuture.completedFuture(error);
        }
        TxnMetadata m = get(id);
        if (m.state().isPrepare() || m.state() == TxnState.PREPARE_EPOCH_FENCE) {
            return CompletableFuture.completedFuture(Errors.CONCURRENT_TRANSACTIONS);
        }
        if (m.state() == TxnState.ONGOING && m.partitions().containsAll(added)) {
            return CompletableFuture.completedFuture(Errors.NONE);
        }
        return transition(m.withPartitions(added, now()));
    }

    /**
     * KIP-890 verification (AddPartitionsToTxn v4+ verifyOnly, produce, TxnOffsetCommit), as Kafka 4's
     * coordinator answers it: NONE when the partition is in the producer's open transaction,
     * CONCURRENT_TRANSACTIONS while the previous transaction's end is being written out,
     * TRANSACTION_ABORTABLE otherwise (the leader turns it into INVALID_TXN_STATE for clients older than
     * that error), or the producer error.
     */
    public synchronized Errors verify(String id, long producerId, short epoch, TopicPartition tp) {
        Errors error = checkProducer(id, producerId, epoch, true);
        if (error == Errors.CONCURRENT_TRANSACTIONS) {
            error = Errors.NONE; // a state write in flight: Kafka does not check pending state here either
        }
        if (error != Errors.NONE) {
            return error;
        }
        TxnMetadata m = get(id);
        if (m.state().isPrepare()) {
            return Errors.CONCURRENT_TRANSACTIONS;
        }
        return m.state() == TxnState.ONGOING && m.partitions().contains(tp) ? Errors.NONE : Errors.TRANSACTION_ABORTABLE;
    }

    /** Whether this node would verify produce requests of the id (it coordinates it and has it loaded). */
    public synchronized boolean coordinates(String id) {
        return ownership(id) == Errors.NONE;
    }

    /**
     * EndTxn (TV1): commit or abort the open transaction. A retry after the transaction completed the
     * same way succeeds; the other way, or without a transaction, is INVALID_TXN_STATE; while the
     * previous end is still in progress, CONCURRENT_TRANSACTIONS.
     */
    public synchronized CompletableFuture<Errors> endTxn(String id, long producerId, short epoch, boolean commit,
                                                       boolean knowsFenced) {
        Errors error = checkProducer(id, producerId, epoch, knowsFenced);
        if (error != Errors.NONE) {
            return CompletableFuture.completedFuture(error);
        }
        TxnMetadata m = get(id);
        Errors answer = switch (m.state()) {
            case ONGOING -> null;
            case PREPARE_COMMIT -> commit ? Errors.CONCURRENT_TRANSACTIONS : Errors.INVALID_TXN_STATE;
            case PREPARE_ABORT -> commit ? Errors.INVALID_TXN_STATE : Errors.CONCURRENT_TRANSACTIONS;
            case COMPLETE_COMMIT -> commit ? Errors.NONE : Errors.INVALID_TXN_STATE;
            case COMPLETE_ABORT -> commit ? Errors.INVALID_TXN_STATE : Errors.NONE;
            case PREPARE_EPOCH_FENCE -> fenced(knowsFenced);
            default -> Errors.INVALID_TXN_STATE;
        };
        if (answer != null) {
            return CompletableFuture.completedFuture(answer);
        }
        return endTransaction(m, commit);
    }

    /**
     * EndTxn v5 (transaction version 2, KIP-890 part 2): every end bumps the epoch, the markers carry the
     * new epoch (fencing the old one on every partition) and the client gets the new producer id and
     * epoch (a new producer id when the epoch would overflow). A retry from the previous epoch after the
     * same outcome succeeds; an abort without an open transaction just bumps the epoch.
     */
    public CompletableFuture<ProducerIdAndEpoch> endTxnV2(String id, long producerId, short epoch, boolean commit) {
        TxnMetadata m;
        synchronized (this) {
            m = ownership(id) == Errors.NONE ? get(id) : null;
            if (m == null || m.producerEpoch() < Short.MAX_VALUE - 1) {
                return endTxnV2(id, producerId, epoch, commit, -1L);
            }
        }
        return CompletableFuture.supplyAsync(this::newProducerId, blocking)
                .thenCompose(pid -> endTxnV2(id, producerId, epoch, commit, pid));
    }

    private synchronized CompletableFuture<ProducerIdAndEpoch> endTxnV2(String id, long producerId, short epoch,
                                                                       boolean commit, long freshPid) {
        Errors owner = ownership(id);
        if (owner != Errors.NONE) {
            return CompletableFuture.completedFuture(ProducerIdAndEpoch.failed(owner));
        }
        TxnMetadata m = get(id);
        if (m == null || m.producerId() != producerId) {
            return CompletableFuture.completedFuture(ProducerIdAndEpoch.failed(Errors.INVALID_PRODUCER_ID_MAPPING));
        }
        if (writing.contains(id)) {
            return CompletableFuture.completedFuture(ProducerIdAndEpoch.failed(Errors.CONCURRENT_TRANSACTIONS));
        }
        TxnState outcome = commit ? TxnState.COMPLETE_COMMIT : TxnState.COMPLETE_ABORT;
        TxnState prepare = commit ? TxnState.PREPARE_COMMIT : TxnState.PREPARE_ABORT;
        boolean retry = m.lastProducerEpoch() == epoch && m.producerEpoch() == epoch + 1
                && (m.state() == outcome || m.state() == prepare);
        if (retry) {
            return CompletableFuture.completedFuture(m.state() == outcome
                    ? new ProducerIdAndEpoch(Errors.NONE, m.producerId(), m.producerEpoch())
                    : ProducerIdAndEpoch.failed(Errors.CONCURRENT_TRANSACTIONS));
        }
        if (epoch != m.producerEpoch()) {
            return CompletableFuture.completedFuture(ProducerIdAndEpoch.failed(Errors.PRODUCER_FENCED));
        }
        boolean openTxn = m.state() == TxnState.ONGOING;
        boolean emptyAbort = !commit && (m.state() == TxnState.EMPTY || m.state().isComplete());
        if (!openTxn && !emptyAbort) {
            return CompletableFuture.completedFuture(ProducerIdAndEpoch.failed(
                    m.state().isPrepare() ? Errors.CONCURRENT_TRANSACTIONS : Errors.INVALID_TXN_STATE));
        }
        boolean overflow = m.producerEpoch() >= Short.MAX_VALUE - 1;
        if (overflow && freshPid < 0) {
            return CompletableFuture.completedFuture(ProducerIdAndEpoch.failed(Errors.CONCURRENT_TRANSACTIONS));
        }
        long now = now();
        TxnMetadata bumped = overflow
                ? m.withProducer(freshPid, (short) 0, (short) -1, m.timeoutMs(), m.state(), now)
                : m.withProducer(m.producerId(), (short) (m.producerEpoch() + 1), m.producerEpoch(), m.timeoutMs(),
                m.state(), now);
        CompletableFuture<Errors> written = openTxn ? endTransaction(bumped, commit)
                : transition(bumped.completed(TxnState.COMPLETE_ABORT, now));
        return written.thenApply(error -> error == Errors.NONE
                ? new ProducerIdAndEpoch(Errors.NONE, bumped.producerId(), bumped.producerEpoch())
                : ProducerIdAndEpoch.failed(error));
    }

    /** The transaction version the cluster runs now: finalized through UpdateFeatures, else transaction.version. */
    public short transactionVersion() {
        return transactionVersion.get();
    }

    /**
     * Transaction version 2: Produce v12+ and TxnOffsetCommit v5+ add their partition to the producer's
     * transaction themselves (no AddPartitionsToTxn from the client); NONE at once when it is in already.
     */
    public synchronized CompletableFuture<Errors> addPartitionImplicitly(String id, long producerId, short epoch,
                                                                       TopicPartition tp) {
        Errors error = checkProducer(id, producerId, epoch, true);
        if (error == Errors.NONE) {
            TxnMetadata m = get(id);
            if (m.state() == TxnState.ONGOING && m.partitions().contains(tp)) {
                return CompletableFuture.completedFuture(Errors.NONE);
            }
        }
        return addPartitions(id, producerId, epoch, List.of(tp), true);
    }

    // ---------------------------------------------------------------- the sweep

    private void tickQuietly() {
        try {
            tick();
        } catch (RuntimeException e) {
            LOG.error("Transaction coordinator sweep failed", e);
        }
    }

    /** An open transaction's start: as stored (the wall clock) and on {@link #ticks}. */
    private record Opened(long startTimestamp, long ticks) {
    }

    /**
     * Records when an open transaction started on {@link #ticks}, once per transaction: one that starts here starts
     * now; a loaded one started as long ago as the wall clock says (the only clock that crossed nodes), and from then
     * on only the monotonic clock counts. Forgets a transaction that is no longer open. Caller holds the monitor.
     */
    private void noteOpened(TxnMetadata m) {
        String id = m.transactionalId();
        if (m.state() != TxnState.ONGOING || m.startTimestamp() < 0) {
            opened.remove(id);
            return;
        }
        Opened known = opened.get(id);
        if (known == null || known.startTimestamp() != m.startTimestamp()) {
            long age = Math.max(0, now() - m.startTimestamp());
            opened.put(id, new Opened(m.startTimestamp(), ticks.getAsLong() - age));
        }
    }

    /** Open for longer than its timeout, on the monotonic clock. Caller holds the monitor. */
    private boolean timedOut(TxnMetadata m) {
        if (m.state() != TxnState.ONGOING || m.startTimestamp() < 0) {
            return false;
        }
        noteOpened(m);
        return ticks.getAsLong() - opened.get(m.transactionalId()).ticks() > m.timeoutMs();
    }

    /**
     * Aborts (and fences) transactions past their timeout, resends markers of prepared transactions
     * whose markers failed, and removes ids idle for transactional.id.expiration.ms.
     */
    public synchronized void tick() {
        long now = now();
        boolean expire = now >= nextExpiryCheck;
        if (expire) {
            nextExpiryCheck = now + config.removeExpiredIntervalMs();
        }
        for (TxnMetadata m : all()) {
            String id = m.transactionalId();
            if (writing.contains(id)) {
                continue;
            }
            if (timedOut(m)) {
                LOG.info("Aborting transaction of {} (producer {}, epoch {}): older than its timeout of {} ms", id,
                        m.producerId(), m.producerEpoch(), m.timeoutMs());
                fenceAndAbort(m);
            } else if (m.state().isPrepare()) {
                sendMarkers(m);
            } else if (expire && (m.state() == TxnState.EMPTY || m.state().isComplete())
                    && now - m.lastUpdateTimestamp() >= config.idExpirationMs()) {
                transition(m.withState(TxnState.DEAD, now));
            }
        }
    }
}
