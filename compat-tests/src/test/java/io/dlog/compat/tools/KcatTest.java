package io.dlog.compat.tools;

import static org.assertj.core.api.Assertions.assertThat;

import io.dlog.compat.DLogBrokerExtension;
import java.io.File;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** kcat (librdkafka) when the machine has it; skipped otherwise. */
class KcatTest {
    @RegisterExtension
    static final DLogBrokerExtension DLOG = new DLogBrokerExtension();

    private static String kcat;

    @BeforeAll
    static void findKcat() {
        kcat = onPath("kcat");
        if (kcat == null) {
            kcat = onPath("kafkacat");
        }
        Assumptions.assumeTrue(kcat != null, "kcat is not installed");
    }

    @Test
    void shouldProduceAndConsumeWithKcat() throws Exception {
        // Given
        String topic = "kcat-" + UUID.randomUUID().toString().substring(0, 8);

        // When
        Run produced = run("one\ntwo\nthree\n", kcat, "-P", "-b", DLOG.bootstrapServers(), "-t", topic);
        Run consumed = run("", kcat, "-C", "-b", DLOG.bootstrapServers(), "-t", topic, "-o", "beginning", "-e", "-q");

        // Then
        assertThat(produced.exitCode()).as(produced.toString()).isZero();
        assertThat(consumed.exitCode()).as(consumed.toString()).isZero();
        assertThat(consumed.stdout().lines().toList()).containsExactly("one", "two", "three");
    }

    @Test
    void shouldListTheBrokerAndTopicsWithKcatMetadata() throws Exception {
        // Given
        String topic = DLOG.newTopic(2);

        // When
        Run listed = run("", kcat, "-L", "-b", DLOG.bootstrapServers(), "-t", topic);

        // Then
        assertThat(listed.exitCode()).as(listed.toString()).isZero();
        assertThat(listed.stdout()).contains("1 brokers:").contains("topic \"" + topic + "\" with 2 partitions");
    }

    private record Run(int exitCode, String stdout, String stderr) {
    }

    private static Run run(String stdin, String... command) throws IOException, InterruptedException {
        Path out = Files.createTempFile("kcat-out-", ".txt");
        Path err = Files.createTempFile("kcat-err-", ".txt");
        try {
            Process process = new ProcessBuilder(command).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
            try (OutputStream in = process.getOutputStream()) {
                in.write(stdin.getBytes(StandardCharsets.UTF_8));
            }
            if (!process.waitFor(60, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                process.waitFor(10, TimeUnit.SECONDS);
                throw new AssertionError(List.of(command) + " still running after 60 s: " + Files.readString(err));
            }
            return new Run(process.exitValue(), Files.readString(out, StandardCharsets.UTF_8),
                    Files.readString(err, StandardCharsets.UTF_8));
        } finally {
            Files.deleteIfExists(out);
            Files.deleteIfExists(err);
        }
    }

    private static String onPath(String name) {
        String path = System.getenv("PATH");
        if (path == null) {
            return null;
        }
        for (String dir : path.split(File.pathSeparator)) {
            Path candidate = Path.of(dir, name);
            if (Files.isExecutable(candidate)) {
                return candidate.toString();
            }
        }
        return null;
    }
}
