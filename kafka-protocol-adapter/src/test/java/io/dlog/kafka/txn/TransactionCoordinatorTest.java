package io.dlog.kafka.txn;

import static org.assertj.core.api.Assertions.assertThat;

import io.dlog.kafka.config.BrokerConfig;
import io.dlog.kafka.topic.SingleNodeTopics;
import io.dlog.kafka.topic.TopicService;
import io.dlog.log.LogConfig;
import io.dlog.log.LogManager;
import io.dlog.log.LogManagerConfig;
import io.dlog.log.PartitionLog;
import io.dlog.log.ProducerSnapshot;
import io.dlog.log.TopicPartition;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.common.message.WriteTxnMarkersRequestData;
import org.apache.kafka.common.message.WriteTxnMarkersResponseData;
import org.apache.kafka.common.protocol.Errors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The transaction state machine over a real log (markers and state records), with an injected clock. */
class TransactionCoordinatorTest {
    private static final int STATE_PARTITIONS = 3;

    @TempDir
    Path dir;
    private final AtomicLong now = new AtomicLong(1_700_000_000_000L);
    private final Clock clock = new Clock() {
        @Override
        public ZoneOffset getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return Instant.ofEpochMilli(now.get());
        }
    };
    private final AtomicLong ids = new AtomicLong(1000);
    private final AtomicBoolean markersFail = new AtomicBoolean();
    /** While set, markers wait for it before they are written (a marker still on its way to the leader). */
    private final java.util.concurrent.atomic.AtomicReference<CompletableFuture<Void>> markersHeld =
            new java.util.concurrent.atomic.AtomicReference<>();
    private SingleNodeTopics metadata;
    private LogManager logs;
    private TopicService topics;
    private TxnMarkerWriter writer;
    private TransactionCoordinator coordinator;

    @BeforeEach
    void setUp() throws Exception {
        logs = LogManager.open(LogManagerConfig.defaults(dir), clock, t -> LogConfig.DEFAULT);
        metadata = SingleNodeTopics.open(dir.resolve("raft"), logs, BrokerConfig.parse(Map.of(BrokerConfig.LOG_DIRS, dir.toString())));
        topics = metadata.topics();
        metadata.createTopic("data", 2, Map.of());
        writer = new TxnMarkerWriter(topics, clock, tp -> { });
        coordinator = start();
    }

    private TransactionCoordinator start() throws Exception {
        TransactionCoordinator c = new TransactionCoordinator(TxnConfig.DEFAULTS, clock, ids::incrementAndGet,
                Runnable::run, this::sendMarkers);
        c.attach(TxnStateStore.open(topics, clock, STATE_PARTITIONS, () -> false));
        for (int p = 0; p < STATE_PARTITIONS; p++) {
            c.loadPartition(p);
        }
        return c;
    }

    private CompletableFuture<WriteTxnMarkersResponseData> sendMarkers(WriteTxnMarkersRequestData request) {
        if (markersFail.get()) {
            return CompletableFuture.failedFuture(new IllegalStateException("partition leader unreachable"));
        }
        CompletableFuture<Void> held = markersHeld.get();
        return held == null ? writer.write(request) : held.thenCompose(released -> writer.write(request));
    }

    @AfterEach
    void tearDown() throws Exception {
        topics.close();
        metadata.close();
        logs.close();
    }

    private TransactionCoordinator.ProducerIdAndEpoch init(String id, int timeoutMs) throws Exception {
        return coordinator.initProducerId(id, timeoutMs, -1, (short) -1, true).get(10, TimeUnit.SECONDS);
    }

    private static final TopicPartition DATA0 = new TopicPartition("data", 0);

    private List<ProducerSnapshot> producersOf(TopicPartition tp) {
        PartitionLog log = topics.partition(tp.topic(), tp.partition()).orElseThrow();
        return log.activeProducers();
    }

    private TxnState awaitState(String id, TxnState wanted) throws InterruptedException {
        for (int i = 0; i < 200 && coordinator.get(id).state() != wanted; i++) {
            Thread.sleep(10);
        }
        return coordinator.get(id).state();
    }

    @Test
    void shouldGiveANewIdEpochZeroAndBumpItOnEveryInit() throws Exception {
        TransactionCoordinator.ProducerIdAndEpoch first = init("a", 60_000);
        TransactionCoordinator.ProducerIdAndEpoch second = init("a", 60_000);

        assertThat(first.error()).isEqualTo(Errors.NONE);
        assertThat(first.producerEpoch()).isEqualTo((short) 0);
        assertThat(second.producerId()).isEqualTo(first.producerId());
        assertThat(second.producerEpoch()).isEqualTo((short) 1);
        assertThat(coordinator.get("a").state()).isEqualTo(TxnState.EMPTY);
    }

    private static io.dlog.log.AppendResult appendTransactional(PartitionLog log, long producerId, short epoch,
                                                                 io.dlog.log.VerificationGuard guard) throws Exception {
        var batch = org.apache.kafka.common.record.internal.MemoryRecords.withTransactionalRecords(
                org.apache.kafka.common.compress.Compression.NONE, producerId, epoch, 0,
                new org.apache.kafka.common.record.internal.SimpleRecord("k".getBytes(), "v".getBytes()));
        return log.append(batch.buffer(), 0, guard).get(10, TimeUnit.SECONDS);
    }

    @Test
    void shouldWriteTheNextTransactionsFirstBatchReadBeforeThePreviousMarkerLandedWithTransactionVersion2()
            throws Exception {
        // Given: transaction 1 has a batch on data-0; EndTxn v5 bumped the epoch and answered; its marker is on its way
        PartitionLog log = topics.partition("data", 0).orElseThrow();
        TransactionCoordinator.ProducerIdAndEpoch p = init("a", 60_000);
        assertThat(coordinator.addPartitionImplicitly("a", p.producerId(), p.producerEpoch(), DATA0).get())
                .isEqualTo(Errors.NONE);
        assertThat(appendTransactional(log, p.producerId(), p.producerEpoch(),
                log.startTransactionVerification(p.producerId(), 0, p.producerEpoch(), true)).succeeded()).isTrue();
        CompletableFuture<Void> marker = new CompletableFuture<>();
        markersHeld.set(marker);
        TransactionCoordinator.ProducerIdAndEpoch next =
                coordinator.endTxnV2("a", p.producerId(), p.producerEpoch(), true).get(10, TimeUnit.SECONDS);
        assertThat(next.producerEpoch()).isEqualTo((short) (p.producerEpoch() + 1));

        // When: the client's next transaction sends its first batch at once (Produce v12): the leader takes the
        // guard, the implicit add waits out the commit (CONCURRENT_TRANSACTIONS, and the client retries), the
        // marker lands (at the new epoch), the retry is added, and the batch is written
        io.dlog.log.VerificationGuard guard = log.startTransactionVerification(p.producerId(), 0, next.producerEpoch(), true);
        assertThat(coordinator.addPartitionImplicitly("a", p.producerId(), next.producerEpoch(), DATA0).get())
                .isEqualTo(Errors.CONCURRENT_TRANSACTIONS);
        markersHeld.set(null);
        marker.complete(null);
        assertThat(awaitState("a", TxnState.COMPLETE_COMMIT)).isEqualTo(TxnState.COMPLETE_COMMIT);
        io.dlog.log.VerificationGuard retry = log.startTransactionVerification(p.producerId(), 0, next.producerEpoch(), true);
        assertThat(coordinator.addPartitionImplicitly("a", p.producerId(), next.producerEpoch(), DATA0).get())
                .isEqualTo(Errors.NONE);
        io.dlog.log.AppendResult written = appendTransactional(log, p.producerId(), next.producerEpoch(), retry);

        // Then: as in Kafka 4, the previous transaction's marker did not withdraw the guard (it was INVALID_TXN_STATE,
        // fatal to the producer); the batch opened transaction 2, which the coordinator knows
        assertThat(retry).isSameAs(guard);
        assertThat(written.succeeded()).as(written.errorMessage()).isTrue();
        assertThat(log.lastStableOffset()).isEqualTo(written.baseOffset());
        assertThat(coordinator.get("a").partitions()).containsExactly(DATA0);
    }

    @Test
    void shouldRefuseATimeoutAboveTheMaximum() throws Exception {
        assertThat(init("a", TxnConfig.DEFAULTS.maxTimeoutMs() + 1).error()).isEqualTo(Errors.INVALID_TRANSACTION_TIMEOUT);
        assertThat(init("a", 0).error()).isEqualTo(Errors.INVALID_TRANSACTION_TIMEOUT);
    }

    @Test
    void shouldCommitThroughPrepareAndWriteMarkers() throws Exception {
        TransactionCoordinator.ProducerIdAndEpoch p = init("a", 60_000);
        assertThat(coordinator.addPartitions("a", p.producerId(), p.producerEpoch(), List.of(DATA0), true).get())
                .isEqualTo(Errors.NONE);
        assertThat(coordinator.get("a").state()).isEqualTo(TxnState.ONGOING);

        assertThat(coordinator.endTxn("a", p.producerId(), p.producerEpoch(), true, true).get()).isEqualTo(Errors.NONE);

        assertThat(awaitState("a", TxnState.COMPLETE_COMMIT)).isEqualTo(TxnState.COMPLETE_COMMIT);
        assertThat(coordinator.get("a").partitions()).isEmpty();
        assertThat(producersOf(DATA0)).extracting(ProducerSnapshot::producerId).containsExactly(p.producerId());
        // a retried commit succeeds, an abort now is the wrong state
        assertThat(coordinator.endTxn("a", p.producerId(), p.producerEpoch(), true, true).get()).isEqualTo(Errors.NONE);
        assertThat(coordinator.endTxn("a", p.producerId(), p.producerEpoch(), false, true).get())
                .isEqualTo(Errors.INVALID_TXN_STATE);
    }

    @Test
    void shouldFenceAnOpenTransactionOnInitWithTheSameId() throws Exception {
        TransactionCoordinator.ProducerIdAndEpoch old = init("a", 60_000);
        coordinator.addPartitions("a", old.producerId(), old.producerEpoch(), List.of(DATA0), true).get();

        assertThat(init("a", 60_000).error()).isEqualTo(Errors.CONCURRENT_TRANSACTIONS);
        awaitState("a", TxnState.COMPLETE_ABORT);
        TransactionCoordinator.ProducerIdAndEpoch fresh = init("a", 60_000);

        assertThat(fresh.error()).isEqualTo(Errors.NONE);
        assertThat(fresh.producerEpoch()).isEqualTo((short) (old.producerEpoch() + 2));
        assertThat(coordinator.endTxn("a", old.producerId(), old.producerEpoch(), true, true).get())
                .isEqualTo(Errors.PRODUCER_FENCED);
        assertThat(coordinator.endTxn("a", old.producerId(), old.producerEpoch(), true, false).get())
                .isEqualTo(Errors.INVALID_PRODUCER_EPOCH);
    }

    @Test
    void shouldAbortAndFenceATransactionPastItsTimeout() throws Exception {
        TransactionCoordinator.ProducerIdAndEpoch p = init("a", 1000);
        coordinator.addPartitions("a", p.producerId(), p.producerEpoch(), List.of(DATA0), true).get();
        coordinator.tick();
        assertThat(coordinator.get("a").state()).isEqualTo(TxnState.ONGOING);

        now.addAndGet(1001);
        coordinator.tick();

        assertThat(awaitState("a", TxnState.COMPLETE_ABORT)).isEqualTo(TxnState.COMPLETE_ABORT);
        assertThat(coordinator.get("a").producerEpoch()).isEqualTo((short) (p.producerEpoch() + 1));
        assertThat(coordinator.addPartitions("a", p.producerId(), p.producerEpoch(), List.of(DATA0), true).get())
                .isEqualTo(Errors.PRODUCER_FENCED);
    }

    @Test
    void shouldFinishAPreparedCommitAfterARestart() throws Exception {
        TransactionCoordinator.ProducerIdAndEpoch p = init("a", 60_000);
        coordinator.addPartitions("a", p.producerId(), p.producerEpoch(), List.of(DATA0), true).get();
        markersFail.set(true);
        assertThat(coordinator.endTxn("a", p.producerId(), p.producerEpoch(), true, true).get()).isEqualTo(Errors.NONE);
        assertThat(coordinator.get("a").state()).isEqualTo(TxnState.PREPARE_COMMIT);

        // When a new coordinator loads the state log (the old one died before the markers went out)
        markersFail.set(false);
        coordinator = start();

        // Then the commit completes
        assertThat(awaitState("a", TxnState.COMPLETE_COMMIT)).isEqualTo(TxnState.COMPLETE_COMMIT);
        PartitionLog log = topics.partition("data", 0).orElseThrow();
        assertThat(log.lastStableOffset()).isEqualTo(log.highWatermark());
    }

    @Test
    void shouldServeOnlyThePartitionsItLeadsAndFollowTheirLeadership() throws Exception {
        // Given: an id with an open transaction
        TransactionCoordinator.ProducerIdAndEpoch p = init("a", 60_000);
        coordinator.addPartitions("a", p.producerId(), p.producerEpoch(), List.of(DATA0), true).get();
        int partition = io.dlog.kafka.coordinator.InternalTopics.transactionPartition("a", STATE_PARTITIONS);

        // When its __transaction_state partition is led elsewhere
        coordinator.followLeadership(q -> q != partition);

        // Then the id is not served here
        assertThat(coordinator.ownership("a")).isEqualTo(Errors.NOT_COORDINATOR);
        assertThat(init("a", 60_000).error()).isEqualTo(Errors.NOT_COORDINATOR);

        // When the leadership comes back, the state is loaded again from the log
        coordinator.followLeadership(q -> true);
        assertThat(coordinator.ownership("a")).isEqualTo(Errors.NONE);
        assertThat(coordinator.get("a").state()).isEqualTo(TxnState.ONGOING);
        assertThat(coordinator.get("a").partitions()).containsExactly(DATA0);
    }

    @Test
    void shouldVerifyOnlyPartitionsOfTheOpenTransaction() throws Exception {
        TransactionCoordinator.ProducerIdAndEpoch p = init("a", 60_000);
        coordinator.addPartitions("a", p.producerId(), p.producerEpoch(), List.of(DATA0), true).get();

        assertThat(coordinator.verify("a", p.producerId(), p.producerEpoch(), DATA0)).isEqualTo(Errors.NONE);
        // Kafka 4's coordinator: TRANSACTION_ABORTABLE, which the leader turns into INVALID_TXN_STATE for older clients
        assertThat(coordinator.verify("a", p.producerId(), p.producerEpoch(), new TopicPartition("data", 1)))
                .isEqualTo(Errors.TRANSACTION_ABORTABLE);
        assertThat(coordinator.verify("a", p.producerId() + 1, p.producerEpoch(), DATA0))
                .isEqualTo(Errors.INVALID_PRODUCER_ID_MAPPING);
    }

    @Test
    void shouldBumpTheEpochOnEveryEndWithTransactionVersion2() throws Exception {
        TransactionCoordinator.ProducerIdAndEpoch p = init("a", 60_000);
        assertThat(coordinator.addPartitionImplicitly("a", p.producerId(), p.producerEpoch(), DATA0).get())
                .isEqualTo(Errors.NONE);

        TransactionCoordinator.ProducerIdAndEpoch committed =
                coordinator.endTxnV2("a", p.producerId(), p.producerEpoch(), true).get(10, TimeUnit.SECONDS);

        assertThat(committed.error()).isEqualTo(Errors.NONE);
        assertThat(committed.producerEpoch()).isEqualTo((short) (p.producerEpoch() + 1));
        assertThat(awaitState("a", TxnState.COMPLETE_COMMIT)).isEqualTo(TxnState.COMPLETE_COMMIT);
        // the marker carried the new epoch: the partition fences the old one
        assertThat(producersOf(DATA0)).extracting(ProducerSnapshot::producerEpoch).containsExactly(committed.producerEpoch());
        // a retry from the old epoch (the answer was lost) gets the same new epoch
        assertThat(coordinator.endTxnV2("a", p.producerId(), p.producerEpoch(), true).get()).isEqualTo(committed);
        assertThat(coordinator.endTxnV2("a", p.producerId(), p.producerEpoch(), false).get().error())
                .isEqualTo(Errors.PRODUCER_FENCED);
        // an abort without an open transaction bumps the epoch again
        TransactionCoordinator.ProducerIdAndEpoch aborted =
                coordinator.endTxnV2("a", p.producerId(), committed.producerEpoch(), false).get();
        assertThat(aborted.producerEpoch()).isEqualTo((short) (committed.producerEpoch() + 1));
        assertThat(coordinator.get("a").state()).isEqualTo(TxnState.COMPLETE_ABORT);
        assertThat(coordinator.endTxnV2("a", p.producerId(), aborted.producerEpoch(), true).get().error())
                .isEqualTo(Errors.INVALID_TXN_STATE);
    }

    @Test
    void shouldAnswerAddPartitionsToTxnAtEveryVersionAsKafkaParsesIt() throws Exception {
        TransactionCoordinator.ProducerIdAndEpoch p = init("a", 60_000);
        java.util.concurrent.ScheduledExecutorService scheduler = java.util.concurrent.Executors.newSingleThreadScheduledExecutor();
        try {
            var context = new io.dlog.kafka.BrokerContext("c", topics, clock, ids::incrementAndGet, scheduler,
                    new java.util.concurrent.atomic.AtomicInteger(9092));
            var handler = new io.dlog.kafka.handlers.txn.AddPartitionsToTxnHandler(context, coordinator);
            for (short version = 0; version <= 4; version++) {
                var topicsToAdd = new org.apache.kafka.common.message.AddPartitionsToTxnRequestData.AddPartitionsToTxnTopicCollection();
                topicsToAdd.add(new org.apache.kafka.common.message.AddPartitionsToTxnRequestData.AddPartitionsToTxnTopic()
                        .setName("data").setPartitions(List.of(0, 7)));
                var request = new org.apache.kafka.common.message.AddPartitionsToTxnRequestData();
                if (version < 4) {
                    request.setV3AndBelowTransactionalId("a").setV3AndBelowProducerId(p.producerId())
                            .setV3AndBelowProducerEpoch(p.producerEpoch()).setV3AndBelowTopics(topicsToAdd);
                } else {
                    var txns = new org.apache.kafka.common.message.AddPartitionsToTxnRequestData.AddPartitionsToTxnTransactionCollection();
                    txns.add(new org.apache.kafka.common.message.AddPartitionsToTxnRequestData.AddPartitionsToTxnTransaction()
                            .setTransactionalId("a").setProducerId(p.producerId()).setProducerEpoch(p.producerEpoch())
                            .setVerifyOnly(true).setTopics(topicsToAdd));
                    request.setTransactions(txns);
                }
                var context0 = new io.dlog.kafka.api.RequestContext(version, 1, "test",
                        new java.net.InetSocketAddress("127.0.0.1", 50000), "PLAINTEXT");
                var response = handler.handle(context0, request).toCompletableFuture().get(10, TimeUnit.SECONDS);

                // written and parsed back with Kafka's classes, as a client (or broker) would
                var written = org.apache.kafka.common.protocol.MessageUtil.toByteBufferAccessor(response, version).buffer();
                if (written.position() != 0) {
                    written.flip();
                }
                var parsed = (org.apache.kafka.common.requests.AddPartitionsToTxnResponse) org.apache.kafka.common.requests
                        .AbstractResponse.parseResponse(org.apache.kafka.common.protocol.ApiKeys.ADD_PARTITIONS_TO_TXN,
                                new org.apache.kafka.common.protocol.ByteBufferAccessor(written), version);
                var results = version < 4 ? parsed.data().resultsByTopicV3AndBelow()
                        : parsed.data().resultsByTransaction().find("a").topicResults();
                var partitions = results.find("data").resultsByPartition();
                // partition 7 does not exist: Kafka's per-partition answer
                assertThat(partitions.find(7).partitionErrorCode()).as("v%d", version)
                        .isEqualTo(Errors.UNKNOWN_TOPIC_OR_PARTITION.code());
                assertThat(partitions.find(0).partitionErrorCode()).as("v%d", version)
                        .isEqualTo(Errors.OPERATION_NOT_ATTEMPTED.code());
            }
            // v4 verifyOnly (KIP-890 part 1): in the transaction NONE, outside TRANSACTION_ABORTABLE, nothing added
            coordinator.addPartitions("a", p.producerId(), p.producerEpoch(), List.of(DATA0), true).get();
            var both = new org.apache.kafka.common.message.AddPartitionsToTxnRequestData.AddPartitionsToTxnTopicCollection();
            both.add(new org.apache.kafka.common.message.AddPartitionsToTxnRequestData.AddPartitionsToTxnTopic()
                    .setName("data").setPartitions(List.of(0, 1)));
            var txns = new org.apache.kafka.common.message.AddPartitionsToTxnRequestData.AddPartitionsToTxnTransactionCollection();
            txns.add(new org.apache.kafka.common.message.AddPartitionsToTxnRequestData.AddPartitionsToTxnTransaction()
                    .setTransactionalId("a").setProducerId(p.producerId()).setProducerEpoch(p.producerEpoch())
                    .setVerifyOnly(true).setTopics(both));
            var verified = handler.handle(new io.dlog.kafka.api.RequestContext((short) 4, 1, "test",
                    new java.net.InetSocketAddress("127.0.0.1", 50000), "PLAINTEXT"),
                    new org.apache.kafka.common.message.AddPartitionsToTxnRequestData().setTransactions(txns))
                    .toCompletableFuture().get(10, TimeUnit.SECONDS)
                    .resultsByTransaction().find("a").topicResults().find("data").resultsByPartition();
            assertThat(verified.find(0).partitionErrorCode()).isEqualTo(Errors.NONE.code());
            assertThat(verified.find(1).partitionErrorCode()).isEqualTo(Errors.TRANSACTION_ABORTABLE.code());
            assertThat(coordinator.get("a").partitions()).containsExactly(DATA0);
        } finally {
            scheduler.shutdownNow();
        }
    }

    @Test
    void shouldRoundTripStateRecordsInKafkasSchema() {
        TxnMetadata m = new TxnMetadata("id-ü", 42L, (short) 7, (short) -1, 60_000, TxnState.ONGOING,
                java.util.Set.of(DATA0, new TopicPartition("other", 3)), 100L, 200L);

        TxnMetadata back = TxnRecords.readValue(TxnRecords.readKey(java.nio.ByteBuffer.wrap(TxnRecords.key("id-ü"))),
                java.nio.ByteBuffer.wrap(TxnRecords.value(m)));

        assertThat(back).isEqualTo(m);
    }
}
