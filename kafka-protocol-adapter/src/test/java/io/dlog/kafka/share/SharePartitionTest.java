package io.dlog.kafka.share;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.UUID;
import org.apache.kafka.common.protocol.Errors;
import org.junit.jupiter.api.Test;

/** The share-partition state machine with time passed in: acquisition, acknowledgement, locks, limits, persistence. */
class SharePartitionTest {
    private static final SharePartitionKey KEY = new SharePartitionKey("g", UUID.randomUUID(), 0);
    private static final long LOCK_MS = 30_000;
    private static final int LIMIT = 3;

    private static List<SharePartition.BatchRange> batches(long... bounds) {
        List<SharePartition.BatchRange> out = new java.util.ArrayList<>();
        for (int i = 0; i < bounds.length; i += 2) {
            out.add(new SharePartition.BatchRange(bounds[i], bounds[i + 1], false));
        }
        return out;
    }

    private static List<SharePartition.Acquired> acquire(SharePartition sp, String member, long hw, int max, long now) {
        return sp.acquire(member, batches(0, 4, 5, 9), b -> false, hw, max, false, 2000, now, LOCK_MS, LIMIT);
    }

    @Test
    void shouldAcquireWholeBatchesOnceAndMoveTheStartOffsetAsTheyAreAccepted() {
        SharePartition sp = new SharePartition(KEY, 0, 0, List.of());
        assertThat(acquire(sp, "a", 10, 3, 0)).containsExactly(new SharePartition.Acquired(0, 4, (short) 1));
        assertThat(acquire(sp, "b", 10, 100, 0)).containsExactly(new SharePartition.Acquired(5, 9, (short) 1));
        assertThat(acquire(sp, "c", 10, 100, 0)).isEmpty();

        assertThat(sp.acknowledge("b", 0, 4, List.of(SharePartition.ACCEPT), 0, LOCK_MS, LIMIT)).isEqualTo(Errors.INVALID_RECORD_STATE);
        assertThat(sp.acknowledge("a", 0, 4, List.of(SharePartition.ACCEPT), 0, LOCK_MS, LIMIT)).isEqualTo(Errors.NONE);
        assertThat(sp.startOffset()).isEqualTo(5);
        assertThat(sp.acknowledge("b", 5, 9, List.of(SharePartition.ACCEPT), 0, LOCK_MS, LIMIT)).isEqualTo(Errors.NONE);
        assertThat(sp.startOffset()).isEqualTo(10);
        assertThat(sp.stateBatches()).isEmpty();
    }

    @Test
    void shouldRedeliverReleasedAndExpiredRecordsAndArchiveThemAtTheDeliveryLimit() {
        SharePartition sp = new SharePartition(KEY, 0, 0, List.of());
        sp.acquire("a", batches(0, 0), b -> false, 1, 10, false, 2000, 0, LOCK_MS, LIMIT);
        assertThat(sp.acknowledge("a", 0, 0, List.of(SharePartition.RELEASE), 0, LOCK_MS, LIMIT)).isEqualTo(Errors.NONE);
        assertThat(sp.nextReadOffset(1, 2000)).isZero();
        assertThat(sp.acquire("b", batches(0, 0), b -> false, 1, 10, false, 2000, 0, LOCK_MS, LIMIT))
                .containsExactly(new SharePartition.Acquired(0, 0, (short) 2));
        assertThat(sp.expireLocks(LOCK_MS - 1, LIMIT)).isFalse();
        assertThat(sp.expireLocks(LOCK_MS, LIMIT)).isTrue();
        assertThat(sp.acquire("c", batches(0, 0), b -> false, 1, 10, false, 2000, LOCK_MS, LOCK_MS, LIMIT))
                .containsExactly(new SharePartition.Acquired(0, 0, (short) 3));
        // third delivery released: the limit is reached, so the record is archived and the start offset moves
        assertThat(sp.acknowledge("c", 0, 0, List.of(SharePartition.RELEASE), LOCK_MS, LOCK_MS, LIMIT)).isEqualTo(Errors.NONE);
        assertThat(sp.startOffset()).isEqualTo(1);
        assertThat(sp.nextReadOffset(1, 2000)).isEqualTo(-1);
    }

