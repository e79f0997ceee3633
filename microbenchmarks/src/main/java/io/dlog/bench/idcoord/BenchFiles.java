package io.dlog.bench.idcoord;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/** Scratch directories for the benchmarks: under {@code -Ddlog.bench.dir}, else {@code java.io.tmpdir}. */
final class BenchFiles {
    private BenchFiles() {
    }

    static Path newDirectory() throws IOException {
        Path base = Path.of(System.getProperty("dlog.bench.dir", System.getProperty("java.io.tmpdir")));
        return Files.createTempDirectory(base, "dlog-idcoord-bench");
    }

    static void delete(Path dir) throws IOException {
        try (Stream<Path> paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(path -> {
                try {
                    Files.delete(path);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        }
    }
}
