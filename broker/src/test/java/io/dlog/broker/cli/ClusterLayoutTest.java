package io.dlog.broker.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ClusterLayoutTest {
    @TempDir
    Path tmp;

    @Test
    void shouldPlaceNodeIOnTwoPortsAboveNodeIMinusOneAndInItsOwnFolder() {
        // When
        ClusterLayout layout = ClusterLayout.contiguous(3, "127.0.0.1", 9092, tmp);

        // Then
        assertThat(layout.nodes()).extracting(ClusterLayout.Node::port).containsExactly(9092, 9094, 9096);
        assertThat(layout.nodes()).extracting(ClusterLayout.Node::controllerPort).containsExactly(9093, 9095, 9097);
        assertThat(layout.node(2).dataDir()).isEqualTo(tmp.resolve("node-2/data"));
        assertThat(layout.node(2).configFile()).isEqualTo(tmp.resolve("node-2/server.properties"));
        assertThat(layout.quorumVoters()).isEqualTo("1@127.0.0.1:9093,2@127.0.0.1:9095,3@127.0.0.1:9097");
        assertThat(layout.bootstrapServers()).isEqualTo("127.0.0.1:9092,127.0.0.1:9094,127.0.0.1:9096");
    }

    @Test
    void shouldLetTheNodesOwnKeysWinOverTheSharedOnesButKeepSharedReplicationSettings() {
        // Given
        ClusterLayout layout = ClusterLayout.contiguous(3, "127.0.0.1", 9092, tmp);
        Map<String, String> base = Map.of("node.id", "7", "log.dir", "/elsewhere", "listeners", "PLAINTEXT://:1",
                "default.replication.factor", "2", "num.partitions", "6");

        // When
        Map<String, String> config = layout.nodeConfig(3, base);

        // Then
        assertThat(config).containsEntry("node.id", "3").containsEntry("num.partitions", "6")
                .containsEntry("process.roles", "broker,controller")
                .containsEntry("listeners", "PLAINTEXT://127.0.0.1:9096,CONTROLLER://127.0.0.1:9097")
                .containsEntry("advertised.listeners", "PLAINTEXT://127.0.0.1:9096")
                .containsEntry("controller.listener.names", "CONTROLLER")
                .containsEntry("controller.quorum.voters", layout.quorumVoters())
                .containsEntry("log.dirs", tmp.resolve("node-3/data").toString())
                .containsEntry("default.replication.factor", "2")
                .containsEntry("offsets.topic.replication.factor", "3")
                .doesNotContainKey("log.dir");
    }

    @Test
    void shouldNotAskASingleNodeForMoreReplicasThanItHas() {
        assertThat(ClusterLayout.contiguous(1, "127.0.0.1", 9092, tmp).nodeConfig(1, Map.of()))
                .doesNotContainKeys("default.replication.factor", "offsets.topic.replication.factor");
        assertThat(ClusterLayout.contiguous(2, "127.0.0.1", 9092, tmp).nodeConfig(1, Map.of()))
                .containsEntry("offsets.topic.replication.factor", "2");
    }

    @Test
    void shouldWritePropertiesThatReadBackUnchanged() throws Exception {
        // Given: values a naive writer would garble
        Map<String, String> values = new LinkedHashMap<>();
        values.put("log.dirs", "C:\\dlog\\node-1");
        values.put("a", " leading blank");
        values.put("b", "x=y:z#not a comment");

        // When
        Path file = tmp.resolve("sub/server.properties");
        ClusterLayout.writeProperties(file, values, "test");

        // Then
        Properties read = new Properties();
        try (Reader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            read.load(reader);
        }
        assertThat(read).containsExactlyInAnyOrderEntriesOf(values);
    }
}
