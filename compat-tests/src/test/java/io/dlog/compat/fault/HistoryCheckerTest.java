package io.dlog.compat.fault;

import static org.assertj.core.api.Assertions.assertThat;

import io.dlog.compat.fault.HistoryChecker.Kind;
import io.dlog.compat.fault.HistoryChecker.Result;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The checker on synthetic histories: valid ones pass, and each kind of violation is found and counted. */
class HistoryCheckerTest {
    private final History history = new History(0);

    private static Op.Read r(long offset, String value) {
        return new Op.Read(offset, value);
    }

    /** Sends and acknowledges values on partition 0 at offsets 0.. in order. */
    private void ackAll(String... values) {
        for (int i = 0; i < values.length; i++) {
            history.send("p1", 0, values[i]);
            history.ack("p1", 0, values[i], i);
        }
    }

    private Result check() {
        return HistoryChecker.check(history.ops());
    }

    private Map<Kind, Integer> only(Kind kind, int count) {
        Map<Kind, Integer> expected = new java.util.EnumMap<>(Kind.class);
        for (Kind k : Kind.values()) {
            expected.put(k, k == kind ? count : 0);
        }
        return expected;
    }

    @Test
    void shouldAcceptAHistoryWhereEveryAcknowledgedValueIsReadBackOnce() {
        // Given: acks, a poll, an unknown outcome that did land and one that did not, a definite failure not read
        ackAll("a", "b");
        history.poll("c1", 0, List.of(r(0, "a"), r(1, "b")));
        history.nemesis("kill node 2");
        history.send("p1", 0, "c");
        history.info("p1", 0, "c", "timeout");
        history.send("p1", 0, "d");
        history.info("p1", 0, "d", "timeout");
        history.send("p1", 0, "e");
        history.fail("p1", 0, "e", "record too large");
        history.finalRead(0, List.of(r(0, "a"), r(1, "b"), r(2, "c")));

        // When
        Result result = check();

        // Then
        assertThat(result.valid()).as(result.report(history.ops(), 5)).isTrue();
        assertThat(result.counts()).isEqualTo(only(Kind.LOST, 0));
        assertThat(result.summary()).contains("acknowledged 2, failed 1, unknown 2");
    }

    @Test
    void shouldCountAnAcknowledgedValueMissingFromTheFinalReadAsLost() {
        // Given
        ackAll("a", "b", "c");
        history.nemesis("kill leader 1");
        history.finalRead(0, List.of(r(0, "a"), r(1, "b")));

        // When
        Result result = check();

        // Then
        assertThat(result.counts()).isEqualTo(only(Kind.LOST, 1));
        String report = result.report(history.ops(), 5);
        assertThat(report).contains("LOST: c acknowledged at p0@2").contains("kill leader 1").contains("ACK     p0 c @2");
    }

    @Test
    void shouldCountAValueAConsumerReadButTheFinalReadLacksAsLost() {
        // Given: d's outcome was unknown to the producer, but a consumer saw it (it was committed)
        ackAll("a");
        history.send("p1", 0, "d");
        history.info("p1", 0, "d", "timeout");
        history.poll("c1", 0, List.of(r(0, "a"), r(1, "d")));
        history.finalRead(0, List.of(r(0, "a")));

        // Then
        assertThat(check().counts()).isEqualTo(only(Kind.LOST, 1));
    }

    @Test
    void shouldLoseEverythingAcknowledgedOnAPartitionWithoutAFinalRead() {
        // Given
        ackAll("a", "b");

        // Then
        Result result = check();
        assertThat(result.counts()).isEqualTo(only(Kind.LOST, 2));
        assertThat(result.report(history.ops(), 5)).contains("has no final read");
    }

