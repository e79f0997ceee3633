package io.dlog.log.internal;

import static io.dlog.log.internal.LogTestSupport.T0;
import static org.assertj.core.api.Assertions.assertThat;

import io.dlog.log.AppendResult;
import io.dlog.log.LogManager;
import io.dlog.log.LogManagerConfig;
import io.dlog.log.PartitionLog;
import io.dlog.log.TopicPartition;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link KillNineCrashTest}'s workload (FSYNC mode, 8 appends in flight, segments rolling every 16 KiB)
 * under a modelled power cut ({@link PowerLossFileSystem}): only what was fsynced survives, file contents
 * and folder entries alike, where kill -9 keeps the page cache. Each round starts from what the previous
 * cut left; a new partition is created in every round, and log-start moves by DeleteRecords. Nothing
 * acknowledged may be lost, and nothing deleted may come back.
 */
class PowerLossCrashTest {
    @TempDir
    Path base;

    @AfterEach
    void tearDown() {
        FileIo.reset();
    }

    @Test
    void shouldKeepEveryAcknowledgedBatchAcrossPowerCuts() throws Exception {
        Random random = new Random(7);
        TreeMap<TopicPartition, Map<Long, String>> acked = new TreeMap<>(
                java.util.Comparator.comparing(TopicPartition::toString));
        Map<TopicPartition, Long> deletedBelow = new ConcurrentHashMap<>();
        Path current = base.resolve("round-0");
        java.nio.file.Files.createDirectories(current);
        int total = 0;
        for (int round = 0; round < 6; round++) {
            PowerLossFileSystem fs = new PowerLossFileSystem(current);
            FileIo.install(fs);
            LogManager manager = LogManager.open(new LogManagerConfig(current, Duration.ofHours(1), Duration.ofMillis(2),
                    2, Duration.ofDays(1)), Clock.systemUTC(), t -> CrashChild.CONFIG);
            List<TopicPartition> partitions = List.of(CrashChild.TP, new TopicPartition("fresh-" + round, 0));
            Semaphore inFlight = new Semaphore(8);
            long runUntil = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(300 + random.nextInt(700));
            for (long n = 0; System.nanoTime() < runUntil; n++) {
                TopicPartition tp = partitions.get((int) (n % partitions.size()));
                PartitionLog log = manager.getOrCreate(tp, CrashChild.CONFIG);
                if (n % 500 == 499 && log.highWatermark() > log.logStartOffset() + 10) {
                    long target = log.logStartOffset() + 5;
                    log.deleteRecordsBefore(target).get(10, TimeUnit.SECONDS); // acknowledged once durable
                    deletedBelow.merge(tp, target, Math::max);
                }
                inFlight.acquire();
                String payload = "r" + round + "-" + n + "-" + "y".repeat((int) (n % 300));
                CompletableFuture<AppendResult> f = log.append(
                        TestBatches.of(payload).timestamp(System.currentTimeMillis()).build(), 0);
                f.whenComplete((r, e) -> {
                    if (r != null && r.succeeded()) {
                        synchronized (acked) {
                            acked.computeIfAbsent(tp, k -> new TreeMap<>()).put(r.baseOffset(), payload);
                        }
                    }
                    inFlight.release();
                });
            }
            // The cut: what survives is copied out while appends are still in flight.
            Path next = base.resolve("round-" + (round + 1));
            Map<TopicPartition, Map<Long, String>> ackedAtCut;
            synchronized (acked) {
                fs.crashInto(next);
                ackedAtCut = new TreeMap<>(acked.comparator());
                acked.forEach((tp, m) -> ackedAtCut.put(tp, new TreeMap<>(m)));
            }
            manager.close();
            FileIo.reset();
            total = ackedAtCut.values().stream().mapToInt(Map::size).sum();
            System.out.println("POWERLOSS round " + round + ": " + total + " acknowledged so far; " + fs.stats());
            verify(next, ackedAtCut, deletedBelow);
            synchronized (acked) {
                acked.clear();
                acked.putAll(ackedAtCut); // appends acknowledged after the cut happened in the lost timeline
            }
            current = next;
        }
        assertThat(total).isGreaterThan(200);
    }

    private static void verify(Path dir, Map<TopicPartition, Map<Long, String>> acked,
                               Map<TopicPartition, Long> deletedBelow) throws Exception {
        MutableClock clock = new MutableClock(T0);
        try (LogManager manager = LogTestSupport.open(dir, clock, CrashChild.CONFIG)) {
            for (Map.Entry<TopicPartition, Map<Long, String>> p : acked.entrySet()) {
                PartitionLog log = manager.get(p.getKey()).orElse(null);
                assertThat(log).as("partition %s survives", p.getKey()).isNotNull();
                long deleted = deletedBelow.getOrDefault(p.getKey(), 0L);
                assertThat(log.logStartOffset()).as("log start of %s", p.getKey()).isGreaterThanOrEqualTo(deleted);
                for (Map.Entry<Long, String> e : p.getValue().entrySet()) {
                    if (e.getKey() < log.logStartOffset()) {
                        continue;
                    }
                    ByteBuffer batch = LogTestSupport.bytes(log.read(e.getKey(), 1, Long.MAX_VALUE, true));
                    assertThat(BatchFormat.baseOffset(batch, 0)).as("offset in %s", p.getKey()).isEqualTo(e.getKey());
                    assertThat(TestBatches.values(batch)).containsExactly(e.getValue());
                }
                long end = log.logEndOffset();
                AppendResult after = LogTestSupport.append(log, TestBatches.of("after-cut").timestamp(T0).build());
                assertThat(after.baseOffset()).isEqualTo(end);
            }
        }
    }
}
