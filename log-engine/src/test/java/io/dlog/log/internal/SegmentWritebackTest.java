package io.dlog.log.internal;

import io.dlog.log.LogConfig;
import io.dlog.log.LogManager;
import io.dlog.log.PartitionLog;
import io.dlog.log.TopicPartition;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static io.dlog.log.internal.LogTestSupport.T0;
import static io.dlog.log.internal.LogTestSupport.append;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * An active segment's pages are written out a step behind its end, long before the kernel's flusher would (30 s,
 * {@code vm.dirty_expire_centisecs}), measured on the real page cache with {@code cachestat(2)} against a file written
 * the same way without it, also after a follower's truncation; no descriptor outlives the segment's seal; the data
 * reads back as written.
 */
class SegmentWritebackTest {
    private static final int SEGMENT_BYTES = 64 << 20;
    private static final String VALUE = "w".repeat(60_000);
    private static final long SEGMENT_MS = 60_000;
    private static final int WRITTEN = 6 << 20;

    @TempDir
    Path dir;
    private final MutableClock clock = new MutableClock(T0);
    private final TopicPartition tp = new TopicPartition("w", 0);
    private LogManager manager;

    @AfterEach
    void tearDown() throws Exception {
        if (manager != null) {
            manager.close();
        }
    }

    private static LogConfig config() {
        return LogTestSupport.segmentConfig(SEGMENT_BYTES, SEGMENT_MS);
    }

    @Test
    void shouldStartTheWritesOfAppendedPagesAStepBehindTheEnd() throws Exception {
        Path control = dirtyControlFile();
        PartitionLog log = open();
        List<String> written = appendUntil(log, new ArrayList<>(), WRITTEN);
        Path active = segments().get(0);
        // every whole step is handed over; what is past the last step waits for the next append
        awaitClean(active, 0, handedEnd(active));
        assertKernelLeftTheControlDirty(control);
        assertThat(LogTestSupport.readValues(log, 0)).first().isEqualTo(written.get(0));
    }

    @Test
    void shouldStartTheWritesOfPagesAppendedAgainAfterATruncation() throws Exception {
        Path control = dirtyControlFile();
        PartitionLog log = open();
        List<String> written = appendUntil(log, new ArrayList<>(), WRITTEN);
        Path active = segments().get(0);
        awaitClean(active, 0, handedEnd(active));
        // a follower's cut to a fifth of the segment seals it there; the appends after it go to a new segment, whose
        // pages are written out as they come
        log.truncateTo(written.size() / 5).get(10, TimeUnit.SECONDS);
        List<String> kept = new ArrayList<>(written.subList(0, written.size() / 5));
        appendUntil(log, kept, log.sizeInBytes() + (3L << 20));
        List<Path> segments = segments();
        assertThat(segments).hasSize(2);
        awaitClean(segments.get(1), 0, handedEnd(segments.get(1)));
        assertKernelLeftTheControlDirty(control);
        assertThat(LogTestSupport.readValues(log, 0)).first().isEqualTo(kept.get(0));
    }

    @Test
    void shouldHoldNoDescriptorOnceTheSegmentSeals() throws Exception {
        assumeTrue(SegmentWriteback.enabled(), "sync_file_range is not available here");
        PartitionLog log = open();
        List<String> written = appendUntil(log, new ArrayList<>(), 3 << 20);
        Path first = segments().get(0);
        clock.advance(SEGMENT_MS + 1);
        appendUntil(log, written, log.sizeInBytes() + 1);
        assertThat(segments()).hasSize(2);
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (descriptorsOn(first) > 1 && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertThat(descriptorsOn(first)).as("descriptors on the sealed segment: its channel only").isEqualTo(1);
        assertThat(LogTestSupport.readValues(log, 0)).first().isEqualTo(written.get(0));
    }

    private PartitionLog open() throws Exception {
        manager = LogTestSupport.open(dir, clock, config());
        return manager.getOrCreate(tp, config());
    }

    private List<String> appendUntil(PartitionLog log, List<String> written, long bytes) throws Exception {
        while (log.sizeInBytes() < bytes) {
            String v = written.size() + VALUE;
            append(log, TestBatches.of(v).timestamp(clock.millis()).build());
            written.add(v);
        }
        return written;
    }

    /** The end of the steps surely handed over: the whole steps below the file's end, less the one in progress. */
    private static long handedEnd(Path segment) throws IOException {
        return Files.size(segment) / SegmentWriteback.STEP * SegmentWriteback.STEP - SegmentWriteback.STEP;
    }

    /** A file written as a segment is, with no calls: its pages stay dirty unless the kernel writes on its own. */
    private Path dirtyControlFile() throws IOException {
        assumeTrue(SegmentWriteback.enabled(), "sync_file_range is not available here");
        Path control = dir.resolve("control.bin");
        try (FileChannel ch = FileChannel.open(control, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            ByteBuffer chunk = ByteBuffer.wrap(VALUE.getBytes());
            for (long at = 0; at < WRITTEN; at += chunk.capacity()) {
                ch.write(chunk.rewind(), at);
            }
        }
        assumeTrue(PageCacheStat.available() && PageCacheStat.dirtyPages(control, 0, WRITTEN) > 0,
                "cachestat(2) is missing, or the file system keeps no dirty pages");
        return control;
    }

    /** Skips the test if the kernel wrote the control file out meanwhile: then clean pages would prove nothing. */
    private static void assertKernelLeftTheControlDirty(Path control) {
        assumeTrue(PageCacheStat.dirtyPages(control, 0, WRITTEN) > 0, "the kernel wrote the control file out too");
    }

    private static void awaitClean(Path file, long from, long to) throws InterruptedException {
        assertThat(to).isGreaterThan(from);
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (PageCacheStat.dirtyPages(file, from, to - from) > 0 && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertThat(PageCacheStat.dirtyPages(file, from, to - from)).as("dirty pages in [%d, %d)", from, to).isZero();
    }

    private List<Path> segments() throws IOException {
        try (Stream<Path> files = Files.list(dir.resolve(tp.topic() + "-" + tp.partition()))) {
            return files.filter(p -> p.getFileName().toString().endsWith(".log")).sorted().toList();
        }
    }

    /** How many of this process's descriptors name {@code file}. */
    private static long descriptorsOn(Path file) throws IOException {
        Path real = file.toRealPath();
        long count = 0;
        try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
            for (Path fd : fds.toList()) {
                try {
                    if (Files.readSymbolicLink(fd).equals(real)) {
                        count++;
                    }
                } catch (IOException e) {
                    // closed since the listing
                }
            }
        }
        return count;
    }
}
