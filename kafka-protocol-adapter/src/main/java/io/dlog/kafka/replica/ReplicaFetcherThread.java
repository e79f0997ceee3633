package io.dlog.kafka.replica;

import io.dlog.kafka.config.BrokerConfig;
import io.dlog.kafka.interbroker.InterBrokerChannels;
import io.dlog.kafka.mirror.PartitionMirror;
import io.dlog.kafka.quota.ReplicationQuotaManager;
import io.dlog.log.EpochEndOffset;
import io.dlog.log.PartitionLog;
import io.dlog.log.TopicPartition;
import io.dlog.log.metadata.BrokerImage;
import io.dlog.log.metadata.MetadataImage;
import java.io.IOException;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;
import java.util.function.Supplier;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.message.FetchRequestData;
import org.apache.kafka.common.message.FetchResponseData;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Pulls the partitions this node follows from one leader, as a Kafka follower does: Fetch v15 with the
 * replica state, in an incremental fetch session ({@link FollowerFetchSession}: a fetch carries only the
 * partitions whose state changed, an answer only those with something new), from each partition's log end,
 * with the epoch of its last batch so the leader can report a divergence (KIP-320/KIP-595 style); batches
 * are appended verbatim ({@link PartitionMirror}: the follower append, with a cleaned leader's offset gaps
 * covered by empty batches), a divergent tail is truncated before fetching again, and the follower's high
 * watermark follows the leader's. The leader learns this follower's log end from the next fetch's offset, so a fetch is sent
 * as soon as the previous one is applied.
 *
 * <p>Follower replication throttle, as Kafka's fetcher: a partition in this node's
 * follower.replication.throttled.replicas is left out of the fetches while the follower quota is exceeded, unless
 * this replica is in sync (its last fetch left it no lag behind the leader's high watermark; unknown until the first
 * fetch with data); the bytes fetched for throttled partitions count against the quota, in sync or not.
 *
 * <p>One thread; partitions are added and removed concurrently. A response for a partition whose leader
 * or epoch changed meanwhile is dropped.
 */
final class ReplicaFetcherThread extends Thread {
    private static final Logger LOG = LoggerFactory.getLogger(ReplicaFetcherThread.class);
    private static final short FETCH_VERSION = 15;
    private static final long APPEND_TIMEOUT_S = 60;
    /** Room for a fetch answer's headers and per-partition fields beyond its records (replica.fetch.response.max.bytes). */
    private static final int RESPONSE_OVERHEAD_BYTES = 64 * 1024;

    private final int self;
    private final int leader;
    private final Supplier<BrokerConfig> config;
    private final Supplier<MetadataImage> image;
    private final Function<TopicPartition, ReplicaFetchers.Followed> followed;
    private final java.util.function.Consumer<TopicPartition> highWatermarkMoved;
    private final Set<TopicPartition> partitions = ConcurrentHashMap.newKeySet();
    /** Partitions that failed, with the time (nanoTime) before which they are not fetched again. */
    private final Map<TopicPartition, Long> delayedUntil = new ConcurrentHashMap<>();
    /** Kafka's fetch-state lag: the leader's high watermark minus this log's end after the last fetch with data. */
    private final Map<TopicPartition, Long> lags = new ConcurrentHashMap<>();
    /**
     * Refusals in a row per partition (the leader answered it with an error such as NOT_LEADER_OR_FOLLOWER). The
     * first retry comes soon: right after a topic is created or a leader changes, this node often asks before the
     * leader has taken up the partition, and acks=all writes to it wait until this node has it.
     */
    private final Map<TopicPartition, Integer> refusals = new ConcurrentHashMap<>();
    /** The first retry's delay after a refusal; it doubles with each refusal in a row up to the backoff's cap. */
    static final long FIRST_REFUSAL_DELAY_MS = 20;
    private final ReplicationQuotaManager quota;
    /** Told the record bytes appended from the leader (ReplicationBytesInPerSec). */
    private final java.util.function.LongConsumer bytesIn;
    private volatile boolean running = true;
    private volatile BrokerChannel channel;
    private final Object wakeup = new Object();
    /** Held while a response is checked and appended; see {@link #remove}. */
    private final Object applying = new Object();
    /** What the next fetch asks for; see {@link #fetchable}. Used by this thread only. */
    private final Map<TopicPartition, ReplicaFetchers.Followed> nextFetch = new LinkedHashMap<>();
    /** This fetcher's incremental fetch session with the leader (KIP-227). */
    private final FollowerFetchSession session = new FollowerFetchSession();

