package io.dlog.kafka.handlers.fetch;

import io.dlog.kafka.BrokerContext;
import io.dlog.kafka.api.ApiHandler;
import io.dlog.kafka.api.RequestContext;
import io.dlog.kafka.common.Uuids;
import io.dlog.kafka.purgatory.FetchPurgatory;
import io.dlog.kafka.quota.ClientQuotaManager;
import io.dlog.kafka.metrics.BrokerTopicStats;
import io.dlog.kafka.metrics.TopicMetrics;
import io.dlog.log.TopicPartition;
import io.dlog.log.metadata.MetadataImage;
import io.dlog.log.metadata.TopicImage;
import io.netty.util.internal.ThreadExecutorMap;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.message.FetchRequestData;
import org.apache.kafka.common.message.FetchResponseData;
import org.apache.kafka.common.message.FetchResponseData.FetchableTopicResponse;
import org.apache.kafka.common.message.FetchResponseData.PartitionData;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.protocol.MessageSizeAccumulator;
import org.apache.kafka.common.protocol.ObjectSerializationCache;

/**
 * Fetch for consumers and followers: sessions (KIP-227) in {@link FetchSessionCache}, reads by
 * {@link FetchReader}, and long polls parked in the {@link FetchPurgatory} until min.bytes is there or
 * max.wait.ms passes. A follower's fetch (replica id set) reads up to the log end instead of the high
 * watermark and reports its position to the {@link io.dlog.kafka.replica.ReplicaManager}.
 */
public final class FetchHandler implements ApiHandler<FetchRequestData> {
    private static final int FINAL_EPOCH = -1;
    private static final int INITIAL_EPOCH = 0;
    /** Size prefix and correlation id (the tagged-field byte of a flexible header is left out). */
    private static final int RESPONSE_HEADER_BYTES = 8;

    private final BrokerContext context;
    private final FetchSessionCache sessions;
    private final FetchPurgatory purgatory;
    private final FetchReader reader;

    private final ClientQuotaManager quota;

    /**
     * Who a consumer's fetch is counted against (consumer_byte_rate), and in which version it is answered.
     * Followers' fetches have none: client quotas do not apply to replication.
     */
    private record QuotaKey(String user, String clientId, short version) {
    }

    /**
     * @param quota consumer_byte_rate: a consumer's fetch is capped at what its quota window allows and
     *              its response size counted; an answer over the quota is sent empty with the throttle
     *              time (KIP-219), the session untouched, as Kafka does
     */
    public FetchHandler(BrokerContext context, FetchSessionCache sessions, FetchPurgatory purgatory,
                        ClientQuotaManager quota) {
        this.context = context;
        this.quota = quota;
        this.sessions = sessions;
        this.purgatory = purgatory;
        this.reader = new FetchReader(context.topics());
    }

    @Override
    public CompletionStage<FetchResponseData> handle(RequestContext request, FetchRequestData data) {
        boolean byTopicId = request.apiVersion() >= 13;
        FetchSession session = null;
        boolean incremental = false;
        int sessionId = data.sessionId();
        int epoch = data.sessionEpoch();
        if (epoch == FINAL_EPOCH || epoch == INITIAL_EPOCH) {
            if (sessionId != 0) {
                sessions.remove(sessionId);
            }
            if (epoch == INITIAL_EPOCH) {
                session = sessions.maybeCreate(isFollower(request, data), byTopicId, requestedPartitions(data)).orElse(null);
            }
        } else {
            Optional<FetchSession> existing = sessions.get(sessionId);
            if (existing.isEmpty()) {
                return topLevelError(Errors.FETCH_SESSION_ID_NOT_FOUND);
            }
            Errors refused = existing.get().checkAndAdvanceEpoch(epoch, byTopicId);
            if (refused != Errors.NONE) {
                return topLevelError(refused);
            }
            session = existing.get();
            incremental = true;
        }
        QuotaKey quotaKey = isFollower(request, data) ? null : new QuotaKey(request.principal().getName(),
                request.clientId() == null ? "" : request.clientId(), request.apiVersion());
        int maxBytes = quotaKey == null ? data.maxBytes()
                : Math.min(data.maxBytes(), quota.maxValueInQuotaWindow(quotaKey.user(), quotaKey.clientId()));
        FetchPlan plan = plan(data, request.apiVersion(), byTopicId, session, incremental, maxBytes, request.listenerName());
        if (incremental) {
            sessions.touch(session, session.partitionCount());
        }
        long changesBeforeRead = purgatory.changes();
        FetchReader.Result first = reader.read(plan);
        if (first.bytes() >= plan.minBytes() || data.maxWaitMs() <= 0 || first.anyError() || plan.items().isEmpty()) {
            return CompletableFuture.completedFuture(respond(plan, first, quotaKey));
        }
        return park(plan, parkMs(plan, data.maxWaitMs()), quotaKey, changesBeforeRead);
    }

