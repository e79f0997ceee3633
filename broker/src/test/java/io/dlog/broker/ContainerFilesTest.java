package io.dlog.broker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.dlog.kafka.config.BrokerConfig;
import java.io.IOException;
import java.io.Reader;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

/**
 * The container files at the repository root: docker-compose.yml gives three nodes the server.properties,
 * ports and volumes of one cluster, and the Dockerfile builds the image they run. Docker is not on every
 * build machine, so the files are read as data; {@code docker compose config} runs as well where a daemon answers.
 */
class ContainerFilesTest {
    private static final Pattern LISTENER = Pattern.compile("([A-Z_]+)://([^:,]*):(\\d+)");
    private static final String CONFIG_PATH = "/etc/dlog/server.properties";
    private static final List<String> SERVICES = List.of("dlog-1", "dlog-2", "dlog-3");

    private static Path root;
    private static Map<String, Object> compose;

    @BeforeAll
    static void readCompose() throws IOException {
        root = repositoryRoot();
        Yaml yaml = new Yaml(new SafeConstructor(new LoaderOptions()));
        try (Reader reader = Files.newBufferedReader(root.resolve("docker-compose.yml"), StandardCharsets.UTF_8)) {
            compose = map(yaml.load(reader));
        }
    }

    @Test
    void shouldDefineThreeNodesEachPublishingItsClientPort() {
        assertThat(map(compose.get("services")).keySet()).containsExactlyInAnyOrderElementsOf(SERVICES);
        for (int i = 0; i < SERVICES.size(); i++) {
            // Given
            String name = SERVICES.get(i);
            Map<String, Object> service = service(name);
            Properties config = serverProperties(name);
            int published = 9092 + 2 * i;

            // Then: the host port is the one the node advertises, and maps to the port it listens on
            assertThat(list(service.get("ports"))).as(name).containsExactly(published + ":" + published);
            assertThat(listeners(config.getProperty("listeners"))).as(name).containsEntry("PLAINTEXT", published);
            assertThat(config.getProperty("advertised.listeners")).as(name).isEqualTo("PLAINTEXT://localhost:" + published);
            assertThat(service.get("build")).as(name).isEqualTo(".");
        }
    }

    @Test
    void shouldKeepEachNodesDataInANamedVolumeOfItsOwn() {
        Set<String> volumes = new HashSet<>();
        for (String name : SERVICES) {
            // Given
            List<Object> mounts = list(service(name).get("volumes"));
            String logDirs = serverProperties(name).getProperty("log.dirs");

            // Then
            assertThat(mounts).as(name).hasSize(1);
            String[] mount = mounts.get(0).toString().split(":");
            assertThat(map(compose.get("volumes"))).as("declared named volumes").containsKey(mount[0]);
            assertThat(logDirs).as(name + " log.dirs inside its volume").startsWith(mount[1] + "/");
            volumes.add(mount[0]);
        }
        assertThat(volumes).hasSize(SERVICES.size());
    }

    @Test
    void shouldGiveTheNodesConfigsThatDifferOnlyInTheirOwnKeys() {
        // Given
        List<Properties> configs = SERVICES.stream().map(ContainerFilesTest::serverProperties).toList();
        Set<String> perNode = Set.of("node.id", "listeners", "advertised.listeners", "log.dirs");

        // Then: the same keys everywhere; node's own keys distinct, every other key identical
        for (Properties config : configs) {
            assertThat(config.stringPropertyNames()).isEqualTo(configs.get(0).stringPropertyNames());
        }
        for (String key : configs.get(0).stringPropertyNames()) {
            Set<String> values = new HashSet<>();
            configs.forEach(config -> values.add(config.getProperty(key)));
            assertThat(values).as(key).hasSize(perNode.contains(key) ? configs.size() : 1);
        }
        for (int i = 0; i < configs.size(); i++) {
            assertThat(configs.get(i).getProperty("node.id")).isEqualTo(Integer.toString(i + 1));
        }
    }

