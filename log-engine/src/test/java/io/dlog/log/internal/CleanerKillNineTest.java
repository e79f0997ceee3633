package io.dlog.log.internal;

import io.dlog.log.CleanerConfig;
import io.dlog.log.LogConfig;
import io.dlog.log.LogManager;
import io.dlog.log.LogManagerConfig;
import io.dlog.log.RecordsCodec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;

import static io.dlog.log.internal.LogTestSupport.T0;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * A real child JVM appends to a compacted partition while its cleaner swaps segments continuously, and
 * is SIGKILLed at random moments: every time the log opens, offsets are unique and increasing, no
 * leftover of a swap remains, and every key still has its latest acknowledged record or a newer one.
 */
class CleanerKillNineTest {
    @TempDir
    Path dir;

    @Test
    void shouldOpenWithNothingLostOrDuplicatedAfterKillNineDuringCleaning() throws Exception {
        Random random = new Random(7);
        Map<String, Long> latestAcked = new HashMap<>();
        Map<String, Boolean> latestIsTombstone = new HashMap<>();
        long acks = 0;
        boolean cleaned = false;
        for (int round = 0; round < 6; round++) {
            for (String line : KillNineCrashTest.runChildAndKill(CleanerCrashChild.class, dir, round,
                    400 + random.nextInt(1200))) {
                String[] f = line.split(" ");
                if (f.length == 5 && f[0].equals("ACK") && f[4].equals("END")) {
                    long offset = Long.parseLong(f[1]);
                    acks++;
                    if (offset >= latestAcked.getOrDefault(f[2], -1L)) {
                        latestAcked.put(f[2], offset);
                        latestIsTombstone.put(f[2], f[3].equals("-"));
                    }
                }
            }
            // Whether a round's child lived long enough to clean depends on the machine's load: every round
            // checks nothing is lost, and at least one round must have cleaned for the test to mean anything.
            cleaned |= verify(dir, CleanerCrashChild.CONFIG, latestAcked, latestIsTombstone) < acks;
        }
        assertThat(cleaned).as("the cleaner ran in some round").isTrue();
        assertThat(latestAcked).hasSize(CleanerCrashChild.KEYS);
    }

    /** Returns how many records the log holds. */
    static int verify(Path dir, LogConfig config, Map<String, Long> latestAcked, Map<String, Boolean> latestIsTombstone)
            throws Exception {
        CleanerConfig off = new CleanerConfig(false, 1, 1 << 20, 0.9, Double.MAX_VALUE, 100,
                RecordsCodec.UNCOMPRESSED_ONLY);
        try (LogManager manager = LogManager.open(new LogManagerConfig(dir, Duration.ofHours(1), Duration.ofMillis(2),
                1, Duration.ofDays(1), off), new MutableClock(T0), t -> config)) {
            DefaultPartitionLog log = (DefaultPartitionLog) manager.get(CleanerCrashChild.TP).orElseThrow();
            try (Stream<Path> files = Files.list(log.dir())) {
                assertThat(files.map(p -> p.getFileName().toString()))
                        .noneMatch(n -> n.endsWith(".cleaned") || n.endsWith(".swap") || n.endsWith(".swap-range"));
            }
            List<KeyedRecords.Rec> records = LogCleanerTest.readAll(log);
            assertThat(records).extracting(KeyedRecords.Rec::offset).isSorted().doesNotHaveDuplicates();
            Map<String, Long> latestStored = new HashMap<>();
            for (KeyedRecords.Rec r : records) {
                latestStored.merge(r.key(), r.offset(), Math::max);
            }
            for (Map.Entry<String, Long> acked : latestAcked.entrySet()) {
                long stored = latestStored.getOrDefault(acked.getKey(), -1L);
                if (latestIsTombstone.get(acked.getKey()) && stored == -1L) {
                    continue; // a deleted key whose tombstone passed its horizon: nothing of it may remain
                }
                assertThat(stored).as(acked.getKey()).isGreaterThanOrEqualTo(acked.getValue());
            }
            long end = log.logEndOffset();
            assertThat(LogTestSupport.append(log, KeyedRecords.batch(T0, "after=crash")).baseOffset()).isEqualTo(end);
            return records.size();
        }
    }
}
