package io.dlog.idcoord;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.OptionalLong;
import java.util.concurrent.TimeUnit;

/**
 * Allocated size of a file, which the JDK does not expose ({@code unix:blocks} is not an
 * attribute on JDK 17): asks coreutils' {@code stat --format=%b} (512-byte units).
 */
final class SparseFiles {
    private SparseFiles() {
    }

    /** Allocated 512-byte blocks, or empty where {@code stat} is unavailable. */
    static OptionalLong allocatedBlocks(Path file) {
        try {
            Process stat = new ProcessBuilder("stat", "--format=%b", file.toString()).redirectErrorStream(true).start();
            String out = new String(stat.getInputStream().readAllBytes(), StandardCharsets.US_ASCII).trim();
            if (!stat.waitFor(10, TimeUnit.SECONDS) || stat.exitValue() != 0) {
                return OptionalLong.empty();
            }
            return OptionalLong.of(Long.parseLong(out));
        } catch (IOException | NumberFormatException e) {
            return OptionalLong.empty();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return OptionalLong.empty();
        }
    }
}
