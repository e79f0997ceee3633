package io.dlog.log.internal;

import com.sun.jna.LastErrorException;
import com.sun.jna.Library;
import com.sun.jna.Native;
import com.sun.jna.Platform;

/**
 * The Linux file calls the JDK 17 does not offer, through JNA: {@code fallocate(2)} with
 * {@code FALLOC_FL_KEEP_SIZE}, {@code sync_file_range(2)} with {@code SYNC_FILE_RANGE_WRITE},
 * {@code posix_fadvise(2)} with {@code POSIX_FADV_DONTNEED}, and the descriptor calls around them. Off Linux, or when
 * the native library cannot be loaded, {@link #available()} is false and callers go on without it.
 *
 * <p>Thread-safety: stateless apart from the library handle, which is set once at class initialization; libc's calls
 * are thread-safe. The first use loads JNA's native library, which can take tens of milliseconds: call
 * {@link #available()} once at startup, not first on a network thread.
 */
final class NativeFiles {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(NativeFiles.class);

    static final int EOPNOTSUPP = 95;
    static final int ENOSYS = 38;
    static final int ENOSPC = 28;
    static final int EINVAL = 22;
    private static final int O_RDONLY = 0;
    private static final int O_WRONLY = 1;
    private static final int O_CLOEXEC = 0x80000;
    private static final int FALLOC_FL_KEEP_SIZE = 1;
    private static final int SYNC_FILE_RANGE_WRITE = 2;
    private static final int POSIX_FADV_DONTNEED = 4;

    /** libc, declared as JNA maps it; each call sets errno into the {@link LastErrorException} it throws. */
    interface LibC extends Library {
        int open(String path, int flags) throws LastErrorException;

        int fallocate(int fd, int mode, long offset, long length) throws LastErrorException;

        int ftruncate(int fd, long length) throws LastErrorException;

        int sync_file_range(int fd, long offset, long nbytes, int flags) throws LastErrorException;

        int close(int fd) throws LastErrorException;

        /** Returns the error number itself (0 on success) rather than setting errno. */
        int posix_fadvise(int fd, long offset, long length, int advice);
    }

    private static final LibC LIBC = load();

    private NativeFiles() {
    }

    private static LibC load() {
        if (!Platform.isLinux()) {
            return null;
        }
        try {
            return Native.load("c", LibC.class);
        } catch (Throwable e) { // UnsatisfiedLinkError, or JNA's own native library missing for this platform
            LOG.info("Disk blocks are not preallocated for segments: libc could not be loaded through JNA ({})",
                    e.toString());
            return null;
        }
    }

    static boolean available() {
        return LIBC != null;
    }

    /** Opens {@code path} for writing (no create, close-on-exec); returns the descriptor. */
    static int openForWrite(String path) throws LastErrorException {
        return LIBC.open(path, O_WRONLY | O_CLOEXEC);
    }

    /** Opens {@code path} for reading (close-on-exec); returns the descriptor. */
    static int openForRead(String path) throws LastErrorException {
        return LIBC.open(path, O_RDONLY | O_CLOEXEC);
    }

    /**
     * Asks the kernel to drop the file's clean pages from the page cache (dirty ones are queued for writeback and
     * stay); returns 0 or the error number.
     */
    static int dropCachedPages(int fd) {
        return LIBC.posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
    }

    /** Allocates blocks for {@code [offset, offset + length)} without changing the file's length. */
    static void allocateKeepSize(int fd, long offset, long length) throws LastErrorException {
        LIBC.fallocate(fd, FALLOC_FL_KEEP_SIZE, offset, length);
    }

    /** Queues the writes of the dirty pages in {@code [offset, offset + length)}; does not wait for them. */
    static void startWriteback(int fd, long offset, long length) throws LastErrorException {
        LIBC.sync_file_range(fd, offset, length, SYNC_FILE_RANGE_WRITE);
    }

    /** Sets the file's length; on ext4 and XFS this also frees blocks allocated past it. */
    static void truncate(int fd, long length) throws LastErrorException {
        LIBC.ftruncate(fd, length);
    }

    static void close(int fd) throws LastErrorException {
        LIBC.close(fd);
    }
}
