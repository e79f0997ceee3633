package io.dlog.broker.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.apache.kafka.common.config.ConfigException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code dlog start} for one node, run in-process: serving, stopping, and what {@code --port} rewrites. */
class StartCommandTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(60);

    @TempDir
    Path tmp;

    @Test
    void shouldServeOnThePortGivenAndExitZeroWhenStopped() throws Exception {
        // Given
        int port = CliRun.freePort();
        Path data = tmp.resolve("data");

        // When
        try (CliRun run = CliRun.start("--port", Integer.toString(port), "--data-dir", data.toString(),
                "-o", "listeners=PLAINTEXT://127.0.0.1:9092")) {
            assertThat(run.awaitOutput(StartCommand.SERVING, TIMEOUT)).as(run.toString()).isTrue();

            // Then
            try (Socket socket = new Socket()) {
                socket.connect(new InetSocketAddress("127.0.0.1", port), 5000);
            }
            assertThat(run.stdout()).contains("127.0.0.1:" + port).contains(data.toAbsolutePath().toString());
            assertThat(run.stop(TIMEOUT)).isZero();
        }
        assertThat(data).isNotEmptyDirectory();
    }

    @Test
    void shouldExitTwoWithOneLineOnAnUnknownKey() throws Exception {
        // When
        CliRun run = CliRun.completed(TIMEOUT, "--data-dir", tmp.resolve("data").toString(), "-o", "no.such.key=1");

        // Then
        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.errorLines()).singleElement().asString().contains("no.such.key");
        assertThat(tmp.resolve("data")).doesNotExist();
    }

    @Test
    void shouldReplaceOnlyTheClientListenersPortWhenListenersHaveAControllerListener() {
        // Given
        Map<String, String> values = Map.of("listeners", "PLAINTEXT://127.0.0.1:9092,CONTROLLER://127.0.0.1:9093");

        // When / Then
        assertThat(StartCommand.withClientPort(values, 19092))
                .isEqualTo("PLAINTEXT://127.0.0.1:19092,CONTROLLER://127.0.0.1:9093");
    }

    @Test
    void shouldFindTheControllerListenerByControllerListenerNames() {
        // Given: the controller listener listed first, under another name
        Map<String, String> values = Map.of("listeners", "RAFT://:9093, PLAINTEXT://:9092",
                "controller.listener.names", "RAFT");

        // When / Then
        assertThat(StartCommand.withClientPort(values, 7000)).isEqualTo("RAFT://:9093,PLAINTEXT://:7000");
    }

    @Test
    void shouldReplaceTheDefaultListenersPortWhenListenersAreNotSet() {
        assertThat(StartCommand.withClientPort(Map.of(), 9100)).isEqualTo("PLAINTEXT://localhost:9100");
    }

    @Test
    void shouldRefusePortWhenListenersHaveOnlyAControllerListener() {
        assertThatThrownBy(() -> StartCommand.withClientPort(Map.of("listeners", "CONTROLLER://:9093"), 9100))
                .isInstanceOf(ConfigException.class).hasMessageContaining("client listener");
    }

    @Test
    void shouldApplyPortToAConfigFileWithAControllerListener() throws Exception {
        // Given
        Path config = Files.writeString(tmp.resolve("server.properties"),
                "listeners=PLAINTEXT://127.0.0.1:9092,CONTROLLER://127.0.0.1:9093\nlog.dirs=" + tmp.resolve("d") + "\n");
        StartCommand command = new StartCommand();
        new picocli.CommandLine(command).parseArgs("--config", config.toString(), "--port", "9500");

        // When
        Map<String, String> values = command.collectConfig();

        // Then
        assertThat(values).containsEntry("listeners", "PLAINTEXT://127.0.0.1:9500,CONTROLLER://127.0.0.1:9093");
    }
}
