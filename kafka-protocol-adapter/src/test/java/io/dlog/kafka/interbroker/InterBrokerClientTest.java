package io.dlog.kafka.interbroker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.ServerSocket;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.errors.BrokerNotAvailableException;
import org.apache.kafka.common.errors.DisconnectException;
import org.apache.kafka.common.errors.NetworkException;
import org.apache.kafka.common.message.WriteTxnMarkersRequestData;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.requests.WriteTxnMarkersRequest;
import org.junit.jupiter.api.Test;

/**
 * The inter-broker client's failure paths (the answered path runs in compat-tests'
 * ClusterTransactionsTest against real nodes): every request ends, in a failure a caller retries on.
 */
class InterBrokerClientTest {
    private static final WriteTxnMarkersRequest.Builder MARKERS = new WriteTxnMarkersRequest.Builder(
            new WriteTxnMarkersRequestData());

    @Test
    void shouldFailARequestToANodeThatIsNotLive() {
        try (InterBrokerClient client = InterBrokerClient.start(1, id -> Optional.empty(), InterBrokerClient.Settings.DEFAULTS)) {
            assertThatThrownBy(() -> client.send(2, MARKERS).get(10, TimeUnit.SECONDS))
                    .isInstanceOf(ExecutionException.class).hasCauseInstanceOf(BrokerNotAvailableException.class);
        }
    }

    @Test
    void shouldFailARequestToANodeNobodyListensOn() throws Exception {
        int port;
        try (ServerSocket socket = new ServerSocket(0)) {
            port = socket.getLocalPort(); // closed again: connections are refused
        }
        Node gone = new Node(2, "127.0.0.1", port);
        try (InterBrokerClient client = InterBrokerClient.start(1, id -> Optional.of(gone), InterBrokerClient.Settings.DEFAULTS)) {
            assertThatThrownBy(() -> client.send(2, MARKERS).get(20, TimeUnit.SECONDS))
                    .isInstanceOf(ExecutionException.class).hasCauseInstanceOf(DisconnectException.class);
        }
    }

    @Test
    void shouldRefuseRequestsBeyondTheBoundAndFailPendingOnesAtClose() throws Exception {
        // a listener that accepts and never answers: requests stay in flight
        try (ServerSocket silent = new ServerSocket(0)) {
            Node node = new Node(2, "127.0.0.1", silent.getLocalPort());
            InterBrokerClient client = InterBrokerClient.start(1, id -> Optional.of(node),
                    new InterBrokerClient.Settings(60_000, 2, 5));
            CompletableFuture<AbstractResponse> first = client.send(2, MARKERS);
            CompletableFuture<AbstractResponse> second = client.send(2, MARKERS);

            assertThatThrownBy(() -> client.send(2, MARKERS).get(5, TimeUnit.SECONDS))
                    .hasCauseInstanceOf(NetworkException.class).hasMessageContaining("outstanding");

            client.close();
            assertThatThrownBy(() -> first.get(10, TimeUnit.SECONDS)).hasCauseInstanceOf(NetworkException.class);
            assertThatThrownBy(() -> second.get(10, TimeUnit.SECONDS)).hasCauseInstanceOf(NetworkException.class);
            assertThat(client.send(2, MARKERS)).isCompletedExceptionally();
        }
    }
}
