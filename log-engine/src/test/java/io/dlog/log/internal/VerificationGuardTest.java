package io.dlog.log.internal;

import io.dlog.log.AppendError;
import io.dlog.log.AppendResult;
import io.dlog.log.LogConfig;
import io.dlog.log.LogManager;
import io.dlog.log.PartitionLog;
import io.dlog.log.TopicPartition;
import io.dlog.log.VerificationGuard;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static io.dlog.log.internal.LogTestSupport.T0;
import static io.dlog.log.internal.LogTestSupport.append;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * KIP-890 part 1's verification guard: an append checked with the transaction coordinator while the producer's
 * transaction was still open, but written after the transaction's marker, must not open a new transaction no
 * coordinator knows (a hanging transaction that holds the last stable offset back forever).
 */
class VerificationGuardTest {
    private static final long PID = 7;

    @TempDir
    Path dir;
    private final MutableClock clock = new MutableClock(T0);
    private LogManager manager;
    private PartitionLog log;

    @BeforeEach
    void setUp() throws Exception {
        manager = LogTestSupport.open(dir, clock, LogConfig.DEFAULT);
        log = manager.getOrCreate(new TopicPartition("t", 0), LogConfig.DEFAULT);
    }

    @AfterEach
    void tearDown() throws Exception {
        manager.close();
    }

    /** A transaction version 1 check: the epoch stays across transactions. */
    private VerificationGuard start(int epoch) {
        return log.startTransactionVerification(PID, 0, (short) epoch, false);
    }

    /** A transaction version 2 check (Produce v12+): every transaction's end bumps the epoch. */
    private VerificationGuard startV2(int epoch) {
        return startV2(epoch, 0);
    }

    private VerificationGuard startV2(int epoch, int sequence) {
        return log.startTransactionVerification(PID, sequence, (short) epoch, true);
    }

    private AppendResult guarded(VerificationGuard guard, int seq, String value) throws Exception {
        return guarded(guard, 0, seq, value);
    }

    private AppendResult guarded(VerificationGuard guard, int epoch, int seq, String value) throws Exception {
        return log.append(TestBatches.of(value).producer(PID, epoch, seq).transactional().timestamp(clock.millis()).build(),
                0, guard).get(10, TimeUnit.SECONDS);
    }

    private void marker(boolean commit) throws Exception {
        marker(0, commit);
    }

    private void marker(int epoch, boolean commit) throws Exception {
        assertThat(append(log, TestBatches.marker(PID, epoch, commit, 0).timestamp(clock.millis()).build()).succeeded())
                .isTrue();
    }

    @Test
    void shouldWriteAVerifiedBatchThatOpensTheTransaction() throws Exception {
        // Given
        VerificationGuard guard = start(0);

        // When
        AppendResult result = guarded(guard, 0, "a");

        // Then
        assertThat(result.succeeded()).isTrue();
        assertThat(log.lastStableOffset()).isEqualTo(result.baseOffset());
    }

    @Test
    void shouldRefuseAnAppendVerifiedBeforeItsTransactionEndedAndLeaveNoTransactionHanging() throws Exception {
        // Given: the transaction is open here; a later batch's check starts, then the coordinator ends the transaction
        assertThat(guarded(start(0), 0, "a").succeeded()).isTrue();
        VerificationGuard late = start(0);
        marker(false);
        long end = log.logEndOffset();

        // When: the checked batch arrives after the marker
        AppendResult result = guarded(late, 1, "b");

        // Then
        assertThat(result.succeeded()).isFalse();
        assertThat(result.error()).isEqualTo(AppendError.INVALID_TXN_STATE);
        assertThat(log.logEndOffset()).isEqualTo(end);
        assertThat(log.lastStableOffset()).isEqualTo(log.highWatermark());
    }