    /**
     * How long a fetch with too little may wait: its max.wait.ms, except a follower's fetch while this node has just
     * started leading partitions that follower replicates. That follower may not have added them to its fetches yet
     * (it learns of them from its own copy of the metadata, a moment earlier or later than this node), and until it
     * does, acks=all writes to them wait: its fetches come back quickly for a short while, so the next one carries them.
     */
    private int parkMs(FetchPlan plan, int maxWaitMs) {
        if (!plan.fromFollower()) {
            return maxWaitMs;
        }
        io.dlog.kafka.replica.ReplicaManager replicas = context.topics().replicas();
        return replicas != null && replicas.newlyLeadingFor(plan.replicaId())
                ? Math.min(maxWaitMs, io.dlog.kafka.replica.ReplicaManager.NEW_LEADERSHIP_FETCH_WAIT_MS) : maxWaitMs;
    }

    /**
     * The response, or, when its size puts the consumer over its quota, Kafka's throttled one: no
     * partitions, the throttle time, the session as it was (a full fetch's new session is dropped: the
     * client starts a new one after an empty full response).
     */
    private FetchResponseData respond(FetchPlan plan, FetchReader.Result result, QuotaKey quotaKey) {
        if (quotaKey == null || !quota.applies(quotaKey.user(), quotaKey.clientId())) {
            return build(plan, result, true); // no consumer_byte_rate for this client: no need to size the answer
        }
        int size = responseSize(build(plan, result, false), quotaKey.version());
        int throttleMs = quota.recordAndGetThrottleTimeMs(quotaKey.user(), quotaKey.clientId(), size);
        if (throttleMs == 0) {
            return build(plan, result, true);
        }
        quota.unrecord(quotaKey.user(), quotaKey.clientId(), size); // these bytes are not sent
        int sessionId = 0;
        if (plan.session() != null && plan.incremental()) {
            sessionId = plan.session().id;
        } else if (plan.session() != null) {
            sessions.remove(plan.session().id);
        }
        return new FetchResponseData().setErrorCode(Errors.NONE.code()).setSessionId(sessionId).setThrottleTimeMs(throttleMs);
    }

    /** The response's size in bytes as sent (header and body), as Kafka counts it for the fetch quota. */
    private static int responseSize(FetchResponseData response, short version) {
        MessageSizeAccumulator size = new MessageSizeAccumulator();
        response.addSize(size, new ObjectSerializationCache(), version);
        return RESPONSE_HEADER_BYTES + size.totalSize();
    }

    /** A replica's fetch (replica id set): Kafka's privileged fetch session. */
    private static boolean isFollower(RequestContext request, FetchRequestData data) {
        return (request.apiVersion() >= 15 ? data.replicaState().replicaId() : data.replicaId()) >= 0;
    }

    private static int requestedPartitions(FetchRequestData data) {
        int count = 0;
        for (FetchRequestData.FetchTopic topic : data.topics()) {
            count += topic.partitions().size();
        }
        return count;
    }

