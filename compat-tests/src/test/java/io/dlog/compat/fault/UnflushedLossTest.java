package io.dlog.compat.fault;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class UnflushedLossTest {
    @TempDir
    Path dataDir;

    @Test
    void shouldDamageOnlyTheLastMebibyteOfEachActiveSegmentAtPageBoundaries() throws IOException {
        // Given: a partition with a sealed and an active segment, checkpoint files, and a folder that is no partition
        Path partition = Files.createDirectories(dataDir.resolve("orders-0"));
        byte[] sealed = filled(3 << 20);
        byte[] active = filled((3 << 20) + 1234);
        Files.write(partition.resolve("00000000000000000000.log"), sealed);
        Files.write(partition.resolve("00000000000000100000.log"), active);
        Files.writeString(partition.resolve("high-watermark-checkpoint"), "0\n1\n150000\n");
        Path metadata = Files.createDirectories(dataDir.resolve("metadata"));
        Files.write(metadata.resolve("00000000000000000000.log"), filled(8192));
        Set<String> shapes = new HashSet<>();

        for (long seed = 0; seed < 40; seed++) {
            Files.write(partition.resolve("00000000000000100000.log"), active);

            // When
            List<UnflushedLoss.Damage> damages = UnflushedLoss.apply(dataDir, new Random(seed));

            // Then
            assertThat(damages).hasSize(1);
            UnflushedLoss.Damage damage = damages.get(0);
            shapes.add(damage.shape());
            assertThat(damage.segment()).isEqualTo(partition.resolve("00000000000000100000.log"));
            assertThat(damage.from() % UnflushedLoss.PAGE).isZero();
            // the page holding the first byte of the last mebibyte, or one after it
            long windowPage = (active.length - UnflushedLoss.WINDOW) / UnflushedLoss.PAGE * UnflushedLoss.PAGE;
            assertThat(damage.from()).isGreaterThanOrEqualTo(windowPage).isLessThan(active.length);
            byte[] after = Files.readAllBytes(damage.segment());
            assertThat(java.util.Arrays.copyOf(after, (int) damage.from()))
                    .isEqualTo(java.util.Arrays.copyOf(active, (int) damage.from()));
            switch (damage.shape()) {
                case "cut" -> assertThat(after).hasSize((int) damage.from());
                case "zeroed to the end" -> {
                    assertThat(after).hasSize(active.length);
                    assertZero(after, damage.from(), active.length);
                }
                default -> {
                    assertThat(after).hasSize(active.length);
                    assertThat(damage.to() - damage.from()).isPositive();
                    assertZero(after, damage.from(), damage.to());
                    assertThat(java.util.Arrays.copyOfRange(after, (int) damage.to(), active.length))
                            .isEqualTo(java.util.Arrays.copyOfRange(active, (int) damage.to(), active.length));
                }
            }
        }
        assertThat(shapes).containsExactlyInAnyOrder("cut", "zeroed to the end", "zeroed inside");
        assertThat(Files.readAllBytes(partition.resolve("00000000000000000000.log"))).isEqualTo(sealed);
        assertThat(Files.readString(partition.resolve("high-watermark-checkpoint"))).isEqualTo("0\n1\n150000\n");
        assertThat(Files.size(metadata.resolve("00000000000000000000.log"))).isEqualTo(8192);
    }

    @Test
    void shouldLeaveAnEmptySegmentAlone() throws IOException {
        // Given
        Path partition = Files.createDirectories(dataDir.resolve("orders-1"));
        Files.write(partition.resolve("00000000000000000000.log"), new byte[0]);

        // When / Then
        assertThat(UnflushedLoss.apply(dataDir, new Random(1))).isEmpty();
    }

    private static byte[] filled(int size) {
        byte[] bytes = new byte[size];
        new Random(size).nextBytes(bytes);
        for (int i = 0; i < size; i++) {
            bytes[i] = bytes[i] == 0 ? 1 : bytes[i]; // no zero byte, so that a zeroed range is the damage's own
        }
        return bytes;
    }

    private static void assertZero(byte[] bytes, long from, long to) {
        for (int i = (int) from; i < to; i++) {
            assertThat(bytes[i]).as("byte %d", i).isZero();
        }
    }
}
