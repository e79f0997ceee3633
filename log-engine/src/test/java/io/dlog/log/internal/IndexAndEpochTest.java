package io.dlog.log.internal;

import io.dlog.log.EpochEndOffset;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

class IndexAndEpochTest {
    @TempDir
    Path dir;

    @Test
    void shouldLookUpOffsetIndexEntriesAndRoundTripTheFile() throws Exception {
        OffsetIndex index = new OffsetIndex();
        for (int i = 1; i <= 100; i++) {
            index.append(i * 10, i * 1000);
        }
        assertThat(index.lookup(5)).isZero();
        assertThat(index.lookup(10)).isEqualTo(1000);
        assertThat(index.lookup(15)).isEqualTo(1000);
        assertThat(index.lookup(10_000)).isEqualTo(100_000);
        Path file = dir.resolve("x.index");
        index.writeTo(file);
        OffsetIndex loaded = OffsetIndex.load(file, 200_000);
        assertThat(loaded).isNotNull();
        assertThat(loaded.entries()).isEqualTo(100);
        assertThat(loaded.lookup(555)).isEqualTo(55_000);
        assertThat(OffsetIndex.load(file, 50_000)).as("entry beyond the segment").isNull();
        Files.write(file, new byte[12]);
        assertThat(OffsetIndex.load(file, 200_000)).as("not a multiple of the entry size").isNull();
        assertThat(OffsetIndex.load(dir.resolve("missing.index"), 1)).isNull();
    }

    @Test
    void shouldFindTheLastBatchStartWithinAPositionAndOffsetBound() {
        OffsetIndex index = new OffsetIndex();
        assertThat(index.lastBatchStartAtOrBefore(1_000, 1_000)).isEqualTo(-1);
        for (int i = 1; i <= 100; i++) {
            index.append(i * 10, i * 1000);
        }
        assertThat(index.lastBatchStartAtOrBefore(999, 10_000)).isEqualTo(-1);
        assertThat(index.lastBatchStartAtOrBefore(1000, 10_000)).isEqualTo(1000);
        assertThat(index.lastBatchStartAtOrBefore(55_500, 10_000)).isEqualTo(55_000);
        assertThat(index.lastBatchStartAtOrBefore(Integer.MAX_VALUE, 10_000)).isEqualTo(100_000);
        assertThat(index.lastBatchStartAtOrBefore(55_500, 305)).as("offset bound wins").isEqualTo(30_000);
        assertThat(index.lastBatchStartAtOrBefore(55_500, 9)).isEqualTo(-1);
    }

    @Test
    void shouldKeepTimeIndexMonotonicAndFindTheScanStart() throws Exception {
        TimeIndex index = new TimeIndex();
        index.maybeAppend(100, 0);
        index.maybeAppend(90, 5);
        index.maybeAppend(200, 10);
        assertThat(index.entries()).isEqualTo(2);
        assertThat(index.lastOffsetBelow(100)).isEqualTo(-1);
        assertThat(index.lastOffsetBelow(150)).isZero();
        assertThat(index.lastOffsetBelow(500)).isEqualTo(10);
        Path file = dir.resolve("x.timeindex");
        index.writeTo(file);
        assertThat(TimeIndex.load(file, 20).lastTimestamp()).isEqualTo(200);
        assertThat(TimeIndex.load(file, 5)).isNull();
        ByteBuffer bad = ByteBuffer.allocate(24).putLong(200).putInt(0).putLong(100).putInt(1);
        Files.write(file, bad.array());
        assertThat(TimeIndex.load(file, 20)).isNull();
    }

    @Test
    void shouldAnswerEndOffsetForEpochLikeKafka() throws Exception {
        LeaderEpochCache cache = LeaderEpochCache.load(dir);
        cache.maybeAssign(2, 0);
        cache.maybeAssign(2, 5);
        cache.maybeAssign(4, 10);
        cache.maybeAssign(7, 20);
        assertThat(cache.endOffsetFor(1, 30)).as("below the first epoch: where it starts").isEqualTo(new EpochEndOffset(1, 0));
        assertThat(cache.endOffsetFor(-1, 30)).isEqualTo(EpochEndOffset.UNDEFINED);
        assertThat(cache.endOffsetFor(2, 30)).isEqualTo(new EpochEndOffset(2, 10));
        assertThat(cache.endOffsetFor(3, 30)).isEqualTo(new EpochEndOffset(2, 10));
        assertThat(cache.endOffsetFor(5, 30)).isEqualTo(new EpochEndOffset(4, 20));
        assertThat(cache.endOffsetFor(7, 30)).isEqualTo(new EpochEndOffset(7, 30));
        assertThat(cache.endOffsetFor(8, 30)).isEqualTo(EpochEndOffset.UNDEFINED);
        cache.truncateFromEnd(15);
        cache.truncateFromStart(12);
        LeaderEpochCache reloaded = LeaderEpochCache.load(dir);
        assertThat(reloaded.entries()).containsExactly(new LeaderEpochCache.EpochEntry(4, 12));
        assertThat(Files.readString(dir.resolve(LeaderEpochCache.FILE))).isEqualTo("0\n1\n4 12\n");
    }

    @Test
    void shouldWrapSequences() {
        assertThat(BatchFormat.incrementSequence(Integer.MAX_VALUE, 1)).isZero();
        assertThat(BatchFormat.incrementSequence(Integer.MAX_VALUE - 1, 3)).isEqualTo(1);
        assertThat(BatchFormat.incrementSequence(5, 3)).isEqualTo(8);
    }
}
