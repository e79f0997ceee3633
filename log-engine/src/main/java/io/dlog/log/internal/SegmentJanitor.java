package io.dlog.log.internal;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Background file chores that must not run on a writer thread or wait on one: closing and deleting
 * removed segments after {@code file.delete.delay.ms} (so reads in flight finish), removing deleted
 * partition folders, giving back the page cache of both at once.
 *
 * <p>Thread-safety: schedules onto the manager's single background executor; chores touch only files
 * no writer uses any more.
 */
final class SegmentJanitor {
    private static final Logger LOG = LoggerFactory.getLogger(SegmentJanitor.class);

    private final ScheduledExecutorService scheduler;
    private final Set<Runnable> waiting = ConcurrentHashMap.newKeySet();

    SegmentJanitor(ScheduledExecutorService scheduler) {
        this.scheduler = scheduler;
    }

    /** The segment must be {@link LogSegment#markDeleted marked deleted}: its page cache goes now, its files later. */
    void deleteLater(LogSegment segment, long delayMs) {
        if (delayMs > 0) {
            schedule(() -> DeletedFileCache.release(segment.deletedFile()), 0,
                    "release a deleted segment's page cache");
        }
        schedule(() -> segment.closeAndDeleteFiles(), delayMs, "delete segment");
    }

    /** {@code dir} is the partition folder already renamed for deletion: its page cache goes now, its files later. */
    void deleteDirLater(Path dir, Iterable<LogSegment> segments, long delayMs) {
        if (delayMs > 0) {
            schedule(() -> releaseSegmentFiles(dir), 0, "release a deleted partition's page cache");
        }
        schedule(() -> {
            for (LogSegment s : segments) {
                s.close();
            }
            deleteRecursively(dir);
        }, delayMs, "delete partition folder");
    }

    private void schedule(IoAction action, long delayMs, String what) {
        Runnable chore = new Runnable() {
            @Override
            public void run() {
                if (!waiting.remove(this)) {
                    return;
                }
                try {
                    action.run();
                } catch (IOException | RuntimeException e) {
                    LOG.warn("{} failed", what, e);
                }
            }
        };
        waiting.add(chore);
        try {
            scheduler.schedule(chore, Math.max(0, delayMs), TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException e) {
            chore.run();
        }
    }

    /** Shutdown: runs every chore still waiting for its delay now (nothing reads any more). */
    void runWaitingNow() {
        for (Runnable chore : List.copyOf(waiting)) {
            chore.run();
        }
    }

    private static void releaseSegmentFiles(Path dir) throws IOException {
        try (DirectoryStream<Path> logs = Files.newDirectoryStream(dir, "*.log")) {
            for (Path log : logs) {
                DeletedFileCache.release(log);
            }
        }
    }

    static void deleteRecursively(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                FileIo.deleteIfExists(p);
            }
        }
    }

    private interface IoAction {
        void run() throws IOException;
    }
}