    @Test
    void shouldCountAValueStoredTwiceAsADuplicate() {
        // Given: a retried batch appended again instead of deduplicated
        ackAll("a", "b");
        history.finalRead(0, List.of(r(0, "a"), r(1, "b"), r(2, "b")));

        // Then
        Result result = check();
        assertThat(result.counts()).isEqualTo(only(Kind.DUPLICATE, 1));
        assertThat(result.report(history.ops(), 5)).contains("DUPLICATE: b seen at [p0@1, p0@2]");
    }

    @Test
    void shouldCountAValueReadAtAnotherOffsetThanAcknowledgedAsADuplicate() {
        // Given: acknowledged at 1, but the log has it at 5 and nothing else at 1... and something else at 1
        history.send("p1", 0, "a");
        history.ack("p1", 0, "a", 1);
        history.send("p1", 0, "z");
        history.info("p1", 0, "z", "disconnected");
        history.finalRead(0, List.of(r(1, "z"), r(5, "a")));

        // Then: a at two offsets, and offset 1 holding a (acked) and z (read)
        Map<Kind, Integer> counts = check().counts();
        assertThat(counts.get(Kind.DUPLICATE)).isEqualTo(1);
        assertThat(counts.get(Kind.OFFSET_CONFLICT)).isEqualTo(1);
        assertThat(counts.get(Kind.LOST)).isZero();
    }

    @Test
    void shouldCountOneOffsetReadWithTwoValuesAsAConflict() {
        // Given: a consumer read b at 1 from a deposed leader; after failover 1 holds c (b was never acknowledged)
        ackAll("a");
        history.send("p1", 0, "b");
        history.info("p1", 0, "b", "timeout");
        history.send("p2", 0, "c");
        history.ack("p2", 0, "c", 1);
        history.poll("c1", 0, List.of(r(0, "a"), r(1, "b")));
        history.finalRead(0, List.of(r(0, "a"), r(1, "c")));

        // Then: the conflict, and b (read by a consumer) lost
        Result result = check();
        assertThat(result.counts().get(Kind.OFFSET_CONFLICT)).isEqualTo(1);
        assertThat(result.counts().get(Kind.LOST)).isEqualTo(1);
        assertThat(result.report(history.ops(), 5)).contains("p0@1 seen with values [c, b]");
    }

    @Test
    void shouldCountAReadOfADefinitelyFailedWrite() {
        // Given
        ackAll("a");
        history.send("p1", 0, "b");
        history.fail("p1", 0, "b", "invalid record");
        history.poll("c1", 0, List.of(r(0, "a"), r(1, "b")));
        history.finalRead(0, List.of(r(0, "a"), r(1, "b")));

        // Then
        assertThat(check().counts()).isEqualTo(only(Kind.FAILED_READ, 1));
    }

    @Test
    void shouldCountAReadOfAValueNobodySentOrSentElsewhereAsAPhantom() {
        // Given
        ackAll("a");
        history.send("p1", 1, "x");
        history.ack("p1", 1, "x", 0);
        history.finalRead(1, List.of(r(0, "x")));
        history.finalRead(0, List.of(r(0, "a"), r(1, "garbage"), r(2, "x")));

        // Then: garbage was never sent; x belongs to partition 1
        Result result = check();
        assertThat(result.counts().get(Kind.PHANTOM_READ)).isEqualTo(2);
    }

    @Test
    void shouldCountAConsumerWhoseOffsetsGoBackwardsWithinAPollOrFromOnePollToTheNext() {
        // Given
        ackAll("a", "b", "c");
        history.poll("c1", 0, List.of(r(0, "a"), r(1, "b"), r(0, "a")));
        history.poll("c1", 0, List.of(r(1, "b"), r(2, "c")));
        history.finalRead(0, List.of(r(0, "a"), r(1, "b"), r(2, "c")));

        // When
        Result result = check();

        // Then: two polls, each counted once
        assertThat(result.counts()).isEqualTo(only(Kind.NON_MONOTONIC, 2));
        assertThat(result.report(history.ops(), 5)).contains("NON_MONOTONIC: c1 read p0@1 after p0@1 (op 7)");
    }