    @Test
    void shouldNameEveryNodesControllerListenerInTheQuorumVoters() {
        String voters = serverProperties("dlog-1").getProperty("controller.quorum.voters");
        List<String> expected = new ArrayList<>();
        for (String name : SERVICES) {
            Properties config = serverProperties(name);
            int controllerPort = listeners(config.getProperty("listeners")).get(config.getProperty("controller.listener.names"));
            expected.add(config.getProperty("node.id") + "@" + service(name).get("hostname") + ":" + controllerPort);
            assertThat(service(name).get("hostname")).isEqualTo(name);
        }
        assertThat(voters).isEqualTo(String.join(",", expected));
    }

    @Test
    void shouldGiveConfigsThatBrokerConfigAccepts() {
        for (String name : SERVICES) {
            // When
            BrokerConfig config = BrokerConfig.parse(asMap(serverProperties(name)));

            // Then
            assertThat(config.nodeId()).isEqualTo(SERVICES.indexOf(name) + 1);
            assertThat(config.dataDir()).isEqualTo(Path.of("/var/lib/dlog/" + name.replace("dlog-", "node-")));
        }
    }

    @Test
    void shouldBuildAnImageThatStartsFromItsDefaultConfig() throws IOException {
        // Given
        String dockerfile = dockerfile();
        Properties single = new Properties();
        try (Reader reader = Files.newBufferedReader(root.resolve("docker/server.properties"), StandardCharsets.UTF_8)) {
            single.load(reader);
        }

        // Then: multi-stage, the jar the broker module builds, the config every service replaces, a non-root user,
        // the data volume, and the KAFKA_* variables read on top of the file
        assertThat(dockerfile).contains("FROM maven:3-eclipse-temurin-17 AS build").contains("FROM eclipse-temurin:17-jre")
                .contains("COPY --from=build /src/broker/target/dlog.jar /opt/dlog/dlog.jar")
                .contains("COPY docker/server.properties " + CONFIG_PATH)
                .contains("COPY docker/dlog /usr/local/bin/dlog").contains("chmod 755 /usr/local/bin/dlog")
                .contains("USER dlog").contains("VOLUME /var/lib/dlog")
                // the classic builder (Docker's API, Testcontainers) refuses BuildKit-only syntax
                .doesNotContain("# syntax=");
        String instructions = String.join("\n", dockerfile.lines().filter(line -> !line.startsWith("#")).toList());
        assertThat(instructions).doesNotContain("--mount=").doesNotContain("--chmod");
        assertThat(instruction(dockerfile, "CMD")).containsExactly("start", "--config", CONFIG_PATH, "--env-config");
        assertThat(instruction(dockerfile, "ENTRYPOINT")).containsExactly("dlog");
        assertThat(Files.readString(root.resolve("broker/pom.xml"), StandardCharsets.UTF_8))
                .contains("<finalName>dlog</finalName>");
        BrokerConfig config = BrokerConfig.parse(asMap(single));
        assertThat(config.listener().port()).isEqualTo(9092);
        assertThat(config.dataDir()).isEqualTo(Path.of("/var/lib/dlog/data"));
    }

    @Test
    void shouldRunCommandsTheCliAccepts() {
        // Given
        String dockerfile = dockerfile();
        List<String> health = instruction(dockerfile, "HEALTHCHECK");

        // Then: the default command and the health check parse as dlog arguments (options that exist, values that fit)
        io.dlog.broker.cli.DLogCli.commandLine().parseArgs(instruction(dockerfile, "CMD").toArray(String[]::new));
        assertThat(health.subList(0, 3)).containsExactly("env", "JAVA_OPTS=-Xmx64m -XX:+UseSerialGC -XX:TieredStopAtLevel=1", "dlog");
        assertThat(health).contains("--health", "--env-config").containsSequence("--config", CONFIG_PATH);
        io.dlog.broker.cli.DLogCli.commandLine().parseArgs(health.subList(3, health.size()).toArray(String[]::new));
    }

