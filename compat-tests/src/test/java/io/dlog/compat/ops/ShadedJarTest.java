package io.dlog.compat.ops;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The jar the image and bin/dlog run ({@code broker/target/dlog.jar}, built by the broker module's package phase
 * before this module's tests), run as {@code java -jar}: its manifest's version and the CLI with its shaded
 * dependencies.
 */
class ShadedJarTest {
    private static final Path JAR = Path.of("..", "broker", "target", "dlog.jar");

    private static String run(String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx128m", "-jar", JAR.toString()));
        command.addAll(List.of(args));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(process.exitValue()).as(output).isZero();
        return output;
    }

    @Test
    void shouldPrintTheProjectVersionFromTheManifest() throws Exception {
        assumeTrue(Files.exists(JAR), "broker/target/dlog.jar is built by the broker module's package phase");
        assertThat(run("--version").strip()).isEqualTo("dlog " + System.getProperty("dlog.version"));
    }

    @Test
    void shouldPrintTheEffectiveConfigFromTheJar() throws Exception {
        assumeTrue(Files.exists(JAR), "broker/target/dlog.jar is built by the broker module's package phase");
        assertThat(run("config", "--only-set", "-o", "num.partitions=4").lines().toList())
                .singleElement().asString().matches("num\\.partitions=4 +# command line -o");
    }
}
