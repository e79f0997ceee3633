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

    private AppendResult guarded(VerificationGuard guard, int seq, String value) throws Exception {
        return log.append(TestBatches.of(value).producer(PID, 0, seq).transactional().timestamp(clock.millis()).build(), 0,
                guard).get(10, TimeUnit.SECONDS);
    }

    private void marker(boolean commit) throws Exception {
        assertThat(append(log, TestBatches.marker(PID, 0, commit, 0).timestamp(clock.millis()).build()).succeeded()).isTrue();
    }

    @Test
    void shouldWriteAVerifiedBatchThatOpensTheTransaction() throws Exception {
        // Given
        VerificationGuard guard = log.startTransactionVerification(PID);

        // When
        AppendResult result = guarded(guard, 0, "a");

        // Then
        assertThat(result.succeeded()).isTrue();
        assertThat(log.lastStableOffset()).isEqualTo(result.baseOffset());
    }

    @Test
    void shouldRefuseAnAppendVerifiedBeforeItsTransactionEndedAndLeaveNoTransactionHanging() throws Exception {
        // Given: the transaction is open here; a later batch's check starts, then the coordinator ends the transaction
        assertThat(guarded(log.startTransactionVerification(PID), 0, "a").succeeded()).isTrue();
        VerificationGuard late = log.startTransactionVerification(PID);
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
        VerificationGuard stale = log.startTransactionVerification(PID);
        marker(true);
        VerificationGuard fresh = log.startTransactionVerification(PID);

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
        VerificationGuard first = log.startTransactionVerification(PID);
        assertThat(guarded(first, 0, "a").succeeded()).isTrue();

        // When: a batch of the same open transaction carrying the used guard, and an unchecked transactional append
        AppendResult inside = guarded(first, 1, "b");
        AppendResult unchecked = append(log, TestBatches.of("c").producer(PID, 0, 2).transactional()
                .timestamp(clock.millis()).build());

        // Then
        assertThat(inside.succeeded()).isTrue();
        assertThat(unchecked.succeeded()).isTrue();
    }
}
