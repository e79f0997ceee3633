package io.dlog.log.internal;

import com.sun.jna.LastErrorException;
import java.nio.file.Path;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * Starts the disk writes of an active segment's pages soon after they are appended, a step at a time, instead of
 * leaving them to the kernel's flusher.
 *
 * <p>Why: in flush mode OS a segment's pages stay dirty until the kernel writes them out, either when the dirty
 * total reaches {@code vm.dirty_background_ratio} or when they are {@code vm.dirty_expire_centisecs} (30 s) old. Both
 * come as bursts: half a gigabyte to two gigabytes in a second or two, which fills the disk's queue. Behind it wait
 * whatever an append needs from the disk in that moment (a block bitmap for an allocation, measured up to 278 ms on
 * this project's VMs, 2026-12-05), and acks=all carries a stall of any replica to every partition it hosts. Written
 * out a step at a time, the same bytes never pile up: the disk's queue stays short and an append's reads get through.
 * Measured on three-node clusters there (docs/benchmarks.md, session 39): the machine's dirty pages stayed at 24-154
 * MB instead of 2.2 GB, a full-throughput acks=all run's p99 halved (1 KiB records: 530 against 1,094 ms, means of
 * seven clusters), and fixed-rate runs with a stall of 390 ms or more went from three clusters in seven to one.
 * The idea is RocksDB's {@code bytes_per_sync}; it changes only when the writes start, not what is durable when:
 * an acknowledged append is still on the page cache, and the fsync that flush mode FSYNC and a roll do still decides.
 *
 * <p>How: {@code sync_file_range(2)} with {@code SYNC_FILE_RANGE_WRITE} only, which queues the pages' writes and does
 * not wait for them, on whole pages below the end (a partly written last page is left to the next step, so a page
 * being written out is never appended to). One JVM-wide thread makes the calls; the writer only records the range
 * and queues that segment once, so a thread that falls behind merges the ranges instead of queueing more.
 *
 * <p>Each call opens the file by path and closes it again (a few microseconds, once per step), so a segment holds no
 * descriptor for this. A call queued before the segment sealed may run after it: it starts the writes of pages of a
 * sealed file, or, once the janitor or the cleaner renamed it, finds nothing at the path, which is harmless either way.
 *
 * <p>Thread-safety: {@link #written} runs on the partition's writer (or its inline caller holding the writer's lock),
 * {@link #close} on the writer (a seal: a roll, a truncation, a shutdown) or the janitor (a deletion); the pending range and the flags are guarded by this object's monitor,
 * which no system call holds, so the writer never waits for the disk here. Only the writeback thread makes the calls.
 */
final class SegmentWriteback {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(SegmentWriteback.class);
    /** Writes start for every {@code STEP} bytes appended: small enough that a segment's pages never pile up. */
    static final long STEP = 1L << 20;
    private static final long PAGE = 4096;
    /** Queued segments: at most one task per active segment, so the queue cannot grow without end. */
    private static final ExecutorService WRITER = writer();
    /**
     * Set when the kernel refuses the call (ENOSYS, or a file system without it): nobody tries again. Also set by
     * the JVM option {@code -Ddlog.log.writeback=false}, which leaves the writes to the kernel as Kafka does (for
     * side-by-side measurements; docs/operations.md).
     */
    private static volatile boolean unsupported = !NativeFiles.available()
            || !Boolean.parseBoolean(System.getProperty("dlog.log.writeback", "true"));

    private final Path file;
    /** The end of the ranges handed to the writeback thread. Writer only. */
    private long handedTo;
    /** The range still to be started, {@code pendingTo} -1 when none; guarded by this. */
    private long pendingFrom;
    private long pendingTo = -1;
    /** Whether a task for this segment is queued and not yet started; guarded by this. */
    private boolean queued;
    /** Sealed, closed or deleted: nothing more is started; guarded by this. */
    private boolean closed;
    /** A call failed: this segment stops asking. Set by the writeback thread, read by the writer. */
    private volatile boolean failed;

    SegmentWriteback(Path file, long size) {
        this.file = file;
        this.handedTo = size & -PAGE; // what a recovered segment held before is the kernel's to write
    }

    private static ExecutorService writer() {
        return new ThreadPoolExecutor(1, 1, 0, TimeUnit.MILLISECONDS, new LinkedBlockingQueue<>(), r -> {
            Thread t = new Thread(r, "dlog-writeback");
            t.setDaemon(true);
            return t;
        });
    }

    /** Whether segments' writes are started early at all (Linux, JNA loaded, a kernel that has the call). */
    static boolean enabled() {
        return !unsupported;
    }

    /** The segment now ends at {@code end}: queues the whole pages since the last step once a step has gathered. */
    void written(long end) {
        long to = end & -PAGE;
        if (to - handedTo < STEP || unsupported || failed) {
            return;
        }
        long from = handedTo;
        handedTo = to;
        boolean submit;
        synchronized (this) {
            if (closed) {
                return;
            }
            pendingFrom = pendingTo < 0 ? from : Math.min(pendingFrom, from);
            pendingTo = Math.max(pendingTo, to);
            submit = !queued;
            queued = true;
        }
        if (submit) {
            WRITER.execute(this::run);
        }
    }

    /** No more writes: a queued range is dropped. The writer at a seal, or the janitor at a deletion. */
    synchronized void close() {
        closed = true;
        pendingTo = -1;
    }

    /** The writeback thread's task: starts the writes of the pending range. */
    private void run() {
        long from;
        long to;
        synchronized (this) {
            queued = false;
            from = pendingFrom;
            to = pendingTo;
            pendingTo = -1;
            if (closed || to <= from) {
                return;
            }
        }
        if (failed || unsupported) {
            return;
        }
        int fd;
        try {
            fd = NativeFiles.openForWrite(file.toString());
        } catch (LastErrorException e) {
            LOG.debug("{}: writes not started early, open failed (errno {})", file, e.getErrorCode());
            return; // renamed or deleted since the range was queued
        }
        try {
            NativeFiles.startWriteback(fd, from, to - from);
        } catch (LastErrorException e) {
            failed = true;
            int errno = e.getErrorCode();
            if (errno == NativeFiles.ENOSYS || errno == NativeFiles.EOPNOTSUPP || errno == NativeFiles.EINVAL) {
                unsupported = true;
                LOG.info("Segment writes are left to the kernel's flusher: sync_file_range failed for {} (errno {})",
                        file, errno);
            } else {
                LOG.warn("{}: starting the writes of {} bytes at {} failed (errno {}); this segment goes on without it",
                        file, to - from, from, errno);
            }
        } finally {
            try {
                NativeFiles.close(fd);
            } catch (LastErrorException e) {
                LOG.debug("{}: close failed (errno {})", file, e.getErrorCode());
            }
        }
    }
}
