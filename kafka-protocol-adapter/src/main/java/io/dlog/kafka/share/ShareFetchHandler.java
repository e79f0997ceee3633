package io.dlog.kafka.share;

import io.dlog.kafka.common.Uuids;
import io.dlog.kafka.purgatory.FetchPurgatory;
import io.dlog.kafka.topic.TopicService;
import io.dlog.log.TopicPartition;
import io.dlog.log.metadata.TopicImage;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.message.ShareAcknowledgeRequestData;
import org.apache.kafka.common.message.ShareAcknowledgeResponseData;
import org.apache.kafka.common.message.ShareFetchRequestData;
import org.apache.kafka.common.message.ShareFetchResponseData;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.internal.MemoryRecords;

/**
 * ShareFetch (v1-v2) and ShareAcknowledge (v1-v2): share sessions, the acknowledgements a request carries
 * (applied and made durable first), then acquisition of records on the session's partitions; a fetch that
 * acquires nothing waits in the {@link FetchPurgatory} until an append or a release on one of its partitions,
 * or {@code max_wait_ms}. v2 adds RENEW acknowledgements, {@code is_renew_ack} (acknowledge only) and
 * {@code share_acquire_mode} record_limit (at most {@code max_records}, splitting batches).
 *
 * <p>Thread-safety: stateless apart from the session cache and manager, which are thread-safe.
 */
final class ShareFetchHandler {
    private static final int FINAL_EPOCH = -1;
    private static final int INITIAL_EPOCH = 0;
    private static final int DEFAULT_MAX_RECORDS = 500;
    private static final byte RECORD_LIMIT_MODE = 1;

    private final TopicService topics;
    private final SharePartitionManager manager;
    private final ShareSessionCache sessions;
    private final FetchPurgatory purgatory;
    private final java.util.function.Supplier<Errors> enabled;

    ShareFetchHandler(TopicService topics, SharePartitionManager manager, ShareSessionCache sessions,
                      FetchPurgatory purgatory, java.util.function.Supplier<Errors> enabled) {
        this.topics = topics;
        this.manager = manager;
        this.sessions = sessions;
        this.purgatory = purgatory;
        this.enabled = enabled;
    }

    private record PartitionRef(Uuid topicId, int partition) {
    }

    // ------------------------------------------------------------------ ShareFetch

    CompletableFuture<ShareFetchResponseData> shareFetch(short version, ShareFetchRequestData request) {
        Errors refused = validate(request.groupId(), request.memberId());
        if (refused != Errors.NONE) {
            return CompletableFuture.completedFuture(fetchError(refused));
        }
        int epoch = request.shareSessionEpoch();
        ShareSessionCache.Key key = new ShareSessionCache.Key(request.groupId(), request.memberId());
        Map<PartitionRef, List<SharePartitionManager.Ack>> acks = new LinkedHashMap<>();
        Set<ShareSessionCache.TopicIdPartition> added = new LinkedHashSet<>();
        for (ShareFetchRequestData.FetchTopic topic : request.topics()) {
            for (ShareFetchRequestData.FetchPartition p : topic.partitions()) {
                added.add(new ShareSessionCache.TopicIdPartition(topic.topicId(), p.partitionIndex()));
                if (!p.acknowledgementBatches().isEmpty()) {
                    acks.put(new PartitionRef(topic.topicId(), p.partitionIndex()), toAcks(p.acknowledgementBatches()));
                }
            }
        }
        if (epoch == INITIAL_EPOCH && !acks.isEmpty()) {
            return CompletableFuture.completedFuture(fetchError(Errors.INVALID_REQUEST)); // nothing acquired in a new session
        }
        ShareSessionCache.Opened opened = sessions.open(key, epoch);
        if (opened.error() != Errors.NONE) {
            return CompletableFuture.completedFuture(fetchError(opened.error()));
        }
        Set<ShareSessionCache.TopicIdPartition> forgotten = new LinkedHashSet<>();
        for (ShareFetchRequestData.ForgottenTopic topic : request.forgottenTopicsData()) {
            for (int p : topic.partitions()) {
                forgotten.add(new ShareSessionCache.TopicIdPartition(topic.topicId(), p));
            }
        }
        Set<ShareSessionCache.TopicIdPartition> fetched = sessions.update(opened.session(), added, forgotten);
        CompletableFuture<Map<PartitionRef, Errors>> acked = acknowledgeAll(version, request.groupId(), request.memberId(), acks);
        boolean fetching = epoch != FINAL_EPOCH && !request.isRenewAck();
        if (epoch == FINAL_EPOCH) {
            sessions.close(key);
            acked = acked.thenApply(result -> {
                manager.releaseMember(request.groupId(), request.memberId());
                return result;
            });
        }
        return acked.thenCompose(ackErrors -> {
            if (!fetching) {
                return CompletableFuture.completedFuture(fetchResponse(request.groupId(), ackErrors, Map.of(), epoch == INITIAL_EPOCH));
            }
            FetchPass pass = new FetchPass(request, fetched, ackErrors);
            Map<PartitionRef, SharePartitionManager.Fetched> first = pass.run();
            if (anyAcquired(first) || request.maxWaitMs() <= 0) {
                return CompletableFuture.completedFuture(fetchResponse(request.groupId(), ackErrors, first, epoch == INITIAL_EPOCH));
            }
            return pass.park();
        });
    }