    @Test
    void shouldAcceptARestartedConsumerReadingFromTheBeginningAgain() {
        // Given: consumer instance r0.1 reads a and b, and r0.2, which replaced it, reads from the beginning
        ackAll("a", "b", "c");
        history.poll("r0.1", 0, List.of(r(0, "a"), r(1, "b")));
        history.poll("r0.2", 0, List.of(r(0, "a")));
        history.poll("r0.2", 0, List.of(r(1, "b"), r(2, "c")));
        history.finalRead(0, List.of(r(0, "a"), r(1, "b"), r(2, "c")));

        // When
        Result result = check();

        // Then
        assertThat(result.valid()).as(result.report(history.ops(), 5)).isTrue();
    }

    @Test
    void shouldCountAConsumerPassingOverAStoredRecordAsAPollSkip() {
        // Given: c1 reads a and b, then d: c at offset 2 is stored but c1 never read it
        ackAll("a", "b", "c", "d");
        history.poll("c1", 0, List.of(r(0, "a"), r(1, "b")));
        history.poll("c1", 0, List.of(r(3, "d")));
        history.finalRead(0, List.of(r(0, "a"), r(1, "b"), r(2, "c"), r(3, "d")));

        // When
        Result result = check();

        // Then
        assertThat(result.counts()).isEqualTo(only(Kind.POLL_SKIP, 1));
        assertThat(result.report(history.ops(), 5))
                .contains("POLL_SKIP: c1 read p0@3 after p0@1 (op 9), passing over 1 stored record(s) {2=c}");
    }

    @Test
    void shouldCountAConsumerWhoseFirstReadIsNotTheFirstStoredRecordAsAPollSkip() {
        // Given: a consumer starts at the beginning, but its first record is b
        ackAll("a", "b");
        history.poll("c1", 0, List.of(r(1, "b")));
        history.finalRead(0, List.of(r(0, "a"), r(1, "b")));

        // Then
        assertThat(check().counts()).isEqualTo(only(Kind.POLL_SKIP, 1));
    }

    @Test
    void shouldAcceptOffsetsAConsumerJumpsThatHoldNoStoredRecord() {
        // Given: read_committed: offsets 1 and 2 hold an aborted value and a transaction marker
        history.send("p1", 0, "t1-0", "t1");
        history.ack("p1", 0, "t1-0", 0);
        history.send("p1", 0, "t2-0", "t2");
        history.fail("p1", 0, "t2-0", "aborted by the producer");
        history.send("p1", 0, "t3-0", "t3");
        history.ack("p1", 0, "t3-0", 3);
        history.poll("c1", 0, List.of(r(0, "t1-0")));
        history.poll("c1", 0, List.of(r(3, "t3-0")));
        history.finalRead(0, List.of(r(0, "t1-0"), r(3, "t3-0")));

        // When
        Result result = check();

        // Then
        assertThat(result.valid()).as(result.report(history.ops(), 5)).isTrue();
    }

    @Test
    void shouldCountAProducersSendsAcknowledgedOutOfOrderAsReordered() {
        // Given: p1 sent a then b, acknowledged at 1 and 0; p2's c, sent after a, may land before it
        history.send("p1", 0, "a");
        history.send("p2", 0, "c");
        history.send("p1", 0, "b");
        history.ack("p1", 0, "b", 0);
        history.ack("p2", 0, "c", 1);
        history.ack("p1", 0, "a", 2);
        history.finalRead(0, List.of(r(0, "b"), r(1, "c"), r(2, "a")));

        // When
        Result result = check();

        // Then
        assertThat(result.counts()).isEqualTo(only(Kind.REORDERED, 1));
        assertThat(result.report(history.ops(), 5))
                .contains("REORDERED: p1 sent a before b to p0 but they were acknowledged at offsets 2 and 0");
    }