    /**
     * @param highWatermarkMoved told after this replica's high watermark moved: consumers reading from this
     *                           follower (KIP-392) wait in the fetch purgatory for it
     */
    ReplicaFetcherThread(int self, int leader, Supplier<BrokerConfig> config, Supplier<MetadataImage> image,
                         Function<TopicPartition, ReplicaFetchers.Followed> followed,
                         java.util.function.Consumer<TopicPartition> highWatermarkMoved, ReplicationQuotaManager quota,
                         java.util.function.LongConsumer bytesIn) {
        super("dlog-replica-fetcher-" + self + "-from-" + leader);
        setDaemon(true);
        this.self = self;
        this.leader = leader;
        this.config = config;
        this.image = image;
        this.followed = followed;
        this.highWatermarkMoved = highWatermarkMoved;
        this.quota = quota;
        this.bytesIn = bytesIn;
    }

    void add(TopicPartition tp) {
        partitions.add(tp);
        delayedUntil.remove(tp);
        lags.remove(tp);
        refusals.remove(tp);
        synchronized (wakeup) {
            wakeup.notifyAll();
        }
    }

    /**
     * Returns true when no partition is left (the caller then shuts the thread down). Returns only after a
     * response being applied has been appended: when this node stops following {@code tp} to lead it, the
     * batches it had already checked land before the new leader epoch is recorded at the log end, never after
     * it (they would sit in the new epoch's range with the old epoch).
     */
    boolean remove(TopicPartition tp) {
        partitions.remove(tp);
        delayedUntil.remove(tp);
        lags.remove(tp);
        refusals.remove(tp);
        synchronized (applying) {
            return partitions.isEmpty();
        }
    }

    void shutdown() {
        running = false;
        BrokerChannel open = channel;
        if (open != null) {
            open.initiateClose(); // unblocks a fetch in progress; the fetcher thread closes it
        }
        synchronized (wakeup) {
            wakeup.notifyAll();
        }
    }

