package io.dlog.testcontainers;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Supplier;
import org.testcontainers.images.builder.ImageFromDockerfile;

/**
 * The image the container tests run: {@code -Ddlog.image=NAME} when given (an image built or pulled already),
 * else the repository's Dockerfile, built once per run (the Maven build inside it takes minutes).
 */
final class DLogImage {
    private static ImageFromDockerfile built;

    private DLogImage() {
    }

    static synchronized Supplier<DLogContainer> containers() {
        String named = System.getProperty("dlog.image", "");
        if (!named.isBlank()) {
            return () -> new DLogContainer(named);
        }
        if (built == null) {
            built = new ImageFromDockerfile("dlog-testcontainers", false).withDockerfile(repositoryRoot().resolve("Dockerfile"));
        }
        ImageFromDockerfile image = built;
        return () -> new DLogContainer(image);
    }

    private static Path repositoryRoot() {
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            if (Files.exists(dir.resolve("Dockerfile")) && Files.exists(dir.resolve("docker/server.properties"))) {
                return dir;
            }
        }
        throw new IllegalStateException("no Dockerfile above " + Path.of("").toAbsolutePath());
    }
}
