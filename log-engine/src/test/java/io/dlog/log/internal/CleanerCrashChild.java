package io.dlog.log.internal;

import io.dlog.log.AppendResult;
import io.dlog.log.CleanerConfig;
import io.dlog.log.LogConfig;
import io.dlog.log.LogManager;
import io.dlog.log.LogManagerConfig;
import io.dlog.log.PartitionLog;
import io.dlog.log.RecordsCodec;
import io.dlog.log.TopicPartition;

import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;

/**
 * Child JVM of {@link CleanerKillNineTest}: appends keyed records to a compacted partition with tiny
 * segments while the cleaner runs every few milliseconds, printing {@code ACK <offset> <key> <value> END}
 * for each acknowledged record, until it is killed.
 */
public final class CleanerCrashChild {
    static final TopicPartition TP = new TopicPartition("compacted-crash", 0);
    static final LogConfig CONFIG = LogConfig.DEFAULT.withSegmentBytes(4 * 1024)
            .withCompaction(true, false, 0, 0, Long.MAX_VALUE, 0.01);
    static final int KEYS = 40;

    private CleanerCrashChild() {
    }

    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args[0]);
        String round = args[1];
        PrintStream out = new PrintStream(new java.io.FileOutputStream(java.io.FileDescriptor.out), true,
                StandardCharsets.UTF_8);
        CleanerConfig cleaner = new CleanerConfig(true, 1, 1 << 20, 0.9, Double.MAX_VALUE, 2,
                RecordsCodec.UNCOMPRESSED_ONLY);
        LogManager manager = LogManager.open(new LogManagerConfig(dir, Duration.ofHours(1), Duration.ofMillis(2), 1,
                Duration.ofDays(1), cleaner), Clock.systemUTC(), t -> CONFIG);
        PartitionLog log = manager.getOrCreate(TP, CONFIG);
        out.println("READY");
        Semaphore inFlight = new Semaphore(4);
        for (long n = 0; ; n++) {
            inFlight.acquire();
            String key = "k" + (n % KEYS);
            String value = (n % 7 == 3) ? "" : "r" + round + "v" + n; // some tombstones
            CompletableFuture<AppendResult> f = log.append(
                    KeyedRecords.batch(System.currentTimeMillis(), key + "=" + value), 0);
            f.thenAccept(r -> {
                if (r.succeeded()) {
                    synchronized (out) {
                        out.println("ACK " + r.baseOffset() + " " + key + " " + (value.isEmpty() ? "-" : value) + " END");
                    }
                }
                inFlight.release();
            });
        }
    }
}