    @Test
    void shouldRefuseAGuardTakenBeforeAnEarlierTransactionEndedEvenWhenANewCheckStarted() throws Exception {
        // Given: a check starts, the transaction ends, the producer's next transaction starts its own check
        VerificationGuard stale = start(0);
        marker(true);
        VerificationGuard fresh = start(0);

        // When
        AppendResult late = guarded(stale, 0, "old");
        AppendResult current = guarded(fresh, 0, "new");

        // Then
        assertThat(fresh).isNotSameAs(stale);
        assertThat(late.error()).isEqualTo(AppendError.INVALID_TXN_STATE);
        assertThat(current.succeeded()).isTrue();
    }

    @Test
    void shouldNotCheckBatchesInsideAnOpenTransactionOrAppendsWithoutAGuard() throws Exception {
        // Given: the transaction is open; the guard was withdrawn when it opened
        VerificationGuard first = start(0);
        assertThat(guarded(first, 0, "a").succeeded()).isTrue();

        // When: a batch of the same open transaction carrying the used guard, and an unchecked transactional append
        AppendResult inside = guarded(first, 1, "b");
        AppendResult unchecked = append(log, TestBatches.of("c").producer(PID, 0, 2).transactional()
                .timestamp(clock.millis()).build());

        // Then
        assertThat(inside.succeeded()).isTrue();
        assertThat(unchecked.succeeded()).isTrue();
    }

    @Test
    void shouldKeepATransactionVersion2GuardAcrossThePreviousTransactionsMarker() throws Exception {
        // Given: transaction 1 is open here at epoch 0; EndTxn v5 bumped the epoch to 1 and answered the client, whose
        // next transaction's first batch (epoch 1) is read before transaction 1's marker (also epoch 1) lands here
        assertThat(guarded(startV2(0), 0, 0, "t1").succeeded()).isTrue();
        VerificationGuard next = startV2(1);
        marker(1, true);

        // When: the coordinator completed transaction 1 and added the partition to transaction 2; the batch is written
        AppendResult result = guarded(next, 1, 0, "t2");

        // Then: as in Kafka 4 (the marker at the guard's epoch ended the previous transaction), it opens transaction 2
        assertThat(result.succeeded()).isTrue();
        assertThat(log.lastStableOffset()).isEqualTo(result.baseOffset());
    }

    @Test
    void shouldWithdrawATransactionVersion2GuardWhenItsOwnTransactionEnds() throws Exception {
        // Given: transaction 2's check (epoch 1) started, then transaction 2 was aborted (EndTxn v5: markers at epoch 2)
        assertThat(guarded(startV2(0), 0, 0, "t1").succeeded()).isTrue();
        marker(1, true);
        VerificationGuard late = startV2(1);
        marker(2, false);
        long end = log.logEndOffset();

        // When
        AppendResult result = guarded(late, 1, 0, "t2");

        // Then: refused (its epoch is fenced first, as in Kafka), no transaction left hanging
        assertThat(result.succeeded()).isFalse();
        assertThat(result.error()).isEqualTo(AppendError.INVALID_PRODUCER_EPOCH);
        assertThat(log.logEndOffset()).isEqualTo(end);
        assertThat(log.lastStableOffset()).isEqualTo(log.highWatermark());
    }

    @Test
    void shouldWithdrawATransactionVersion1GuardOnAMarkerAtItsEpoch() throws Exception {
        // Given: without epoch bumps a marker at the guard's epoch may end the very transaction that was checked
        VerificationGuard guard = start(0);
        marker(0, false);

        // When
        AppendResult result = guarded(guard, 0, "a");

        // Then
        assertThat(result.error()).isEqualTo(AppendError.INVALID_TXN_STATE);
        assertThat(log.lastStableOffset()).isEqualTo(log.highWatermark());
    }

