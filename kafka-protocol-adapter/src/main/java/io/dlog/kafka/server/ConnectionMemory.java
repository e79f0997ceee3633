package io.dlog.kafka.server;

import java.util.concurrent.atomic.AtomicLong;

/**
 * One connection's share of request memory: the bytes of its request frames from allocation until
 * answered, counted both here (against the per-connection cap) and in the broker-wide
 * {@link RequestMemoryPool}. {@link FrameDecoder} reserves a frame's size when it learns it;
 * the {@link KafkaRequest} made from the frame releases it when freed (or the decoder, for a frame
 * that never becomes a request).
 *
 * <p>Used from the connection's event loop; the counter is atomic because a request may be freed
 * on another thread.
 */
final class ConnectionMemory {
    private final RequestMemoryPool pool;
    private final long connectionCap;
    private final AtomicLong used = new AtomicLong();
    private boolean framing;

    ConnectionMemory(RequestMemoryPool pool, long connectionCap) {
        this.pool = pool;
        this.connectionCap = connectionCap <= 0 ? Long.MAX_VALUE : connectionCap;
    }

    static ConnectionMemory unbounded() {
        return new ConnectionMemory(RequestMemoryPool.unbounded(), -1);
    }

    void reserve(int bytes) {
        used.addAndGet(bytes);
        pool.reserve(bytes);
    }

    void release(int bytes) {
        used.addAndGet(-bytes);
        pool.release(bytes);
    }

    /** This connection holds its cap or more. */
    boolean connectionFull() {
        return used.get() >= connectionCap;
    }

    /** The broker-wide budget is spent. */
    boolean poolFull() {
        return pool.exhausted();
    }

    /**
     * Whether a frame of {@code size} may get its whole buffer before its bytes arrive: only while
     * that keeps this connection under its cap and the broker under half its budget, the other half
     * being left to bytes that really arrived.
     */
    boolean roomForWhole(int size) {
        return used.get() + size <= connectionCap && pool.roomForWhole(size);
    }

    /** Set while a frame is half received: its connection keeps reading until it is whole. */
    void framing(boolean inProgress) {
        framing = inProgress;
    }

    /**
     * Whether request memory asks this connection to stop reading. Never while a frame is half
     * received: a connection stopped mid-frame would hold its memory until others free theirs, and if
     * all did, nothing would ever be freed (Kafka likewise only mutes channels between receives).
     */
    boolean shouldPause() {
        return !framing && (connectionFull() || poolFull());
    }

    void awaitPoolRoom(Runnable onRoom) {
        pool.awaitRoom(onRoom);
    }

    long usedBytes() {
        return used.get();
    }
}
