package io.dlog.kafka.handlers.produce;

import io.dlog.kafka.BrokerContext;
import io.dlog.kafka.api.ApiHandler;
import io.dlog.kafka.api.RequestContext;
import io.dlog.kafka.api.RequestCost;
import io.dlog.kafka.common.LeaderEpochs;
import io.dlog.kafka.common.Uuids;
import io.dlog.kafka.metrics.TopicMetrics;
import io.dlog.kafka.mirror.MirrorTopics;
import io.dlog.kafka.purgatory.FetchPurgatory;
import io.dlog.kafka.replica.ReplicaManager;
import io.dlog.kafka.txn.TxnConfig;
import io.dlog.kafka.txn.TxnVerifier;
import io.dlog.log.AppendBatch;
import io.dlog.log.AppendResult;
import io.dlog.log.PartitionLog;
import io.dlog.log.VerificationGuard;
import io.dlog.log.metadata.MetadataImage;
import io.dlog.log.metadata.TopicImage;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.message.ProduceRequestData;
import org.apache.kafka.common.message.ProduceResponseData;
import org.apache.kafka.common.message.ProduceResponseData.BatchIndexAndErrorMessage;
import org.apache.kafka.common.message.ProduceResponseData.PartitionProduceResponse;
import org.apache.kafka.common.message.ProduceResponseData.TopicProduceResponse;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.internal.MemoryRecords;

/**
 * Produce: per partition, record-level checks ({@link RecordsValidator}), then an append to the
 * partition's log; the request's appends reach the writer threads together ({@link AppendBatch}).
 * The response waits for every append: acks=1 until the leader wrote it (or fsynced it under
 * dlog.flush.mode=fsync); acks=all on a replicated partition until the high watermark passes it, with
 * Kafka's min.insync.replicas checks before and after the append (a partition with one replica commits
 * at its own append).
 * Each completed append wakes long-poll fetches waiting on that partition.
 */
public final class ProduceHandler implements ApiHandler<ProduceRequestData> {
    private final BrokerContext context;
    private final FetchPurgatory purgatory;
    /** Produce v12 is the first a transaction-version-2 client sends (KIP-890 part 2). */
    private static final short TRANSACTION_V2_PRODUCE = 12;

    /**
     * Whether a transactional batch adds its partition to the transaction (transaction version 2) or is only
     * verified against it: decided on the request's version alone, as Kafka 4's
     * {@code produceRequestVersionToTransactionSupportedOperation} does. A client sends v12 only once it runs
     * transaction version 2, which it read from ApiVersions; checking the cluster's finalized level here as well
     * could refuse a v12 batch as "not added to the transaction" (fatal to the producer) wherever the broker's view
     * of the level differs from the one the client started its transaction with, as across an upgrade.
     */
    static boolean addsPartitions(short produceVersion) {
        return produceVersion >= TRANSACTION_V2_PRODUCE;
    }

    /** Produce v10 is the first that carries the current leader on NOT_LEADER_OR_FOLLOWER (KIP-951). */
    private static final short LEADER_HINTS_VERSION = 10;

    private final ProduceSettings settings = new ProduceSettings();
    /**
     * Decompression and recompression (compacted and recompressing topics): one thread, started on demand
     * and gone after 30 s idle (no lifecycle to manage); its queue is bounded by the request memory budget,
     * since every queued request's bytes count against queued.max.request.bytes until answered.
     */
    private final ExecutorService codecThread = new ThreadPoolExecutor(0, 1, 30, TimeUnit.SECONDS,
            new LinkedBlockingQueue<>(), runnable -> {
                Thread thread = new Thread(runnable, "dlog-produce-codec");
                thread.setDaemon(true);
                return thread;
            });
    private final TxnVerifier verifier;
    private final CheckedAppendOrder appendOrder = new CheckedAppendOrder();
    /** Static broker keys (as in Kafka), read once. */
    private final TxnProduceCheck.Retry addRetry;

    public ProduceHandler(BrokerContext context, FetchPurgatory purgatory, TxnVerifier verifier) {
        this.context = context;
        this.purgatory = purgatory;
        this.verifier = verifier;
        TxnConfig txn = TxnConfig.from(context.config());
        this.addRetry = new TxnProduceCheck.Retry(txn.addPartitionsRetryBackoffMs(), txn.addPartitionsRetryBackoffMaxMs());
    }

