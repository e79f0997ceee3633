package io.dlog.log.internal;

import io.dlog.log.AppendResult;
import io.dlog.log.FlushMode;
import io.dlog.log.LogConfig;
import io.dlog.log.LogManager;
import io.dlog.log.LogManagerConfig;
import io.dlog.log.PartitionLog;
import io.dlog.log.TopicPartition;

import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;

/**
 * Child JVM of {@link KillNineCrashTest}: appends in FSYNC mode forever (8 in flight) and prints
 * {@code ACK <offset> <payload> END} for each acknowledged batch, until it is killed.
 */
public final class CrashChild {
    static final TopicPartition TP = new TopicPartition("crash", 0);
    static final LogConfig CONFIG = LogConfig.DEFAULT.withFlushMode(FlushMode.FSYNC).withSegmentBytes(16 * 1024);

    private CrashChild() {
    }

    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args[0]);
        String round = args[1];
        PrintStream out = new PrintStream(new java.io.FileOutputStream(java.io.FileDescriptor.out), true,
                StandardCharsets.UTF_8);
        LogManager manager = LogManager.open(new LogManagerConfig(dir, Duration.ofHours(1), Duration.ofMillis(2), 2,
                Duration.ofDays(1)), Clock.systemUTC(), t -> CONFIG);
        PartitionLog log = manager.getOrCreate(TP, CONFIG);
        out.println("READY");
        Semaphore inFlight = new Semaphore(8);
        for (long n = 0; ; n++) {
            inFlight.acquire();
            String payload = "r" + round + "-" + n + "-" + "y".repeat((int) (n % 300));
            CompletableFuture<AppendResult> f = log.append(
                    TestBatches.of(payload).timestamp(System.currentTimeMillis()).build(), 0);
            f.thenAccept(r -> {
                if (r.succeeded()) {
                    synchronized (out) {
                        out.println("ACK " + r.baseOffset() + " " + payload + " END");
                    }
                }
                inFlight.release();
            });
        }
    }
}
