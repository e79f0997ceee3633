package io.dlog.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dlog.cluster.internal.RatisMetadataQuorum;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class VoterDiscoveryTest {
    @TempDir
    Path dir;
    private final List<RatisMetadataQuorum> nodes = new ArrayList<>();

    @AfterEach
    void closeAll() {
        nodes.forEach(RatisMetadataQuorum::close);
    }

    @Test
    void shouldLearnTheVotersFromAControllerThatStartsAfterTheBrokerAsks() throws Exception {
        // Given: three voters' addresses, and an address nothing listens on first in the list
        Map<Integer, InetSocketAddress> voters = new TreeMap<>();
        for (int id = 1; id <= 3; id++) {
            voters.put(id, new InetSocketAddress("127.0.0.1", PortPicker.freePort()));
        }
        InetSocketAddress nobody = new InetSocketAddress("127.0.0.1", PortPicker.freePort());
        List<InetSocketAddress> bootstrap = List.of(nobody, unresolved(voters.get(2)));

        // When: the broker asks before any controller runs
        CompletableFuture<Map<Integer, InetSocketAddress>> found = CompletableFuture.supplyAsync(() -> {
            try {
                return VoterDiscovery.discover(bootstrap, Duration.ofSeconds(60));
            } catch (IOException | InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });
        Thread.sleep(1000);
        assertThat(found).isNotDone();
        for (int id = 1; id <= 3; id++) {
            nodes.add(RatisMetadataQuorum.start(new QuorumConfig(id, dir.resolve("node-" + id), voters,
                    Duration.ofMillis(500), 20), (previous, next) -> { }));
        }

        // Then: every voter, with its id and the address the group's configuration gives it
        Map<Integer, InetSocketAddress> learnt = found.get(60, TimeUnit.SECONDS);
        assertThat(learnt).hasSize(3);
        voters.forEach((id, address) -> assertThat(learnt.get(id)).isEqualTo(unresolved(address)));
    }

    @Test
    void shouldGiveUpWithTheAddressesAndTheLastFailureWhenNoControllerAnswers() throws Exception {
        InetSocketAddress nobody = new InetSocketAddress("127.0.0.1", PortPicker.freePort());

        assertThatThrownBy(() -> VoterDiscovery.discover(List.of(unresolved(nobody)), Duration.ofSeconds(1)))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("controller.quorum.bootstrap.servers (127.0.0.1:" + nobody.getPort() + ")")
                .hasMessageContaining("the last failure");
    }

    private static InetSocketAddress unresolved(InetSocketAddress address) {
        return InetSocketAddress.createUnresolved(address.getHostString(), address.getPort());
    }
}
