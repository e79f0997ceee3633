package io.dlog.log.internal;

import io.dlog.log.AbortedTransaction;
import io.dlog.log.AppendError;
import io.dlog.log.AppendResult;
import io.dlog.log.EpochEndOffset;
import io.dlog.log.LogConfig;
import io.dlog.log.PartitionLog;
import io.dlog.log.UnexpectedAppendOffsetException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static io.dlog.log.internal.LogTestSupport.T0;
import static io.dlog.log.internal.LogTestSupport.append;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** A follower's append of a leader's batches: verbatim bytes, and the leader's epochs, producer and txn state. */
class FollowerAppendTest {
    @TempDir
    Path leaderDir;
    @TempDir
    Path followerDir;
    private final MutableClock clock = new MutableClock(T0);
    private LogConfig config = LogConfig.DEFAULT;
    private ReplicaPair pair;
    private PartitionLog leader;
    private PartitionLog follower;

    @BeforeEach
    void setUp() throws Exception {
        pair = new ReplicaPair(leaderDir, followerDir, clock, config);
        leader = pair.leader;
        openFollower();
    }

    private void openFollower() throws Exception {
        follower = pair.reopenFollower(config);
    }

    @AfterEach
    void tearDown() throws Exception {
        pair.close();
    }

    private AppendResult followerAppend(ByteBuffer batches) throws Exception {
        return follower.appendAsFollower(batches).get(10, TimeUnit.SECONDS);
    }

    private void leaderTransactions() throws Exception {
        append(leader, TestBatches.of("a", "b").timestamp(T0).build(), 1);
        append(leader, TestBatches.of("i1").producer(7, 0, 0).timestamp(T0).build(), 1);
        append(leader, TestBatches.of("t1").producer(9, 0, 0).transactional().timestamp(T0).build(), 2);
        append(leader, TestBatches.marker(9, 0, false, 3).timestamp(T0).build(), 2);
        append(leader, TestBatches.of("t2").producer(9, 0, 1).transactional().timestamp(T0).build(), 4);
        append(leader, TestBatches.of("i2", "i3").producer(7, 0, 1).timestamp(T0).build(), 4);
    }

    @Test
    void shouldStoreLeaderBatchesVerbatimWithTheLeadersState() throws Exception {
        // Given a leader log with two epochs, an idempotent producer, an aborted and an open transaction
        leaderTransactions();
        ByteBuffer all = ReplicaTestSupport.logBytes(leader, 0);

        // When the follower appends its bytes
        AppendResult result = followerAppend(all.duplicate());

        // Then the follower's log is byte for byte the leader's, with the same epochs and state
        assertThat(result.succeeded()).isTrue();
        assertThat(result.baseOffset()).isZero();
        assertThat(result.lastOffset()).isEqualTo(leader.logEndOffset() - 1);
        assertThat(ReplicaTestSupport.logBytes(follower, 0)).isEqualTo(all);
        assertThat(follower.logEndOffset()).isEqualTo(leader.logEndOffset());
        assertThat(follower.latestLeaderEpoch()).isEqualTo(4);
        assertThat(follower.endOffsetForEpoch(1)).isEqualTo(leader.endOffsetForEpoch(1));
        assertThat(follower.endOffsetForEpoch(3)).isEqualTo(new EpochEndOffset(2, 5));
        assertThat(follower.activeProducers()).isEqualTo(leader.activeProducers());
        assertThat(follower.lastStableOffset()).isEqualTo(leader.lastStableOffset()).isEqualTo(5);
        assertThat(follower.abortedTransactions(0, Long.MAX_VALUE))
                .isEqualTo(leader.abortedTransactions(0, Long.MAX_VALUE))
                .containsExactly(new AbortedTransaction(9, 3, 4));

        // And the same after a restart (snapshot and replay)
        openFollower();
        assertThat(follower.activeProducers()).isEqualTo(leader.activeProducers());
        assertThat(follower.lastStableOffset()).isEqualTo(5);
        assertThat(follower.endOffsetForEpoch(2)).isEqualTo(new EpochEndOffset(2, 5));
    }