    @Test
    void shouldAcceptOneProducersSendsToDifferentPartitionsInAnyOffsetOrder() {
        // Given: offsets of different partitions are not comparable
        history.send("p1", 0, "a");
        history.send("p1", 1, "b");
        history.ack("p1", 1, "b", 0);
        history.ack("p1", 0, "a", 7);
        history.finalRead(0, List.of(r(7, "a")));
        history.finalRead(1, List.of(r(0, "b")));

        // Then
        Result result = check();
        assertThat(result.valid()).as(result.report(history.ops(), 5)).isTrue();
    }

    @Test
    void shouldCutLongReadsInTheReportToTheRecordsNearTheAnomaly() {
        // Given: 1,000 acknowledged values, the 500th missing from the final read
        List<Op.Read> reads = new ArrayList<>();
        for (int i = 0; i < 1000; i++) {
            history.send("p1", 0, "v" + i);
            history.ack("p1", 0, "v" + i, i);
            if (i != 500) {
                reads.add(r(i, "v" + i));
            }
        }
        history.finalRead(0, reads);

        // When
        String report = check().report(history.ops(), 5);

        // Then
        assertThat(report).contains("LOST: v500").contains("999 records, showing 6 near the anomaly")
                .contains("497=v497").doesNotContain("=v100,");
    }

    @Test
    void shouldAcceptTransactionsSeenWholeOrNotAtAll() {
        // Given: t1 committed (on two partitions), t2 aborted, t3 of unknown outcome that landed, t4 that did not
        history.send("p1", 0, "t1-0", "t1");
        history.send("p1", 1, "t1-1", "t1");
        history.ack("p1", 0, "t1-0", 0);
        history.ack("p1", 1, "t1-1", 0);
        history.send("p1", 0, "t2-0", "t2");
        history.fail("p1", 0, "t2-0", "aborted by the producer");
        history.send("p1", 0, "t3-0", "t3");
        history.send("p1", 1, "t3-1", "t3");
        history.info("p1", 0, "t3-0", "commit threw TimeoutException");
        history.info("p1", 1, "t3-1", "commit threw TimeoutException");
        history.send("p1", 0, "t4-0", "t4");
        history.send("p1", 1, "t4-1", "t4");
        history.info("p1", 0, "t4-0", "commit threw TimeoutException");
        history.info("p1", 1, "t4-1", "commit threw TimeoutException");
        history.finalRead(0, List.of(r(0, "t1-0"), r(3, "t3-0")));
        history.finalRead(1, List.of(r(0, "t1-1"), r(2, "t3-1")));

        // When
        Result result = check();

        // Then
        assertThat(result.valid()).as(result.report(history.ops(), 5)).isTrue();
    }

    @Test
    void shouldCountATransactionOfUnknownOutcomeSeenInPartAsPartial() {
        // Given: the commit's outcome was unknown to the producer; one partition shows it, the other does not
        history.send("p1", 0, "t1-0", "t1");
        history.send("p1", 1, "t1-1", "t1");
        history.info("p1", 0, "t1-0", "commit threw TimeoutException");
        history.info("p1", 1, "t1-1", "commit threw TimeoutException");
        history.finalRead(0, List.of(r(0, "t1-0")));
        history.finalRead(1, List.of());

        // When
        Result result = check();

        // Then
        assertThat(result.counts()).isEqualTo(only(Kind.PARTIAL_TRANSACTION, 1));
        assertThat(result.report(history.ops(), 5))
                .contains("PARTIAL_TRANSACTION: transaction t1 partly in the final read: [t1-0] there, [t1-1] missing");
    }

