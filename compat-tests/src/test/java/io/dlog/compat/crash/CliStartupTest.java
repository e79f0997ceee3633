package io.dlog.compat.crash;

import static org.assertj.core.api.Assertions.assertThat;

import io.dlog.compat.tools.ChildJvm;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code dlog} as a user runs it, in its own JVM so that {@code System.exit} codes are real: a start that
 * cannot work says why in one line and exits non-zero; help exits 0.
 */
class CliStartupTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(60);
    /** Log lines (logback pattern of the test classpath) are not the error message. */
    private static final Pattern LOG_LINE = Pattern.compile("^\\d{2}:\\d{2}:\\d{2}\\.\\d{3} .*");

    @TempDir
    Path tmp;

    @Test
    void shouldExitNonZeroWithOneLineWhenThePortIsBusy() throws Exception {
        // Given
        try (ServerSocket busy = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            int port = busy.getLocalPort();

            // When
            ChildJvm.Result result = dlog("start", "--port", Integer.toString(port), "--data-dir", tmp.resolve("data").toString(),
                    "-o", "listeners=PLAINTEXT://127.0.0.1:" + port);

            // Then
            assertThat(result.exitCode()).as(result.toString()).isNotZero();
            assertThat(oneErrorLine(result)).contains(Integer.toString(port));
        }
    }

    @Test
    void shouldExitNonZeroWithOneLineWhenAnotherNodeHoldsThePort() throws Exception {
        // Given
        int port = ChildBroker.freePort();
        try (ChildBroker first = ChildBroker.start(port, tmp.resolve("first"))) {

            // When
            ChildJvm.Result second = dlog("start", "--port", Integer.toString(port), "--data-dir",
                    tmp.resolve("second").toString(), "-o", "listeners=PLAINTEXT://127.0.0.1:" + port);

            // Then
            assertThat(second.exitCode()).as(second.toString()).isNotZero();
            assertThat(oneErrorLine(second)).contains(Integer.toString(port));
            assertThat(first.isAlive()).isTrue();
        }
    }

    @Test
    void shouldRefuseASecondNodeOnADataDirInUse() throws Exception {
        // Given: two processes appending to one folder would interleave their writes
        Path dataDir = tmp.resolve("shared");
        try (ChildBroker first = ChildBroker.start(ChildBroker.freePort(), dataDir)) {
            int otherPort = ChildBroker.freePort();

            // When
            ChildJvm.Result second = ChildJvm.run(Duration.ofSeconds(20), ChildBroker.CLI, "start", "--port",
                    Integer.toString(otherPort), "--data-dir", dataDir.toString(),
                    "-o", "listeners=PLAINTEXT://127.0.0.1:" + otherPort);

            // Then
            assertThat(second.exitCode()).as(second.toString()).isNotZero();
            assertThat(oneErrorLine(second)).contains(dataDir.toString());
            assertThat(first.isAlive()).isTrue();
        }
    }

    @Test
    void shouldExitNonZeroWithOneLineWhenTheDataDirCannotBeCreated() throws Exception {
        // Given: a data folder under a regular file (permissions would not stop root)
        Path file = Files.writeString(tmp.resolve("a-file"), "not a folder");
        Path dataDir = file.resolve("data");

        // When
        ChildJvm.Result result = dlog("start", "--port", "0", "--data-dir", dataDir.toString(),
                "-o", "listeners=PLAINTEXT://127.0.0.1:0");

        // Then
        assertThat(result.exitCode()).as(result.toString()).isNotZero();
        assertThat(oneErrorLine(result)).contains(dataDir.toString());
    }

    @Test
    void shouldExitTwoWithOneLineOnAConfigKeyThatMisspellsOneDLogActsOn() throws Exception {
        // When (a key no Kafka knows and near none DLog acts on is ignored with a warning instead: StartCommandTest)
        ChildJvm.Result result = dlog("start", "--port", "0", "--data-dir", tmp.resolve("data").toString(),
                "-o", "num.partition=1");

        // Then
        assertThat(result.exitCode()).as(result.toString()).isEqualTo(2);
        assertThat(oneErrorLine(result)).contains("num.partition").contains("did you mean 'num.partitions'?");
        assertThat(tmp.resolve("data")).doesNotExist();
    }

    @Test
    void shouldExitTwoWithOneLineWhenTheConfigFileIsMissing() throws Exception {
        // When
        ChildJvm.Result result = dlog("start", "--config", tmp.resolve("missing.properties").toString());

        // Then
        assertThat(result.exitCode()).as(result.toString()).isEqualTo(2);
        assertThat(oneErrorLine(result)).contains("missing.properties");
    }

    @Test
    void shouldPrintUsageAndExitZeroForHelp() throws Exception {
        // When
        ChildJvm.Result result = dlog("--help");

        // Then
        assertThat(result.exitCode()).as(result.toString()).isZero();
        assertThat(result.stdout()).contains("Usage: dlog").contains("start");
    }

    @Test
    void shouldPrintStartUsageAndExitZeroForStartHelp() throws Exception {
        // When
        ChildJvm.Result result = dlog("start", "--help");

        // Then
        assertThat(result.exitCode()).as(result.toString()).isZero();
        assertThat(result.stdout()).contains("Usage: dlog start").contains("--port").contains("--data-dir")
                .contains("--config").contains("--override");
    }

    private static ChildJvm.Result dlog(String... args) throws Exception {
        return ChildJvm.run(TIMEOUT, ChildBroker.CLI, args);
    }

    /** The error: exactly one line on stderr apart from log lines, starting "dlog: ", and no stack trace. */
    private static String oneErrorLine(ChildJvm.Result result) {
        List<String> lines = result.stderrLines().stream().filter(line -> !LOG_LINE.matcher(line).matches()).toList();
        assertThat(lines).as(result.toString()).hasSize(1);
        assertThat(lines.get(0)).startsWith("dlog: ");
        assertThat(result.stderr()).as("stack trace on stderr").doesNotContain("\tat ").doesNotContain("Exception in thread");
        assertThat(result.stdout()).doesNotContain("serving");
        return lines.get(0);
    }
}
