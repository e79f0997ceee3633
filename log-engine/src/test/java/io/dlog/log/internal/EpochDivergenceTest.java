package io.dlog.log.internal;

import io.dlog.log.EpochEndOffset;
import io.dlog.log.LogConfig;
import io.dlog.log.LogManager;
import io.dlog.log.PartitionLog;
import io.dlog.log.TopicPartition;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static io.dlog.log.internal.LogTestSupport.T0;
import static io.dlog.log.internal.LogTestSupport.append;
import static io.dlog.log.internal.ReplicaTestSupport.assertSameLog;
import static io.dlog.log.internal.ReplicaTestSupport.reconcile;
import static io.dlog.log.internal.ReplicaTestSupport.replicate;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * OffsetForLeaderEpoch answers after follower appends and truncations, through the divergence cases a
 * follower meets ({@link ReplicaTestSupport#reconcile}: the follower's side of KIP-101/KIP-279).
 */
class EpochDivergenceTest {
    @TempDir
    Path dirA;
    @TempDir
    Path dirB;
    @TempDir
    Path dirC;
    private final MutableClock clock = new MutableClock(T0);
    private final TopicPartition tp = new TopicPartition("t", 0);
    private LogManager managerA;
    private LogManager managerB;
    private LogManager managerC;
    private PartitionLog a;
    private PartitionLog b;
    private PartitionLog c;

    @BeforeEach
    void setUp() throws Exception {
        managerA = LogTestSupport.open(dirA, clock, LogConfig.DEFAULT);
        managerB = LogTestSupport.open(dirB, clock, LogConfig.DEFAULT);
        managerC = LogTestSupport.open(dirC, clock, LogConfig.DEFAULT);
        a = managerA.getOrCreate(tp, LogConfig.DEFAULT);
        b = managerB.getOrCreate(tp, LogConfig.DEFAULT);
        c = managerC.getOrCreate(tp, LogConfig.DEFAULT);
    }

    @AfterEach
    void tearDown() throws Exception {
        managerA.close();
        managerB.close();
        managerC.close();
    }

    private static void write(PartitionLog leader, int epoch, String... values) throws Exception {
        append(leader, TestBatches.of(values).timestamp(T0).build(), epoch);
    }

    @Test
    void shouldTruncateAnEpochTheLeaderNeverHad() throws Exception {
        // Given a and b agree on epoch 1; b leads epoch 2 alone, then a leads epoch 3
        write(a, 1, "a", "b");
        replicate(a, b);
        write(b, 2, "x", "y", "z");
        write(a, 3, "c");
        write(a, 3, "d");
        assertThat(a.endOffsetForEpoch(2)).isEqualTo(new EpochEndOffset(1, 2));

        // When b reconciles with a
        long cut = reconcile(a, b);

        // Then b drops its epoch 2 and ends as a copy of a
        assertThat(cut).isEqualTo(2);
        assertSameLog(a, b);
        assertThat(b.endOffsetForEpoch(2)).isEqualTo(new EpochEndOffset(1, 2));
        assertThat(b.latestLeaderEpoch()).isEqualTo(3);
    }

    @Test
    void shouldKeepEverythingWhenTheLeadersEpochIsLonger() throws Exception {
        write(a, 1, "a", "b");
        replicate(a, b);
        write(a, 1, "c", "d", "e");
        write(a, 2, "f");
        assertThat(a.endOffsetForEpoch(1)).isEqualTo(new EpochEndOffset(1, 5));

        long cut = reconcile(a, b);

        assertThat(cut).isEqualTo(2);
        assertSameLog(a, b);
    }

    @Test
    void shouldCutTheTailTheNewLeaderNeverGotInTheSameEpoch() throws Exception {
        // Given a led epoch 1 to offset 6; b has all of it, c only up to 3; c leads epoch 2
        write(a, 1, "a", "b", "c");
        replicate(a, c);
        write(a, 1, "d", "e", "f");
        replicate(a, b);
        write(c, 2, "g");
        write(c, 2, "h");
        assertThat(c.endOffsetForEpoch(1)).isEqualTo(new EpochEndOffset(1, 3));

        long cut = reconcile(c, b);

        assertThat(cut).isEqualTo(3);
        assertSameLog(c, b);
        assertThat(b.endOffsetForEpoch(1)).isEqualTo(new EpochEndOffset(1, 3));
        assertThat(b.endOffsetForEpoch(2)).isEqualTo(new EpochEndOffset(2, 5));
    }

    @Test
    void shouldAnswerAboveTheLatestUndefinedAndBelowTheFirstWithTheLogStart() throws Exception {
        assertThat(a.endOffsetForEpoch(0)).isEqualTo(EpochEndOffset.UNDEFINED);
        write(a, 2, "a");
        write(a, 4, "b");
        assertThat(a.endOffsetForEpoch(1)).isEqualTo(new EpochEndOffset(1, 0));
        assertThat(a.endOffsetForEpoch(3)).isEqualTo(new EpochEndOffset(2, 1));
        assertThat(a.endOffsetForEpoch(4)).isEqualTo(new EpochEndOffset(4, 2));
        assertThat(a.endOffsetForEpoch(5)).isEqualTo(EpochEndOffset.UNDEFINED);
        a.truncateFullyAndStartAt(7).get(10, TimeUnit.SECONDS);
        assertThat(a.endOffsetForEpoch(4)).isEqualTo(EpochEndOffset.UNDEFINED);
    }
}