    private static boolean anyAcquired(Map<PartitionRef, SharePartitionManager.Fetched> fetched) {
        for (SharePartitionManager.Fetched f : fetched.values()) {
            if (!f.acquired().isEmpty() || f.error() != Errors.NONE) {
                return true;
            }
        }
        return false;
    }

    /** One acquisition over the session's partitions, repeatable while the fetch waits. */
    private final class FetchPass implements FetchPurgatory.Waiter {
        private final ShareFetchRequestData request;
        private final Set<ShareSessionCache.TopicIdPartition> partitions;
        private final Map<PartitionRef, Errors> ackErrors;
        private final CompletableFuture<ShareFetchResponseData> response = new CompletableFuture<>();
        private final AtomicBoolean answered = new AtomicBoolean();
        private final Set<TopicPartition> watched = new LinkedHashSet<>();
        private volatile ScheduledFuture<?> timer;

        FetchPass(ShareFetchRequestData request, Set<ShareSessionCache.TopicIdPartition> partitions,
                  Map<PartitionRef, Errors> ackErrors) {
            this.request = request;
            this.partitions = partitions;
            this.ackErrors = ackErrors;
        }

        Map<PartitionRef, SharePartitionManager.Fetched> run() {
            Map<PartitionRef, SharePartitionManager.Fetched> result = new LinkedHashMap<>();
            int maxRecords = request.maxRecords() > 0 ? request.maxRecords() : DEFAULT_MAX_RECORDS;
            boolean strict = request.shareAcquireMode() == RECORD_LIMIT_MODE;
            int remainingBytes = request.maxBytes() > 0 ? request.maxBytes() : Integer.MAX_VALUE;
            Map<Uuid, String> names = new HashMap<>();
            for (ShareSessionCache.TopicIdPartition tp : partitions) {
                PartitionRef ref = new PartitionRef(tp.topicId(), tp.partition());
                String topic = names.computeIfAbsent(tp.topicId(), id -> topics.image().topic(Uuids.fromKafka(id))
                        .map(TopicImage::name).orElse(null));
                if (topic == null) {
                    result.put(ref, SharePartitionManager.Fetched.error(Errors.UNKNOWN_TOPIC_ID));
                    continue;
                }
                watched.add(new TopicPartition(topic, tp.partition()));
                if (maxRecords <= 0 || remainingBytes <= 0) {
                    continue;
                }
                SharePartitionKey key = new SharePartitionKey(request.groupId(), Uuids.fromKafka(tp.topicId()), tp.partition());
                SharePartitionManager.Fetched fetched = manager.fetch(request.memberId(), key, topic, remainingBytes,
                        maxRecords, strict);
                result.put(ref, fetched);
                maxRecords -= fetched.count();
                remainingBytes -= fetched.records().sizeInBytes();
            }
            return result;
        }

        CompletableFuture<ShareFetchResponseData> park() {
            timer = purgatory.watch(this, watched, request.maxWaitMs());
            return response;
        }

        // Wakes and the timer may come together: one pass at a time, so records are never acquired for an
        // answer that is not sent.
        @Override
        public synchronized boolean tryComplete() {
            if (answered.get()) {
                return true;
            }
            Map<PartitionRef, SharePartitionManager.Fetched> fetched = run();
            if (!anyAcquired(fetched)) {
                return false;
            }
            answer(fetched);
            return true;
        }