    @Override
    public CompletionStage<ProduceResponseData> handle(RequestContext request, ProduceRequestData data) {
        boolean byTopicId = request.apiVersion() >= 13;
        boolean validAcks = data.acks() == -1 || data.acks() == 0 || data.acks() == 1;
        MetadataImage image = context.topics().image();
        RequestAppends appends = new RequestAppends(AppendBatch.create());
        TxnProduceCheck check = data.transactionalId() == null ? null : new TxnProduceCheck(verifier::verify,
                data.transactionalId(), request.apiVersion(), addsPartitions(request.apiVersion()), addRetry,
                context.scheduler());
        List<CompletableFuture<TopicProduceResponse>> topics = new ArrayList<>();
        for (ProduceRequestData.TopicProduceData topic : data.topicData()) {
            Optional<TopicImage> known = byTopicId ? image.topic(Uuids.fromKafka(topic.topicId())) : image.topic(topic.name());
            List<CompletableFuture<PartitionProduceResponse>> partitions = new ArrayList<>();
            for (ProduceRequestData.PartitionProduceData partition : topic.partitionData()) {
                Errors unknown = byTopicId ? Errors.UNKNOWN_TOPIC_ID : Errors.UNKNOWN_TOPIC_OR_PARTITION;
                if (!validAcks) {
                    partitions.add(done(error(partition.index(), Errors.INVALID_REQUIRED_ACKS, null)));
                } else if (known.isEmpty()) {
                    partitions.add(done(error(partition.index(), unknown, null)));
                } else if (MirrorTopics.isMirror(known.get().configs())) {
                    // A migration copy stays read-only until cutover, so it cannot diverge from its source.
                    partitions.add(done(error(partition.index(), Errors.INVALID_TOPIC_EXCEPTION, "Topic "
                            + known.get().name() + " is a read-only mirror of a topic on "
                            + MirrorTopics.sourceBootstrap(known.get().configs()).orElseThrow()
                            + " until dlog-migrate cutover")));
                } else {
                    partitions.add(appendInTransaction(check, data, known.get(), partition, appends, request.cost()));
                }
            }
            String name = known.map(TopicImage::name).orElse(topic.name());
            Uuid topicId = byTopicId ? topic.topicId() : Uuid.ZERO_UUID;
            topics.add(CompletableFuture.allOf(partitions.toArray(CompletableFuture[]::new)).thenApply(all -> {
                TopicProduceResponse response = new TopicProduceResponse().setName(byTopicId ? "" : name).setTopicId(topicId);
                partitions.forEach(p -> response.partitionResponses().add(p.join()));
                return response;
            }));
        }
        appends.submit();
        boolean hints = request.apiVersion() >= LEADER_HINTS_VERSION;
        if (check != null) {
            check.send();
        }
        return CompletableFuture.allOf(topics.toArray(CompletableFuture[]::new)).thenApply(all -> {
            ProduceResponseData response = new ProduceResponseData();
            topics.forEach(t -> response.responses().add(t.join()));
            if (hints) {
                LeaderHints.addTo(context, response);
            }
            return response;
        });
    }

    private CompletableFuture<PartitionProduceResponse> append(ProduceRequestData request, TopicImage topic,
                                                               ProduceRequestData.PartitionProduceData partition,
                                                               AppendBatch appends, RequestCost cost) {
        return append(request, topic, partition, appends, null, cost);
    }

    /**
     * @param appends the request's batch, or null to append alone
     * @param guard   the guard of the partition's transaction check, or null
     * @param cost  where the codec and writer threads' time for this append is charged (request_percentage)
     */
    private CompletableFuture<PartitionProduceResponse> append(ProduceRequestData request, TopicImage topic,
                                                               ProduceRequestData.PartitionProduceData partition,
                                                               AppendBatch appends, VerificationGuard guard,
                                                               RequestCost cost) {
        // Kafka counts every partition of an existing topic, led here or not (TotalProduceRequestsPerSec).
        TopicMetrics meters = context.metrics().topics().topic(topic.name());
        meters.onProduceRequest();
        Optional<PartitionLog> log = context.topics().partition(topic.name(), partition.index());
        if (log.isEmpty()) {
            return done(error(partition.index(), context.topics().notServedError(topic.name(), partition.index()), null));
        }
        if (!(partition.records() instanceof MemoryRecords records) || records.sizeInBytes() == 0) {
            meters.onProduceFailed();
            return done(error(partition.index(), Errors.INVALID_RECORD, "Produce request has no records"));
        }
        ProduceSettings.Settings settings = this.settings.of(topic, context.config());
        PartitionLog target = log.get();
        if (!target.config().compact() && ProduceSettings.PRODUCER.equals(settings.codec())
                && !(settings.limitsDecompressedRecords() && RecordsValidator.compressed(records))) {
            return validateAndAppend(target, records, settings, partition.index(), appends, guard, request.acks(),
                    request.timeoutMs(), meters, cost);
        }
        // Compacted, recompressing or bounding decompressed records: the records are decompressed (keys or sizes
        // checked) or rewritten, CPU work that must not run on an event loop. One codec thread: FIFO, so a
        // partition's appends keep their arrival order (every append to such a topic takes this path).
        return CompletableFuture.supplyAsync(() -> {
            long start = System.nanoTime();
            try {
                return validateAndAppend(target, records, settings, partition.index(), null, guard, request.acks(),
                        request.timeoutMs(), meters, cost);
            } finally {
                cost.chargeWorkerNanos(System.nanoTime() - start);
            }
        }, codecThread).thenCompose(f -> f);
    }