    private FetchPlan plan(FetchRequestData data, short version, boolean byTopicId, FetchSession session, boolean incremental,
                           int maxBytes, String listener) {
        MetadataImage image = context.topics().image();
        List<FetchPlan.Item> items = new ArrayList<>();
        Map<FetchSession.Key, FetchPlan.Item> requested = new LinkedHashMap<>();
        for (FetchRequestData.FetchTopic topic : data.topics()) {
            String name = byTopicId ? image.topic(Uuids.fromKafka(topic.topicId())).map(TopicImage::name).orElse(null) : topic.topic();
            Errors preError = byTopicId && name == null ? Errors.UNKNOWN_TOPIC_ID : null;
            for (FetchRequestData.FetchPartition partition : topic.partitions()) {
                FetchSession.Key key = new FetchSession.Key(byTopicId ? topic.topicId() : Uuid.ZERO_UUID,
                        byTopicId ? "" : topic.topic(), partition.partition());
                requested.put(key, new FetchPlan.Item(key, name, partition.fetchOffset(), partition.partitionMaxBytes(),
                        partition.currentLeaderEpoch(), preError, partition.lastFetchedEpoch(), partition.logStartOffset(),
                        FetchPlan.partitionOf(name, partition.partition())));
            }
        }
        if (session == null) {
            items.addAll(requested.values());
        } else if (!incremental) {
            items.addAll(requested.values());
            requested.values().forEach(session::upsert);
        } else {
            requested.values().forEach(session::upsert);
            for (FetchRequestData.ForgottenTopic forgotten : data.forgottenTopicsData()) {
                for (int partition : forgotten.partitions()) {
                    session.forget(new FetchSession.Key(byTopicId ? forgotten.topicId() : Uuid.ZERO_UUID,
                            byTopicId ? "" : forgotten.topic(), partition));
                }
            }
            var cached = session.snapshot();
            while (cached.hasNext()) {
                FetchSession.CachedPartition partition = cached.next();
                FetchPlan.Item fromRequest = requested.get(partition.key);
                if (fromRequest != null) {
                    items.add(fromRequest);
                } else {
                    FetchSession.Resolved resolved = partition.resolved;
                    if (resolved == null || resolved.image() != image) {
                        String name = byTopicId ? image.topic(Uuids.fromKafka(partition.key.topicId())).map(TopicImage::name)
                                .orElse(null) : partition.key.topic();
                        resolved = new FetchSession.Resolved(image, name, FetchPlan.partitionOf(name, partition.key.partition()));
                        partition.resolved = resolved;
                    }
                    FetchPlan.Item planned = partition.planned;
                    if (planned == null || planned.fetchOffset() != partition.fetchOffset
                            || planned.maxBytes() != partition.maxBytes
                            || planned.currentLeaderEpoch() != partition.currentLeaderEpoch
                            || planned.lastFetchedEpoch() != partition.lastFetchedEpoch
                            || planned.logStartOffset() != partition.logStartOffset || planned.tp() != resolved.tp()
                            || planned.topic() != resolved.name()) {
                        planned = new FetchPlan.Item(partition.key, resolved.name(), partition.fetchOffset,
                                partition.maxBytes, partition.currentLeaderEpoch,
                                resolved.name() == null ? Errors.UNKNOWN_TOPIC_ID : null, partition.lastFetchedEpoch,
                                partition.logStartOffset, resolved.tp());
                        partition.planned = planned;
                    }
                    items.add(planned);
                }
            }
        }
        // A replica id says a follower fetches (Fetch v15+ carries it in the replica state).
        int replicaId = version >= 15 ? data.replicaState().replicaId() : data.replicaId();
        return new FetchPlan(items, maxBytes, Math.min(data.minBytes(), maxBytes),
                data.isolationLevel() == IsolationLevel.READ_COMMITTED.id(), byTopicId, session, incremental,
                Math.max(-1, replicaId), version >= 11, version >= 11 && data.rackId() != null ? data.rackId() : "", listener);
    }

    private CompletableFuture<FetchResponseData> park(FetchPlan plan, int maxWaitMs, QuotaKey quotaKey, long changesBeforeRead) {
        CompletableFuture<FetchResponseData> response = new CompletableFuture<>();
        // A list, not a set: the purgatory watches a partition named twice once, and a set cost a hash entry per
        // partition per parked fetch (a leader parks one per follower per message).
        List<TopicPartition> watched = new ArrayList<>(plan.items().size());
        for (FetchPlan.Item item : plan.items()) {
            if (item.tp() != null) {
                watched.add(item.tp());
            }
        }
        // handle() runs on the connection's event loop: the parked fetch is re-checked and answered there, so
        // a wake-up costs one hand-off (appender to event loop) instead of two (appender, timer thread, loop).
        DelayedFetch delayed = new DelayedFetch(plan, watched, response, quotaKey, ThreadExecutorMap.currentExecutor());
        delayed.timer = purgatory.watch(delayed, watched, maxWaitMs, changesBeforeRead);
        return response;
    }

