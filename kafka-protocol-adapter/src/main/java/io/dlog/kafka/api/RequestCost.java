package io.dlog.kafka.api;

import java.util.concurrent.atomic.AtomicLong;

/**
 * The time other threads worked on one request for its handler (a writer thread's append, the codec
 * thread's decompression), which the connection adds to the handler's own event-loop time when it
 * counts the request against the client's {@code request_percentage} quota.
 *
 * <p>Thread-safe: charged from whichever thread did the work, read by the connection once the
 * request's response is ready (after every charge, as the work completes the response).
 */
public final class RequestCost {
    private final AtomicLong workerNanos = new AtomicLong();

    /** Adds {@code nanos} of work done for the request off the event loop. */
    public void chargeWorkerNanos(long nanos) {
        if (nanos > 0) {
            workerNanos.addAndGet(nanos);
        }
    }

    /** The work charged so far. */
    public long workerNanos() {
        return workerNanos.get();
    }
}
