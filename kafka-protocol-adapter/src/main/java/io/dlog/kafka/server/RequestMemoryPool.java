package io.dlog.kafka.server;

import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The broker-wide budget of request bytes held in memory, Kafka's {@code queued.max.request.bytes}:
 * every request frame is counted from the moment its size is known (its buffer is allocated then)
 * until its request is answered. Above the budget, connections stop reading from their sockets
 * (back-pressure); they never fail a request for it.
 *
 * <p>A reservation is never refused: the connection that crosses the budget has already read the
 * frame's size, and refusing would force it to fail or buffer anyway. Every connection then stops
 * reading, so the overshoot is at most one frame per connection. A connection that stopped calls
 * {@link #awaitRoom} and is called back once the pool is under its budget again.
 *
 * <p>Thread-safe: reserved and released from every event loop and handler thread.
 */
public final class RequestMemoryPool {
    private final long capacity;
    private final AtomicLong used = new AtomicLong();
    private final Queue<Runnable> waiting = new ConcurrentLinkedQueue<>();

    /** @param capacity bytes; zero or below means no broker-wide budget (Kafka's default, -1) */
    public RequestMemoryPool(long capacity) {
        this.capacity = capacity <= 0 ? Long.MAX_VALUE : capacity;
    }

    static RequestMemoryPool unbounded() {
        return new RequestMemoryPool(-1);
    }

    void reserve(long bytes) {
        used.addAndGet(bytes);
    }

    void release(long bytes) {
        long now = used.addAndGet(-bytes);
        if (now < capacity && !waiting.isEmpty()) {
            wakeWaiting();
        }
    }

    /** Whether connections should stop reading until bytes are released. */
    boolean exhausted() {
        return used.get() >= capacity;
    }

    /** Whether {@code size} more bytes keep the pool within half its budget (see FrameDecoder). */
    boolean roomForWhole(long size) {
        return capacity == Long.MAX_VALUE || used.get() + size <= capacity / 2;
    }

    public long usedBytes() {
        return used.get();
    }

    /** Runs {@code onRoom} (once, on the releasing thread) when the pool is next under its budget. */
    void awaitRoom(Runnable onRoom) {
        waiting.add(onRoom);
        // A release between the caller's check and the add above would otherwise wake nobody.
        if (!exhausted()) {
            wakeWaiting();
        }
    }

    private void wakeWaiting() {
        Runnable next;
        while (!exhausted() && (next = waiting.poll()) != null) {
            next.run();
        }
    }
}