        @Override
        public synchronized void expire() {
            if (!answered.get()) {
                answer(run());
            }
        }

        /** Acquires nothing: records taken for an answer the stopping broker may never send would count a delivery. */
        @Override
        public synchronized void abandon() {
            if (!answered.get()) {
                answer(Map.of());
            }
        }

        private void answer(Map<PartitionRef, SharePartitionManager.Fetched> fetched) {
            if (!answered.compareAndSet(false, true)) {
                return;
            }
            ScheduledFuture<?> pending = timer;
            if (pending != null) {
                pending.cancel(false);
            }
            purgatory.unwatch(this, watched);
            response.complete(fetchResponse(request.groupId(), ackErrors, fetched, request.shareSessionEpoch() == INITIAL_EPOCH));
        }
    }

    private ShareFetchResponseData fetchResponse(String groupId, Map<PartitionRef, Errors> ackErrors,
                                                 Map<PartitionRef, SharePartitionManager.Fetched> fetched, boolean full) {
        ShareFetchResponseData response = new ShareFetchResponseData().setErrorCode(Errors.NONE.code())
                .setAcquisitionLockTimeoutMs(manager.settings(groupId).lockDurationMs());
        Map<Uuid, ShareFetchResponseData.ShareFetchableTopicResponse> byTopic = new LinkedHashMap<>();
        Set<PartitionRef> all = new LinkedHashSet<>(fetched.keySet());
        all.addAll(ackErrors.keySet());
        for (PartitionRef ref : all) {
            SharePartitionManager.Fetched f = fetched.get(ref);
            Errors ackError = ackErrors.get(ref);
            boolean empty = f == null || (f.acquired().isEmpty() && f.error() == Errors.NONE);
            if (empty && ackError == null && !full) {
                continue; // an incremental session answers only partitions with news
            }
            ShareFetchResponseData.PartitionData data = new ShareFetchResponseData.PartitionData()
                    .setPartitionIndex(ref.partition())
                    .setErrorCode(f == null ? Errors.NONE.code() : f.error().code())
                    .setAcknowledgeErrorCode(ackError == null ? Errors.NONE.code() : ackError.code())
                    .setRecords(f == null ? MemoryRecords.EMPTY : f.records());
            if (f != null) {
                for (SharePartition.Acquired a : f.acquired()) {
                    data.acquiredRecords().add(new ShareFetchResponseData.AcquiredRecords().setFirstOffset(a.firstOffset())
                            .setLastOffset(a.lastOffset()).setDeliveryCount(a.deliveryCount()));
                }
            }
            byTopic.computeIfAbsent(ref.topicId(), id -> {
                ShareFetchResponseData.ShareFetchableTopicResponse t = new ShareFetchResponseData.ShareFetchableTopicResponse()
                        .setTopicId(id);
                response.responses().add(t);
                return t;
            }).partitions().add(data);
        }
        return response;
    }

    private static ShareFetchResponseData fetchError(Errors error) {
        return new ShareFetchResponseData().setErrorCode(error.code()).setErrorMessage(error.message());
    }

    // ------------------------------------------------------------------ ShareAcknowledge

