package io.dlog.idcoord;

import java.io.Closeable;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Mints 64-bit IDs, {@code timestamp | node id | sequence}, that never repeat: not within a
 * process, not across restarts (including {@code kill -9} and a wall clock that went backwards),
 * and not across nodes with distinct node ids.
 *
 * <p>How: the generator runs a logical clock of <em>ticks</em> (milliseconds since the layout's
 * epoch). The pair {@code (tick, sequence)}, packed as {@code tick << sequenceBits | sequence},
 * only ever grows: the next pair is {@code max(wallTick << sequenceBits, last + 1)}. So when the
 * wall clock goes backwards the generator neither waits nor fails; it keeps counting from the
 * last pair, and when one tick's sequence space is used up it moves to the next tick (borrowing
 * from the future) until the wall clock catches up. Durability comes from a
 * {@link SparseAppendCounter} whose value is a <em>tick floor</em>: every tick at or below it may
 * have been used. An ID is returned only if its tick is at most the durable floor; when a tick
 * passes the floor, one thread raises it by a lease of ticks in one {@code fsync}. A restarted
 * generator starts above the floor, whatever its wall clock says. The floor fits a file's length
 * because it counts ticks, not shifted IDs: 2^41 ms is 2 TiB, below ext4's 16 TiB limit.
 *
 * <p>Invariants: IDs are positive; on one node each ID is greater than every ID that node minted
 * before, in this process or an earlier one; the timestamp of an ID is never earlier than the
 * wall clock when it was minted, and runs ahead of it only after the clock stepped back, after a
 * restart (by at most one lease of ticks per restart) or while minting faster than
 * {@code 2^sequenceBits} IDs per millisecond.
 *
 * <p>Thread-safety: safe for any number of threads; the fast path is a clock read and one
 * compare-and-set. A call that raises the floor blocks for one group commit.
 */
public final class SnowflakeIdGenerator implements Closeable {
    private static final Logger LOG = LoggerFactory.getLogger(SnowflakeIdGenerator.class);

    /** Ticks the floor is raised ahead of need: one fsync per quarter second at most, in steady state. */
    static final long DEFAULT_LEASE_TICKS = 250;

    private final SparseAppendCounter floor;
    private final Clock clock;
    private final Layout layout;
    private final long leaseTicks;
    /** Told the duration of each lease refill (the broker's metrics; docs/metrics.md). */
    private volatile java.util.function.LongConsumer leaseRefills = nanos -> { };
    private final long nodeField;
    private final int sequenceBits;
    private final long sequenceMask;
    private final int tickShift;
    private final long maxTick;
    /** The last (tick, sequence) pair issued, packed as {@code tick << sequenceBits | sequence}. */
    private final AtomicLong last;

    /**
     * The bit layout of an ID: {@code timestampBits + nodeBits + sequenceBits <= 63} (the sign bit
     * stays 0), timestamps in milliseconds since {@code epochMillis} (Unix time).
     *
     * @param timestampBits width of the millisecond timestamp, 1..62
     * @param nodeBits width of the node id, 0..31
     * @param sequenceBits width of the per-millisecond sequence, 1..62
     * @param epochMillis the custom epoch, Unix milliseconds, not negative
     */
    public record Layout(int timestampBits, int nodeBits, int sequenceBits, long epochMillis) {
        /** 2026-01-01T00:00:00Z. */
        public static final long DLOG_EPOCH_MILLIS = 1_767_225_600_000L;

        /**
         * 41-bit timestamp (69 years from 2026), 8-bit node id (256 nodes), 14-bit sequence
         * (16,384 IDs per millisecond, 16.4 million per second before borrowing ticks).
         */
        public static final Layout DEFAULT = new Layout(41, 8, 14, DLOG_EPOCH_MILLIS);

        public Layout {
            if (timestampBits < 1 || nodeBits < 0 || nodeBits > 31 || sequenceBits < 1
                    || timestampBits + nodeBits + sequenceBits > 63) {
                throw new IllegalArgumentException("bad layout: timestamp " + timestampBits + " bits, node "
                        + nodeBits + " bits, sequence " + sequenceBits
                        + " bits (need timestamp >= 1, 0 <= node <= 31, sequence >= 1, sum <= 63)");
            }
            if (epochMillis < 0) {
                throw new IllegalArgumentException("epochMillis must not be negative, was " + epochMillis);
            }
        }

        /** The largest node id the layout can hold. */
        public int maxNodeId() {
            return (int) ((1L << nodeBits) - 1);
        }

        /** The timestamp of {@code id}, in Unix milliseconds. */
        public long timestampMillis(long id) {
            return (id >>> (nodeBits + sequenceBits)) + epochMillis;
        }

        /** The node id inside {@code id}. */
        public int nodeId(long id) {
            return (int) ((id >>> sequenceBits) & maxNodeId());
        }

        /** The sequence number inside {@code id}. */
        public long sequence(long id) {
            return id & ((1L << sequenceBits) - 1);
        }

        long maxTick() {
            return (1L << timestampBits) - 1;
        }
    }

