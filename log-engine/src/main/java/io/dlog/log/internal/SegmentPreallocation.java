package io.dlog.log.internal;

import com.sun.jna.LastErrorException;
import java.nio.file.Path;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * Allocates disk blocks ahead of an active segment's end, and gives back what is left when the segment seals.
 *
 * <p>Why: with delayed allocation, ext4 gives a page its blocks only when writeback writes it out. An fsync
 * anywhere on the file system (the metadata Raft log, a checkpoint) then commits a journal transaction that is busy
 * with those allocations, and a page-cache append waits for it. Measured on this project's 2-vCPU VMs (ext4,
 * 2026-12-04): three writers appending 64 KiB at 280 MB/s in all, with a 100-byte fdatasync every 100 ms elsewhere on
 * the disk, had single appends of up to 33-330 ms; with their blocks allocated beforehand, at most 3-7 ms. In a
 * broker those appends run on network event loops and replica fetchers, so one of them holds up every connection the
 * thread serves.
 *
 * <p>How: {@code fallocate(2)} with {@code FALLOC_FL_KEEP_SIZE}, so the file's length, and with it everything a
 * reader, a restart's recovery scan or retention sees, stays exactly what was written. Only a segment that reached
 * {@link #START_BYTES} is preallocated, a window ahead of its end that grows with it (from {@link #MIN_WINDOW} to
 * {@link #MAX_WINDOW}, never past {@code segment.bytes}), so idle partitions cost nothing. The calls run on one
 * background thread: no append is queued behind an allocation, and if the thread falls behind the append is simply
 * a normal one. The kernel's inode lock is the one link left: {@code fallocate} holds it, so an append to the same
 * segment waits while an allocation waits for a block bitmap (seen during writeback bursts on ext4 without a journal,
 * up to 278 ms, 2026-12-05; without preallocation the writeback's own allocations wait for the same bitmaps).
 * {@link #release} at seal cuts the file to its length, which frees the blocks past it. A roll frees
 * the old segment's blocks before it creates the next file, so a crash can leave blocks past the end of the newest
 * segment only, and the load gives those back ({@link #freePastEnd}).
 *
 * <p>Thread-safety: {@link #ahead} runs on the partition's writer (or its inline caller, which holds the writer's
 * lock); the descriptor, opened there, is used and closed under this object's monitor, so an allocation queued
 * before the segment sealed or closed never touches a closed (and perhaps reused) descriptor. The descriptor is
 * opened by path while the segment is active, when the path can only name this segment's file (the cleaner and
 * deletion rename only segments that are no longer active), and it follows the file through later renames.
 */
final class SegmentPreallocation {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(SegmentPreallocation.class);
    static final long START_BYTES = 1L << 20;
    static final long MIN_WINDOW = 4L << 20;
    static final long MAX_WINDOW = 32L << 20;
    /** Pending allocations are few (one per busy segment per window); a full queue drops one (a normal append). */
    private static final int MAX_QUEUED = 4096;
    private static final ExecutorService ALLOCATOR = allocator();
    /** Set when the file system refuses fallocate (EOPNOTSUPP): nobody tries again. */
    private static volatile boolean unsupported = !NativeFiles.available();

    private final Path file;
    /** The end of what has been asked for. Writer only. */
    private long scheduledTo;
    /** Whether the writer opened the descriptor: later calls skip the monitor, which an allocation may hold. */
    private boolean opened;
    /** -1 until the first allocation; guarded by this. */
    private int fd = -1;
    /** Sealed or closed: no more allocations; guarded by this. */
    private boolean done;
    /** An allocation failed (disk full, say): this segment stops asking. Set by the allocator, read by the writer. */
    private volatile boolean failed;

    SegmentPreallocation(Path file) {
        this.file = file;
    }

    private static ExecutorService allocator() {
        ThreadPoolExecutor pool = new ThreadPoolExecutor(1, 1, 0, TimeUnit.MILLISECONDS,
                new LinkedBlockingQueue<>(MAX_QUEUED), r -> {
                    Thread t = new Thread(r, "dlog-preallocate");
                    t.setDaemon(true);
                    return t;
                }, new ThreadPoolExecutor.DiscardPolicy());
        return pool;
    }

    /** Whether segments get blocks ahead at all (Linux, JNA loaded, a file system that supports it). */
    static boolean enabled() {
        return !unsupported;
    }

    /** Asks for blocks ahead of {@code end} when the window ahead has shrunk to half. Writer only. */
    void ahead(long end, long segmentBytes) {
        if (end < START_BYTES || unsupported || failed || end + window(end) / 2 <= scheduledTo) {
            return;
        }
        long from = Math.max(scheduledTo, end);
        long to = Math.min(segmentBytes, end + window(end));
        if (to <= from) {
            return;
        }
        scheduledTo = to;
        if (!opened && !(opened = open())) {
            return;
        }
        ALLOCATOR.execute(() -> allocate(from, to - from));
    }

    private static long window(long end) {
        return Math.min(MAX_WINDOW, Math.max(MIN_WINDOW, end));
    }

    /** Opens the descriptor; no allocation can hold the monitor yet, as none was queued before. */
    private synchronized boolean open() {
        if (done) {
            return false;
        }
        try {
            fd = NativeFiles.openForWrite(file.toString());
            return true;
        } catch (LastErrorException e) {
            failed = true; // a layer under the engine (tests) may keep the file elsewhere
            LOG.debug("{}: not preallocated, open failed (errno {})", file, e.getErrorCode());
            return false;
        }
    }

    private synchronized void allocate(long offset, long length) {
        if (done || fd < 0) {
            return;
        }
        try {
            NativeFiles.allocateKeepSize(fd, offset, length);
        } catch (LastErrorException e) {
            failed = true;
            int errno = e.getErrorCode();
            if (errno == NativeFiles.EOPNOTSUPP || errno == NativeFiles.ENOSYS) {
                unsupported = true;
                LOG.info("Disk blocks are not preallocated for segments: the file system of {} does not support "
                        + "fallocate (errno {})", file, errno);
            } else if (errno == NativeFiles.ENOSPC) {
                LOG.debug("{}: not preallocated further, the disk is full", file);
            } else {
                LOG.warn("{}: preallocation of {} bytes at {} failed (errno {}); this segment goes on without it",
                        file, length, offset, errno);
            }
        }
    }

    /**
     * The segment sealed at {@code length}: frees the blocks allocated past it and closes the descriptor. Writer only,
     * when the file's length is exactly {@code length} (nothing is appended or cut meanwhile).
     */
    synchronized void release(long length) {
        if (done) {
            return;
        }
        done = true;
        if (fd < 0) {
            return;
        }
        try {
            NativeFiles.truncate(fd, length); // also what a crash left allocated past a recovered segment's end
        } catch (LastErrorException e) {
            LOG.warn("{}: freeing the blocks preallocated past {} failed (errno {})", file, length, e.getErrorCode());
        } finally {
            closeFd();
        }
    }

    /**
     * Frees whatever blocks a crash left allocated past {@code length}, the file's length: at load, before anything
     * writes to the file. Cutting a file to its own length frees the blocks past it and changes no byte. A file
     * under {@link #START_BYTES} was never preallocated, and is left alone: a load then costs no system call (and no
     * inode update) for each of thousands of small partitions. Any thread; a failure only keeps the blocks (logged).
     */
    static void freePastEnd(Path file, long length) {
        if (unsupported || length < START_BYTES) {
            return;
        }
        int fd;
        try {
            fd = NativeFiles.openForWrite(file.toString());
        } catch (LastErrorException e) {
            LOG.debug("{}: blocks past the end not checked, open failed (errno {})", file, e.getErrorCode());
            return;
        }
        try {
            NativeFiles.truncate(fd, length);
        } catch (LastErrorException e) {
            LOG.warn("{}: freeing the blocks past {} failed (errno {})", file, length, e.getErrorCode());
        } finally {
            try {
                NativeFiles.close(fd);
            } catch (LastErrorException e) {
                LOG.debug("{}: close failed (errno {})", file, e.getErrorCode());
            }
        }
    }

    /** Closes the descriptor without touching the file (the segment closes, or its files are deleted). */
    synchronized void close() {
        done = true;
        closeFd();
    }

    private void closeFd() {
        if (fd >= 0) {
            try {
                NativeFiles.close(fd);
            } catch (LastErrorException e) {
                LOG.debug("{}: close of the preallocation descriptor failed (errno {})", file, e.getErrorCode());
            }
            fd = -1;
        }
    }
}