    void awaitStop() {
        try {
            join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void run() {
        while (running) {
            try {
                Map<TopicPartition, ReplicaFetchers.Followed> batch = fetchable();
                if (batch.isEmpty()) {
                    pause(50);
                    continue;
                }
                BrokerChannel open = connected();
                if (open == null) {
                    pause(config.get().replicaFetchBackoffMs());
                    continue;
                }
                FetchResponseData response = open.fetch(request(batch), FETCH_VERSION);
                session.onAnswer(response);
                Errors error = Errors.forCode(response.errorCode());
                if (error != Errors.NONE) {
                    open.recycle();
                    LOG.debug("Fetch from {} failed: {}", leader, error);
                    if (!isSessionError(error)) {
                        pause(config.get().replicaFetchBackoffMs());
                    } // a session error: the next fetch, a full one, goes at once (it cannot meet a session error)
                    continue;
                }
                boolean settled;
                synchronized (applying) {
                    settled = apply(batch, response);
                }
                if (settled) {
                    open.recycle();
                }
            } catch (IOException e) {
                disconnect();
                if (running) {
                    LOG.info("Fetching from leader {} failed ({}); retrying", leader, e.toString());
                    pause(Math.min(500, config.get().replicaFetchBackoffMs()));
                }
            } catch (RuntimeException e) {
                LOG.error("Replica fetcher from {} hit an unexpected error; retrying", leader, e);
                disconnect();
                pause(config.get().replicaFetchBackoffMs());
            }
        }
        disconnect();
    }

    /**
     * The partitions the next fetch asks for. One map for the thread's life, updated in place: putting a key it holds
     * allocates nothing, where a new map cost an entry per partition per fetch (a follower sends one or two fetches
     * per acks=all message). The caller is done with it before the next call.
     */
    private Map<TopicPartition, ReplicaFetchers.Followed> fetchable() {
        long now = System.nanoTime();
        int kept = 0;
        for (TopicPartition tp : partitions) {
            Long until = delayedUntil.get(tp);
            ReplicaFetchers.Followed f = (until != null && now - until < 0) || shouldThrottle(tp) ? null : followed.apply(tp);
            if (f != null && f.leader() == leader) {
                nextFetch.put(tp, f);
                kept++;
            } else {
                nextFetch.remove(tp);
            }
        }
        if (nextFetch.size() != kept) {
            nextFetch.keySet().retainAll(partitions); // partitions removed from this fetcher since the last call
        }
        return nextFetch;
    }

    /** Kafka's shouldFollowerThrottle: not in sync, in the throttled list, and the quota exceeded. */
    private boolean shouldThrottle(TopicPartition tp) {
        Long lag = lags.get(tp);
        boolean inSync = lag != null && lag <= 0;
        return !inSync && quota.isThrottled(tp) && quota.isQuotaExceeded();
    }

    private BrokerChannel connected() {
        BrokerChannel open = channel;
        if (open != null) {
            return open;
        }
        Optional<BrokerImage.Endpoint> endpoint = endpoint();
        if (endpoint.isEmpty()) {
            return null;
        }
        BrokerConfig c = config.get();
        try {
            open = BrokerChannel.connect(leader, endpoint.get().host(), endpoint.get().port(), "dlog-replica-" + self,
                    c.replicaSocketTimeoutMs(), c.replicaFetchWaitMaxMs() + c.replicaSocketTimeoutMs(),
                    c.replicaFetchResponseMaxBytes() + RESPONSE_OVERHEAD_BYTES, InterBrokerChannels.forInterBrokerListener(c));
        } catch (IOException e) {
            LOG.debug("Cannot connect to leader {} at {}: {}", leader, endpoint.get(), e.toString());
            return null;
        }
        channel = open;
        if (!running) {
            open.close();
            return null;
        }
        return open;
    }

    /** The leader's endpoint on this node's listener name (the inter-broker listener is the client listener). */
    private Optional<BrokerImage.Endpoint> endpoint() {
        String listener = config.get().listener().name();
        return image.get().broker(leader).flatMap(b -> b.endpoint(listener).or(() -> b.endpoints().stream()
                .filter(e -> !e.listener().equals(config.get().controllerListenerName())).findFirst()));
    }

    /** Errors of the fetch session itself, not of the leader or the partitions. */
    private static boolean isSessionError(Errors error) {
        return error == Errors.FETCH_SESSION_ID_NOT_FOUND || error == Errors.INVALID_FETCH_SESSION_EPOCH
                || error == Errors.FETCH_SESSION_TOPIC_ID_ERROR;
    }

    private void disconnect() {
        session.onLost();
        BrokerChannel open = channel;
        channel = null;
        if (open != null) {
            open.close();
        }
    }

    private FetchRequestData request(Map<TopicPartition, ReplicaFetchers.Followed> batch) {
        BrokerConfig c = config.get();
        FetchRequestData request = new FetchRequestData()
                .setReplicaState(new FetchRequestData.ReplicaState().setReplicaId(self).setReplicaEpoch(-1))
                .setMaxWaitMs(c.replicaFetchWaitMaxMs()).setMinBytes(1).setMaxBytes(c.replicaFetchResponseMaxBytes())
                .setIsolationLevel(IsolationLevel.READ_UNCOMMITTED.id());
        session.fill(request, batch, c.replicaFetchMaxBytes());
        return request;
    }

    /**
     * Applies the partitions the answer carries (an incremental answer leaves out those with nothing new); a
     * partition this fetcher did not ask for is ignored.
     *
     * @return whether every partition's apply ended (true), or one failed or was interrupted, so that a log append
     *         of the answer's bytes may still be running (false: the answer's buffer must not be reused)
     */
    private boolean apply(Map<TopicPartition, ReplicaFetchers.Followed> batch, FetchResponseData response) {
        boolean settled = true;
        Map<UUID, String> names = new HashMap<>();
        for (ReplicaFetchers.Followed f : batch.values()) {
            names.put(f.topicId(), f.tp().topic());
        }
        for (FetchResponseData.FetchableTopicResponse topic : response.responses()) {
            UUID id = new UUID(topic.topicId().getMostSignificantBits(), topic.topicId().getLeastSignificantBits());
            String name = names.get(id);
            if (name == null) {
                continue;
            }
            for (FetchResponseData.PartitionData data : topic.partitions()) {
                ReplicaFetchers.Followed asked = batch.get(new TopicPartition(name, data.partitionIndex()));
                if (asked == null || !asked.topicId().equals(id)) {
                    continue;
                }
                ReplicaFetchers.Followed now = followed.apply(asked.tp());
                if (now == null || now.leader() != leader || now.leaderEpoch() != asked.leaderEpoch()
                        || now.log() != asked.log()) {
                    continue; // the image moved on while the fetch was out
                }
                try {
                    applyPartition(asked, data);
                } catch (IOException | TimeoutException | ExecutionException e) {
                    settled = false;
                    LOG.warn("Applying fetched data of {} from leader {} failed: {}", asked.tp(), leader, e.toString());
                    delay(asked.tp(), config.get().replicaFetchBackoffMs());
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return false;
                }
            }
        }
        return settled;
    }

    private void applyPartition(ReplicaFetchers.Followed f, FetchResponseData.PartitionData data)
            throws IOException, InterruptedException, ExecutionException, TimeoutException {
        PartitionLog log = f.log();
        Errors error = Errors.forCode(data.errorCode());
        switch (error) {
            case NONE -> {
                if (!refusals.isEmpty()) {
                    refusals.remove(f.tp());
                }
                if (data.divergingEpoch().epoch() >= 0) {
                    truncateDivergent(f, data.divergingEpoch().epoch(), data.divergingEpoch().endOffset());
                    return;
                }
                int bytes = 0;
                if (data.records() instanceof MemoryRecords records && records.sizeInBytes() > 0) {
                    // The mirror's follower append: whole batches at the leader's offsets, a cleaned leader's
                    // gaps covered by empty batches, the log start following the leader's.
                    new PartitionMirror(log).onRecords(records, data.logStartOffset());
                    bytes = records.sizeInBytes();
                    bytesIn.accept(bytes);
                }
                if (bytes > 0 && quota.isThrottled(f.tp())) {
                    quota.record(bytes);
                }
                if (bytes > 0 || !lags.containsKey(f.tp())) {
                    lags.put(f.tp(), Math.max(0, data.highWatermark() - log.logEndOffset()));
                }
                long hw = Math.min(data.highWatermark(), log.logEndOffset());
                if (hw > log.highWatermark()) {
                    log.updateHighWatermark(hw).thenAccept(moved -> highWatermarkMoved.accept(f.tp()));
                }
                if (data.logStartOffset() > log.logStartOffset() && data.logStartOffset() <= log.highWatermark()) {
                    try {
                        log.deleteRecordsBefore(data.logStartOffset());
                    } catch (io.dlog.log.OffsetOutOfRangeException e) {
                        LOG.debug("Log start of {} not moved yet: {}", f.tp(), e.getMessage());
                    }
                }
            }
            case OFFSET_OUT_OF_RANGE -> {
                if (data.logStartOffset() > log.logEndOffset()) {
                    LOG.info("{}: the leader's log starts at {}, after this replica's end {}: starting over there",
                            f.tp(), data.logStartOffset(), log.logEndOffset());
                    log.truncateFullyAndStartAt(data.logStartOffset()).get(APPEND_TIMEOUT_S, TimeUnit.SECONDS);
                } else if (data.highWatermark() >= 0 && log.logEndOffset() > data.highWatermark()) {
                    LOG.info("{}: this replica's end {} is past the leader's; truncating to its high watermark {}",
                            f.tp(), log.logEndOffset(), data.highWatermark());
                    log.truncateTo(data.highWatermark()).get(APPEND_TIMEOUT_S, TimeUnit.SECONDS);
                } else {
                    delay(f.tp(), config.get().replicaFetchBackoffMs());
                }
            }
            default -> {
                // NOT_LEADER_OR_FOLLOWER, FENCED/UNKNOWN_LEADER_EPOCH, UNKNOWN_TOPIC_ID...: the leader and this
                // node see different images for a moment; retry shortly, the image will settle it.
                LOG.debug("Fetch of {} from {} answered {}", f.tp(), leader, error);
                int inARow = refusals.merge(f.tp(), 1, Integer::sum);
                long cap = Math.min(200, config.get().replicaFetchBackoffMs());
                delay(f.tp(), Math.min(cap, FIRST_REFUSAL_DELAY_MS << Math.min(inARow - 1, 4)));
            }
        }
    }

    /**
     * The leader's log ends epoch {@code epoch} at {@code endOffset} and this replica's last epoch is not
     * consistent with it: cut back to where both logs agree (never past the leader's end of that epoch, nor
     * past this replica's own end of it), then fetch again; repeated fetches converge on the common prefix.
     */
    private void truncateDivergent(ReplicaFetchers.Followed f, int epoch, long endOffset)
            throws InterruptedException, ExecutionException, TimeoutException {
        PartitionLog log = f.log();
        EpochEndOffset local = log.endOffsetForEpoch(epoch);
        long target = local.endOffset() < 0 ? endOffset : Math.min(endOffset, local.endOffset());
        if (target >= log.logEndOffset()) {
            return;
        }
        LOG.info("{}: truncating a divergent tail from {} to {} (leader {} ends epoch {} at {})", f.tp(),
                log.logEndOffset(), target, leader, epoch, endOffset);
        log.truncateTo(target).get(APPEND_TIMEOUT_S, TimeUnit.SECONDS);
    }

    private void delay(TopicPartition tp, long ms) {
        delayedUntil.put(tp, System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(ms));
    }

    private void pause(long ms) {
        synchronized (wakeup) {
            if (!running) {
                return;
            }
            try {
                wakeup.wait(Math.max(1, ms));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                running = false;
            }
        }
    }
}
