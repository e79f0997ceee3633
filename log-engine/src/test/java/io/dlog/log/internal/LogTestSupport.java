package io.dlog.log.internal;

import io.dlog.log.AppendResult;
import io.dlog.log.FetchSlice;
import io.dlog.log.FlushMode;
import io.dlog.log.LogConfig;
import io.dlog.log.LogManager;
import io.dlog.log.LogManagerConfig;
import io.dlog.log.PartitionLog;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Shared helpers: open a manager on a temp folder, append synchronously, read values back. */
final class LogTestSupport {
    static final long T0 = 1_700_000_000_000L;

    private LogTestSupport() {
    }

    static LogManager open(Path dir, MutableClock clock, LogConfig config) throws IOException {
        LogManagerConfig mc = new LogManagerConfig(dir, Duration.ofHours(1), Duration.ofMillis(2), 2,
                Duration.ofDays(1));
        return LogManager.open(mc, clock, topic -> config);
    }

    static AppendResult append(PartitionLog log, ByteBuffer batches, int epoch) throws Exception {
        return log.append(batches, epoch).get(10, TimeUnit.SECONDS);
    }

    static AppendResult append(PartitionLog log, ByteBuffer batches) throws Exception {
        return append(log, batches, 0);
    }

    static ByteBuffer bytes(FetchSlice slice) throws IOException {
        ByteBuffer out = ByteBuffer.allocate(slice.length());
        if (slice.length() > 0) {
            LogSegment.readFully(slice.channel(), out, slice.position());
        }
        return out.flip();
    }

    static List<String> readValues(PartitionLog log, long from) throws Exception {
        return TestBatches.values(bytes(log.read(from, Integer.MAX_VALUE, Long.MAX_VALUE, true)));
    }

    static LogConfig config() {
        return LogConfig.DEFAULT;
    }

    /** Flush mode OS, one segment per {@code segmentBytes} or {@code segmentMs}, no retention or compaction. */
    static LogConfig segmentConfig(int segmentBytes, long segmentMs) {
        return new LogConfig(segmentBytes, segmentMs, 1 << 20, 4096, -1, -1, 1 << 20, false, true,
                false, Long.MAX_VALUE, Long.MAX_VALUE, FlushMode.OS, 0);
    }
}
