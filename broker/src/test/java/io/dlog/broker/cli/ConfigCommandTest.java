package io.dlog.broker.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code dlog config} run in-process: every key with its source, and one-line errors naming where a bad value was set. */
class ConfigCommandTest {
    @TempDir
    Path tmp;

    private CommandRun config(Map<String, String> environment, String... args) {
        ConfigCommand command = new ConfigCommand();
        command.options.withEnvironment(environment);
        return CommandRun.run(command, args);
    }

    private static String lineOf(CommandRun run, String key) {
        return run.stdout().lines().filter(line -> line.startsWith(key + "=")).findFirst()
                .orElseThrow(() -> new AssertionError("no " + key + " in\n" + run));
    }

    @Test
    void shouldPrintEachValueWithItsSourceFileEnvCommandLineOrDefault() throws Exception {
        // Given
        Path file = Files.writeString(tmp.resolve("server.properties"),
                "node.id=1\nlisteners=PLAINTEXT://0.0.0.0:9092\nlog.dirs=/var/lib/dlog/data\nnum.partitions=3\n");
        Map<String, String> env = Map.of("KAFKA_NODE_ID", "7", "KAFKA_HEAP_OPTS", "-Xmx1g", "PATH", "/bin");

        // When
        CommandRun run = config(env, "--config", file.toString(), "--env-config", "-o", "num.partitions=6",
                "--port", "19092");

        // Then
        assertThat(run.exitCode()).as(run.toString()).isZero();
        assertThat(lineOf(run, "node.id")).matches("node\\.id=7 +# env KAFKA_NODE_ID");
        assertThat(lineOf(run, "log.dirs")).matches("log\\.dirs=/var/lib/dlog/data +# file " + java.util.regex.Pattern.quote(file.toString()));
        assertThat(lineOf(run, "num.partitions")).matches("num\\.partitions=6 +# command line -o");
        assertThat(lineOf(run, "listeners")).matches("listeners=PLAINTEXT://0\\.0\\.0\\.0:19092 +# command line --port");
        assertThat(lineOf(run, "auto.create.topics.enable")).matches("auto\\.create\\.topics\\.enable=true +# default");
        assertThat(run.stdout()).doesNotContain("heap");
    }

    @Test
    void shouldIgnoreTheEnvironmentWithoutEnvConfig() {
        // When
        CommandRun run = config(Map.of("KAFKA_NODE_ID", "7"), "--only-set", "-o", "num.partitions=2");

        // Then: only what the command line set
        assertThat(run.exitCode()).as(run.toString()).isZero();
        assertThat(run.stdout().lines().toList()).singleElement().asString().startsWith("num.partitions=2 ");
    }

    @Test
    void shouldHidePasswordsAndMarkTheKafkaKeysDLogIgnores() {
        // When
        CommandRun run = config(Map.of("KAFKA_SSL_KEYSTORE_PASSWORD", "s3cret",
                        "KAFKA_LISTENER_NAME_SASL__PLAINTEXT_PLAIN_SASL_JAAS_CONFIG", "x required;"),
                "--env-config", "--only-set", "-o", "num.replica.fetchers=4");

        // Then
        assertThat(run.exitCode()).as(run.toString()).isZero();
        assertThat(run.stdout()).doesNotContain("s3cret").doesNotContain("x required");
        assertThat(lineOf(run, "ssl.keystore.password")).startsWith("ssl.keystore.password=" + ConfigCommand.HIDDEN);
        assertThat(lineOf(run, "listener.name.sasl_plaintext.plain.sasl.jaas.config")).contains(ConfigCommand.HIDDEN);
        assertThat(lineOf(run, "num.replica.fetchers")).endsWith("# command line -o, ignored by DLog");
    }

    @Test
    void shouldExitTwoWithOneLineNamingTheVariableOfAnUnknownKey() {
        // When
        CommandRun run = config(Map.of("KAFKA_NUM_PARTITION", "3"), "--env-config");

        // Then
        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.stdout()).isEmpty();
        assertThat(run.stderrLines()).containsExactly("dlog: unknown config 'num.partition' (set by env KAFKA_NUM_PARTITION);"
                + " did you mean 'num.partitions'?");
    }

    @Test
    void shouldIgnoreAsKafkaDoesAKeyNoKafkaKnowsThatMisspellsNoKeyDLogActsOn() throws Exception {
        // Given: a vendor's key, and a misspelt key of Kafka 3's that Kafka 4 ignores even spelt right
        Path file = Files.writeString(tmp.resolve("server.properties"),
                "confluent.support.metrics.enable=false\nzookeeper.session.tmeout.ms=1000\nnum.partitions=3\n");

        // When
        CommandRun run = config(Map.of(), "--config", file.toString(), "--only-set");

        // Then
        assertThat(run.exitCode()).as(run.toString()).isZero();
        assertThat(lineOf(run, "confluent.support.metrics.enable"))
                .endsWith("# file " + file + ", unknown to DLog and Kafka, ignored");
        assertThat(lineOf(run, "zookeeper.session.tmeout.ms")).endsWith(", unknown to DLog and Kafka, ignored");
        assertThat(lineOf(run, "num.partitions")).startsWith("num.partitions=3");
        assertThat(NodeConfigOptions.ignoredUnknownKeys(new io.dlog.broker.config.EffectiveConfig()
                .putFile(file.toString(), NodeConfigOptions.readFile(file))))
                .extracting(io.dlog.broker.config.EffectiveConfig.Value::key)
                .containsExactlyInAnyOrder("confluent.support.metrics.enable", "zookeeper.session.tmeout.ms");
    }

    @Test
    void shouldExitTwoWithOneLineNamingTheFileOfABadValue() throws Exception {
        // Given
        Path file = Files.writeString(tmp.resolve("server.properties"), "num.partitions=many\n");

        // When
        CommandRun run = config(Map.of(), "--config", file.toString());

        // Then
        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.stderrLines()).singleElement().asString()
                .startsWith("dlog: Invalid value many for configuration num.partitions")
                .endsWith("(set by file " + file + ")");
        assertThat(run.hasStackTrace()).isFalse();
    }

    @Test
    void shouldExitTwoWithOneLineForAMissingFile() {
        // When
        CommandRun run = config(Map.of(), "--config", tmp.resolve("absent.properties").toString());

        // Then
        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.stderrLines()).containsExactly("dlog: config file " + tmp.resolve("absent.properties") + " does not exist");
    }

    @Test
    void shouldExitTwoWithOneLineForSettingsThatDoNotFitTogether() {
        // When: a cluster node whose id is not among the voters
        CommandRun run = config(Map.of("KAFKA_NODE_ID", "4",
                "KAFKA_CONTROLLER_QUORUM_VOTERS", "1@a:9093,2@b:9093,3@c:9093",
                "KAFKA_LISTENERS", "PLAINTEXT://:9092,CONTROLLER://:9093"), "--env-config");

        // Then
        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.stderrLines()).singleElement().asString().contains("node.id 4 is not among the voters")
                .contains("(set by env KAFKA_CONTROLLER_QUORUM_VOTERS)");
    }

    @Test
    void shouldPrintTheVersionThroughTheTopCommand() {
        // When
        CommandRun run = CommandRun.run(DLogCli.commandLine(), "--version");

        // Then
        assertThat(run.exitCode()).isZero();
        assertThat(run.stdout().lines().toList()).singleElement().asString().matches("dlog \\S+");
        assertThat(List.of(DLogCli.commandLine().getSubcommands().keySet().toArray()))
                .contains("start", "config", "status", "sql");
    }
}