    CompletableFuture<ShareAcknowledgeResponseData> shareAcknowledge(short version, ShareAcknowledgeRequestData request) {
        Errors refused = validate(request.groupId(), request.memberId());
        if (refused != Errors.NONE) {
            return CompletableFuture.completedFuture(ackError(refused));
        }
        int epoch = request.shareSessionEpoch();
        if (epoch == INITIAL_EPOCH) {
            return CompletableFuture.completedFuture(ackError(Errors.INVALID_SHARE_SESSION_EPOCH));
        }
        ShareSessionCache.Key key = new ShareSessionCache.Key(request.groupId(), request.memberId());
        ShareSessionCache.Opened opened = sessions.open(key, epoch);
        if (opened.error() != Errors.NONE) {
            return CompletableFuture.completedFuture(ackError(opened.error()));
        }
        Map<PartitionRef, List<SharePartitionManager.Ack>> acks = new LinkedHashMap<>();
        for (ShareAcknowledgeRequestData.AcknowledgeTopic topic : request.topics()) {
            for (ShareAcknowledgeRequestData.AcknowledgePartition p : topic.partitions()) {
                List<SharePartitionManager.Ack> list = new ArrayList<>();
                for (ShareAcknowledgeRequestData.AcknowledgementBatch b : p.acknowledgementBatches()) {
                    list.add(new SharePartitionManager.Ack(b.firstOffset(), b.lastOffset(), b.acknowledgeTypes()));
                }
                acks.put(new PartitionRef(topic.topicId(), p.partitionIndex()), list);
            }
        }
        CompletableFuture<Map<PartitionRef, Errors>> acked = acknowledgeAll(version, request.groupId(), request.memberId(), acks);
        if (epoch == FINAL_EPOCH) {
            sessions.close(key);
            acked = acked.thenApply(result -> {
                manager.releaseMember(request.groupId(), request.memberId());
                return result;
            });
        }
        return acked.thenApply(errors -> {
            ShareAcknowledgeResponseData response = new ShareAcknowledgeResponseData().setErrorCode(Errors.NONE.code())
                    .setAcquisitionLockTimeoutMs(manager.settings(request.groupId()).lockDurationMs());
            Map<Uuid, ShareAcknowledgeResponseData.ShareAcknowledgeTopicResponse> byTopic = new LinkedHashMap<>();
            errors.forEach((ref, error) -> byTopic.computeIfAbsent(ref.topicId(), id -> {
                ShareAcknowledgeResponseData.ShareAcknowledgeTopicResponse t =
                        new ShareAcknowledgeResponseData.ShareAcknowledgeTopicResponse().setTopicId(id);
                response.responses().add(t);
                return t;
            }).partitions().add(new ShareAcknowledgeResponseData.PartitionData().setPartitionIndex(ref.partition())
                    .setErrorCode(error.code())));
            return response;
        });
    }

    private static ShareAcknowledgeResponseData ackError(Errors error) {
        return new ShareAcknowledgeResponseData().setErrorCode(error.code()).setErrorMessage(error.message());
    }

    // ------------------------------------------------------------------ shared

    /** Kafka's checks: a group id and a member id are required, and share groups must be enabled. */
    private Errors validate(String groupId, String memberId) {
        Errors off = enabled.get();
        if (off != Errors.NONE) {
            return off;
        }
        return groupId == null || groupId.isEmpty() || memberId == null || memberId.isEmpty()
                ? Errors.INVALID_REQUEST : Errors.NONE;
    }

    private static List<SharePartitionManager.Ack> toAcks(List<ShareFetchRequestData.AcknowledgementBatch> batches) {
        List<SharePartitionManager.Ack> acks = new ArrayList<>(batches.size());
        for (ShareFetchRequestData.AcknowledgementBatch b : batches) {
            acks.add(new SharePartitionManager.Ack(b.firstOffset(), b.lastOffset(), b.acknowledgeTypes()));
        }
        return acks;
    }

    /** Applies every partition's acknowledgements; completes once their state is durable. */
    private CompletableFuture<Map<PartitionRef, Errors>> acknowledgeAll(short version, String groupId, String memberId,
                                                                       Map<PartitionRef, List<SharePartitionManager.Ack>> acks) {
        Map<PartitionRef, CompletableFuture<Errors>> pending = new LinkedHashMap<>();
        acks.forEach((ref, list) -> {
            String topic = topics.image().topic(Uuids.fromKafka(ref.topicId())).map(TopicImage::name).orElse(null);
            if (version < 2 && list.stream().anyMatch(ack -> ack.types().contains(SharePartition.RENEW))) {
                pending.put(ref, CompletableFuture.completedFuture(Errors.INVALID_REQUEST)); // RENEW came with v2
                return;
            }
            pending.put(ref, topic == null ? CompletableFuture.completedFuture(Errors.UNKNOWN_TOPIC_ID)
                    : manager.acknowledge(memberId, new SharePartitionKey(groupId, Uuids.fromKafka(ref.topicId()),
                    ref.partition()), topic, list));
        });
        return CompletableFuture.allOf(pending.values().toArray(new CompletableFuture<?>[0])).thenApply(ignored -> {
            Map<PartitionRef, Errors> result = new LinkedHashMap<>();
            pending.forEach((ref, f) -> result.put(ref, f.join()));
            return result;
        });
    }
}
