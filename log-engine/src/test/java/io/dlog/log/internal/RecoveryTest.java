package io.dlog.log.internal;

import io.dlog.log.LogConfig;
import io.dlog.log.LogManager;
import io.dlog.log.PartitionLog;
import io.dlog.log.TopicPartition;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

import static io.dlog.log.internal.LogTestSupport.T0;
import static io.dlog.log.internal.LogTestSupport.append;
import static org.assertj.core.api.Assertions.assertThat;

class RecoveryTest {
    @TempDir
    Path dir;
    private final MutableClock clock = new MutableClock(T0);
    private final TopicPartition tp = new TopicPartition("rec", 0);
    private final LogConfig config = LogConfig.DEFAULT;
    private LogManager manager;

    @AfterEach
    void tearDown() throws Exception {
        if (manager != null) {
            manager.close();
        }
    }

    private Path segmentFile() {
        return dir.resolve(tp.dirName()).resolve("00000000000000000000.log");
    }

    private long writeThree() throws Exception {
        manager = LogTestSupport.open(dir, clock, config);
        PartitionLog log = manager.getOrCreate(tp, config);
        for (int i = 0; i < 3; i++) {
            append(log, TestBatches.of("v" + i).timestamp(T0).build());
        }
        long size = log.sizeInBytes();
        manager.close();
        manager = null;
        return size;
    }

    private PartitionLog reopen() throws Exception {
        manager = LogTestSupport.open(dir, clock, config);
        return manager.get(tp).orElseThrow();
    }

    @Test
    void shouldLeaveTheFolderOfKafkasMetadataLogAlone() throws Exception {
        // Given a data folder formatted by kafka-storage format --initial-controllers (or dlog format): its voters
        Path kafka = Files.createDirectories(dir.resolve("__cluster_metadata-0"));
        Path snapshot = Files.write(kafka.resolve("00000000000000000000-0000000000.checkpoint"), new byte[] {1, 2, 3});

        // When
        manager = LogTestSupport.open(dir, clock, config);

        // Then: not a partition, and nothing in it written or removed
        assertThat(manager.get(new TopicPartition("__cluster_metadata", 0))).isEmpty();
        try (var files = Files.list(kafka)) {
            assertThat(files.toList()).containsExactly(snapshot);
        }
    }

    @Test
    void shouldRebuildACorruptLeaderEpochCheckpointFromTheBatches() throws Exception {
        // Given a log written under epochs 0, 3 and 7
        manager = LogTestSupport.open(dir, clock, config);
        PartitionLog log = manager.getOrCreate(tp, config);
        append(log, TestBatches.of("a", "b").timestamp(T0).build(), 0);
        append(log, TestBatches.of("c").timestamp(T0).build(), 3);
        append(log, TestBatches.of("d").timestamp(T0).build(), 3);
        append(log, TestBatches.of("e").timestamp(T0).build(), 7);
        manager.close();
        manager = null;
        Path checkpoint = dir.resolve(tp.dirName()).resolve(LeaderEpochCache.FILE);
        String written = Files.readString(checkpoint);
        // When the checkpoint is damaged (a bad line)
        Files.writeString(checkpoint, written.replace("3 2", "3 x"));
        // Then reopening rebuilds it from the batches instead of starting with no epochs
        log = reopen();
        assertThat(log.endOffsetForEpoch(0)).isEqualTo(new io.dlog.log.EpochEndOffset(0, 2));
        assertThat(log.endOffsetForEpoch(3)).isEqualTo(new io.dlog.log.EpochEndOffset(3, 4));
        assertThat(log.endOffsetForEpoch(7)).isEqualTo(new io.dlog.log.EpochEndOffset(7, 5));
        assertThat(Files.readString(checkpoint)).isEqualTo(written);
    }

    @Test
    void shouldRefuseToOpenAPartitionWhoseLogStartCheckpointIsCorrupt() throws Exception {
        // Given records deleted up to offset 2 (inside the first segment)
        manager = LogTestSupport.open(dir, clock, config);
        PartitionLog log = manager.getOrCreate(tp, config);
        for (int i = 0; i < 4; i++) {
            append(log, TestBatches.of("v" + i).timestamp(T0).build());
        }
        log.deleteRecordsBefore(2).get();
        manager.close();
        manager = null;
        // When the log-start checkpoint is damaged
        Path checkpoint = dir.resolve(tp.dirName()).resolve(LogLoader.LOG_START_CHECKPOINT);
        Files.writeString(checkpoint, "2#garbage\n");
        // Then the log does not open (it would otherwise start at 0 and serve v0 and v1 again), and says why
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> LogTestSupport.open(dir, clock, config))
                .isInstanceOf(java.io.IOException.class).hasMessageContaining(LogLoader.LOG_START_CHECKPOINT)
                .hasMessageContaining("corrupt");
        // And with the file restored it opens where it was
        Files.writeString(checkpoint, "2\n");
        assertThat(LogTestSupport.readValues(reopen(), 2)).containsExactly("v2", "v3");
    }

    @Test
    void shouldTruncateATornTail() throws Exception {
        long size = writeThree();
        ByteBuffer partial = TestBatches.of("torn-" + "x".repeat(100)).timestamp(T0).build();
        partial.putLong(0, 3);
        partial.limit(partial.limit() - 20);
        try (FileChannel ch = FileChannel.open(segmentFile(), StandardOpenOption.WRITE, StandardOpenOption.APPEND)) {
            ch.write(partial);
        }
        PartitionLog log = reopen();
        assertThat(Files.size(segmentFile())).isEqualTo(size);
        assertThat(log.logEndOffset()).isEqualTo(3);
        assertThat(LogTestSupport.readValues(log, 0)).containsExactly("v0", "v1", "v2");
        assertThat(append(log, TestBatches.of("v3").timestamp(T0).build()).baseOffset()).isEqualTo(3);
        assertThat(LogTestSupport.readValues(log, 0)).containsExactly("v0", "v1", "v2", "v3");
    }

    @Test
    void shouldTruncateAtTheFirstBatchWithABadCrc() throws Exception {
        writeThree();
        int secondBatch = TestBatches.of("v0").timestamp(T0).build().remaining();
        try (FileChannel ch = FileChannel.open(segmentFile(), StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            ch.write(ByteBuffer.wrap(new byte[] {(byte) 0xEE}), secondBatch + BatchFormat.HEADER_SIZE + 2);
        }
        PartitionLog log = reopen();
        assertThat(log.logEndOffset()).isEqualTo(1);
        assertThat(LogTestSupport.readValues(log, 0)).containsExactly("v0");
    }

    @Test
    void shouldTruncateTrailingZeros() throws Exception {
        long size = writeThree();
        try (FileChannel ch = FileChannel.open(segmentFile(), StandardOpenOption.WRITE, StandardOpenOption.APPEND)) {
            ch.write(ByteBuffer.allocate(4096));
        }
        PartitionLog log = reopen();
        assertThat(Files.size(segmentFile())).isEqualTo(size);
        assertThat(log.logEndOffset()).isEqualTo(3);
    }

    @Test
    void shouldSkipForeignFoldersAndFiles() throws Exception {
        writeThree();
        Files.createDirectories(dir.resolve("__meta"));
        Files.writeString(dir.resolve("stray.txt"), "x");
        Files.createDirectories(dir.resolve("no_partition_number"));
        reopen();
        assertThat(manager.all()).extracting(PartitionLog::topicPartition).containsExactly(tp);
    }
}
