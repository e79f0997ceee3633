package io.dlog.log.internal;

import static io.dlog.log.internal.LogTestSupport.T0;
import static io.dlog.log.internal.LogTestSupport.append;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.dlog.log.FlushMode;
import io.dlog.log.LogConfig;
import io.dlog.log.LogManager;
import io.dlog.log.PartitionLog;
import io.dlog.log.TopicPartition;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A deleted partition's and a removed segment's page cache goes at the deletion, while their files stay for
 * {@code file.delete.delay.ms}; the live segments keep theirs. Measured on the real page cache with
 * {@code cachestat(2)}; flush mode FSYNC, so every written page is clean and can go.
 */
class DeletedFileCacheTest {
    private static final long DELETE_DELAY_MS = 60_000;
    private static final long SEGMENT_MS = 60_000;
    private static final String VALUE = "c".repeat(60_000);
    private static final int WRITTEN = 4 << 20;

    @TempDir
    Path dir;
    private final MutableClock clock = new MutableClock(T0);
    private final TopicPartition tp = new TopicPartition("c", 0);
    private LogManager manager;

    @BeforeEach
    void needsTheCalls() {
        assumeTrue(NativeFiles.available() && PageCacheStat.available(), "no libc through JNA, or no cachestat(2)");
    }

    @AfterEach
    void tearDown() throws Exception {
        if (manager != null) {
            manager.close();
        }
    }

    private static LogConfig config() {
        return new LogConfig(64 << 20, SEGMENT_MS, 1 << 20, 4096, -1, -1, 1 << 20, false, true, false,
                Long.MAX_VALUE, Long.MAX_VALUE, FlushMode.FSYNC, DELETE_DELAY_MS);
    }

    @Test
    void shouldGiveBackADeletedPartitionsPageCacheAtTheDeletionAndItsFilesAfterTheDelay() throws Exception {
        PartitionLog log = open();
        appendUntil(log, WRITTEN);
        Path segment = logFiles(dir.resolve("c-0")).get(0);
        assertThat(PageCacheStat.cachedPages(segment, 0, 0)).as("pages cached after the writes").isPositive();

        manager.delete(tp);

        Path deleted = deletedFolder();
        Path file = deleted.resolve(segment.getFileName());
        awaitNoCachedPages(file);
        assertThat(file).as("the file stays for file.delete.delay.ms").exists();
    }

    @Test
    void shouldGiveBackARemovedSegmentsPageCacheAndKeepTheLiveSegments() throws Exception {
        PartitionLog log = open();
        long firstEnd = appendUntil(log, WRITTEN);
        clock.advance(SEGMENT_MS + 1);
        appendUntil(log, log.sizeInBytes() + WRITTEN);
        List<Path> segments = logFiles(dir.resolve("c-0"));
        assertThat(segments).hasSize(2);
        Path live = segments.get(1);

        log.deleteRecordsBefore(firstEnd).get();

        Path removed = segments.get(0).resolveSibling(segments.get(0).getFileName() + ".deleted");
        awaitNoCachedPages(removed);
        assertThat(removed).as("the file stays for file.delete.delay.ms").exists();
        assertThat(PageCacheStat.cachedPages(live, 0, 0)).as("the live segment's pages").isPositive();
    }

    private PartitionLog open() throws Exception {
        manager = LogTestSupport.open(dir, clock, config());
        return manager.getOrCreate(tp, config());
    }

    /** Appends until the log holds {@code bytes}; returns the offset after the last record. */
    private long appendUntil(PartitionLog log, long bytes) throws Exception {
        long next = 0;
        while (log.sizeInBytes() < bytes) {
            next = append(log, TestBatches.of(VALUE).timestamp(clock.millis()).build()).lastOffset() + 1;
        }
        return next;
    }

    private Path deletedFolder() throws IOException {
        try (Stream<Path> dirs = Files.list(dir)) {
            List<Path> deleted = dirs.filter(p -> p.getFileName().toString().endsWith("-delete")).toList();
            assertThat(deleted).as("folders renamed for deletion").hasSize(1);
            return deleted.get(0);
        }
    }

    private static List<Path> logFiles(Path folder) throws IOException {
        try (Stream<Path> files = Files.list(folder)) {
            return files.filter(p -> p.getFileName().toString().endsWith(".log")).sorted().toList();
        }
    }

    private static void awaitNoCachedPages(Path file) throws InterruptedException {
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (PageCacheStat.cachedPages(file, 0, 0) > 0 && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertThat(PageCacheStat.cachedPages(file, 0, 0)).as("pages of %s cached", file).isZero();
    }
}
