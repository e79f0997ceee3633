package io.dlog.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import io.dlog.log.metadata.BrokerImage;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Real sockets on 127.0.0.1: a bound listener is alive, a port nobody binds refuses. */
class ListenerProbeTest {
    private final ListenerProbe probe = new ListenerProbe(Duration.ofMillis(500), Map.of());

    @AfterEach
    void close() {
        probe.close();
    }

    private static int closedPort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    private static BrokerImage broker(int id, int... ports) {
        List<BrokerImage.Endpoint> endpoints = java.util.Arrays.stream(ports)
                .mapToObj(p -> new BrokerImage.Endpoint("L" + p, "127.0.0.1", p)).toList();
        return new BrokerImage(id, 1, endpoints, null, false);
    }

    @Test
    void shouldReportAGoneProcessWhenEveryListenerRefuses() throws Exception {
        // Given: two ports nothing listens on
        BrokerImage gone = broker(1, closedPort(), closedPort());

        // When / Then
        assertThat(probe.allRefused(gone).get(5, TimeUnit.SECONDS)).isTrue();
    }

    @Test
    void shouldNotReportABrokerWithOneListenerStillAccepting() throws Exception {
        // Given: one listener refuses (an address unreachable from here), the other accepts
        try (ServerSocket alive = new ServerSocket(0)) {
            BrokerImage broker = broker(2, closedPort(), alive.getLocalPort());

            // When / Then
            assertThat(probe.allRefused(broker).get(5, TimeUnit.SECONDS)).isFalse();
        }
    }

    @Test
    void shouldNotReportAListenerThatNeverAccepts() throws Exception {
        // Given: a bound socket whose owner never calls accept, as a paused (SIGSTOP) process's: the kernel still
        // completes the handshake
        try (ServerSocket paused = new ServerSocket(0, 1)) {
            // When / Then
            assertThat(probe.allRefused(broker(3, paused.getLocalPort())).get(5, TimeUnit.SECONDS)).isFalse();
        }
    }

    @Test
    void shouldNotReportABrokerWithoutEndpointsOrAnUnknownHost() throws Exception {
        assertThat(probe.allRefused(new BrokerImage(4, 1, List.of(), null, false)).get(5, TimeUnit.SECONDS)).isFalse();
        BrokerImage unknownHost = new BrokerImage(5, 1,
                List.of(new BrokerImage.Endpoint("PLAINTEXT", "no-such-host.invalid", closedPort())), null, false);
        assertThat(probe.allRefused(unknownHost).get(5, TimeUnit.SECONDS)).isFalse();
    }

    @Test
    void shouldRunOneProbeOfABrokerAtATime() throws Exception {
        // Given: a probe of broker 6 held inside its connect
        CountDownLatch inside = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        try (ListenerProbe slow = new ListenerProbe((host, port) -> {
            inside.countDown();
            try {
                release.await(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return true;
        }, Map.of())) {
            var first = slow.allRefused(broker(6, 1));
            assertThat(inside.await(5, TimeUnit.SECONDS)).isTrue();

            // When: asked again meanwhile
            var second = slow.allRefused(broker(6, 1));

            // Then: the second answers "not refused" at once; the first completes with its own answer
            assertThat(second.get(1, TimeUnit.SECONDS)).isFalse();
            release.countDown();
            assertThat(first.get(5, TimeUnit.SECONDS)).isTrue();
        }
    }

    @Test
    void shouldNotReportAVoterWhoseRaftPortStillAccepts() throws Exception {
        // Given: broker 7's client endpoint refuses from here, but its metadata Raft port (controller.quorum.voters)
        // accepts: the process is alive
        try (ServerSocket raft = new ServerSocket(0);
             ListenerProbe voters = new ListenerProbe(Duration.ofMillis(500),
                     Map.of(7, new InetSocketAddress("127.0.0.1", raft.getLocalPort()), 8,
                             new InetSocketAddress("127.0.0.1", closedPort())))) {
            // When / Then
            assertThat(voters.allRefused(broker(7, closedPort())).get(5, TimeUnit.SECONDS)).isFalse();
            assertThat(voters.allRefused(broker(8, closedPort())).get(5, TimeUnit.SECONDS)).isTrue();
        }
    }
}
