package io.dlog.log.internal;

import io.dlog.log.AbortedTransaction;
import io.dlog.log.EpochEndOffset;
import io.dlog.log.FetchSlice;
import io.dlog.log.LogConfig;
import io.dlog.log.LogManager;
import io.dlog.log.OffsetOutOfRangeException;
import io.dlog.log.PartitionLog;
import io.dlog.log.TopicPartition;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static io.dlog.log.internal.LogTestSupport.T0;
import static io.dlog.log.internal.LogTestSupport.append;
import static io.dlog.log.internal.LogTestSupport.readValues;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Replica truncation: segments, indexes, epochs, producer and transaction state after truncateTo. */
class TruncationTest {
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
        manager = LogTestSupport.open(dir, clock, config);
        log = manager.getOrCreate(tp, config);
    }

    @AfterEach
    void tearDown() throws Exception {
        manager.close();
    }

    private void truncateTo(long offset) throws Exception {
        log.truncateTo(offset).get(10, TimeUnit.SECONDS);
    }

    private void plain(int epoch, String... values) throws Exception {
        append(log, TestBatches.of(values).timestamp(clock.millis()).build(), epoch);
    }

    private List<String> allValues() throws Exception {
        return TestBatches.values(ReplicaTestSupport.logBytes(log, log.logStartOffset()));
    }

    private Path partitionDir() {
        return ((DefaultPartitionLog) log).dir();
    }

    private List<String> files(String suffix) throws IOException {
        try (Stream<Path> s = Files.list(partitionDir())) {
            return s.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(suffix)).sorted().toList();
        }
    }

    @Test
    void shouldReadEveryOneOfManySmallBatchesAtItsOwnOffsetBeforeAndAfterACut() throws Exception {
        // Given: one-record batches well past the sparse index's last entry (the newest is found from the tail)
        for (int i = 0; i < 150; i++) {
            plain(0, "v" + i);
            // Then: the batch just written reads at its own offset, as a follower at the log's end asks for it
            assertThat(readValues(log, i)).containsExactly("v" + i);
        }
        for (int i = 0; i < 150; i++) {
            assertThat(readValues(log, i).get(0)).isEqualTo("v" + i);
        }

        // When: the tail is cut and other batches take its offsets
        truncateTo(140);
        plain(1, "w140");
        plain(1, "w141");

        // Then: (the cut segment was sealed; the new batches are in the next one, which a read does not join)
        assertThat(readValues(log, 139)).containsExactly("v139");
        assertThat(readValues(log, 140)).containsExactly("w140", "w141");
        assertThat(readValues(log, 141)).containsExactly("w141");
    }

    @Test
    void shouldCutBeforeTheBatchHoldingTheOffsetAndKeepItsOwnState() throws Exception {
        // Given batches [0,1] e1, [2,3,4] e2, [5] e3
        plain(1, "a", "b");
        plain(2, "c", "d", "e");
        plain(3, "f");

        // When truncating to 3, inside the second batch
        truncateTo(3);

        // Then the whole batch holding 3 goes; epochs starting at or after the new end go too
        assertThat(log.logEndOffset()).isEqualTo(2);
        assertThat(log.highWatermark()).isEqualTo(2);
        assertThat(readValues(log, 0)).containsExactly("a", "b");
        assertThat(log.latestLeaderEpoch()).isEqualTo(1);
        assertThat(log.endOffsetForEpoch(1)).isEqualTo(new EpochEndOffset(1, 2));
        assertThat(log.endOffsetForEpoch(3)).as("above the latest epoch").isEqualTo(EpochEndOffset.UNDEFINED);
        assertThatThrownBy(() -> log.read(4, 100, Long.MAX_VALUE, true)).isInstanceOf(OffsetOutOfRangeException.class);

        // And appends continue from the new end, on disk across a restart
        plain(4, "g");
        assertThat(allValues()).containsExactly("a", "b", "g");
        reopen();
        assertThat(log.logEndOffset()).isEqualTo(3);
        assertThat(allValues()).containsExactly("a", "b", "g");
        assertThat(log.endOffsetForEpoch(1)).isEqualTo(new EpochEndOffset(1, 2));
        assertThat(log.endOffsetForEpoch(4)).isEqualTo(new EpochEndOffset(4, 3));
    }

    @Test
    void shouldRemoveLaterSegmentsAndKeepIndexesAndTimestampsRight() throws Exception {
        config = LogConfig.DEFAULT.withSegmentBytes(300);
        reopen();
        for (int i = 0; i < 30; i++) {
            clock.advance(10);
            plain(0, "value-" + i);
        }
        int before = files(".log").size();
        assertThat(before).isGreaterThan(4);

        truncateTo(12);

        assertThat(log.logEndOffset()).isEqualTo(12);
        assertThat(files(".log").size()).isLessThan(before);
        for (int i = 0; i < 12; i++) {
            assertThat(readValues(log, i).get(0)).isEqualTo("value-" + i);
        }
        assertThat(log.lookupMaxTimestamp().orElseThrow().baseOffset()).isEqualTo(11);
        assertThat(log.lookupTimestamp(T0 + 200)).isEmpty();
        assertThat(log.lookupTimestamp(T0 + 60).orElseThrow().baseOffset()).isEqualTo(5);
        plain(0, "new-12");
        reopen();
        assertThat(readValues(log, 11)).containsExactly("value-11");
        assertThat(readValues(log, 12)).containsExactly("new-12");
        assertThat(log.lookupTimestamp(T0 + 60).orElseThrow().baseOffset()).isEqualTo(5);
    }

    @Test
    void shouldReopenTheTransactionWhoseMarkerWasTruncated() throws Exception {
        plain(0, "x");
        append(log, TestBatches.of("t1").producer(9, 0, 0).transactional().timestamp(T0).build(), 0);
        append(log, TestBatches.marker(9, 0, false, 1).timestamp(T0).build(), 0);
        plain(0, "y");
        assertThat(log.abortedTransactions(0, Long.MAX_VALUE)).containsExactly(new AbortedTransaction(9, 1, 2));
        assertThat(log.lastStableOffset()).isEqualTo(4);

        truncateTo(2);

        assertThat(log.abortedTransactions(0, Long.MAX_VALUE)).isEmpty();
        assertThat(log.lastStableOffset()).isEqualTo(1);
        assertThat(log.activeProducers()).singleElement()
                .satisfies(p -> assertThat(p.currentTxnStartOffset()).isEqualTo(1));
        reopen();
        assertThat(log.abortedTransactions(0, Long.MAX_VALUE)).isEmpty();
        assertThat(log.lastStableOffset()).isEqualTo(1);
        // the producer's sequence continues from what is left
        assertThat(append(log, TestBatches.of("t2").producer(9, 0, 1).transactional().timestamp(T0).build(), 0)
                .succeeded()).isTrue();
    }

    @Test
    void shouldRebuildProducerStateFromASnapshotAndTheTail() throws Exception {
        config = LogConfig.DEFAULT.withSegmentBytes(250);
        reopen();
        for (int seq = 0; seq < 12; seq++) {
            append(log, TestBatches.of("v" + seq).producer(5, 0, seq).timestamp(T0).build(), 0);
        }
        assertThat(files(".snapshot")).isNotEmpty();

        truncateTo(7);

        assertThat(log.activeProducers()).singleElement().satisfies(p -> assertThat(p.lastSequence()).isEqualTo(6));
        assertThat(files(".snapshot")).allSatisfy(n -> assertThat(Long.parseLong(n.substring(0, 20))).isLessThanOrEqualTo(7));
        assertThat(append(log, TestBatches.of("v7").producer(5, 0, 7).timestamp(T0).build(), 0).baseOffset())
                .isEqualTo(7);
    }

    @Test
    void shouldLeaveReadersOfRemovedSegmentsTheirBytesAndNotCrashOthers() throws Exception {
        config = LogConfig.DEFAULT.withSegmentBytes(200);
        reopen();
        for (int i = 0; i < 10; i++) {
            plain(0, "value-" + i);
        }
        FetchSlice late = log.read(8, Integer.MAX_VALUE, Long.MAX_VALUE, true);
        FetchSlice middle = log.read(5, Integer.MAX_VALUE, Long.MAX_VALUE, true);
        long middleSegmentBase = ((DefaultPartitionLog) log).segments().floorKey(5L);

        truncateTo(middleSegmentBase + 1);

        // a slice of a removed segment is still readable until the delete delay passes
        assertThat(TestBatches.values(LogTestSupport.bytes(late))).contains("value-8");
        // a slice of the segment cut in place ends early: an IOException for that read, nothing worse
        assertThatThrownBy(() -> LogSegment.readFully(middle.channel(),
                ByteBuffer.allocate(middle.length()), middle.position())).isInstanceOf(IOException.class);
        assertThat(log.read(0, Integer.MAX_VALUE, Long.MAX_VALUE, true).length()).isPositive();
    }

    @Test
    void shouldClampTheHighWatermarkAndIgnoreOffsetsAtOrBeyondTheEnd() throws Exception {
        plain(0, "a", "b", "c");
        truncateTo(3);
        truncateTo(10);
        assertThat(log.logEndOffset()).isEqualTo(3);
        truncateTo(0);
        assertThat(log.logEndOffset()).isZero();
        assertThat(log.highWatermark()).isZero();
        assertThat(log.lastStableOffset()).isZero();
        assertThat(log.latestLeaderEpoch()).isEqualTo(-1);
        plain(1, "d");
        assertThat(allValues()).containsExactly("d");
    }

    @Test
    void shouldTruncateFullyAndStartAtAnOffset() throws Exception {
        plain(1, "a", "b");
        append(log, TestBatches.of("i").producer(3, 0, 0).timestamp(T0).build(), 1);

        log.truncateFullyAndStartAt(100).get(10, TimeUnit.SECONDS);

        assertThat(log.logStartOffset()).isEqualTo(100);
        assertThat(log.logEndOffset()).isEqualTo(100);
        assertThat(log.highWatermark()).isEqualTo(100);
        assertThat(log.activeProducers()).isEmpty();
        assertThat(log.latestLeaderEpoch()).isEqualTo(-1);
        assertThat(files(".log")).containsExactly(LogSegment.fileName(100, ".log"));
        assertThat(files(".snapshot")).isEmpty();

        ByteBuffer leaderBatch = TestBatches.of("z").timestamp(T0).build();
        leaderBatch.putLong(BatchFormat.BASE_OFFSET, 100).putInt(BatchFormat.PARTITION_LEADER_EPOCH, 6);
        assertThat(log.appendAsFollower(leaderBatch).get(10, TimeUnit.SECONDS).succeeded()).isTrue();
        reopen();
        assertThat(log.logStartOffset()).isEqualTo(100);
        assertThat(readValues(log, 100)).containsExactly("z");
        assertThat(log.endOffsetForEpoch(6)).isEqualTo(new EpochEndOffset(6, 101));
    }

    @Test
    void shouldTruncateFullyWhenTheOffsetIsBelowTheLogStart() throws Exception {
        plain(0, "a", "b", "c", "d");
        log.deleteRecordsBefore(3).get(10, TimeUnit.SECONDS);

        truncateTo(1);

        assertThat(log.logStartOffset()).isEqualTo(1);
        assertThat(log.logEndOffset()).isEqualTo(1);
    }
}