    @Test
    void shouldPassArgumentsAndJavaOptsThroughTheWrapperScript() throws Exception {
        // Given: a java that prints its arguments, one a line
        Path bin = Files.createTempDirectory("fake-java");
        try {
            Path java = bin.resolve("java");
            Files.writeString(java, "#!/bin/sh\nfor a in \"$@\"; do echo \"$a\"; done\n");
            assertThat(java.toFile().setExecutable(true)).isTrue();
            ProcessBuilder builder = new ProcessBuilder("sh", root.resolve("docker/dlog").toString(), "start", "-o", "a=b c");
            builder.environment().put("PATH", bin + ":" + System.getenv("PATH"));
            builder.environment().put("JAVA_OPTS", "-Xmx1g  -XX:+UseG1GC");

            // When
            Process wrapper = builder.redirectErrorStream(true).start();
            String output = new String(wrapper.getInputStream().readAllBytes(), StandardCharsets.UTF_8);

            // Then: JAVA_OPTS split into options, the CLI's arguments kept whole
            assertThat(wrapper.waitFor(30, TimeUnit.SECONDS)).isTrue();
            assertThat(output.lines().toList()).containsExactly("-Xmx1g", "-XX:+UseG1GC", "-jar", "/opt/dlog/dlog.jar",
                    "start", "-o", "a=b c");
        } finally {
            try (var files = Files.walk(bin)) {
                files.sorted(java.util.Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
            }
        }
    }

    private static String dockerfile() {
        try {
            return Files.readString(root.resolve("Dockerfile"), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    /** The JSON array of an exec-form instruction (CMD, ENTRYPOINT, HEALTHCHECK ... CMD), lines joined. */
    private static List<String> instruction(String dockerfile, String name) {
        String joined = dockerfile.replace("\\\n", " ");
        Matcher matcher = Pattern.compile("(?m)^" + name + "\\b[^\\[\\n]*\\[(.*)\\]\\s*$").matcher(joined);
        assertThat(matcher.find()).as(name + " in the Dockerfile").isTrue();
        List<String> values = new ArrayList<>();
        Matcher item = Pattern.compile("\"((?:[^\"\\\\]|\\\\.)*)\"").matcher(matcher.group(1));
        while (item.find()) {
            values.add(item.group(1));
        }
        return values;
    }

    @Test
    void shouldPassDockerComposeConfigWhereADockerDaemonAnswers() throws Exception {
        assumeTrue(run(List.of("docker", "info")) == 0, "no Docker daemon answers here");
        assertThat(run(List.of("docker", "compose", "-f", root.resolve("docker-compose.yml").toString(), "config", "--quiet")))
                .isZero();
    }

    private static int run(List<String> command) throws InterruptedException {
        try {
            Process process = new ProcessBuilder(command).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            if (!process.waitFor(60, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                return -1;
            }
            return process.exitValue();
        } catch (IOException notInstalled) {
            return -1;
        }
    }

    /** The server.properties a service gets: the config it mounts at {@value #CONFIG_PATH}, inline in the file. */
    private static Properties serverProperties(String serviceName) {
        Map<String, Object> mounted = list(service(serviceName).get("configs")).stream().map(ContainerFilesTest::map)
                .filter(config -> CONFIG_PATH.equals(config.get("target"))).findFirst()
                .orElseThrow(() -> new AssertionError(serviceName + " mounts nothing at " + CONFIG_PATH));
        Object content = map(map(compose.get("configs")).get(mounted.get("source"))).get("content");
        Properties properties = new Properties();
        try {
            properties.load(new StringReader((String) content));
        } catch (IOException e) {
            throw new AssertionError(e);
        }
        return properties;
    }

    private static Map<String, Integer> listeners(String value) {
        Map<String, Integer> ports = new LinkedHashMap<>();
        Matcher matcher = LISTENER.matcher(value);
        while (matcher.find()) {
            ports.put(matcher.group(1), Integer.parseInt(matcher.group(3)));
        }
        return ports;
    }

    private static Map<String, Object> service(String name) {
        return map(map(compose.get("services")).get(name));
    }

    private static Map<String, String> asMap(Properties properties) {
        Map<String, String> values = new HashMap<>();
        properties.stringPropertyNames().forEach(key -> values.put(key, properties.getProperty(key)));
        return values;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> map(Object value) {
        assertThat(value).isInstanceOf(Map.class);
        return (Map<String, Object>) value;
    }

    @SuppressWarnings("unchecked")
    private static List<Object> list(Object value) {
        assertThat(value).isInstanceOf(List.class);
        return (List<Object>) value;
    }

    private static Path repositoryRoot() {
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            if (Files.exists(dir.resolve("docker-compose.yml")) && Files.exists(dir.resolve("Dockerfile"))) {
                return dir;
            }
        }
        throw new AssertionError("no docker-compose.yml above " + Path.of("").toAbsolutePath());
    }
}
