package io.dlog.broker.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.Reader;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.common.Node;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code dlog start --cluster N}, run in-process; its nodes are child JVMs on this test's classpath. */
class DevClusterCommandTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(150);

    @TempDir
    Path tmp;

    @AfterEach
    void noNodeOutlivesItsCommand() {
        assertThat(ProcessHandle.current().children().filter(ProcessHandle::isAlive)).isEmpty();
    }

    @Test
    void shouldExitTwoWithOneLineForAClusterOfZeroNodes() throws Exception {
        // When
        CliRun run = CliRun.completed(TIMEOUT, "--cluster", "0", "--data-dir", tmp.toString());

        // Then
        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.errorLines()).singleElement().asString().contains("--cluster");
    }

    @Test
    void shouldExitTwoWithOneLineWhenThePortsRunPast65535() throws Exception {
        // When
        CliRun run = CliRun.completed(TIMEOUT, "--cluster", "3", "--port", "65531", "--data-dir", tmp.toString());

        // Then
        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.errorLines()).singleElement().asString().contains("65531-65536");
        assertThat(tmp.resolve("node-1")).doesNotExist();
    }

    @Test
    void shouldWriteEachNodesConfigAndExitOneWithOneLineWhenANodeCannotStart() throws Exception {
        // Given: node 2's client port is taken
        int base = CliRun.freePortRange(4);
        try (ServerSocket busy = new ServerSocket(base + 2, 1, InetAddress.getByName("127.0.0.1"))) {
            assertThat(busy.getLocalPort()).isEqualTo(base + 2);

            // When
            CliRun run = CliRun.completed(TIMEOUT, "--cluster", "2", "--port", Integer.toString(base),
                    "--data-dir", tmp.toString(), "-o", "num.partitions=2");

            // Then
            assertThat(run.exitCode()).as(run.toString()).isEqualTo(1);
            assertThat(run.errorLines()).as(run.toString()).singleElement().asString()
                    .matches("dlog: node-[12] failed to start: .+");
            assertThat(run.stderr()).containsPattern("(?m)^\\[node-[12]\\] ");
        }
        Map<String, String> node1 = load(tmp.resolve("node-1/server.properties"));
        Map<String, String> node2 = load(tmp.resolve("node-2/server.properties"));
        String voters = "1@127.0.0.1:" + (base + 1) + ",2@127.0.0.1:" + (base + 3);
        assertThat(node1).containsEntry("node.id", "1").containsEntry("num.partitions", "2")
                .containsEntry("listeners", "PLAINTEXT://127.0.0.1:" + base + ",CONTROLLER://127.0.0.1:" + (base + 1))
                .containsEntry("advertised.listeners", "PLAINTEXT://127.0.0.1:" + base)
                .containsEntry("controller.quorum.voters", voters)
                .containsEntry("log.dirs", tmp.resolve("node-1/data").toAbsolutePath().toString());
        assertThat(node2).containsEntry("node.id", "2").containsEntry("num.partitions", "2")
                .containsEntry("listeners", "PLAINTEXT://127.0.0.1:" + (base + 2) + ",CONTROLLER://127.0.0.1:" + (base + 3))
                .containsEntry("controller.quorum.voters", voters)
                .containsEntry("default.replication.factor", "2");
    }

    @Test
    void shouldNameTheNodeAndThePortWhenANodesPortIsTaken() throws Exception {
        // Given
        int base = CliRun.freePortRange(6);
        try (ServerSocket busy = new ServerSocket(base + 4, 1, InetAddress.getByName("127.0.0.1"))) {
            assertThat(busy.getLocalPort()).isEqualTo(base + 4);

            // When
            CliRun run = CliRun.completed(TIMEOUT, "--cluster", "3", "--port", Integer.toString(base),
                    "--data-dir", tmp.toString());

            // Then
            assertThat(run.exitCode()).as(run.toString()).isEqualTo(1);
            assertThat(run.errorLines()).as(run.toString()).singleElement().asString()
                    .startsWith("dlog: node-3 failed to start: ").contains(Integer.toString(base + 4));
        }
    }

    @Test
    void shouldStartAThreeNodeClusterThatKafkaSeesAsOneAndStopItOnRequest() throws Exception {
        // Given
        int base = CliRun.freePortRange(6);
        String bootstrap = "127.0.0.1:" + base + ",127.0.0.1:" + (base + 2) + ",127.0.0.1:" + (base + 4);

        // When
        try (CliRun run = CliRun.start("--cluster", "3", "--port", Integer.toString(base), "--data-dir", tmp.toString())) {
            assertThat(run.awaitOutput(StartCommand.SERVING, TIMEOUT)).as(run.toString()).isTrue();

            // Then
            assertThat(run.stdout()).contains(StartCommand.SERVING + bootstrap);
            assertThat(run.stderr()).containsPattern("(?m)^\\[node-1\\] ").containsPattern("(?m)^\\[node-3\\] ");
            Map<String, Object> props = new HashMap<>();
            props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, "127.0.0.1:" + (base + 2));
            try (Admin admin = Admin.create(props)) {
                assertThat(admin.describeCluster().nodes().get().stream().map(Node::port))
                        .containsExactlyInAnyOrder(base, base + 2, base + 4);
            }
            assertThat(run.stop(TIMEOUT)).as(run.toString()).isZero();
            // Each node's own shutdown log made it through: the pipes stay open until the node has exited
            assertThat(run.stderr()).as(run.toString()).contains("[node-1] ").contains("node 1 stopped")
                    .contains("node 3 stopped");
        }
    }

    @Test
    void shouldStopEveryNodeWhenTheDevClusterProcessIsKilledHard() throws Exception {
        // Given: dlog start --cluster 1 in a JVM of its own
        int base = CliRun.freePortRange(2);
        Path out = tmp.resolve("out.txt");
        Process parent = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), DLogCli.class.getName(), "start", "--cluster", "1",
                "--port", Integer.toString(base), "--data-dir", tmp.resolve("c").toString())
                .redirectErrorStream(true).redirectOutput(out.toFile()).start();
        java.util.List<ProcessHandle> nodes = new java.util.ArrayList<>();
        try {
            long deadline = System.nanoTime() + TIMEOUT.toNanos();
            while (!Files.readString(out).contains(StartCommand.SERVING + "127.0.0.1:" + base) && parent.isAlive()
                    && System.nanoTime() < deadline) {
                Thread.sleep(100);
            }
            assertThat(Files.readString(out)).contains(StartCommand.SERVING + "127.0.0.1:" + base);
            ProcessHandle node = parent.children().findFirst().orElseThrow();
            nodes.add(node);

            // When: the parent gets no chance to stop its nodes
            parent.destroyForcibly().waitFor();

            // Then: the node notices and shuts down cleanly by itself
            assertThat(node.onExit().get(60, java.util.concurrent.TimeUnit.SECONDS).isAlive()).isFalse();
        } finally {
            parent.destroyForcibly();
            nodes.forEach(ProcessHandle::destroyForcibly);
        }
    }

    private static Map<String, String> load(Path file) throws IOException {
        Properties props = new Properties();
        try (Reader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            props.load(reader);
        }
        Map<String, String> values = new HashMap<>();
        props.stringPropertyNames().forEach(key -> values.put(key, props.getProperty(key)));
        return values;
    }
}