    /** Validates, then appends through {@code appends} (the request's batch) or, when null, on its own. */
    private CompletableFuture<PartitionProduceResponse> validateAndAppend(PartitionLog target, MemoryRecords records,
                                                                          ProduceSettings.Settings settings, int index,
                                                                          AppendBatch appends, VerificationGuard guard,
                                                                          short acks, int timeoutMs, TopicMetrics meters,
                                                                          RequestCost cost) {
        RecordsValidator.Outcome outcome = RecordsValidator.validate(records, target.config().compact(),
                settings.codec(), settings.recompression(), settings.maxDecompressedRecordBytes());
        if (outcome.refusal() != null) {
            RecordsValidator.Refusal refusal = outcome.refusal();
            if (countsAsFailed(refusal.error())) {
                meters.onProduceFailed();
            }
            PartitionProduceResponse response = error(index, refusal.error(), refusal.message());
            if (refusal.recordIndex() >= 0) {
                response.recordErrors().add(new BatchIndexAndErrorMessage().setBatchIndex(refusal.recordIndex())
                        .setBatchIndexErrorMessage(refusal.message()));
            }
            return done(response);
        }
        int epoch = LeaderEpochs.current(target);
        ReplicaManager replicas = context.topics().replicas();
        boolean replicated = replicas != null && replicas.isReplicated(target.topicPartition());
        boolean awaitIsr = acks == -1 && replicated;
        if (awaitIsr) {
            Errors enough = replicas.checkEnoughReplicas(target.topicPartition(), settings.minInsyncReplicas());
            if (enough != Errors.NONE) {
                return done(error(index, enough, enough == Errors.NOT_ENOUGH_REPLICAS
                        ? "The in-sync replicas are fewer than min.insync.replicas=" + settings.minInsyncReplicas() : null));
            }
        }
        CompletableFuture<AppendResult> appended;
        if (appends != null) {
            appended = guard != null ? appends.append(target, outcome.batches(), epoch, guard)
                    : appends.append(target, outcome.batches(), epoch);
        } else {
            appended = guard != null ? target.append(outcome.batches(), epoch, guard) : target.append(outcome.batches(), epoch);
        }
        CompletableFuture<PartitionProduceResponse> written = appended.thenApply(result -> {
            cost.chargeWorkerNanos(result.writerNanos());
            if (result.succeeded()) {
                // Wakes followers' fetches (and, unreplicated, consumers': the append moved the high watermark).
                purgatory.onHighWatermarkAdvanced(target.topicPartition());
                meters.onAppended(result.lastOffset() - result.baseOffset() + 1, records.sizeInBytes());
            }
            PartitionProduceResponse response = toResponse(index, result);
            if (countsAsFailed(Errors.forCode(response.errorCode()))) {
                meters.onProduceFailed();
            }
            return response;
        });
        if (!awaitIsr) {
            // A leader alone in its ISR commits the append itself (ReplicaManager#onLeaderAppended), and answers
            // once it has, as Kafka's does: a consumer told of the write by this producer finds it readable.
            return replicated ? written.thenCompose(response -> replicas.onLeaderAppended(target.topicPartition())
                    .handle((moved, failure) -> response)) : written; // a failed move is logged where it failed
        }
        return appended.thenCompose(result -> {
            if (!result.succeeded()) {
                return written;
            }
            replicas.onLeaderAppended(target.topicPartition());
            return replicas.awaitCommitted(target.topicPartition(), result.lastOffset() + 1, settings.minInsyncReplicas(),
                    timeoutMs).thenCombine(written, (committed, response) -> committed == Errors.NONE ? response
                    : error(index, committed, committed == Errors.NOT_ENOUGH_REPLICAS_AFTER_APPEND
                    ? "The in-sync replicas fell below min.insync.replicas=" + settings.minInsyncReplicas()
                    + " before the batch was committed" : null));
        });
    }

