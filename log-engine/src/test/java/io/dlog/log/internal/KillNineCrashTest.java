package io.dlog.log.internal;

import io.dlog.log.LogManager;
import io.dlog.log.PartitionLog;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static io.dlog.log.internal.LogTestSupport.T0;
import static org.assertj.core.api.Assertions.assertThat;

/** A real child JVM appends under FSYNC and is SIGKILLed at random moments; nothing acknowledged is lost. */
class KillNineCrashTest {
    @TempDir
    Path dir;

    @Test
    void shouldKeepEveryAcknowledgedBatchAcrossKillNine() throws Exception {
        Random random = new Random(42);
        Map<Long, String> acked = new LinkedHashMap<>();
        for (int round = 0; round < 10; round++) {
            List<String> lines = runChildAndKill(round, 300 + random.nextInt(1200));
            for (String line : lines) {
                String[] f = line.split(" ");
                if (f.length == 4 && f[0].equals("ACK") && f[3].equals("END")) {
                    acked.put(Long.parseLong(f[1]), f[2]);
                }
            }
            verify(acked);
        }
        assertThat(acked.size()).isGreaterThan(100);
    }

    private List<String> runChildAndKill(int round, long runMs) throws Exception {
        return runChildAndKill(CrashChild.class, dir, round, runMs);
    }

    /** Runs {@code main(dir, round)} in a child JVM until it prints READY plus {@code runMs}, then SIGKILLs it. */
    static List<String> runChildAndKill(Class<?> main, Path dir, int round, long runMs) throws Exception {
        String java = System.getProperty("java.home") + "/bin/java";
        Process child = new ProcessBuilder(java, "-Xmx128m", "-cp", System.getProperty("java.class.path"),
                main.getName(), dir.toString(), Integer.toString(round))
                .redirectError(ProcessBuilder.Redirect.DISCARD).start();
        List<String> lines = new ArrayList<>();
        CountDownLatch ready = new CountDownLatch(1);
        Thread reader = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(child.getInputStream(),
                    StandardCharsets.UTF_8))) {
                String line;
                while ((line = r.readLine()) != null) {
                    if (line.equals("READY")) {
                        ready.countDown();
                    }
                    synchronized (lines) {
                        lines.add(line);
                    }
                }
            } catch (java.io.IOException e) {
                // the child died mid-line: what was read is what counts
            }
        });
        reader.start();
        assertThat(ready.await(20, TimeUnit.SECONDS)).as("child started").isTrue();
        Thread.sleep(runMs);
        child.destroyForcibly();
        assertThat(child.waitFor(20, TimeUnit.SECONDS)).isTrue();
        reader.join(10_000);
        synchronized (lines) {
            return new ArrayList<>(lines);
        }
    }

    private void verify(Map<Long, String> acked) throws Exception {
        MutableClock clock = new MutableClock(T0);
        try (LogManager manager = LogTestSupport.open(dir, clock, CrashChild.CONFIG)) {
            PartitionLog log = manager.get(CrashChild.TP).orElseThrow();
            for (Map.Entry<Long, String> e : acked.entrySet()) {
                ByteBuffer batch = LogTestSupport.bytes(log.read(e.getKey(), 1, Long.MAX_VALUE, true));
                assertThat(BatchFormat.baseOffset(batch, 0)).isEqualTo(e.getKey());
                assertThat(TestBatches.values(batch)).containsExactly(e.getValue());
            }
            long end = log.logEndOffset();
            var result = LogTestSupport.append(log, TestBatches.of("after-crash").timestamp(T0)
                    .build());
            assertThat(result.succeeded()).isTrue();
            assertThat(result.baseOffset()).isEqualTo(end);
        }
    }
}