    /** A parked fetch; answered exactly once, by data arriving or by its timer. */
    private final class DelayedFetch implements FetchPurgatory.Waiter {
        private final FetchPlan plan;
        private final List<TopicPartition> watched;
        private final CompletableFuture<FetchResponseData> response;
        private final AtomicBoolean answered = new AtomicBoolean();
        private final QuotaKey quotaKey;
        private final Executor executor;
        private volatile ScheduledFuture<?> timer;

        DelayedFetch(FetchPlan plan, List<TopicPartition> watched, CompletableFuture<FetchResponseData> response,
                     QuotaKey quotaKey, Executor executor) {
            this.plan = plan;
            this.executor = executor;
            this.quotaKey = quotaKey;
            this.watched = watched;
            this.response = response;
        }

        @Override
        public boolean tryComplete() {
            if (answered.get()) {
                return true;
            }
            FetchReader.Result result = reader.read(plan);
            if (result.bytes() < plan.minBytes() && !result.anyError()) {
                return false;
            }
            answer(result);
            return true;
        }

        @Override
        public Executor executor() {
            return executor;
        }

        @Override
        public boolean wakesOnHighWatermark() {
            return !plan.fromFollower();
        }

        @Override
        public int replicaId() {
            return plan.fromFollower() ? plan.replicaId() : -1;
        }

        @Override
        public void expire() {
            if (!answered.get()) {
                answer(reader.read(plan));
            }
        }

        private void answer(FetchReader.Result result) {
            if (!answered.compareAndSet(false, true)) {
                return;
            }
            ScheduledFuture<?> pending = timer;
            if (pending != null) {
                pending.cancel(false);
            }
            purgatory.unwatch(this, watched);
            try {
                response.complete(respond(plan, result, quotaKey));
            } catch (RuntimeException e) {
                response.completeExceptionally(e);
            }
        }
    }

    /**
     * Builds the response; an incremental one carries only partitions whose state the client lacks.
     * Counts each partition read in the BrokerTopicMetrics of its topic (when the topic exists here).
     *
     * @param commit whether this is the response sent: the session learns what the client is told and
     *               the metrics count it (false: only its size is wanted)
     */
    private FetchResponseData build(FetchPlan plan, FetchReader.Result result, boolean commit) {
        BrokerTopicStats stats = context.metrics().topics();
        FetchResponseData response = new FetchResponseData().setErrorCode(Errors.NONE.code())
                .setSessionId(plan.session() == null ? 0 : plan.session().id);
        Map<String, FetchableTopicResponse> topicsByName = new LinkedHashMap<>();
        MetadataImage image = context.topics().image();
        String lastTopic = null;
        TopicMetrics meters = null;
        for (int i = 0; i < plan.items().size(); i++) {
            FetchPlan.Item item = plan.items().get(i);
            PartitionData answer = result.partitions().get(i);
            if (item.topic() != null && !item.topic().equals(lastTopic)) {
                // Only topics that exist get meters: a client's made-up names must not grow the registry.
                lastTopic = item.topic();
                meters = image.topic(lastTopic).isPresent() ? stats.topic(lastTopic) : null;
            }
            if (answer == null) { // nothing new for an incremental fetch: left out, and counted as read
                if (commit && meters != null) {
                    meters.onFetchRequest();
                }
                continue;
            }
            if (commit && item.topic() != null && meters != null) {
                countFetch(plan, answer, meters);
            }
            if (commit && plan.fromFollower() && item.tp() != null) {
                recordReplication(item.tp(), answer);
            }
            if (plan.session() != null && !updateSession(plan, item, answer, commit)) {
                continue;
            }
            String topicKey = plan.byTopicId() ? item.key().topicId().toString() : item.key().topic();
            FetchableTopicResponse topic = topicsByName.computeIfAbsent(topicKey, k -> {
                FetchableTopicResponse created = new FetchableTopicResponse()
                        .setTopic(plan.byTopicId() ? "" : item.key().topic())
                        .setTopicId(plan.byTopicId() ? item.key().topicId() : Uuid.ZERO_UUID);
                response.responses().add(created);
                return created;
            });
            topic.partitions().add(answer);
        }
        return response;
    }