    private SnowflakeIdGenerator(SparseAppendCounter floor, int nodeId, Clock clock, Layout layout, long leaseTicks)
            throws CounterExhaustedException {
        this.floor = floor;
        this.clock = clock;
        this.layout = layout;
        this.leaseTicks = leaseTicks;
        this.sequenceBits = layout.sequenceBits();
        this.sequenceMask = (1L << sequenceBits) - 1;
        this.tickShift = layout.nodeBits() + sequenceBits;
        this.nodeField = (long) nodeId << sequenceBits;
        this.maxTick = Math.min(layout.maxTick(), floor.maxValue());
        long floorTick = floor.get();
        if (floorTick >= maxTick) {
            throw new CounterExhaustedException("snowflake ID space exhausted: tick floor " + floorTick
                    + " is at the maximum tick " + maxTick);
        }
        // Every pair up to (floorTick, max sequence) may have been issued before the restart.
        this.last = new AtomicLong(((floorTick + 1) << sequenceBits) - 1);
        long behind = floorTick - wallTick();
        if (behind > leaseTicks) {
            LOG.warn("Node {}: wall clock is {} ms behind the durable tick floor; minting IDs in logical time "
                    + "until the clock catches up", nodeId, behind);
        }
    }

    /**
     * Opens the generator for {@code nodeId} with {@link Layout#DEFAULT}, keeping its tick floor in
     * {@code dataDir} (created if missing).
     *
     * @param dataDir the node's data directory; holds {@code snowflake-node-<nodeId>.ticks}
     * @param nodeId this node's id, distinct across the cluster, 0..255 with the default layout
     * @param clock the time source; the generator never reads the wall clock any other way
     */
    public static SnowflakeIdGenerator open(Path dataDir, int nodeId, Clock clock) throws IOException {
        return open(dataDir, nodeId, clock, Layout.DEFAULT);
    }

    /** As {@link #open(Path, int, Clock)} with a custom layout. Don't change a node's layout between runs. */
    public static SnowflakeIdGenerator open(Path dataDir, int nodeId, Clock clock, Layout layout) throws IOException {
        return open(dataDir, nodeId, clock, layout, DEFAULT_LEASE_TICKS);
    }

    static SnowflakeIdGenerator open(Path dataDir, int nodeId, Clock clock, Layout layout, long leaseTicks)
            throws IOException {
        if (nodeId < 0 || nodeId > layout.maxNodeId()) {
            throw new IllegalArgumentException("nodeId " + nodeId + " is outside 0.." + layout.maxNodeId());
        }
        if (leaseTicks < 1) {
            throw new IllegalArgumentException("leaseTicks must be at least 1, was " + leaseTicks);
        }
        createDirectoriesDurably(dataDir.toAbsolutePath());
        SparseAppendCounter floor = SparseAppendCounter.open(dataDir.resolve("snowflake-node-" + nodeId + ".ticks"));
        try {
            return new SnowflakeIdGenerator(floor, nodeId, clock, layout, leaseTicks);
        } catch (IOException | RuntimeException e) {
            try {
                floor.close();
            } catch (IOException suppressed) {
                e.addSuppressed(suppressed);
            }
            throw e;
        }
    }

    /**
     * Mints the next ID.
     *
     * @return a positive ID greater than every ID this node minted before, never minted before
     * @throws CounterExhaustedException when the layout's timestamp bits are used up
     * @throws IOException if raising the tick floor failed; a later call may succeed
     */
    public long nextId() throws IOException {
        long wall = wallTick();
        if (wall > maxTick) {
            throw exhausted(wall);
        }
        for (;;) {
            long previous = last.get();
            if (previous == Long.MAX_VALUE) {
                throw exhausted(maxTick + 1); // a 63-bit layout's very last ID was issued
            }
            long next = Math.max(wall << sequenceBits, previous + 1);
            long tick = next >>> sequenceBits;
            if (tick > floor.get()) {
                raiseFloor(tick);
                continue;
            }
            if (last.compareAndSet(previous, next)) {
                return (tick << tickShift) | nodeField | (next & sequenceMask);
            }
        }
    }

    /**
     * Reports each lease refill (a raise of the durable tick floor: one fsync) with its duration in
     * nanoseconds; called on the minting thread, so it must be quick.
     */
    public void setLeaseRefillListener(java.util.function.LongConsumer listener) {
        this.leaseRefills = listener;
    }

    /** The layout of the IDs this generator mints. */
    public Layout layout() {
        return layout;
    }

    /** Closes the floor file. Writes nothing; a crash is as good as a close. */
    @Override
    public void close() throws IOException {
        floor.close();
    }

    /** The durable tick floor (for tests and metrics). */
    long floorTick() {
        return floor.get();
    }

    private void raiseFloor(long tick) throws IOException {
        if (tick > maxTick) {
            throw exhausted(tick);
        }
        long start = System.nanoTime();
        floor.advanceTo(Math.min(tick + leaseTicks, maxTick));
        leaseRefills.accept(System.nanoTime() - start);
    }

    private CounterExhaustedException exhausted(long tick) {
        return new CounterExhaustedException("snowflake ID space exhausted: tick " + tick + " is above the maximum "
                + maxTick + " (layout " + layout + ")");
    }

    /** Wall-clock ticks since the epoch, clamped to 0..maxTick + 1 so the shift can't overflow. */
    private long wallTick() {
        long ticks = clock.millis() - layout.epochMillis();
        return ticks < 0 ? 0 : Math.min(ticks, maxTick + 1);
    }

    private static void createDirectoriesDurably(Path dir) throws IOException {
        if (Files.isDirectory(dir)) {
            return;
        }
        Path parent = dir.getParent();
        if (parent != null) {
            createDirectoriesDurably(parent);
        }
        Files.createDirectories(dir);
        if (parent != null) {
            FileCounterFile.syncDirectory(parent);
        }
    }
}
