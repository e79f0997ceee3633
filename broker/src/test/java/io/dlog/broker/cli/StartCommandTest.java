package io.dlog.broker.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
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
    void shouldServeWarningOfAKeyNoKafkaKnowsThatMisspellsNoKeyDLogActsOn() throws Exception {
        // Given: Kafka starts with such a key ("isn't a known config"), so a cluster configured for it must start DLog
        int port = CliRun.freePort();

        // When
        try (CliRun run = CliRun.start("--port", Integer.toString(port), "--data-dir", tmp.resolve("data").toString(),
                "-o", "no.such.key=1")) {
            assertThat(run.awaitOutput(StartCommand.SERVING, TIMEOUT)).as(run.toString()).isTrue();

            // Then
            assertThat(run.errorLines()).contains("dlog: ignoring unknown config 'no.such.key' (set by command line -o),"
                    + " as Kafka ignores keys it does not know");
            assertThat(run.stop(TIMEOUT)).isZero();
        }
    }

    @Test
    void shouldExitTwoWithOneLineSuggestingTheKeyAnUnknownOneMisspells() throws Exception {
        // When
        CliRun run = CliRun.completed(TIMEOUT, "--data-dir", tmp.resolve("data").toString(), "-o", "log.retention.hour=1");

        // Then
        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.errorLines()).containsExactly("dlog: unknown config 'log.retention.hour' (set by command line -o);"
                + " did you mean 'log.retention.hours'?");
    }

    @Test
    void shouldExitTwoWithOneLineOnABadValue() throws Exception {
        // When
        CliRun run = CliRun.completed(TIMEOUT, "--data-dir", tmp.resolve("data").toString(), "-o", "num.io.threads=0");

        // Then
        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.errorLines()).containsExactly("dlog: Invalid value 0 for configuration num.io.threads:"
                + " Value must be at least 1 (set by command line -o)");
        assertThat(run.stderr()).doesNotContain("\tat ");
        assertThat(tmp.resolve("data")).doesNotExist();
    }

    @Test
    void shouldExitOneWithOneLineWhenTheClientPortIsInUse() throws Exception {
        try (ServerSocket busy = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            // When
            CliRun run = CliRun.completed(TIMEOUT, "--data-dir", tmp.resolve("data").toString(),
                    "-o", "listeners=PLAINTEXT://127.0.0.1:" + busy.getLocalPort());

            // Then
            assertThat(run.exitCode()).isEqualTo(1);
            assertThat(run.errorLines()).containsExactly("dlog: cannot listen on 127.0.0.1:" + busy.getLocalPort()
                    + " (listener PLAINTEXT): address already in use");
        }
    }

    @Test
    void shouldExitOneWithOneLineWhenTheControllerPortIsInUse() throws Exception {
        // Given: a cluster node whose metadata (CONTROLLER) port is taken
        int client = CliRun.freePort();
        try (ServerSocket busy = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            int controller = busy.getLocalPort();

            // When
            CliRun run = CliRun.completed(TIMEOUT, "--data-dir", tmp.resolve("data").toString(),
                    "-o", "listeners=PLAINTEXT://127.0.0.1:" + client + ",CONTROLLER://127.0.0.1:" + controller,
                    "-o", "controller.quorum.voters=1@127.0.0.1:" + controller + ",2@127.0.0.1:1,3@127.0.0.1:2");

            // Then: at once, not after waiting for a quorum
            assertThat(run.exitCode()).isEqualTo(1);
            assertThat(run.errorLines()).containsExactly("dlog: cannot listen on 127.0.0.1:" + controller
                    + " (listener CONTROLLER): address already in use");
        }
    }

    @Test
    void shouldExitOneWithOneLineWhenTheDataFolderBelongsToAnotherCluster() throws Exception {
        // Given: a folder a node has used, then marked as another cluster's
        Path data = tmp.resolve("data");
        int port = CliRun.freePort();
        String[] args = {"--port", Integer.toString(port), "--data-dir", data.toString(), "-o", "listeners=PLAINTEXT://127.0.0.1:9092"};
        try (CliRun first = CliRun.start(args)) {
            assertThat(first.awaitOutput(StartCommand.SERVING, TIMEOUT)).as(first.toString()).isTrue();
            assertThat(first.stop(TIMEOUT)).isZero();
        }
        Path meta = data.resolve("meta.properties");
        String original = Files.readAllLines(meta).stream().filter(line -> line.startsWith("cluster.id=")).findFirst().orElseThrow()
                .substring("cluster.id=".length());
        Files.writeString(meta, Files.readString(meta).replace("cluster.id=" + original, "cluster.id=AnotherClusterId000000w"));

        // When
        CliRun run = CliRun.completed(TIMEOUT, args);

        // Then
        assertThat(run.exitCode()).isEqualTo(1);
        assertThat(run.errorLines()).containsExactly("dlog: data folder " + data.toAbsolutePath() + " belongs to cluster"
                + " AnotherClusterId000000w, but the metadata quorum's cluster is " + original);
    }

    @Test
    void shouldExitOneWithOneLineWhenTheDataFolderBelongsToAnotherNode() throws Exception {
        // Given
        Path data = Files.createDirectories(tmp.resolve("data"));
        Files.writeString(data.resolve("meta.properties"), "version=1\ncluster.id=SomeClusterId000000000w\nnode.id=2\n");

        // When
        CliRun run = CliRun.completed(TIMEOUT, "--data-dir", data.toString(), "-o", "listeners=PLAINTEXT://127.0.0.1:0");

        // Then
        assertThat(run.exitCode()).isEqualTo(1);
        assertThat(run.errorLines()).singleElement().asString().contains("belongs to node 2, not node 1");
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