    /**
     * Counts a follower's records against the leader's replication quota when the partition is throttled (Kafka
     * counts the throttled partitions' response entries; their records are all but a few bytes of them).
     */
    private void recordReplication(TopicPartition tp, PartitionData answer) {
        io.dlog.kafka.replica.ReplicaManager replicas = context.topics().replicas();
        int bytes = answer.records() == null ? 0 : answer.records().sizeInBytes();
        if (replicas != null && bytes > 0) {
            replicas.recordLeaderReplication(tp, bytes);
        }
    }

    private static void countFetch(FetchPlan plan, PartitionData answer, TopicMetrics meters) {
        meters.onFetchRequest();
        if (countsAsFailed(Errors.forCode(answer.errorCode()))) {
            meters.onFetchFailed();
        }
        if (!plan.fromFollower() && answer.records() != null) {
            // A follower's bytes are replication (Kafka's ReplicationBytesOutPerSec), not BytesOut.
            meters.onBytesOut(answer.records().sizeInBytes());
        }
    }

    /**
     * As in Kafka, FailedFetchRequestsPerSec counts unexpected failures only: not a client at the wrong
     * broker or epoch, an offset out of range, or a failed disk.
     */
    private static boolean countsAsFailed(Errors error) {
        return switch (error) {
            case NONE, UNKNOWN_TOPIC_OR_PARTITION, NOT_LEADER_OR_FOLLOWER, UNKNOWN_LEADER_EPOCH, FENCED_LEADER_EPOCH,
                 REPLICA_NOT_AVAILABLE, KAFKA_STORAGE_ERROR, INCONSISTENT_TOPIC_ID, OFFSET_OUT_OF_RANGE,
                 UNKNOWN_TOPIC_ID -> false;
            default -> true;
        };
    }

    /**
     * Records what the client is told; returns whether an incremental response must carry the
     * partition (data, an error, or changed offsets). Full responses carry every partition.
     */
    private static boolean updateSession(FetchPlan plan, FetchPlan.Item item, PartitionData answer, boolean commit) {
        FetchSession session = plan.session();
        synchronized (session) {
            FetchSession.CachedPartition cached = session.partitions.get(item.key());
            boolean hasData = answer.records() != null && answer.records().sizeInBytes() > 0;
            boolean error = answer.errorCode() != Errors.NONE.code();
            // As Kafka's session: a preferred read replica and a diverging epoch are always sent (the client must
            // act on them: go to the replica, truncate), and so is an error.
            boolean changed = cached == null || hasData || error || answer.preferredReadReplica() >= 0
                    || answer.divergingEpoch().epoch() >= 0
                    || cached.lastHighWatermark != answer.highWatermark()
                    || cached.lastLastStableOffset != answer.lastStableOffset()
                    || cached.lastLogStartOffset != answer.logStartOffset();
            if (!commit) {
                return !plan.incremental() || changed;
            }
            if (cached != null) {
                // After an error the client is told nothing it can keep: -1 makes the partition's next clean
                // answer go out even if its offsets did not move (Kafka's session does the same).
                cached.lastHighWatermark = error ? -1 : answer.highWatermark();
                cached.lastLastStableOffset = answer.lastStableOffset();
                cached.lastLogStartOffset = answer.logStartOffset();
            }
            if (hasData) {
                session.moveToEnd(item.key());
            }
            return !plan.incremental() || changed;
        }
    }

    private static CompletableFuture<FetchResponseData> topLevelError(Errors error) {
        return CompletableFuture.completedFuture(new FetchResponseData().setErrorCode(error.code()).setSessionId(0));
    }
}