    @Test
    void shouldContinueBatchByBatchAndLetTheProducerContinueOnTheFollower() throws Exception {
        leaderTransactions();
        ByteBuffer all = ReplicaTestSupport.logBytes(leader, 0);
        int half = BatchFormat.totalSize(all, 0) + BatchFormat.totalSize(all, BatchFormat.totalSize(all, 0));
        followerAppend(all.duplicate().limit(half).slice());
        followerAppend(all.duplicate().position(half).slice());
        assertThat(ReplicaTestSupport.logBytes(follower, 0)).isEqualTo(all);

        // the follower, made leader, accepts the producer's next sequence and refuses a gap
        assertThat(append(follower, TestBatches.of("i4").producer(7, 0, 3).timestamp(T0).build(), 5).succeeded())
                .isTrue();
        assertThat(append(follower, TestBatches.of("x").producer(7, 0, 9).timestamp(T0).build(), 5).error())
                .isEqualTo(AppendError.OUT_OF_ORDER_SEQUENCE_NUMBER);
        // a commit marker closes the open transaction on the new leader too
        append(follower, TestBatches.marker(9, 0, true, 3).timestamp(T0).build(), 5);
        assertThat(follower.lastStableOffset()).isEqualTo(follower.logEndOffset());
    }

    @Test
    void shouldWriteOnTheFetchersOwnThreadWhenTheWriterIsIdleWhateverTheSize() throws Exception {
        leaderTransactions();
        ByteBuffer all = ReplicaTestSupport.logBytes(leader, 0);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!pair.followerWritersIdle()) {
            assertThat(System.nanoTime()).as("writers idle").isLessThan(deadline);
            Thread.sleep(1);
        }

        CompletableFuture<AppendResult> appended = follower.appendAsFollower(all.duplicate());

