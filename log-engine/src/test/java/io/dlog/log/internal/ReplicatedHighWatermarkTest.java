package io.dlog.log.internal;

import io.dlog.log.FlushMode;
import io.dlog.log.LogConfig;
import io.dlog.log.LogManager;
import io.dlog.log.PartitionLog;
import io.dlog.log.TopicPartition;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static io.dlog.log.internal.LogTestSupport.T0;
import static io.dlog.log.internal.LogTestSupport.append;
import static org.assertj.core.api.Assertions.assertThat;

/** The high watermark apart from the log end: replicated mode, its updates, checkpoint and recovery. */
class ReplicatedHighWatermarkTest {
    @TempDir
    Path dir;
    @TempDir
    Path copyDir;
    private final MutableClock clock = new MutableClock(T0);
    private final TopicPartition tp = new TopicPartition("t", 0);
    private LogConfig config = LogConfig.DEFAULT;
    private LogManager manager;
    private PartitionLog log;

    @BeforeEach
    void setUp() throws Exception {
        reopen(dir);
    }

    private void reopen(Path dataDir) throws Exception {
        if (manager != null) {
            manager.close();
        }
        manager = LogTestSupport.open(dataDir, clock, config);
        log = manager.getOrCreate(tp, config);
    }

    @AfterEach
    void tearDown() throws Exception {
        manager.close();
    }

    private void plain(String... values) throws Exception {
        append(log, TestBatches.of(values).timestamp(T0).build(), 0);
    }

    private long updateHighWatermark(long hw) throws Exception {
        return log.updateHighWatermark(hw).get(10, TimeUnit.SECONDS);
    }

    private void replicated(boolean on) throws Exception {
        log.setReplicated(on).get(10, TimeUnit.SECONDS);
    }

    @Test
    void shouldMoveTheHighWatermarkOnTheCallingThreadWhenTheWriterIsIdle() throws Exception {
        plain("a", "b");
        replicated(true);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!((DefaultLogManager) manager).writersIdle()) {
            assertThat(System.nanoTime()).as("writers idle").isLessThan(deadline);
            Thread.sleep(1);
        }

        var moved = log.updateHighWatermark(2);

