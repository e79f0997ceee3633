package io.dlog.kafka.coordinator;

import java.time.Clock;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * The clock of the coordinators' deadlines, in milliseconds: group members' sessions, rebalance and revocation
 * timeouts, transaction timeouts (and the fetch sessions' staleness, which the fetch handlers borrow it for). The
 * monotonic clock, so that a step of the node's wall clock (NTP, an operator's
 * {@code date}) neither expels every live member or aborts every open transaction at once, nor keeps a dead one for
 * as long as the clock went back. Kafka's coordinators read the wall clock for these. Stateless.
 */
public final class DeadlineClock {
    private DeadlineClock() {
    }

    /**
     * @param clock the coordinator's wall clock: the system's (whatever its zone) gives the monotonic clock; any
     *              other is a test's, moved by hand, and deadlines follow it
     */
    public static LongSupplier of(Clock clock) {
        return clock.getClass() == Clock.systemUTC().getClass()
                ? () -> TimeUnit.NANOSECONDS.toMillis(System.nanoTime()) : clock::millis;
    }
}