    @Test
    void shouldRenewLocksAcceptPerOffsetTypesAndReleaseALeavingMembersRecords() {
        SharePartition sp = new SharePartition(KEY, 0, 0, List.of());
        acquire(sp, "a", 10, 100, 0);
        assertThat(sp.acknowledge("a", 0, 1, List.of(SharePartition.RENEW), LOCK_MS - 1, LOCK_MS, LIMIT)).isEqualTo(Errors.NONE);
        sp.expireLocks(LOCK_MS, LIMIT); // 2-9 expire, 0-1 were renewed
        assertThat(sp.acknowledge("a", 0, 1, List.of(SharePartition.ACCEPT, SharePartition.REJECT), LOCK_MS, LOCK_MS, LIMIT))
                .isEqualTo(Errors.NONE);
        assertThat(sp.startOffset()).isEqualTo(2);
        assertThat(sp.acknowledge("a", 2, 3, List.of(SharePartition.ACCEPT), LOCK_MS, LOCK_MS, LIMIT))
                .isEqualTo(Errors.INVALID_RECORD_STATE);
        assertThat(sp.acknowledge("a", 2, 4, List.of(SharePartition.ACCEPT, SharePartition.ACCEPT), LOCK_MS, LOCK_MS, LIMIT))
                .isEqualTo(Errors.INVALID_REQUEST);
        sp.acquire("b", batches(2, 4), b -> false, 10, 100, false, 2000, LOCK_MS, LOCK_MS, LIMIT);
        assertThat(sp.releaseMember("b", LIMIT)).isTrue();
        assertThat(sp.anyAcquired()).isFalse();
    }

    @Test
    void shouldStopAtTheRecordLockLimitAndAtMaxRecordsInRecordLimitMode() {
        SharePartition sp = new SharePartition(KEY, 0, 0, List.of());
        // record_limit: exactly 3 of the first batch
        assertThat(sp.acquire("a", batches(0, 4, 5, 9), b -> false, 10, 3, true, 2000, 0, LOCK_MS, LIMIT))
                .containsExactly(new SharePartition.Acquired(0, 2, (short) 1));
        // window of 5 offsets: 3-4 may still be taken (the batch that reaches the limit is taken whole), 5-9 not
        assertThat(sp.acquire("a", batches(0, 4, 5, 9), b -> false, 10, 100, false, 5, 0, LOCK_MS, LIMIT))
                .containsExactly(new SharePartition.Acquired(3, 4, (short) 1));
        assertThat(sp.nextReadOffset(10, 5)).isEqualTo(-1);
    }

    @Test
    void shouldRestoreFromPersistedStateWithAcquisitionsAvailableAgain() {
        SharePartition sp = new SharePartition(KEY, 0, 0, List.of());
        acquire(sp, "a", 10, 100, 0);
        sp.acknowledge("a", 0, 4, List.of(SharePartition.ACCEPT), 0, LOCK_MS, LIMIT);
        sp.acknowledge("a", 6, 6, List.of(SharePartition.REJECT), 0, LOCK_MS, LIMIT);
        List<SharePartition.StateBatch> persisted = sp.stateBatches();
        assertThat(persisted).containsExactly(new SharePartition.StateBatch(5, 5, (byte) 0, (short) 1),
                new SharePartition.StateBatch(6, 6, (byte) 4, (short) 1), new SharePartition.StateBatch(7, 9, (byte) 0, (short) 1));

        SharePartition restored = new SharePartition(KEY, sp.startOffset(), 0, persisted);
        assertThat(restored.startOffset()).isEqualTo(5);
        assertThat(restored.nextReadOffset(10, 2000)).isEqualTo(5);
        assertThat(restored.acquire("b", batches(5, 9), b -> false, 10, 100, false, 2000, 0, LOCK_MS, LIMIT))
                .containsExactly(new SharePartition.Acquired(5, 5, (short) 2), new SharePartition.Acquired(7, 9, (short) 2));
    }

    @Test
    void shouldArchiveControlAndAbortedBatchesWithoutDeliveringThem() {
        SharePartition sp = new SharePartition(KEY, 0, 0, List.of());
        List<SharePartition.BatchRange> read = List.of(new SharePartition.BatchRange(0, 1, false),
                new SharePartition.BatchRange(2, 2, true), new SharePartition.BatchRange(3, 4, false));
        assertThat(sp.acquire("a", read, b -> b.baseOffset() == 0, 5, 100, false, 2000, 0, LOCK_MS, LIMIT))
                .containsExactly(new SharePartition.Acquired(3, 4, (short) 1));
        assertThat(sp.startOffset()).isEqualTo(3);
    }
}
