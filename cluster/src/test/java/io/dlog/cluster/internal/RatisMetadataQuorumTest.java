package io.dlog.cluster.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dlog.cluster.MetadataCommand;
import io.dlog.cluster.MetadataQuorum;
import io.dlog.cluster.PortPicker;
import io.dlog.cluster.QuorumConfig;
import io.dlog.cluster.VoterHealth;
import io.dlog.log.metadata.MetadataException;
import io.dlog.log.metadata.MetadataImage;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.ratis.client.RaftClient;
import org.apache.ratis.conf.RaftProperties;
import org.apache.ratis.protocol.ClientId;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.retry.RetryPolicies;
import org.apache.ratis.thirdparty.com.google.protobuf.ByteString;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RatisMetadataQuorumTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(20);

    @TempDir
    Path dir;
    private final Map<Integer, RatisMetadataQuorum> nodes = new HashMap<>();
    private final Map<Integer, List<Long>> seenVersions = new HashMap<>();
    private Map<Integer, InetSocketAddress> voters;

    @AfterEach
    void closeAll() {
        nodes.values().forEach(RatisMetadataQuorum::close);
    }

    private void startCluster(int n) throws IOException {
        voters = new HashMap<>();
        for (int id = 1; id <= n; id++) {
            voters.put(id, new InetSocketAddress("127.0.0.1", freePort()));
        }
        for (int id = 1; id <= n; id++) {
            start(id);
        }
    }

    private void start(int id) throws IOException {
        seenVersions.put(id, new ArrayList<>());
        QuorumConfig config = new QuorumConfig(id, dir.resolve("node-" + id), voters, Duration.ofMillis(500), 20);
        nodes.put(id, RatisMetadataQuorum.start(config, (prev, next) -> seenVersions.get(id).add(next.version())));
    }

    /** Below the ephemeral range: no outgoing connection takes it while a node is down and about to bind it again. */
    private static int freePort() throws IOException {
        return PortPicker.freePort();
    }

    private static MetadataCommand topic(String name) {
        return new MetadataCommand.CreateTopic(name, UUID.randomUUID(), List.of(List.of(1)), Map.of());
    }

    private static MetadataCommand register(int id) {
        return new MetadataCommand.RegisterBroker(id, id, List.of(), null);
    }

    private int leader() throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (System.nanoTime() < deadline) {
            for (RatisMetadataQuorum node : nodes.values()) {
                if (node.isReadyLeader()) {
                    return node.nodeId();
                }
            }
            Thread.sleep(20);
        }
        throw new AssertionError("no metadata leader elected");
    }

    @Test
    void shouldCommitASingleNodesProposalAndRefuseAnInvalidOne() throws Exception {
        nodes.put(1, RatisMetadataQuorum.start(QuorumConfig.singleNode(1, dir.resolve("solo")), (p, n) -> { }));

        nodes.get(1).propose(register(1), TIMEOUT).get();
        MetadataImage image = nodes.get(1).propose(topic("t"), TIMEOUT).get();

        assertThat(image.topic("t")).isPresent();
        assertThat(nodes.get(1).image().topic("t")).isPresent();
        assertThatThrownBy(() -> nodes.get(1).propose(topic("t"), TIMEOUT).join())
                .isInstanceOf(CompletionException.class).cause().isInstanceOf(MetadataException.class)
                .satisfies(e -> assertThat(((MetadataException) e).reason()).isEqualTo(MetadataException.Reason.TOPIC_ALREADY_EXISTS));
    }

    @Test
    void shouldRefuseToStartWithOneLineWhenItsPortIsTakenInsteadOfEndingTheJvm() throws Exception {
        // Given: the node's CONTROLLER address held by another socket
        try (java.net.ServerSocket taken = new java.net.ServerSocket(freePort(), 50,
                java.net.InetAddress.getByName("127.0.0.1"))) {
            InetSocketAddress address = new InetSocketAddress("127.0.0.1", taken.getLocalPort());
            QuorumConfig config = new QuorumConfig(1, dir.resolve("node-1"), Map.of(1, address), Duration.ofMillis(500), 20);

            // When / Then: an IOException naming the address (Ratis would have called System.exit, ending this test's JVM)
            assertThatThrownBy(() -> RatisMetadataQuorum.start(config, (p, n) -> { }))
                    .isInstanceOf(IOException.class)
                    .hasMessage("cannot listen on 127.0.0.1:" + address.getPort()
                            + " (CONTROLLER listener, the metadata replica): address already in use");
        }
    }

    @Test
    void shouldApplyAProposalFromAFollowerOnEveryNodeAndSurviveTheLeadersLoss() throws Exception {
        startCluster(3);
        int leader = leader();
        int follower = leader % 3 + 1;
        nodes.get(follower).propose(register(1), TIMEOUT).get();

        MetadataImage seenByProposer = nodes.get(follower).propose(topic("a"), TIMEOUT).get();
        assertThat(seenByProposer.topic("a")).isPresent();

        nodes.remove(leader).close();
        int survivor = leader % 3 + 1;
        nodes.get(survivor).propose(topic("b"), TIMEOUT).get();
        int newLeader = leader();

        assertThat(newLeader).isNotEqualTo(leader);
        for (RatisMetadataQuorum node : nodes.values()) {
            node.propose(new MetadataCommand.InitCluster("c"), TIMEOUT).get(); // a barrier: applied everywhere
        }
        for (RatisMetadataQuorum node : nodes.values()) {
            assertThat(node.image().topics().keySet()).containsExactlyInAnyOrder("a", "b");
        }
    }

    @Test
    void shouldTimeOutInAMinorityInsteadOfHanging() throws Exception {
        startCluster(3);
        int leader = leader();
        List<Integer> others = new ArrayList<>(nodes.keySet());
        others.remove(Integer.valueOf(leader));
        nodes.remove(others.get(0)).close();
        nodes.remove(others.get(1)).close();

        assertThatThrownBy(() -> nodes.get(leader).propose(topic("x"), Duration.ofSeconds(3)).join())
                .cause().isInstanceOf(MetadataException.class)
                .satisfies(e -> assertThat(((MetadataException) e).reason()).isEqualTo(MetadataException.Reason.TIMED_OUT));
        assertThat(nodes.get(leader).image().topic("x")).isEmpty();
    }

    @Test
    void shouldCatchUpANodeThatWasDownFromTheLeadersSnapshotAfterThePurge() throws Exception {
        startCluster(3);
        int leader = leader();
        int down = leader % 3 + 1;
        nodes.remove(down).close();
        nodes.get(leader).propose(register(1), TIMEOUT).get();
        for (int i = 0; i < 60; i++) { // snapshot every 20 entries: the log before the snapshot is purged
            nodes.get(leader).propose(topic("t" + i), TIMEOUT).get();
        }

        start(down);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (nodes.get(down).image().topics().size() < 60 && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }

        assertThat(nodes.get(down).image().topics()).hasSize(60);
        assertThat(nodes.get(down).image().topics().keySet()).isEqualTo(nodes.get(leader).image().topics().keySet());
    }

    @Test
    void shouldDescribeTheLeaderTermAndEveryVoter() throws Exception {
        startCluster(3);
        int leader = leader();
        nodes.get(leader).propose(register(1), TIMEOUT).get();

        var description = nodes.get(leader % 3 + 1).describe(TIMEOUT).get();

        assertThat(description.leaderId()).isEqualTo(leader);
        assertThat(description.term()).isPositive();
        assertThat(description.voters()).extracting(v -> v.nodeId()).containsExactlyInAnyOrder(1, 2, 3);
    }
    @Test
    void shouldListABrokerOnlyNodeAsAnObserverOnceItFollowsTheImage() throws Exception {
        // Given
        startCluster(3);
        int leader = leader();
        nodes.get(leader).propose(register(1), TIMEOUT).get();

        // When: node 4 follows the group without a vote
        try (ObserverMetadataQuorum observer = ObserverMetadataQuorum.start(4, voters, TIMEOUT, (prev, next) -> { })) {
            long target = nodes.get(leader).image().version();
            long deadline = System.nanoTime() + TIMEOUT.toNanos();
            MetadataQuorum.QuorumDescription description;
            do {
                Thread.sleep(50);
                description = nodes.get(leader % 3 + 1).describe(TIMEOUT).get();
            } while ((description.observers().isEmpty() || description.observers().get(0).appliedIndex() < target)
                    && System.nanoTime() < deadline);

            // Then: listed by the leader, whichever node is asked, with the index of the image it holds
            assertThat(description.observers()).extracting(MetadataQuorum.ObserverState::nodeId).containsExactly(4);
            MetadataQuorum.ObserverState state = description.observers().get(0);
            assertThat(state.appliedIndex()).isBetween(Math.max(target, observer.image().version()), description.commitIndex());
            assertThat(state.lastCaughtUpMs()).isBetween(0L, 5_000L);
            assertThat(state.lastContactMs()).isBetween(0L, 5_000L);
            assertThat(description.voters()).extracting(MetadataQuorum.VoterState::nodeId).containsExactlyInAnyOrder(1, 2, 3);
        }
    }

    @Test
    void shouldCarryTheLeadersRefusalOfAnUnknownQueryToTheClient() throws Exception {
        // Given: what an observer meets when its named query reaches a leader of an older version
        startCluster(1);
        leader();
        try (RaftClient client = RaftClient.newBuilder().setProperties(new RaftProperties())
                .setRaftGroup(RatisMetadataQuorum.group(voters)).setClientId(ClientId.randomId())
                .setRetryPolicy(RetryPolicies.noRetry()).build()) {
            byte[] unknown = {RatisMetadataQuorum.QUERY_IMAGE, 0, 0};

            // When
            Throwable refusal;
            try {
                RaftClientReply reply = client.async().sendReadOnly(Message.valueOf(ByteString.copyFrom(unknown)))
                        .get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
                refusal = reply.isSuccess() ? null : reply.getException();
            } catch (ExecutionException e) {
                refusal = e;
            }

            // Then: the observer can tell it from a lost leader, and falls back to the anonymous query
            assertThat(refusal).isNotNull();
            assertThat(ObserverMetadataQuorum.refusedAsUnknown(refusal)).as("refusal %s", refusal).isTrue();
        }
    }
    @Test
    void shouldTellFromAVotersOwnReplicaWhetherItIsInAWorkingQuorum() throws Exception {
        // Given
        startCluster(3);
        int leader = leader();
        nodes.get(leader).propose(register(1), TIMEOUT).get();
        int follower = leader % 3 + 1;
        int third = follower % 3 + 1;

        // When / Then: the leader and a follower each answer for themselves
        MetadataQuorum.VoterRole ofLeader = VoterHealth.ask(leader, voters, TIMEOUT);
        MetadataQuorum.VoterRole ofFollower = VoterHealth.ask(follower, voters, TIMEOUT);
        assertThat(ofLeader).isEqualTo(new MetadataQuorum.VoterRole(leader, "LEADER", leader));
        assertThat(ofFollower).isEqualTo(new MetadataQuorum.VoterRole(follower, "FOLLOWER", leader));
        assertThat(ofFollower.inWorkingQuorum()).isTrue();

        // When: the two others stop, so the survivor's port still listens but no quorum is left
        nodes.remove(leader).close();
        nodes.remove(third).close();

        // Then: the survivor soon says it follows no leader, and a stopped voter does not answer
        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        MetadataQuorum.VoterRole alone;
        do {
            Thread.sleep(100);
            alone = VoterHealth.ask(follower, voters, TIMEOUT);
        } while (alone.inWorkingQuorum() && System.nanoTime() < deadline);
        assertThat(alone.inWorkingQuorum()).as("%s", alone).isFalse();
        assertThatThrownBy(() -> VoterHealth.ask(leader, voters, Duration.ofSeconds(2))).isInstanceOf(IOException.class);
    }
}