    /**
     * Appends after the transaction check of a transactional batch (KIP-890, {@link TxnProduceCheck}): with
     * transaction version 1 (or Produce below v12) the batch is written only to a partition the
     * coordinator has in the producer's open transaction, so a hanging transaction cannot start behind
     * its back; with version 2 the coordinator adds the partition first. The coordinator may be another
     * node. A checked partition's append goes once the check answered and the producer's earlier checked
     * appends to that partition went ({@link CheckedAppendOrder}: checks may answer out of order): with the
     * request's other appends when that is at once (the transaction is open on the partition already, the
     * common case), else alone ({@link RequestAppends}).
     */
    private CompletableFuture<PartitionProduceResponse> appendInTransaction(TxnProduceCheck check, ProduceRequestData request,
                                                                            TopicImage topic,
                                                                            ProduceRequestData.PartitionProduceData partition,
                                                                            RequestAppends appends, RequestCost cost) {
        if (check == null || !(partition.records() instanceof MemoryRecords records)) {
            return append(request, topic, partition, appends.batch(), cost);
        }
        var batches = records.batches().iterator();
        var batch = batches.hasNext() ? batches.next() : null;
        if (batch == null || !batch.isTransactional()) {
            return append(request, topic, partition, appends.batch(), cost);
        }
        Optional<PartitionLog> local = context.topics().partition(topic.name(), partition.index());
        if (local.isEmpty()) {
            return append(request, topic, partition, appends.batch(), cost); // not the leader: answered without asking the coordinator
        }
        // Taken before the check: a marker written while the check is out withdraws it, and the append is refused.
        // The sentinel: the transaction is open on the partition at this epoch, nothing to ask the coordinator.
        VerificationGuard guard = local.get().startTransactionVerification(batch.producerId(), batch.baseSequence(),
                batch.producerEpoch(), check.bumpsEpochs());
        var tp = new io.dlog.log.TopicPartition(topic.name(), partition.index());
        var checked = check.add(tp, batch.producerId(), batch.producerEpoch(), guard != VerificationGuard.SENTINEL);
        return appendOrder.after(tp, batch.producerId(), checked,
                (refusal, failure) -> {
                    if (failure != null) {
                        return done(error(partition.index(), Errors.NOT_ENOUGH_REPLICAS,
                                "Unable to verify the partition has been added to the transaction: " + failure));
                    }
                    if (refusal != null) {
                        return done(error(partition.index(), refusal.error(), refusal.message()));
                    }
                    // Run at once (the check needed no coordinator, no earlier append waits): into the request's
                    // batch with the rest; run later, by whichever thread answered the check: alone.
                    return append(request, topic, partition, appends.ifCollecting(), guard, cost);
                });
    }

    /**
     * One request's {@link AppendBatch} and whether it still collects: only on the thread handling the request,
     * until it is submitted. A checked append that runs at once joins it, so it reaches its writer with the
     * request's other appends (one hand-off) when the request is submitted, still before any later request of
     * the connection is read, so {@link CheckedAppendOrder}'s order holds; one that runs later (its check went
     * to the coordinator, or an earlier append of its producer waits) goes alone. Not thread-safe beyond that.
     */
    private static final class RequestAppends {
        private final AppendBatch batch;
        private final Thread handler = Thread.currentThread();
        private boolean submitted;

        RequestAppends(AppendBatch batch) {
            this.batch = batch;
        }

        /** The batch; handler thread, before {@link #submit}. */
        AppendBatch batch() {
            return batch;
        }

        /** The batch if called on the handler thread before {@link #submit}, else null. */
        AppendBatch ifCollecting() {
            return Thread.currentThread() == handler && !submitted ? batch : null;
        }

        void submit() {
            submitted = true;
            batch.submit();
        }
    }

    /**
     * Whether a partition's produce error counts in FailedProduceRequestsPerSec: as in Kafka, every error but
     * those that say the client asked the wrong broker or sent a batch that is too large or corrupt, and a
     * failed disk (counted by the log directory's own failure).
     */
    private static boolean countsAsFailed(Errors error) {
        return switch (error) {
            case NONE, UNKNOWN_TOPIC_OR_PARTITION, NOT_LEADER_OR_FOLLOWER, MESSAGE_TOO_LARGE, RECORD_LIST_TOO_LARGE,
                 CORRUPT_MESSAGE, KAFKA_STORAGE_ERROR, UNKNOWN_TOPIC_ID -> false;
            default -> true;
        };
    }

    private static PartitionProduceResponse toResponse(int index, AppendResult result) {
        if (!result.succeeded()) {
            return error(index, AppendErrors.toKafka(result.error()), result.errorMessage())
                    .setLogStartOffset(result.logStartOffset());
        }
        return new PartitionProduceResponse().setIndex(index).setErrorCode(Errors.NONE.code())
                .setBaseOffset(result.baseOffset()).setLogAppendTimeMs(result.logAppendTime())
                .setLogStartOffset(result.logStartOffset());
    }

    private static PartitionProduceResponse error(int index, Errors error, String message) {
        return new PartitionProduceResponse().setIndex(index).setErrorCode(error.code()).setBaseOffset(-1L)
                .setLogAppendTimeMs(-1L).setLogStartOffset(-1L).setErrorMessage(message);
    }

    private static <T> CompletableFuture<T> done(T value) {
        return CompletableFuture.completedFuture(value);
    }
}