        assertThat(moved).isCompletedWithValue(2L);
        assertThat(log.highWatermark()).isEqualTo(2);
    }

    @Test
    void shouldMoveTheHighWatermarkOnlyWhenTheReplicationLayerSaysSo() throws Exception {
        // Given a replicated partition
        plain("a");
        replicated(true);

        // When appends arrive
        plain("b", "c");
        plain("d");

        // Then the log end moves, the high watermark stays, and consumers see below it only
        assertThat(log.logEndOffset()).isEqualTo(4);
        assertThat(log.durableEndOffset()).isEqualTo(4);
        assertThat(log.highWatermark()).isEqualTo(1);
        assertThat(log.read(0, Integer.MAX_VALUE, log.highWatermark(), true).highWatermark()).isEqualTo(1);
        assertThat(LogTestSupport.bytes(log.read(0, Integer.MAX_VALUE, log.highWatermark(), true)).limit())
                .isEqualTo(LogTestSupport.bytes(log.read(0, Integer.MAX_VALUE, 1, true)).limit());

        // And updates are monotonic and capped by the durable end
        assertThat(updateHighWatermark(3)).isEqualTo(3);
        assertThat(updateHighWatermark(2)).isEqualTo(3);
        assertThat(updateHighWatermark(100)).isEqualTo(4);
        assertThat(log.highWatermark()).isEqualTo(4);
    }

    @Test
    void shouldKeepTheLastStableOffsetAtOrBelowTheHighWatermark() throws Exception {
        replicated(true);
        plain("x");
        append(log, TestBatches.of("t").producer(4, 0, 0).transactional().timestamp(T0).build(), 0);
        append(log, TestBatches.marker(4, 0, true, 1).timestamp(T0).build(), 0);
        assertThat(log.lastStableOffset()).isZero();

        updateHighWatermark(2);
        assertThat(log.lastStableOffset()).as("the marker at 2 is not committed yet").isEqualTo(1);
        updateHighWatermark(3);
        assertThat(log.lastStableOffset()).isEqualTo(3);
    }

    @Test
    void shouldFollowTheFsyncedEndInFsyncMode() throws Exception {
        config = LogConfig.DEFAULT.withFlushMode(FlushMode.FSYNC);
        reopen(dir);
        replicated(true);
        plain("a", "b");
        assertThat(log.durableEndOffset()).isEqualTo(2);
        assertThat(log.highWatermark()).isZero();
        assertThat(updateHighWatermark(5)).isEqualTo(2);
    }

    @Test
    void shouldCheckpointLazilyAndRecoverTheSmallerOfCheckpointAndLogEnd() throws Exception {
        replicated(true);
        plain("a", "b", "c", "d", "e");
        updateHighWatermark(3);
        ((DefaultLogManager) manager).checkpointHighWatermarks();
        updateHighWatermark(5);

        // a crash now: the files as they are, without the close that would write the newer checkpoint
        copyPartition();
        reopen(copyDir);
        assertThat(log.isReplicated()).isTrue();
        assertThat(log.highWatermark()).isEqualTo(3);
        assertThat(log.logEndOffset()).isEqualTo(5);

        // a clean close writes the high watermark in force
        updateHighWatermark(4);
        reopen(copyDir);
        assertThat(log.highWatermark()).isEqualTo(4);
    }

    @Test
    void shouldCapACheckpointBeyondTheRecoveredLogEnd() throws Exception {
        replicated(true);
        plain("a", "b");
        manager.close();
        Path partition = dir.resolve(tp.dirName());
        Files.writeString(partition.resolve(HighWatermarkCheckpoint.FILE), "0\n100\n");
        manager = null;
        reopen(dir);
        assertThat(log.highWatermark()).isEqualTo(2);

        manager.close();
        Files.writeString(partition.resolve(HighWatermarkCheckpoint.FILE), "garbage");
        manager = null;
        reopen(dir);
        assertThat(log.isReplicated()).isTrue();
        assertThat(log.highWatermark()).as("nothing known committed").isZero();
    }

    @Test
    void shouldKeepATransactionAboveTheCheckpointUnstableAfterARestart() throws Exception {
        replicated(true);
        plain("x");
        append(log, TestBatches.of("t").producer(4, 0, 0).transactional().timestamp(T0).build(), 0);
        updateHighWatermark(2);
        append(log, TestBatches.marker(4, 0, false, 1).timestamp(T0).build(), 0);
        reopen(dir);
        assertThat(log.highWatermark()).isEqualTo(2);
        assertThat(log.lastStableOffset()).isEqualTo(1);
        updateHighWatermark(3);
        assertThat(log.lastStableOffset()).isEqualTo(3);
    }

    @Test
    void shouldClampOnTruncationAndFollowTheLogEndAgainWhenUnreplicated() throws Exception {
        replicated(true);
        plain("a", "b");
        plain("c");
        updateHighWatermark(3);
        log.truncateTo(2).get(10, TimeUnit.SECONDS);
        assertThat(log.highWatermark()).isEqualTo(2);
        plain("d");
        assertThat(log.highWatermark()).isEqualTo(2);

        replicated(false);
        assertThat(log.isReplicated()).isFalse();
        assertThat(log.highWatermark()).isEqualTo(3);
        assertThat(dir.resolve(tp.dirName()).resolve(HighWatermarkCheckpoint.FILE)).doesNotExist();
        plain("e");
        assertThat(log.highWatermark()).isEqualTo(4);
        reopen(dir);
        assertThat(log.isReplicated()).isFalse();
    }

    private void copyPartition() throws Exception {
        Path from = dir.resolve(tp.dirName());
        Path to = Files.createDirectories(copyDir.resolve(tp.dirName()));
        try (Stream<Path> files = Files.list(from)) {
            for (Path f : files.toList()) {
                Files.copy(f, to.resolve(f.getFileName()));
            }
        }
    }
}
