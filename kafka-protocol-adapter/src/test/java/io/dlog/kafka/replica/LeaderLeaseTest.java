package io.dlog.kafka.replica;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class LeaderLeaseTest {
    private static final long SESSION = TimeUnit.SECONDS.toNanos(9);
    private final AtomicLong clock = new AtomicLong(1_000_000_000_000L);
    private final LeaderLease lease = new LeaderLease(SESSION, clock::get);

    @Test
    void shouldHoldNoLeaseBeforeTheRegistrationIsAcknowledged() {
        assertThat(lease.isValid()).isFalse();
    }

    @Test
    void shouldLastOneSessionFromWhenTheAcknowledgedHeartbeatWasSentNotWhenItWasAcknowledged() {
        // Given: a heartbeat sent now, acknowledged 4 s later (a slow commit)
        long sent = clock.get();
        clock.addAndGet(TimeUnit.SECONDS.toNanos(4));
        lease.renew(sent);

        // Then: the lease ends one session after the send, when the metadata leader could fence this node at the earliest
        clock.set(sent + SESSION - 1);
        assertThat(lease.isValid()).isTrue();
        clock.set(sent + SESSION);
        assertThat(lease.isValid()).isFalse();
    }

    @Test
    void shouldNeverBeShortenedByALateAcknowledgementOfAnOlderHeartbeat() {
        long older = clock.get();
        long newer = older + TimeUnit.SECONDS.toNanos(2);
        clock.set(newer + 1);
        lease.renew(newer);
        lease.renew(older); // pipelined heartbeats may be acknowledged out of order

        clock.set(older + SESSION + 1);
        assertThat(lease.isValid()).isTrue();
    }

    @Test
    void shouldServeAgainOnceAHeartbeatIsAcknowledgedAfterALapse() {
        lease.renew(clock.get());
        clock.addAndGet(SESSION + TimeUnit.SECONDS.toNanos(5));
        assertThat(lease.isValid()).isFalse();

        lease.renew(clock.get());

        assertThat(lease.isValid()).isTrue();
    }

    @Test
    void shouldServeNoMoreOnceRevokedEvenWhenAHeartbeatIsAcknowledgedLater() {
        // Given: a fresh lease
        lease.renew(clock.get());
        assertThat(lease.isValid()).isTrue();

        // When: the node starts to stop (its listeners are about to close)
        lease.revoke();
        lease.renew(clock.get()); // a heartbeat still in flight

        // Then
        assertThat(lease.isValid()).isFalse();
    }
}
