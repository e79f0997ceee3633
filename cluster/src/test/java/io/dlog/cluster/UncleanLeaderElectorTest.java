package io.dlog.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import io.dlog.cluster.internal.RatisMetadataQuorum;
import io.dlog.log.metadata.BrokerImage;
import io.dlog.log.metadata.PartitionState;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The metadata leader's unclean elections, on a real one-node Ratis quorum: partition t-0 on brokers 2 and 3 is
 * offline (its last in-sync replica, 2, is fenced) while 3, out of sync, is live again. It gets 3 as leader only
 * when {@code unclean.leader.election.enable} holds, from whichever level sets it.
 */
class UncleanLeaderElectorTest {
    private static final Duration WAIT = Duration.ofSeconds(10);
    private static final List<BrokerImage.Endpoint> ENDPOINTS = List.of(new BrokerImage.Endpoint("PLAINTEXT", "127.0.0.1", 9092));

    @TempDir
    Path dir;
    private RatisMetadataQuorum quorum;
    private UncleanLeaderElector elector;
    private final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();

    @BeforeEach
    void offlinePartitionWithALiveOutOfSyncReplica() throws Exception {
        QuorumConfig config = new QuorumConfig(1, dir.resolve("node-1"),
                Map.of(1, new InetSocketAddress("127.0.0.1", PortPicker.freePort())), Duration.ofMillis(500), 20);
        quorum = RatisMetadataQuorum.start(config, (previous, next) -> { });
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (!quorum.isReadyLeader() && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertThat(quorum.isReadyLeader()).isTrue();
        for (int id = 1; id <= 3; id++) {
            commit(new MetadataCommand.RegisterBroker(id, 100 + id, ENDPOINTS, null));
        }
        commit(new MetadataCommand.CreateTopic("t", UUID.randomUUID(), List.of(List.of(2, 3)), Map.of()));
        commit(new MetadataCommand.FenceBroker(3, 103)); // ISR [2]
        commit(new MetadataCommand.FenceBroker(2, 102)); // offline: its last ISR member is gone
        commit(new MetadataCommand.BrokerHeartbeat(3, 103)); // 3 is live again, out of sync
        assertThat(state().leader()).isEqualTo(PartitionState.NO_LEADER);
        assertThat(state().isr()).containsExactly(2);
    }

    @AfterEach
    void close() {
        if (elector != null) {
            elector.close();
        }
        scheduler.shutdownNow();
        quorum.close();
    }

    @Test
    void shouldElectTheLiveOutOfSyncReplicaWhenThisNodesStaticConfigAllowsIt() throws Exception {
        startElector("true");

        awaitLeader(3);
        assertThat(state().isr()).containsExactly(3);
    }

    @Test
    void shouldLeaveThePartitionOfflineByDefaultThenElectOnceTheTopicAllowsIt() throws Exception {
        startElector(null);
        elector.check();
        // a command committed after the check: anything the check proposed is applied before it
        commit(new MetadataCommand.BrokerHeartbeat(1, 101));
        assertThat(state().leader()).isEqualTo(PartitionState.NO_LEADER);

        // When: the topic allows it (kafka-configs --alter --entity-type topics ...), no restart, no waiting 5 minutes
        commit(new MetadataCommand.SetTopicConfigs("t", Map.of("unclean.leader.election.enable", "true")));

        awaitLeader(3);
    }

    @Test
    void shouldLetTheTopicConfigOverrideTheClusterDefaultAndTheStaticValue() throws Exception {
        commit(new MetadataCommand.SetBrokerConfigs(MetadataCommand.SetBrokerConfigs.CLUSTER_DEFAULT,
                Map.of("unclean.leader.election.enable", "true")));
        commit(new MetadataCommand.SetTopicConfigs("t", Map.of("unclean.leader.election.enable", "false")));
        startElector("true");
        elector.check();
        commit(new MetadataCommand.BrokerHeartbeat(1, 101));
        assertThat(state().leader()).isEqualTo(PartitionState.NO_LEADER);

        // When: the topic's override goes, the cluster default (true) holds
        commit(new MetadataCommand.SetTopicConfigs("t", Map.of()));

        awaitLeader(3);
    }

    private void startElector(String staticValue) {
        elector = new UncleanLeaderElector(quorum, staticValue, Duration.ofMinutes(5), scheduler);
        elector.start();
    }

    private PartitionState state() {
        return quorum.image().topic("t").orElseThrow().state(0);
    }

    private void commit(MetadataCommand command) throws Exception {
        quorum.propose(command, WAIT).get(10, TimeUnit.SECONDS);
    }

    private void awaitLeader(int id) throws InterruptedException {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (state().leader() != id && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertThat(state().leader()).isEqualTo(id);
    }
}
