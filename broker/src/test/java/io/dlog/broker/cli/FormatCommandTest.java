package io.dlog.broker.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.dlog.kafka.config.BrokerConfig;
import io.dlog.kafka.config.KraftBootstrapSnapshot;
import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FormatCommandTest {
    private static final String CLUSTER_ID = "3a_6n_Z1Suq8aBpAQJHsDg";
    private static final String INITIAL = "1@127.0.0.1:38001:A-STU-AqDhuaHQwf_29dCg,2@127.0.0.1:38002:e9EVwd_sj1MmQToMLT1-dw,"
            + "3@127.0.0.1:38003:fZlVQXst8zUdCMXXedvoBA";

    @TempDir
    Path dir;

    /** Node {@code id} of a dynamic quorum of three, as Kafka 4's docs configure one. */
    private Path dynamicNode(int id) throws IOException {
        return Files.writeString(dir.resolve("node-" + id + ".properties"), String.join("\n",
                "node.id=" + id,
                "process.roles=broker,controller",
                "listeners=PLAINTEXT://127.0.0.1:3900" + id + ",CONTROLLER://127.0.0.1:3800" + id,
                "controller.listener.names=CONTROLLER",
                "controller.quorum.bootstrap.servers=127.0.0.1:38001,127.0.0.1:38002,127.0.0.1:38003",
                "log.dirs=" + dir.resolve("data-" + id)));
    }

    private static CommandRun format(String... args) {
        return CommandRun.run(DLogCli.commandLine(), prepend("format", args));
    }

    private static String[] prepend(String first, String[] rest) {
        String[] all = new String[rest.length + 1];
        all[0] = first;
        System.arraycopy(rest, 0, all, 1, rest.length);
        return all;
    }

    @Test
    void shouldFormatADynamicQuorumsFoldersSoThatEachNodeReadsTheVoters() throws IOException {
        for (int id = 1; id <= 3; id++) {
            // When
            CommandRun run = format("-t", CLUSTER_ID, "-c", dynamicNode(id).toString(), "--initial-controllers", INITIAL);

            // Then
            assertThat(run.exitCode()).as(run.toString()).isZero();
            assertThat(run.stdout()).contains("node " + id, "1@127.0.0.1:38001,2@127.0.0.1:38002,3@127.0.0.1:38003");
            Properties meta = meta(dir.resolve("data-" + id));
            assertThat(meta.getProperty("cluster.id")).isEqualTo(CLUSTER_ID);
            assertThat(meta.getProperty("node.id")).isEqualTo(Integer.toString(id));
            assertThat(meta.getProperty("directory.id")).isEqualTo(INITIAL.split(",")[id - 1].split(":")[2]);
            BrokerConfig config = BrokerConfig.parse(NodeConfigOptions.readFile(dynamicNode(id)));
            assertThat(config.controllerQuorumVoters()).containsOnlyKeys(1, 2, 3);
            assertThat(config.controllerQuorumVoters().get(2).getPort()).isEqualTo(38002);
        }
    }

    @Test
    void shouldFormatAStandaloneControllerAsItsOwnFirstVoter() throws IOException {
        // Given: Kafka 4's stock single-node config, its bootstrap address its own controller listener
        Path file = Files.writeString(dir.resolve("standalone.properties"), String.join("\n",
                "node.id=2", "process.roles=broker,controller",
                "listeners=PLAINTEXT://127.0.0.1:39002,CONTROLLER://127.0.0.1:38002",
                "controller.listener.names=CONTROLLER", "controller.quorum.bootstrap.servers=127.0.0.1:38002",
                "log.dirs=" + dir.resolve("data-2")));

        // When
        CommandRun run = format("-t", CLUSTER_ID, "-c", file.toString(), "--standalone");

        // Then
        assertThat(run.exitCode()).as(run.toString()).isZero();
        assertThat(KraftBootstrapSnapshot.read(dir.resolve("data-2"), "CONTROLLER").orElseThrow())
                .singleElement().satisfies(voter -> {
                    assertThat(voter.id()).isEqualTo(2);
                    assertThat(voter.port()).isEqualTo(38002);
                    assertThat(voter.directoryId()).isEqualTo(meta(dir.resolve("data-2")).getProperty("directory.id"));
                });
    }

    @Test
    void shouldRefuseWhatItCannotFormatWithOneLineAndNoChange() throws IOException {
        String node = dynamicNode(1).toString();
        String[][] refused = {
            {"-t", "not-an-id", "-c", node, "--initial-controllers", INITIAL},
            {"-t", CLUSTER_ID, "-c", node},
            {"-t", CLUSTER_ID, "-c", node, "--no-initial-controllers"},
            {"-t", CLUSTER_ID, "-c", node, "--initial-controllers", "1@127.0.0.1:38001"},
            {"-t", CLUSTER_ID, "-c", node, "--initial-controllers", INITIAL, "--standalone"},
            {"-t", CLUSTER_ID, "-c", node, "--standalone"},
            {"-t", CLUSTER_ID, "-c", node, "--initial-controllers",
                "1@h:1:A-STU-AqDhuaHQwf_29dCg,1@h:2:e9EVwd_sj1MmQToMLT1-dw"},
        };
        for (String[] args : refused) {
            CommandRun run = format(args);

            assertThat(run.exitCode()).as(run.toString()).isEqualTo(2);
            assertThat(run.stderrLines()).as(run.toString()).hasSize(1).first().asString().startsWith("dlog: ");
            assertThat(run.hasStackTrace()).as(run.toString()).isFalse();
            assertThat(dir.resolve("data-1")).doesNotExist();
        }
    }

    @Test
    void shouldRefuseAFormattedFolderUnlessToldToLeaveIt() throws IOException {
        // Given
        String node = dynamicNode(1).toString();
        assertThat(format("-t", CLUSTER_ID, "-c", node, "-I", INITIAL).exitCode()).isZero();
        byte[] before = Files.readAllBytes(dir.resolve("data-1").resolve("meta.properties"));

        // When
        CommandRun again = format("-t", "MkU3OEVBNTcwNTJENDM2Qk", "-c", node, "-I", INITIAL);
        CommandRun ignored = format("-t", "MkU3OEVBNTcwNTJENDM2Qk", "-c", node, "-I", INITIAL, "--ignore-formatted");

        // Then
        assertThat(again.exitCode()).as(again.toString()).isEqualTo(1);
        assertThat(again.stderr()).contains("already formatted");
        assertThat(ignored.exitCode()).as(ignored.toString()).isZero();
        assertThat(Files.readAllBytes(dir.resolve("data-1").resolve("meta.properties"))).isEqualTo(before);
    }

    @Test
    void shouldFormatAStaticQuorumsFolderWithItsClusterIdOnly() throws IOException {
        // Given
        Path file = Files.writeString(dir.resolve("static.properties"), String.join("\n",
                "node.id=1", "process.roles=broker,controller",
                "listeners=PLAINTEXT://127.0.0.1:39001,CONTROLLER://127.0.0.1:38001",
                "controller.listener.names=CONTROLLER",
                "controller.quorum.voters=1@127.0.0.1:38001,2@127.0.0.1:38002,3@127.0.0.1:38003",
                "log.dirs=" + dir.resolve("data-1")));

        // When
        CommandRun run = format("-t", CLUSTER_ID, "-c", file.toString());
        CommandRun withVoters = format("-t", CLUSTER_ID, "-c", file.toString(), "-I", INITIAL, "-g");

        // Then
        assertThat(run.exitCode()).as(run.toString()).isZero();
        assertThat(meta(dir.resolve("data-1")).getProperty("cluster.id")).isEqualTo(CLUSTER_ID);
        assertThat(KraftBootstrapSnapshot.file(dir.resolve("data-1"))).doesNotExist();
        assertThat(withVoters.exitCode()).as(withVoters.toString()).isEqualTo(2);
    }

    private static Properties meta(Path dataDir) {
        Properties props = new Properties();
        try (Reader reader = Files.newBufferedReader(dataDir.resolve("meta.properties"))) {
            props.load(reader);
        } catch (IOException e) {
            throw new AssertionError(e);
        }
        return props;
    }
}
