package io.dlog.log.internal;

import com.sun.jna.LastErrorException;
import com.sun.jna.Library;
import com.sun.jna.Native;
import java.nio.file.Path;

/** {@code cachestat(2)} (Linux 6.5+): how many of a file range's pages are in the page cache, and how many dirty. */
final class PageCacheStat {
    private static final long SYS_CACHESTAT = 451; // the same number on x86-64 and arm64
    private static final LibC LIBC = load();

    interface LibC extends Library {
        int open(String path, int flags) throws LastErrorException;

        int close(int fd) throws LastErrorException;

        long syscall(long number, int fd, long[] range, long[] stat, int flags) throws LastErrorException;
    }

    private PageCacheStat() {
    }

    private static LibC load() {
        try {
            LibC c = Native.load("c", LibC.class);
            int fd = c.open("/proc/self/exe", 0);
            try {
                c.syscall(SYS_CACHESTAT, fd, new long[] {0, 4096}, new long[5], 0);
            } finally {
                c.close(fd);
            }
            return c;
        } catch (Throwable e) { // no JNA here, or a kernel without the call (ENOSYS)
            return null;
        }
    }

    static boolean available() {
        return LIBC != null;
    }

    static long dirtyPages(Path file, long offset, long length) {
        return stat(file, offset, length)[1];
    }

    /** Pages of the range in the page cache, dirty or clean; length 0 means to the end of the file. */
    static long cachedPages(Path file, long offset, long length) {
        return stat(file, offset, length)[0];
    }

    private static long[] stat(Path file, long offset, long length) {
        int fd = LIBC.open(file.toString(), 0);
        try {
            long[] stat = new long[5]; // nr_cache, nr_dirty, nr_writeback, nr_evicted, nr_recently_evicted
            LIBC.syscall(SYS_CACHESTAT, fd, new long[] {offset, length}, stat, 0);
            return stat;
        } finally {
            LIBC.close(fd);
        }
    }
}
