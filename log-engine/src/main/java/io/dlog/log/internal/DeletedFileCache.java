package io.dlog.log.internal;

import com.sun.jna.LastErrorException;
import java.nio.file.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Gives back the page cache of a deleted segment's file as soon as it is deleted, not when the file goes
 * {@code file.delete.delay.ms} later. Why: a deleted topic's pages are never read again (a fetch in flight still
 * reads the file, from disk), yet until the file goes they hold memory, GBs after a topic written at full rate; and
 * on this project's VMs the page-cache writes that ran while those GBs were freed at once cost four to five times
 * the CPU (docs/benchmarks.md, session 43), where freeing them at the deletion did not. Dirty pages stay (the kernel
 * queues their writeback); with early writeback (SegmentWriteback) that is at most a segment's last mebibyte.
 *
 * <p>Thread-safety: stateless; called on the log manager's background executor, never on a writer or network thread
 * (dropping a GB of pages takes the kernel tens of milliseconds).
 */
final class DeletedFileCache {
    private static final Logger LOG = LoggerFactory.getLogger(DeletedFileCache.class);

    private DeletedFileCache() {
    }

    /** Drops {@code file}'s clean pages from the page cache; a file that is gone, or no libc, is no error. */
    static void release(Path file) {
        if (!NativeFiles.available()) {
            return;
        }
        int fd;
        try {
            fd = NativeFiles.openForRead(file.toString());
        } catch (LastErrorException e) {
            return; // already deleted (ENOENT), or not ours to read: nothing to give back
        }
        try {
            int error = NativeFiles.dropCachedPages(fd);
            if (error != 0) {
                LOG.debug("posix_fadvise(DONTNEED) of {} failed with error {}", file, error);
            }
        } finally {
            try {
                NativeFiles.close(fd);
            } catch (LastErrorException e) {
                LOG.debug("close of {} failed with errno {}", file, e.getErrorCode());
            }
        }
    }
}
