package io.dlog.log.internal;

import io.dlog.log.AbortedTransaction;
import io.dlog.log.AppendError;
import io.dlog.log.AppendResult;
import io.dlog.log.CommittedRead;
import io.dlog.log.LogConfig;
import io.dlog.log.LogManager;
import io.dlog.log.PartitionLog;
import io.dlog.log.ProducerSnapshot;
import io.dlog.log.TopicPartition;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import static io.dlog.log.internal.LogTestSupport.T0;
import static io.dlog.log.internal.LogTestSupport.append;
import static org.assertj.core.api.Assertions.assertThat;

/** Control batches, the last stable offset, the aborted-transaction index and their recovery. */
class TransactionLogTest {
    @TempDir
    Path dir;
    private final MutableClock clock = new MutableClock(T0);
    private final TopicPartition tp = new TopicPartition("t", 0);
    private LogConfig config = LogConfig.DEFAULT;
    private LogManager manager;
    private PartitionLog log;

    @BeforeEach
    void setUp() throws Exception {
        reopen();
    }

    private void reopen() throws Exception {
        if (manager != null) {
            manager.close();
        }
        LogConfig cfg = config;
        manager = LogTestSupport.open(dir, clock, cfg);
        log = manager.getOrCreate(tp, cfg);
    }

    @AfterEach
    void tearDown() throws Exception {
        manager.close();
    }

    private AppendResult txn(long pid, int epoch, int seq, String... values) throws Exception {
        return append(log, TestBatches.of(values).producer(pid, epoch, seq).transactional().timestamp(clock.millis()).build());
    }

    private AppendResult plain(String... values) throws Exception {
        return append(log, TestBatches.of(values).timestamp(clock.millis()).build());
    }

    private AppendResult marker(long pid, int epoch, boolean commit, int coordinatorEpoch) throws Exception {
        return append(log, TestBatches.marker(pid, epoch, commit, coordinatorEpoch).timestamp(clock.millis()).build());
    }

    private List<String> committedValues() throws Exception {
        CommittedRead read = log.readCommitted(log.logStartOffset(), Integer.MAX_VALUE, true);
        return TestBatches.values(LogTestSupport.bytes(read.slice()));
    }

    @Test
    void shouldHoldLastStableOffsetAtFirstOpenTransactionBatch() throws Exception {
        plain("before");
        AppendResult first = txn(1, 0, 0, "t1");
        plain("after");
        txn(1, 0, 1, "t2");

        assertThat(log.highWatermark()).isEqualTo(4);
        assertThat(log.lastStableOffset()).isEqualTo(first.baseOffset());
        assertThat(committedValues()).containsExactly("before");
        assertThat(log.activeProducers()).extracting(ProducerSnapshot::currentTxnStartOffset).containsExactly(1L);
    }

    @Test
    void shouldAdvanceLastStableOffsetPastCommitMarker() throws Exception {
        txn(1, 0, 0, "a");
        AppendResult m = marker(1, 0, true, 0);

        assertThat(log.lastStableOffset()).isEqualTo(m.lastOffset() + 1).isEqualTo(log.highWatermark());
        CommittedRead read = log.readCommitted(0, Integer.MAX_VALUE, true);
        assertThat(TestBatches.values(LogTestSupport.bytes(read.slice()))).containsExactly("a");
        assertThat(read.aborted()).isEmpty();
        assertThat(log.activeProducers()).extracting(ProducerSnapshot::currentTxnStartOffset).containsExactly(-1L);
        assertThat(log.activeProducers()).extracting(ProducerSnapshot::coordinatorEpoch).containsExactly(0);
    }