        // done before the call returned: the calling thread wrote it (new epochs and all)
        assertThat(appended).isDone();
        assertThat(appended.get().succeeded()).isTrue();
        assertThat(ReplicaTestSupport.logBytes(follower, 0)).isEqualTo(all);
    }

    @Test
    void shouldRefuseBatchesThatDoNotStartAtTheLogEndAndWriteNothing() throws Exception {
        leaderTransactions();
        ByteBuffer all = ReplicaTestSupport.logBytes(leader, 0);
        int first = BatchFormat.totalSize(all, 0);
        ByteBuffer fromSecond = all.duplicate().position(first).slice();

        assertThatThrownBy(() -> followerAppend(fromSecond))
                .isInstanceOf(ExecutionException.class)
                .cause().isInstanceOf(UnexpectedAppendOffsetException.class)
                .hasMessageContaining("log end offset is 0");
        assertThat(follower.logEndOffset()).isZero();
        assertThat(follower.sizeInBytes()).isZero();
        assertThat(follower.latestLeaderEpoch()).isEqualTo(-1);
    }

    @Test
    void shouldRefuseBatchesWithAGapBetweenThem() throws Exception {
        leaderTransactions();
        ByteBuffer all = ReplicaTestSupport.logBytes(leader, 0);
        int first = BatchFormat.totalSize(all, 0);
        int second = BatchFormat.totalSize(all, first);
        ByteBuffer gap = TestBatches.concat(all.duplicate().limit(first), all.duplicate().position(first + second));

        assertThatThrownBy(() -> followerAppend(gap))
                .cause().isInstanceOf(UnexpectedAppendOffsetException.class)
                .hasMessageContaining("not contiguous");
        UnexpectedAppendOffsetException e = (UnexpectedAppendOffsetException) org.assertj.core.api.Assertions
                .catchThrowable(() -> followerAppend(gap)).getCause();
        assertThat(e.expectedOffset()).isEqualTo(2);
        assertThat(e.actualOffset()).isEqualTo(3);
        assertThat(follower.logEndOffset()).isZero();
    }

    @Test
    void shouldRefuseACorruptBatch() throws Exception {
        leaderTransactions();
        ByteBuffer all = ReplicaTestSupport.logBytes(leader, 0);
        all.put(BatchFormat.HEADER_SIZE + 2, (byte) (all.get(BatchFormat.HEADER_SIZE + 2) ^ 1));

        AppendResult result = followerAppend(all);

        assertThat(result.error()).isEqualTo(AppendError.CORRUPT_MESSAGE);
        assertThat(follower.logEndOffset()).isZero();
    }

    @Test
    void shouldIgnoreTopicLimitsTheLeaderAlreadyApplied() throws Exception {
        // a batch larger than the follower's max.message.bytes and older than its timestamp window
        append(leader, TestBatches.of("0123456789".repeat(20)).timestamp(1L).build(), 0);
        config = new LogConfig(1024 * 1024, Long.MAX_VALUE, 1024 * 1024, 4096, -1, -1, 100, false, true, false,
                1000, 1000, io.dlog.log.FlushMode.OS, 0);
        openFollower();

        assertThat(followerAppend(ReplicaTestSupport.logBytes(leader, 0)).succeeded()).isTrue();
        assertThat(follower.logEndOffset()).isEqualTo(1);
    }

    @Test
    void shouldRollSegmentsWhenOneAppendExceedsTheSegmentSize() throws Exception {
        for (int i = 0; i < 20; i++) {
            append(leader, TestBatches.of("value-" + i, "other-" + i).timestamp(T0).build(), 3);
        }
        ByteBuffer all = ReplicaTestSupport.logBytes(leader, 0);
        int segmentBytes = BatchFormat.totalSize(all, 0) * 3 + 1;
        config = LogConfig.DEFAULT.withSegmentBytes(segmentBytes);
        openFollower();

        followerAppend(all.duplicate());

        DefaultPartitionLog f = (DefaultPartitionLog) follower;
        assertThat(f.segments().size()).isGreaterThanOrEqualTo(7);
        assertThat(f.segments().values()).allSatisfy(s -> assertThat(s.size()).isLessThanOrEqualTo(segmentBytes));
        assertThat(ReplicaTestSupport.logBytes(follower, 0)).isEqualTo(all);
        assertThat(LogTestSupport.readValues(follower, 39)).containsExactly("value-19", "other-19");
        openFollower();
        assertThat(follower.logEndOffset()).isEqualTo(40);
        assertThat(ReplicaTestSupport.logBytes(follower, 0)).isEqualTo(all);
    }

    @Test
    void shouldAcknowledgeAfterTheFsyncInFsyncMode() throws Exception {
        config = LogConfig.DEFAULT.withFlushMode(io.dlog.log.FlushMode.FSYNC);
        openFollower();
        follower.updateConfig(config);
        append(leader, TestBatches.of("a").timestamp(T0).build(), 0);

        AppendResult result = followerAppend(ReplicaTestSupport.logBytes(leader, 0));

        assertThat(result.succeeded()).isTrue();
        assertThat(follower.highWatermark()).isEqualTo(1);
    }

    @Test
    void shouldKeepACleanedLeadersBatchesThatHoldFewerRecordsThanTheirOffsetsAcrossARestart() throws Exception {
        // Given a cleaned batch (2 records over offsets 0-4) and an empty one (offsets 5-7, all removed)
        ByteBuffer cleaned = TestBatches.of("k0", "k4").span(4).timestamp(T0).build();
        ByteBuffer empty = TestBatches.of().span(2).timestamp(T0).build();
        empty.putLong(0, 5L);
        ByteBuffer last = TestBatches.of("x").timestamp(T0).build();
        last.putLong(0, 8L);

        // When the follower appends them and restarts (the active segment is validated on open)
        AppendResult result = followerAppend(TestBatches.concat(cleaned, empty, last));
        openFollower();

        // Then they are kept verbatim, with the offsets they span
        assertThat(result.succeeded()).isTrue();
        assertThat(follower.logEndOffset()).isEqualTo(9);
        assertThat(TestBatches.values(ReplicaTestSupport.logBytes(follower, 0))).containsExactly("k0", "k4", "x");
    }

    @Test
    void shouldRefuseABatchWithMoreRecordsThanItsOffsets() throws Exception {
        // Given a batch of three records that claims only two offsets
        ByteBuffer overfull = TestBatches.of("a", "b", "c").span(1).timestamp(T0).build();

        // When a follower appends it, Then it is refused as corrupt
        AppendResult result = followerAppend(overfull);
        assertThat(result.error()).isEqualTo(AppendError.CORRUPT_MESSAGE);
    }
}
