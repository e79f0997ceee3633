package io.dlog.compat.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Three child-JVM nodes: the metadata survives a kill -9 of any one node, and the node rejoins. */
class ProcessClusterFailoverTest {
    @RegisterExtension
    static final DLogClusterExtension CLUSTER = DLogClusterExtension.processes(3);

    @Test
    void shouldKeepServingMetadataWhenANodeIsKilledAndLetItRejoin(ProcessCluster cluster) throws Exception {
        // Given
        String before = CLUSTER.newTopic(1, 3);

        // When: node 1 (a voter, possibly the metadata leader) dies without a word
        cluster.kill(1);
        String during;
        try (Admin admin = ThreeNodeClusterTest.adminOf(cluster, 2)) {
            during = "during-" + System.nanoTime();
            admin.createTopics(List.of(new NewTopic(during, 1, (short) 2))).all().get();
        }
        cluster.restart(1);
        cluster.awaitFormed();

        // Then
        try (Admin admin = ThreeNodeClusterTest.adminOf(cluster, 1)) {
            ThreeNodeClusterTest.awaitTopic(admin, during);
            assertThat(admin.listTopics().names().get()).contains(before, during);
        }
    }
}
