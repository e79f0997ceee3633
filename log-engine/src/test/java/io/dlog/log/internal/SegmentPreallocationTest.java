package io.dlog.log.internal;

import io.dlog.log.LogConfig;
import io.dlog.log.LogManager;
import io.dlog.log.PartitionLog;
import io.dlog.log.TopicPartition;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static io.dlog.log.internal.LogTestSupport.T0;
import static io.dlog.log.internal.LogTestSupport.append;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Blocks ahead of an active segment's end: allocated on the real file system (measured with {@code stat}), never
 * visible in the file's length, never past {@code segment.bytes}, freed when the segment seals (here by
 * {@code segment.ms}, megabytes before it is full), and the data
 * around them reads back as written, before and after a restart.
 */
class SegmentPreallocationTest {
    private static final int SEGMENT_BYTES = 12 << 20;
    private static final String VALUE = "v".repeat(60_000);
    private static final long SEGMENT_MS = 60_000;
    /** st_blocks also counts the file system's own blocks for a file (ext4's extent tree): allow a few. */
    private static final long METADATA_SLACK = 64 << 10;

    @TempDir
    Path dir;
    private final MutableClock clock = new MutableClock(T0);
    private final TopicPartition tp = new TopicPartition("p", 0);
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

    private PartitionLog open() throws Exception {
        manager = LogTestSupport.open(dir, clock, config());
        return manager.getOrCreate(tp, config());
    }

    @Test
    void shouldAllocateAheadOfTheEndAndFreeTheRestWhenTheSegmentSeals() throws Exception {
        assumeTrue(SegmentPreallocation.enabled(), "fallocate is not available here");
        PartitionLog log = open();
        List<String> written = new ArrayList<>();
        while (log.sizeInBytes() < 3 << 20) {
            String v = written.size() + VALUE;
            append(log, TestBatches.of(v).timestamp(clock.millis()).build());
            written.add(v);
        }
        Path active = segments().get(0);
        long length = Files.size(active);
        assertThat(length).isEqualTo(log.sizeInBytes());
        // the window ahead is at least 4 MiB once the segment passed 1 MiB; the allocation runs in the background
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (allocatedBytes(active) < length + (2 << 20) && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertThat(allocatedBytes(active)).isGreaterThanOrEqualTo(length + (2 << 20))
                .isLessThanOrEqualTo(SEGMENT_BYTES + METADATA_SLACK);
        assertThat(Files.size(active)).isEqualTo(length);

        // segment.ms passes: the segment rolls with megabytes still allocated ahead, and the seal frees them
        clock.advance(SEGMENT_MS + 1);
        String next = written.size() + VALUE;
        append(log, TestBatches.of(next).timestamp(clock.millis()).build());
        written.add(next);
        assertThat(segments()).hasSize(2);
        Path sealed = segments().get(0);
        assertThat(Files.size(sealed)).isEqualTo(length);
        assertThat(allocatedBytes(sealed)).isLessThanOrEqualTo(roundUp(length) + METADATA_SLACK);
        assertSameValues(log, written);

        // a clean shutdown seals the active segment too; a restart reads everything back
        manager.close();
        manager = null;
        for (Path p : segments()) {
            assertThat(allocatedBytes(p)).isLessThanOrEqualTo(roundUp(Files.size(p)) + METADATA_SLACK);
        }
        PartitionLog reopened = open();
        assertSameValues(reopened, written);
        String v = "after" + VALUE;
        append(reopened, TestBatches.of(v).timestamp(clock.millis()).build());
        written.add(v);
        assertSameValues(reopened, written);
    }

    @Test
    void shouldFreeBlocksACrashLeftPastTheNewestSegmentsEndWhenTheLogLoads() throws Exception {
        assumeTrue(SegmentPreallocation.enabled(), "fallocate is not available here");
        PartitionLog log = open();
        List<String> written = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            String v = i + VALUE;
            append(log, TestBatches.of(v).timestamp(clock.millis()).build());
            written.add(v);
        }
        manager.close();
        manager = null;
        // what a crash before the seal leaves: blocks allocated past the end, the length unchanged
        Path newest = segments().get(segments().size() - 1);
        long length = Files.size(newest);
        int fd = NativeFiles.openForWrite(newest.toString());
        try {
            NativeFiles.allocateKeepSize(fd, length, 8 << 20);
        } finally {
            NativeFiles.close(fd);
        }
        assertThat(allocatedBytes(newest)).isGreaterThanOrEqualTo(length + (8 << 20));

        PartitionLog reopened = open();
        assertThat(Files.size(newest)).isEqualTo(length);
        assertThat(allocatedBytes(newest)).isLessThanOrEqualTo(roundUp(length) + METADATA_SLACK);
        assertSameValues(reopened, written);
    }

    @Test
    void shouldLeaveSmallSegmentsAlone() throws Exception {
        assumeTrue(SegmentPreallocation.enabled(), "fallocate is not available here");
        PartitionLog log = open();
        for (int i = 0; i < 10; i++) {
            append(log, TestBatches.of(i + VALUE).timestamp(clock.millis()).build());
        }
        Path active = segments().get(0);
        Thread.sleep(200);
        assertThat(allocatedBytes(active)).isLessThanOrEqualTo(roundUp(Files.size(active)) + METADATA_SLACK);
    }

    /** Reads the whole log (one segment per read) and compares without printing megabytes on failure. */
    private static void assertSameValues(PartitionLog log, List<String> written) throws Exception {
        List<String> read = new ArrayList<>();
        while (read.size() < log.logEndOffset()) {
            List<String> more = LogTestSupport.readValues(log, read.size());
            assertThat(more).as("values after %d", read.size()).isNotEmpty();
            read.addAll(more);
        }
        assertThat(read.size()).isEqualTo(written.size());
        for (int i = 0; i < read.size(); i++) {
            assertThat(read.get(i).equals(written.get(i))).as("value %d", i).isTrue();
        }
    }

    private List<Path> segments() throws IOException {
        try (Stream<Path> files = Files.list(dir.resolve(tp.topic() + "-" + tp.partition()))) {
            return files.filter(p -> p.getFileName().toString().endsWith(".log")).sorted().toList();
        }
    }

    private static long roundUp(long length) {
        return (length + 4095) / 4096 * 4096;
    }

    /** The bytes of disk the file holds: {@code stat}'s blocks times its block unit. */
    private static long allocatedBytes(Path file) throws Exception {
        Process p = new ProcessBuilder("stat", "-c", "%b %B", file.toString()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        assertThat(p.waitFor()).as(out).isZero();
        String[] parts = out.split(" ");
        return Long.parseLong(parts[0]) * Long.parseLong(parts[1]);
    }
}