    @Test
    void shouldNeedNoGuardInsideAnOpenTransactionButRefuseOneThatEndedBeforeTheAppend() throws Exception {
        // Given: the transaction is open here at epoch 0, so a check of its next batch needs no guard (Kafka's sentinel)
        assertThat(guarded(start(0), 0, "a").succeeded()).isTrue();
        VerificationGuard inside = start(0);
        assertThat(inside).isSameAs(VerificationGuard.SENTINEL);

        // When: the transaction ends before that batch is written
        marker(0, false);
        AppendResult result = guarded(inside, 1, "b");

        // Then: it may not open a transaction
        assertThat(result.error()).isEqualTo(AppendError.INVALID_TXN_STATE);
        assertThat(log.lastStableOffset()).isEqualTo(log.highWatermark());
    }

    @Test
    void shouldRaiseAHeldGuardToANewerEpochAndKeepIt() throws Exception {
        // Given: a check at epoch 0 was refused (its guard stays); the producer's next transaction checks at epoch 1
        VerificationGuard first = startV2(0);
        VerificationGuard second = startV2(1);
        marker(1, true); // the end of the epoch-0 transaction, carrying the bumped epoch

        // When
        AppendResult result = guarded(second, 1, 0, "a");

        // Then: one guard, raised to epoch 1, kept across that marker
        assertThat(second).isSameAs(first);
        assertThat(result.succeeded()).isTrue();
    }

    @Test
    void shouldCheckTheGuardOfACoordinatorsTransactionalWriteToo() throws Exception {
        // Given: a group coordinator's transactional offsets (no sequence) checked, then the transaction aborted
        VerificationGuard late = start(0);
        marker(0, false);
        VerificationGuard fresh = start(0);

        // When
        AppendResult refused = log.append(TestBatches.of("offsets").producer(PID, 0, -1).transactional()
                .timestamp(clock.millis()).build(), 0, late).get(10, TimeUnit.SECONDS);
        AppendResult written = log.append(TestBatches.of("offsets").producer(PID, 0, -1).transactional()
                .timestamp(clock.millis()).build(), 0, fresh).get(10, TimeUnit.SECONDS);

        // Then: as Kafka checks COORDINATOR-origin appends, the late write may not open a transaction
        assertThat(refused.error()).isEqualTo(AppendError.INVALID_TXN_STATE);
        assertThat(written.succeeded()).isTrue();
        assertThat(log.lastStableOffset()).isEqualTo(written.baseOffset());
    }

    @Test
    void shouldHoldBackALaterBatchWhileAnEarlierOnesCheckIsStillInProgress() throws Exception {
        // Given: the checks of a transaction's first two batches (pipelined requests) started; the first one's check
        // failed retriably (CONCURRENT_TRANSACTIONS), the second one's passed
        VerificationGuard first = startV2(0, 0);
        VerificationGuard second = startV2(0, 1);

        // When: the second batch reaches the log first, then the client's retry of the first, then of the second
        AppendResult early = guarded(second, 0, 1, "b");
        AppendResult retried = guarded(startV2(0, 0), 0, 0, "a");
        AppendResult next = guarded(startV2(0, 1), 0, 1, "b");

        // Then: the second is refused as out of sequence (retriable; written, it would leave the first out of sequence
        // for good, a loop the client never leaves), and both are then written in order, as in Kafka
        assertThat(second).isSameAs(first);
        assertThat(early.error()).isEqualTo(AppendError.OUT_OF_ORDER_SEQUENCE_NUMBER);
        assertThat(retried.succeeded()).isTrue();
        assertThat(next.succeeded()).as(next.errorMessage()).isTrue();
        assertThat(next.baseOffset()).isEqualTo(retried.baseOffset() + 1);
    }

    @Test
    void shouldRefuseATransactionVersion2ProducersFirstBatchHereAboveSequenceZero() throws Exception {
        // Given: no state of the producer on this partition, and a check in progress for its batch at sequence 3
        VerificationGuard guard = startV2(0, 3);

        // When
        AppendResult result = guarded(guard, 0, 3, "d");

        // Then: Kafka 4 refuses it (the batches before it are still to come), where an unknown producer's first
        // sequence is otherwise free
        assertThat(result.error()).isEqualTo(AppendError.OUT_OF_ORDER_SEQUENCE_NUMBER);
    }
}
