package io.dlog.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import io.dlog.cluster.internal.RatisMetadataQuorum;
import io.dlog.log.metadata.BrokerImage;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A node whose metadata image stops following the group while its own proposals still commit, on a real three-voter
 * Ratis quorum: the leader's connections to one follower are cut (a proxy in front of that follower's Raft port)
 * while the follower still reaches the leader. Its heartbeats commit, so the leader alone would never fence it; the
 * node itself must notice that it applies nothing, stop heartbeating and fence itself, and come back once the link
 * heals and its image catches up.
 */
class BrokerLifecycleStallTest {
    private static final Duration SESSION = Duration.ofSeconds(2);
    private static final Duration HEARTBEAT = Duration.ofMillis(200);

    @TempDir
    Path dir;
    private final Map<Integer, CuttableProxy> proxies = new HashMap<>();
    private final Map<Integer, RatisMetadataQuorum> quorums = new HashMap<>();
    private final List<BrokerLifecycle> lifecycles = new ArrayList<>();
    private final ScheduledExecutorService scheduler = Executors.newScheduledThreadPool(3);

    @AfterEach
    void close() throws IOException {
        lifecycles.forEach(BrokerLifecycle::close);
        scheduler.shutdownNow();
        quorums.values().forEach(RatisMetadataQuorum::close);
        for (CuttableProxy proxy : proxies.values()) {
            proxy.close();
        }
    }

    /** Below the ephemeral range: no outgoing connection takes it while a node is down and about to bind it again. */
    private static int freePort() throws IOException {
        return PortPicker.freePort();
    }

    @Test
    void shouldFenceANodeWhoseImageStoppedFollowingAndUnfenceItOnceItCatchesUp() throws Exception {
        // Given: three voters, each reached by the others through a proxy, each registered as a broker
        Map<Integer, InetSocketAddress> bind = new HashMap<>();
        Map<Integer, InetSocketAddress> voters = new HashMap<>();
        for (int id = 1; id <= 3; id++) {
            bind.put(id, new InetSocketAddress("127.0.0.1", freePort()));
            proxies.put(id, new CuttableProxy(bind.get(id)));
            voters.put(id, proxies.get(id).address());
        }
        for (int id = 1; id <= 3; id++) {
            QuorumConfig config = new QuorumConfig(id, dir.resolve("node-" + id), voters, Duration.ofMillis(500), 1000,
                    bind.get(id));
            quorums.put(id, RatisMetadataQuorum.start(config, (previous, next) -> { }));
        }
        int leader = awaitLeader();
        for (int id = 1; id <= 3; id++) {
            MetadataCommand.RegisterBroker self = new MetadataCommand.RegisterBroker(id, id,
                    List.of(new BrokerImage.Endpoint("PLAINTEXT", "127.0.0.1", freePort())), null);
            BrokerLifecycle lifecycle = new BrokerLifecycle(quorums.get(id), self, HEARTBEAT, SESSION, scheduler,
                    System::nanoTime);
            lifecycle.register(Duration.ofSeconds(20)).get(30, TimeUnit.SECONDS);
            lifecycle.start();
            lifecycles.add(lifecycle);
        }
        int stalled = leader == 3 ? 2 : 3;
        RatisMetadataQuorum leaderQuorum = quorums.get(leader);
        assertThat(within(Duration.ofSeconds(20), () -> leaderQuorum.image().brokers().size() == 3
                && leaderQuorum.image().brokers().values().stream().noneMatch(BrokerImage::fenced))).isTrue();

        // When: the leader can no longer reach that follower (the follower still reaches the leader)
        proxies.get(stalled).cut();

        // Then: it is fenced (its heartbeats would have kept its session alive), the others are not
        assertThat(within(Duration.ofSeconds(30), () -> leaderQuorum.image().brokers().get(stalled).fenced())).isTrue();
        assertThat(leaderQuorum.leaderId()).hasValue(leader);
        assertThat(leaderQuorum.image().brokers().values().stream().filter(BrokerImage::fenced).map(BrokerImage::id))
                .containsExactly(stalled);
        assertThat(quorums.get(stalled).applyStalled(SESSION)).isTrue();
        assertThat(lifecycles.get(stalled - 1).imageStalled()).isTrue();
        assertThat(lifecycles.get(leader - 1).imageStalled()).isFalse();

        // When: the link heals
        proxies.get(stalled).heal();

        // Then: its image catches up, it heartbeats again and is unfenced
        assertThat(within(Duration.ofSeconds(30), () -> !leaderQuorum.image().brokers().get(stalled).fenced()
                && quorums.get(stalled).image().version() >= leaderQuorum.image().version() - 5)).isTrue();
        assertThat(quorums.get(stalled).applyStalled(SESSION)).isFalse();
        assertThat(lifecycles.get(stalled - 1).imageStalled()).isFalse();
    }

    private int awaitLeader() throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (System.nanoTime() < deadline) {
            for (Map.Entry<Integer, RatisMetadataQuorum> node : quorums.entrySet()) {
                if (node.getValue().isReadyLeader()) {
                    return node.getKey();
                }
            }
            Thread.sleep(20);
        }
        throw new AssertionError("no metadata leader within 30 s");
    }

    private static boolean within(Duration wait, java.util.function.BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + wait.toNanos();
        while (System.nanoTime() < deadline) {
            if (condition.getAsBoolean()) {
                return true;
            }
            Thread.sleep(50);
        }
        return condition.getAsBoolean();
    }
}
