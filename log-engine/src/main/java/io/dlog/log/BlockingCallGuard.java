package io.dlog.log;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A test-time check that no blocking call (fsync, a durable id) nor heavy CPU work (decompressing or recompressing
 * records) runs on a Netty event loop, where it would stall
 * every connection of that loop. Event-loop threads are recognized by name ({@code dlog-network-*},
 * given by the protocol adapter; this module knows no Netty). Off unless {@code -Ddlog.blocking.check=true}
 * (the compat tests turn it on and fail on any recorded call).
 *
 * <p>Thread-safe.
 */
public final class BlockingCallGuard {
    private static final boolean ENABLED = Boolean.getBoolean("dlog.blocking.check");
    private static final List<String> CALLS = new CopyOnWriteArrayList<>();

    private BlockingCallGuard() {
    }

    /** Records {@code call} if it happens on an event loop (when the check is on). */
    public static void check(String call) {
        String thread = Thread.currentThread().getName();
        if (ENABLED && thread.startsWith("dlog-network")) {
            CALLS.add(call + " on " + thread);
        }
    }

    /** The blocking calls recorded on event loops so far. */
    public static List<String> calls() {
        return List.copyOf(CALLS);
    }
}
