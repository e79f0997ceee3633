package io.dlog.cluster.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dlog.cluster.MetadataApplier;
import io.dlog.cluster.MetadataCommand;
import io.dlog.cluster.PortPicker;
import io.dlog.cluster.QuorumConfig;
import io.dlog.log.metadata.MetadataException;
import io.dlog.log.metadata.MetadataImage;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A metadata rule that fails (a bug no real command reaches today, hence rules that throw on a topic's name, the one
 * stand-in in these tests): what the group and the node do. Before, any throwable from a rule reached Ratis, which
 * closed the replica's division: on every voter at once for a rule that throws on the command, so the cluster's
 * metadata stopped, while each node kept serving with a frozen image.
 */
class MetadataRuleFailureTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(20);

    @TempDir
    Path dir;
    private final Map<Integer, RatisMetadataQuorum> nodes = new HashMap<>();

    @AfterEach
    void closeAll() {
        nodes.values().forEach(RatisMetadataQuorum::close);
    }

    /** The real rules, except that a topic named "poison" throws as a bug would, and "fatal" throws an Error. */
    private static MetadataApplier.Applied rules(MetadataImage image, MetadataCommand command, long index) {
        if (command instanceof MetadataCommand.CreateTopic c && c.name().equals("poison")) {
            throw new IllegalStateException("a rule's bug");
        }
        if (command instanceof MetadataCommand.CreateTopic c && c.name().equals("fatal")) {
            throw new LinkageError("a class of this node that cannot load");
        }
        return MetadataApplier.apply(image, command, index);
    }

    private void startCluster(int n) throws Exception {
        Map<Integer, InetSocketAddress> voters = new HashMap<>();
        for (int id = 1; id <= n; id++) {
            voters.put(id, new InetSocketAddress("127.0.0.1", PortPicker.freePort()));
        }
        for (int id = 1; id <= n; id++) {
            QuorumConfig config = new QuorumConfig(id, dir.resolve("node-" + id), voters, Duration.ofMillis(500), 20);
            nodes.put(id, RatisMetadataQuorum.start(config, (prev, next) -> { }, MetadataRuleFailureTest::rules));
        }
        // The topics' replica: a registered broker
        nodes.get(1).propose(new MetadataCommand.RegisterBroker(1, 1, List.of(), null), TIMEOUT).get();
    }

    private static MetadataCommand topic(String name) {
        return new MetadataCommand.CreateTopic(name, UUID.randomUUID(), List.of(List.of(1)), Map.of());
    }

    @Test
    void shouldRefuseACommandWhoseRuleThrowsOnEveryNodeAndKeepTheGroupRunning() throws Exception {
        startCluster(3);

        assertThatThrownBy(() -> nodes.get(2).propose(topic("poison"), TIMEOUT).join())
                .isInstanceOf(CompletionException.class).cause().isInstanceOf(MetadataException.class)
                .satisfies(e -> assertThat(((MetadataException) e).reason()).isEqualTo(MetadataException.Reason.RULE_FAILED))
                .hasMessageContaining("a rule's bug");

        // Then: every node goes on applying, and their images agree
        for (RatisMetadataQuorum node : nodes.values()) {
            node.propose(topic("after-" + node.hashCode()), TIMEOUT).get();
        }
        for (RatisMetadataQuorum node : nodes.values()) {
            node.propose(new MetadataCommand.InitCluster("c"), TIMEOUT).get(); // a barrier: applied everywhere
        }
        MetadataImage first = nodes.get(1).image();
        assertThat(first.topics()).hasSize(3).doesNotContainKey("poison");
        for (RatisMetadataQuorum node : nodes.values()) {
            assertThat(node.image().topics()).isEqualTo(first.topics());
        }
    }

    @Test
    void shouldKeepApplyingWhenAnObserverOfAppliedCommandsThrows() throws Exception {
        startCluster(1);
        RatisMetadataQuorum node = nodes.get(1);
        node.onApplied(command -> {
            throw new IllegalStateException("an observer's bug");
        });

        node.propose(topic("a"), TIMEOUT).get();
        MetadataImage image = node.propose(topic("b"), TIMEOUT).get();

        assertThat(image.topics()).containsKeys("a", "b");
    }

    @Test
    void shouldTellTheNodeToStopWhenItCannotApplyAnEntry() throws Exception {
        startCluster(1);
        RatisMetadataQuorum node = nodes.get(1);
        CompletableFuture<Throwable> told = new CompletableFuture<>();
        node.setApplyFailureListener(told::complete);
        node.propose(topic("a"), TIMEOUT).get();

        node.propose(topic("fatal"), Duration.ofSeconds(3)); // its outcome never comes: the replica stops

        assertThat(told.get(20, TimeUnit.SECONDS)).isInstanceOf(LinkageError.class);
        assertThat(node.image().topics()).containsOnlyKeys("a"); // nothing skipped past the entry it could not apply
    }
}