    @Test
    void shouldCountAReadOfAnAbortedTransactionAsAFailedRead() {
        // Given: a read_committed consumer saw a value whose transaction was aborted
        history.send("p1", 0, "t1-0", "t1");
        history.fail("p1", 0, "t1-0", "aborted by the producer");
        history.poll("c1", 0, List.of(r(0, "t1-0")));
        history.finalRead(0, List.of(r(0, "t1-0")));

        // Then
        assertThat(check().counts()).isEqualTo(only(Kind.FAILED_READ, 1));
    }

    @Test
    void shouldAcceptGroupMembersThatReadOnFromTheCommittedOffset() {
        // Given: g0 reads a and b and commits 2; g1, assigned p0 next, reads on from c
        ackAll("a", "b", "c", "d");
        history.joined("g0.1.1", 0);
        history.poll("g0.1.1", 0, List.of(r(0, "a"), r(1, "b")));
        history.committed("g0.1.1", 0, 2);
        history.joined("g1.1.1", 0);
        history.poll("g1.1.1", 0, List.of(r(2, "c")));
        history.poll("g1.1.1", 0, List.of(r(3, "d")));
        history.finalRead(0, List.of(r(0, "a"), r(1, "b"), r(2, "c"), r(3, "d")));

        // When
        Result result = check();

        // Then
        assertThat(result.valid()).as(result.report(history.ops(), 5)).isTrue();
    }

    @Test
    void shouldAcceptAGroupMemberRereadingWhatWasNotCommitted() {
        // Given: g0 read a and b but its commit failed; g1 reads them again
        ackAll("a", "b");
        history.joined("g0.1.1", 0);
        history.poll("g0.1.1", 0, List.of(r(0, "a"), r(1, "b")));
        history.joined("g1.1.1", 0);
        history.poll("g1.1.1", 0, List.of(r(0, "a"), r(1, "b")));
        history.finalRead(0, List.of(r(0, "a"), r(1, "b")));

        // Then
        Result result = check();
        assertThat(result.valid()).as(result.report(history.ops(), 5)).isTrue();
    }

    @Test
    void shouldCountAMemberStartingBelowAnAcknowledgedCommitAsALostCommit() {
        // Given: g0 committed 2, but g1, assigned p0 afterwards, starts again at 0
        ackAll("a", "b", "c");
        history.joined("g0.1.1", 0);
        history.poll("g0.1.1", 0, List.of(r(0, "a"), r(1, "b")));
        history.committed("g0.1.1", 0, 2);
        history.joined("g1.1.1", 0);
        history.poll("g1.1.1", 0, List.of(r(0, "a"), r(1, "b"), r(2, "c")));
        history.finalRead(0, List.of(r(0, "a"), r(1, "b"), r(2, "c")));

        // When
        Result result = check();

        // Then
        assertThat(result.counts()).isEqualTo(only(Kind.LOST_COMMIT, 1));
        assertThat(result.report(history.ops(), 5)).contains("LOST_COMMIT: g1.1.1 was assigned p0 (op 9) after g0.1.1 "
                + "committed offset 2 (op 8), yet first read p0@0 (op 10)");
    }

    @Test
    void shouldCountRecordsNoGroupMemberReadBelowTheGroupsHighestReadAsAPollSkip() {
        // Given: g0 read a; g1, assigned p0 next, starts at c (nobody committed past 1): b was never read by the group
        ackAll("a", "b", "c");
        history.joined("g0.1.1", 0);
        history.poll("g0.1.1", 0, List.of(r(0, "a")));
        history.committed("g0.1.1", 0, 1);
        history.joined("g1.1.1", 0);
        history.poll("g1.1.1", 0, List.of(r(2, "c")));
        history.finalRead(0, List.of(r(0, "a"), r(1, "b"), r(2, "c")));

        // When
        Result result = check();

        // Then
        assertThat(result.counts()).isEqualTo(only(Kind.POLL_SKIP, 1));
        assertThat(result.report(history.ops(), 5))
                .contains("POLL_SKIP: the group's members read p0 up to offset 2 but none read 1 stored record(s) below it {1=b}");
    }
}
