package io.dlog.compat.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dlog.broker.DLogBroker;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.CreateTopicsOptions;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.QuorumInfo;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.errors.TimeoutException;
import org.junit.jupiter.api.Test;

/**
 * The metadata Raft group of three in-process nodes, driven through Kafka's Admin client: changes made
 * through any node reach all of them, survive the loss of the metadata leader in the middle of a burst,
 * reach a node that was down (from a snapshot once the log before it is purged), and a minority can
 * change nothing. Each test starts its own cluster, since it stops nodes.
 */
class MetadataQuorumTest {
    private static final Duration WAIT = Duration.ofSeconds(60);
    /** Snapshot (and purge the log) every 20 metadata entries, so a returning node needs the snapshot. */
    private static final Map<String, String> SMALL_SNAPSHOTS = Map.of("dlog.metadata.snapshot.entries", "20",
            "broker.session.timeout.ms", "3000", "broker.heartbeat.interval.ms", "500");

    @Test
    void shouldShowChangesMadeThroughAnyNodeOnEveryNode() throws Exception {
        try (InProcessCluster cluster = InProcessCluster.start(3, Map.of())) {
            // When: create through node 1, configure through node 2, delete another through node 3
            try (Admin one = adminOf(cluster, 1); Admin two = adminOf(cluster, 2); Admin three = adminOf(cluster, 3)) {
                one.createTopics(List.of(new NewTopic("kept", 3, (short) 3), new NewTopic("dropped", 1, (short) 2))).all().get();
                ConfigResource kept = new ConfigResource(ConfigResource.Type.TOPIC, "kept");
                two.incrementalAlterConfigs(Map.of(kept, List.of(new AlterConfigOp(
                        new ConfigEntry("retention.ms", "3600000"), AlterConfigOp.OpType.SET)))).all().get();
                three.deleteTopics(List.of("dropped")).all().get();

                // Then: every node's Admin sees the same
                for (Admin admin : List.of(one, two, three)) {
                    awaitTopics(admin, Set.of("kept"));
                    ConfigEntry retention = admin.describeConfigs(List.of(kept)).all().get().get(kept).get("retention.ms");
                    assertThat(retention.value()).isEqualTo("3600000");
                    assertThat(retention.source()).isEqualTo(ConfigEntry.ConfigSource.DYNAMIC_TOPIC_CONFIG);
                    assertThat(admin.describeTopics(List.of("kept")).allTopicNames().get().get("kept").partitions())
                            .allSatisfy(p -> assertThat(p.replicas()).hasSize(3));
                }
            }
        }
    }

    @Test
    void shouldKeepEveryAcknowledgedChangeWhenTheMetadataLeaderStopsDuringABurst() throws Exception {
        try (InProcessCluster cluster = InProcessCluster.start(3, SMALL_SNAPSHOTS)) {
            int leader = cluster.broker(1).metadataLeaderId();
            int client = leader == 1 ? 2 : 1;
            List<String> acknowledged = new ArrayList<>();
            List<String> failed = new ArrayList<>();
            AtomicBoolean stopped = new AtomicBoolean();

            // When: a burst of creations through a follower, and the leader stops a third of the way in
            try (Admin admin = adminOf(cluster, client)) {
                for (int i = 0; i < 30; i++) {
                    if (i == 10) {
                        cluster.stop(leader);
                        stopped.set(true);
                    }
                    String name = "burst-" + i;
                    try {
                        admin.createTopics(List.of(new NewTopic(name, 1, (short) 1))).all().get();
                        acknowledged.add(name);
                    } catch (ExecutionException e) {
                        failed.add(name + ": " + e.getCause());
                    }
                }
            }

            // Then: both survivors hold every acknowledged topic, and creations went on after the loss
            assertThat(stopped).isTrue();
            assertThat(acknowledged).as("failed: %s", failed).contains("burst-29");
            for (int node : cluster.runningNodeIds()) {
                try (Admin admin = adminOf(cluster, node)) {
                    awaitTopics(admin, acknowledged);
                }
            }
        }
    }

    @Test
    void shouldCatchUpANodeThatWasDownFromTheLeadersSnapshot() throws Exception {
        try (InProcessCluster cluster = InProcessCluster.start(3, SMALL_SNAPSHOTS)) {
            int away = cluster.broker(1).metadataLeaderId() == 3 ? 2 : 3;
            cluster.stop(away);
            List<String> created = new ArrayList<>();
            try (Admin admin = adminOf(cluster, away == 3 ? 1 : 3)) {
                for (int i = 0; i < 40; i++) { // twice the snapshot interval: the returning node's gap is purged
                    admin.createTopics(List.of(new NewTopic("while-away-" + i, 1, (short) 1))).all().get();
                    created.add("while-away-" + i);
                }
            }

            cluster.restart(away);

            DLogBroker returned = cluster.broker(away);
            assertThat(returned.metadataImage().topics().keySet()).containsAll(created);
            try (Admin admin = adminOf(cluster, away)) {
                awaitTopics(admin, created);
            }
        }
    }

    @Test
    void shouldRefuseChangesInAMinorityWithARetriableTimeoutInsteadOfHanging() throws Exception {
        try (InProcessCluster cluster = InProcessCluster.start(3, SMALL_SNAPSHOTS)) {
            cluster.stop(2);
            cluster.stop(3);

            long start = System.nanoTime();
            try (Admin admin = adminOf(cluster, 1)) {
                assertThatThrownBy(() -> admin.createTopics(List.of(new NewTopic("in-minority", 1, (short) 1)),
                        new CreateTopicsOptions().timeoutMs(3000)).all().get())
                        .isInstanceOf(ExecutionException.class).cause().isInstanceOf(TimeoutException.class);
            }

            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(40));
            assertThat(cluster.broker(1).metadataImage().topic("in-minority")).isEmpty();
        }
    }

    @Test
    void shouldFenceAStoppedNodeAndDescribeTheQuorum() throws Exception {
        try (InProcessCluster cluster = InProcessCluster.start(3, SMALL_SNAPSHOTS)) {
            try (Admin admin = adminOf(cluster, 1)) {
                QuorumInfo quorum = admin.describeMetadataQuorum().quorumInfo().get();
                assertThat(quorum.leaderId()).isEqualTo(cluster.broker(1).metadataLeaderId());
                assertThat(quorum.voters()).extracting(QuorumInfo.ReplicaState::replicaId).containsExactlyInAnyOrder(1, 2, 3);
                assertThat(quorum.highWatermark()).isPositive();
            }

            int follower = cluster.broker(1).metadataLeaderId() == 3 ? 2 : 3;
            cluster.stop(follower);

            // Then: after broker.session.timeout.ms the others fence it and stop listing it
            List<Integer> rest = new ArrayList<>(cluster.runningNodeIds());
            cluster.awaitBrokers(rest, WAIT);
            int survivor = rest.get(0);
            assertThat(cluster.broker(survivor).metadataImage().isLive(follower)).isFalse();
        }
    }

    static Admin adminOf(DLogCluster cluster, int nodeId) {
        Properties props = new Properties();
        props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, cluster.bootstrapServers(nodeId));
        props.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, "30000");
        props.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, "10000");
        return Admin.create(props);
    }

    static void awaitTopics(Admin admin, Collection<String> topics) throws Exception {
        long deadline = System.nanoTime() + WAIT.toNanos();
        Set<String> listed = Set.of();
        while (System.nanoTime() < deadline) {
            listed = new TreeSet<>(admin.listTopics().names().get());
            if (listed.containsAll(topics)) {
                return;
            }
            Thread.sleep(100);
        }
        assertThat(listed).containsAll(topics);
    }
}
