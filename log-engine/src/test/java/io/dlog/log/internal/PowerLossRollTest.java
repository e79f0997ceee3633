package io.dlog.log.internal;

import static io.dlog.log.internal.LogTestSupport.T0;
import static org.assertj.core.api.Assertions.assertThat;

import io.dlog.log.AppendResult;
import io.dlog.log.FlushMode;
import io.dlog.log.LogConfig;
import io.dlog.log.LogManager;
import io.dlog.log.PartitionLog;
import io.dlog.log.TopicPartition;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A power cut ({@link PowerLossFileSystem}: only what was fsynced survives) the moment after a roll in flush mode OS,
 * where appends are acknowledged from the page cache: the newest segment may lose what it holds, but the segments the
 * rolls sealed must come back whole, because the loader trusts sealed segments and validates only the newest. Until
 * session 50 a roll left the sealed segment's fsync to a background thread, and a cut before it ran left a sealed
 * segment short of its data, a hole in the log below its end.
 */
class PowerLossRollTest {
    private static final LogConfig OS_SMALL_SEGMENTS = LogConfig.DEFAULT.withFlushMode(FlushMode.OS).withSegmentBytes(4096);
    private static final TopicPartition TP = new TopicPartition("rolling", 0);

    @TempDir
    Path base;

    @Test
    void shouldKeepEverySealedSegmentWholeThroughAPowerCutRightAfterItsRoll() throws Exception {
        // Given: a partition whose 4 KiB segments roll every few appends, on the power-loss layer
        Path live = Files.createDirectories(base.resolve("live"));
        PowerLossFileSystem fs = new PowerLossFileSystem(live);
        List<Path> cuts = new ArrayList<>();
        List<Long> sealedEnds = new ArrayList<>();
        FileIo.install(fs);
        try (LogManager manager = LogTestSupport.open(live, new MutableClock(T0), OS_SMALL_SEGMENTS)) {
            PartitionLog log = manager.getOrCreate(TP, OS_SMALL_SEGMENTS);
            long segments = 1;
            for (int n = 0; cuts.size() < 12; n++) {
                AppendResult appended = LogTestSupport.append(log,
                        TestBatches.of("v" + n + "-" + "x".repeat(900)).timestamp(T0).build());
                assertThat(appended.succeeded()).isTrue();
                long now = log.sealedSegments().size() + 1L;
                if (now > segments) {
                    // When: the power goes the moment the append that rolled returns
                    segments = now;
                    Path cut = base.resolve("cut-" + cuts.size());
                    fs.crashInto(cut);
                    cuts.add(cut);
                    sealedEnds.add(appended.baseOffset());
                }
            }
        } finally {
            FileIo.reset();
        }

        // Then: after each cut, every offset below the newest segment's start is there, in order
        for (int i = 0; i < cuts.size(); i++) {
            try (LogManager manager = LogTestSupport.open(cuts.get(i), new MutableClock(T0), OS_SMALL_SEGMENTS)) {
                PartitionLog log = manager.get(TP).orElseThrow();
                long sealedEnd = sealedEnds.get(i);
                assertThat(log.logEndOffset()).as("log end after cut %d", i).isGreaterThanOrEqualTo(sealedEnd);
                for (long offset = 0; offset < sealedEnd; offset++) {
                    ByteBuffer batch = LogTestSupport.bytes(log.read(offset, 1, Long.MAX_VALUE, true));
                    assertThat(batch.remaining()).as("offset %d after cut %d", offset, i).isPositive();
                    assertThat(BatchFormat.baseOffset(batch, 0)).as("offset %d after cut %d", offset, i).isEqualTo(offset);
                    assertThat(TestBatches.values(batch).get(0)).startsWith("v" + offset + "-");
                }
            }
        }
    }
}
