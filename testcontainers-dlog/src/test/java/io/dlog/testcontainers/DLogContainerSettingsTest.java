package io.dlog.testcontainers;

import static org.assertj.core.api.Assertions.assertThat;

import io.dlog.broker.config.EffectiveConfig;
import io.dlog.kafka.config.BrokerConfig;
import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * What DLogContainer and DLogCluster give the image, checked without Docker: the image's server.properties under
 * the container's KAFKA_* variables and the start script's advertised listeners, read as the image reads them
 * (dlog start --config ... --env-config), make a configuration the broker accepts, with the listeners meant.
 */
class DLogContainerSettingsTest {

    private static BrokerConfig asTheImageReadsIt(Map<String, String> env, String startScript) throws IOException {
        Map<String, String> variables = new HashMap<>(env);
        Matcher export = Pattern.compile("export (KAFKA_\\w+)='([^']*)'").matcher(startScript);
        while (export.find()) {
            variables.put(export.group(1), export.group(2));
        }
        Properties file = new Properties();
        try (Reader reader = Files.newBufferedReader(repositoryRoot().resolve("docker/server.properties"), StandardCharsets.UTF_8)) {
            file.load(reader);
        }
        Map<String, String> fileValues = new HashMap<>();
        file.stringPropertyNames().forEach(key -> fileValues.put(key, file.getProperty(key)));
        EffectiveConfig config = new EffectiveConfig().putFile(DLogContainer.CONFIG_FILE, fileValues).putEnvironment(variables);
        return BrokerConfig.parse(config.values());
    }

    @Test
    void shouldAdvertiseTheMappedPortToTheHostAndTheHostnameToTheNetwork() throws IOException {
        // When
        String script = DLogContainer.startScript("localhost:32771", "a1b2c3d4e5f6");
        BrokerConfig config = asTheImageReadsIt(DLogContainer.singleNodeEnv(), script);

        // Then
        assertThat(script).endsWith("exec dlog start --config /etc/dlog/server.properties --env-config\n");
        assertThat(config.nodeId()).isEqualTo(1);
        assertThat(config.controllerQuorumVoters()).isEmpty();
        assertThat(config.listener()).isEqualTo(new BrokerConfig.Listener("BROKER", "0.0.0.0", DLogContainer.BROKER_PORT));
        assertThat(config.advertisedListeners()).containsExactly(
                new BrokerConfig.Listener("PLAINTEXT", "localhost", 32771),
                new BrokerConfig.Listener("BROKER", "a1b2c3d4e5f6", DLogContainer.BROKER_PORT));
        assertThat(config.dataDir()).isEqualTo(Path.of("/var/lib/dlog/data"));
        assertThat(config.offsetsTopicReplicationFactor()).isEqualTo((short) 1);
    }

    @Test
    void shouldMakeEachClusterNodeAVoterReachableByItsAlias() throws IOException {
        // Given: the environment DLogCluster gives node 2 of 3
        DLogContainer node = new DLogContainer("dlog:test").asClusterNode(2, DLogCluster.alias(2), DLogCluster.quorumVoters(3), 3);

        // When
        BrokerConfig config = asTheImageReadsIt(node.getEnvMap(), DLogContainer.startScript("localhost:32772", "dlog-2"));

        // Then
        assertThat(config.nodeId()).isEqualTo(2);
        assertThat(config.controllerQuorumVoters()).hasSize(3).containsKeys(1, 2, 3);
        assertThat(config.controllerQuorumVoters().get(2).getHostString()).isEqualTo("dlog-2");
        assertThat(config.controllerListener()).contains(new BrokerConfig.Listener("CONTROLLER", "0.0.0.0", DLogContainer.CONTROLLER_PORT));
        assertThat(config.advertisedListener()).isEqualTo(new BrokerConfig.Listener("BROKER", "dlog-2", DLogContainer.BROKER_PORT));
        assertThat(config.defaultReplicationFactor()).isEqualTo((short) 3);
        assertThat(node.getNetworkAliases()).contains("dlog-2");
    }

    private static Path repositoryRoot() {
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            if (Files.exists(dir.resolve("Dockerfile")) && Files.exists(dir.resolve("docker/server.properties"))) {
                return dir;
            }
        }
        throw new AssertionError("no Dockerfile above " + Path.of("").toAbsolutePath());
    }
}
