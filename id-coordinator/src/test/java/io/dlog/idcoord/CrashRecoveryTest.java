package io.dlog.idcoord;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Kills a real child JVM ({@link CrashChild}) with SIGKILL at random moments, many times, and
 * checks that nothing it printed before a kill is ever printed again.
 */
class CrashRecoveryTest {
    private static final int KILLS = 20;
    private static final long SEED = Long.getLong("crash.seed", System.nanoTime());

    @TempDir
    Path dir;

    @Test
    void shouldNeverRepeatACounterValueAcrossKills() throws Exception {
        Path file = dir.resolve("counter");
        Random random = new Random(SEED);
        long highest = 0;
        long total = 0;
        for (int round = 0; round < KILLS; round++) {
            List<String> args = round % 2 == 0 ? List.of("increment", file.toString())
                    : List.of("lease", file.toString(), String.valueOf(1 + random.nextInt(5000)));
            Round result = runAndKill(args, random);
            assertThat(result.min).as("seed %d round %d %s", SEED, round, args).isGreaterThan(highest);
            highest = result.max;
            total += result.count;
        }
        assertThat(total).isGreaterThan(KILLS);
        assertSparse(file);
    }

    @Test
    void shouldNeverRepeatASnowflakeIdAcrossKillsEvenWithTheClockGoingBack() throws Exception {
        Random random = new Random(SEED);
        long highest = 0;
        for (int round = 0; round < KILLS; round++) {
            // Each restart the clock is further behind: by up to 20 s at the end.
            long clockOffset = -round * 1_000L - random.nextInt(1_000);
            Round result = runAndKill(List.of("snowflake", dir.toString(), "9", String.valueOf(clockOffset)), random);
            assertThat(result.min).as("seed %d round %d", SEED, round).isGreaterThan(highest);
            assertThat(CrashChild.CRASH_LAYOUT.nodeId(result.min)).isEqualTo(9);
            highest = result.max;
        }
        assertSparse(dir.resolve("snowflake-node-9.ticks"));
    }

    private static void assertSparse(Path file) throws IOException {
        OptionalLong blocks = SparseFiles.allocatedBlocks(file);
        if (blocks.isPresent()) {
            assertThat(blocks.getAsLong()).as("allocated 512-byte blocks of %s (length %d)", file, Files.size(file))
                    .isLessThanOrEqualTo(8);
        }
    }

    /** Starts the child, waits for its first line, kills it after a random pause, returns what it printed. */
    private Round runAndKill(List<String> childArgs, Random random) throws Exception {
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx64m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-Xshare:auto",
                "-cp", System.getProperty("java.class.path"),
                CrashChild.class.getName()));
        command.addAll(childArgs);
        Path stderr = dir.resolve("child.err");
        Process child = new ProcessBuilder(command).redirectError(stderr.toFile()).start();
        Round round = new Round();
        Thread reader = new Thread(() -> round.readFrom(child.getInputStream()), "crash-child-reader");
        reader.start();
        try {
            boolean started = round.firstLine.await(20, TimeUnit.SECONDS);
            assertThat(started).as("child printed nothing; stderr: %s", Files.readString(stderr, StandardCharsets.UTF_8))
                    .isTrue();
            Thread.sleep(random.nextInt(300));
            assertThat(child.isAlive()).as("child died on its own; stderr: %s",
                    Files.readString(stderr, StandardCharsets.UTF_8)).isTrue();
        } finally {
            child.destroyForcibly();
            child.waitFor(20, TimeUnit.SECONDS);
            reader.join(20_000);
        }
        if (round.failure.get() != null) {
            throw new AssertionError(round.failure.get());
        }
        assertThat(round.count).isPositive();
        return round;
    }

    /** What one child printed: only complete lines count; values must strictly increase. */
    private static final class Round {
        final CountDownLatch firstLine = new CountDownLatch(1);
        final AtomicReference<Throwable> failure = new AtomicReference<>();
        volatile long min = -1;
        volatile long max = -1;
        volatile long count;

        void readFrom(InputStream raw) {
            try (InputStream in = new BufferedInputStream(raw, 1 << 16)) {
                long value = 0;
                int digits = 0;
                for (int b = in.read(); b >= 0; b = in.read()) {
                    if (b == '\n') {
                        accept(value, digits);
                        value = 0;
                        digits = 0;
                    } else if (b >= '0' && b <= '9' && digits < 19) {
                        value = value * 10 + (b - '0');
                        digits++;
                    } else {
                        throw new IllegalStateException("unexpected byte " + b + " after " + count + " values");
                    }
                }
                // A line cut short by the kill has no newline and is dropped.
            } catch (IOException e) {
                // The pipe breaks when the child is killed; what we read so far stands.
            } catch (RuntimeException | AssertionError e) {
                failure.set(e);
            }
        }

        private void accept(long value, int digits) {
            if (digits == 0) {
                throw new IllegalStateException("empty line");
            }
            if (count > 0 && value <= max) {
                throw new AssertionError("value " + value + " after " + max + " within one run");
            }
            if (count == 0) {
                min = value;
            }
            max = value;
            count++;
            firstLine.countDown();
        }
    }
}