    @Test
    void shouldReportAbortedTransactionsOverlappingTheRead() throws Exception {
        AppendResult a = txn(1, 0, 0, "aborted");
        txn(2, 0, 0, "committed");
        AppendResult abort = marker(1, 0, false, 0);
        marker(2, 0, true, 0);

        CommittedRead read = log.readCommitted(0, Integer.MAX_VALUE, true);
        assertThat(read.aborted()).containsExactly(new AbortedTransaction(1, a.baseOffset(), abort.baseOffset()));
        // read_uncommitted sees every record; the consumer drops aborted ones using the list
        assertThat(LogTestSupport.readValues(log, 0)).containsExactly("aborted", "committed");
        assertThat(log.abortedTransactions(abort.baseOffset() + 1, Long.MAX_VALUE)).isEmpty();
    }

    @Test
    void shouldRefuseMarkersFromOlderProducerOrCoordinatorEpochs() throws Exception {
        txn(1, 3, 0, "a");
        marker(1, 3, true, 5);

        assertThat(marker(1, 2, false, 5).error()).isEqualTo(AppendError.INVALID_PRODUCER_EPOCH);
        assertThat(marker(1, 3, false, 4).error()).isEqualTo(AppendError.TRANSACTION_COORDINATOR_FENCED);
        // a fencing marker with a bumped epoch is accepted and ends the old epoch's sequences
        assertThat(marker(1, 4, false, 5).succeeded()).isTrue();
        assertThat(txn(1, 4, 0, "b").succeeded()).isTrue();
    }

    @Test
    void shouldRefuseNonTransactionalBatchInsideTransaction() throws Exception {
        txn(1, 0, 0, "a");
        AppendResult r = append(log, TestBatches.of("b").producer(1, 0, 1).timestamp(clock.millis()).build());
        assertThat(r.error()).isEqualTo(AppendError.INVALID_TXN_STATE);
    }

    @Test
    void shouldFindAbortMarkersInLaterSegments() throws Exception {
        config = LogConfig.DEFAULT.withSegmentBytes(300);
        reopen();
        AppendResult first = txn(1, 0, 0, "x".repeat(100));
        for (int i = 0; i < 6; i++) {
            plain("y".repeat(100));
        }
        AppendResult abort = marker(1, 0, false, 0);
        assertThat(((DefaultPartitionLog) log).segments()).hasSizeGreaterThan(2);

        CommittedRead read = log.readCommitted(0, 150, true);
        assertThat(read.aborted()).containsExactly(new AbortedTransaction(1, first.baseOffset(), abort.baseOffset()));
        assertThat(log.lastStableOffset()).isEqualTo(log.highWatermark());
    }

    @Test
    void shouldRecoverOpenTransactionsAndAbortedIndexFromSnapshotAndLog() throws Exception {
        config = LogConfig.DEFAULT.withSegmentBytes(300);
        reopen();
        AppendResult aborted = txn(1, 0, 0, "x".repeat(100));
        AppendResult abort = marker(1, 0, false, 0);
        for (int i = 0; i < 4; i++) {
            plain("y".repeat(100));
        }
        AppendResult open = txn(2, 0, 0, "open");
        reopen();
        assertThat(log.lastStableOffset()).isEqualTo(open.baseOffset());
        assertThat(log.abortedTransactions(0, Long.MAX_VALUE))
                .containsExactly(new AbortedTransaction(1, aborted.baseOffset(), abort.baseOffset()));

        // without snapshots and transaction indexes, the replay of the whole log rebuilds both
        manager.close();
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path p : files.filter(f -> f.toString().endsWith(".snapshot") || f.toString().endsWith(".txnindex")).toList()) {
                Files.delete(p);
            }
        }
        manager = null;
        reopen();
        assertThat(log.lastStableOffset()).isEqualTo(open.baseOffset());
        assertThat(log.abortedTransactions(0, Long.MAX_VALUE))
                .containsExactly(new AbortedTransaction(1, aborted.baseOffset(), abort.baseOffset()));
        AppendResult commit = marker(2, 0, true, 0);
        assertThat(log.lastStableOffset()).isEqualTo(commit.lastOffset() + 1);
    }
}
