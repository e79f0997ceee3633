package io.dlog.log.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.dlog.log.AppendResult;
import io.dlog.log.CleanerConfig;
import io.dlog.log.FlushMode;
import io.dlog.log.LogConfig;
import io.dlog.log.LogManager;
import io.dlog.log.LogManagerConfig;
import io.dlog.log.PartitionLog;
import io.dlog.log.RecordsCodec;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link CleanerKillNineTest}'s workload (keyed appends to a compacted partition with 4 KiB segments, the
 * cleaner running every few milliseconds, its .cleaned/.swap files renamed into place) in FSYNC mode under
 * modelled power cuts ({@link PowerLossFileSystem}): after each cut no swap leftover remains, offsets are
 * unique and sorted, and every key keeps its latest acknowledged record or a newer one.
 */
class PowerLossCleanerTest {
    private static final LogConfig CONFIG = CleanerCrashChild.CONFIG.withFlushMode(FlushMode.FSYNC);

    @TempDir
    Path base;

    @AfterEach
    void tearDown() {
        FileIo.reset();
    }

    @Test
    void shouldKeepTheLatestAcknowledgedRecordOfEveryKeyAcrossPowerCutsDuringCleaning() throws Exception {
        Random random = new Random(11);
        Map<String, Long> latestAcked = new HashMap<>();
        Map<String, Boolean> latestIsTombstone = new HashMap<>();
        Path current = base.resolve("round-0");
        Files.createDirectories(current);
        long acks = 0;
        java.util.concurrent.atomic.AtomicLong appended = new java.util.concurrent.atomic.AtomicLong();
        for (int round = 0; round < 5; round++) {
            PowerLossFileSystem fs = new PowerLossFileSystem(current);
            FileIo.install(fs);
            CleanerConfig cleaner = new CleanerConfig(true, 1, 1 << 20, 0.9, Double.MAX_VALUE, 2,
                    RecordsCodec.UNCOMPRESSED_ONLY);
            LogManager manager = LogManager.open(new LogManagerConfig(current, Duration.ofHours(1), Duration.ofMillis(2),
                    1, Duration.ofDays(1), cleaner), Clock.systemUTC(), t -> CONFIG);
            PartitionLog log = manager.getOrCreate(CleanerCrashChild.TP, CONFIG);
            Map<String, long[]> ackedThisRound = new HashMap<>(); // key -> {offset, tombstone}
            Semaphore inFlight = new Semaphore(4);
            long runUntil = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(400 + random.nextInt(800));
            for (long n = 0; System.nanoTime() < runUntil; n++) {
                inFlight.acquire();
                String key = "k" + (n % CleanerCrashChild.KEYS);
                boolean tombstone = n % 7 == 3;
                String value = tombstone ? "" : "r" + round + "v" + n;
                CompletableFuture<AppendResult> f = log.append(
                        KeyedRecords.batch(System.currentTimeMillis(), key + "=" + value), 0);
                f.whenComplete((r, e) -> {
                    if (r != null && r.succeeded()) {
                        appended.incrementAndGet();
                        synchronized (ackedThisRound) {
                            long[] prev = ackedThisRound.get(key);
                            if (prev == null || r.baseOffset() >= prev[0]) {
                                ackedThisRound.put(key, new long[] {r.baseOffset(), tombstone ? 1 : 0});
                            }
                        }
                    }
                    inFlight.release();
                });
            }
            Path next = base.resolve("round-" + (round + 1));
            synchronized (ackedThisRound) {
                fs.crashInto(next);
                for (Map.Entry<String, long[]> e : ackedThisRound.entrySet()) {
                    latestAcked.put(e.getKey(), e.getValue()[0]);
                    latestIsTombstone.put(e.getKey(), e.getValue()[1] == 1);
                    acks++;
                }
            }
            manager.close();
            FileIo.reset();
            System.out.println("POWERLOSS cleaner round " + round + ": " + fs.stats());
            long stored = CleanerKillNineTest.verify(next, CONFIG, latestAcked, latestIsTombstone);
            assertThat(stored).as("the cleaner ran").isLessThan(appended.get());
            current = next;
        }
        assertThat(acks).isPositive();
        assertThat(latestAcked).hasSize(CleanerCrashChild.KEYS);
    }
}
