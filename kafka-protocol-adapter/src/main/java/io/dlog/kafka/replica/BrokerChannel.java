package io.dlog.kafka.replica;

import java.io.Closeable;
import java.io.IOException;
import org.apache.kafka.clients.ApiVersions;
import org.apache.kafka.clients.ClientRequest;
import org.apache.kafka.clients.ClientResponse;
import org.apache.kafka.clients.ManualMetadataUpdater;
import org.apache.kafka.clients.MetadataRecoveryStrategy;
import org.apache.kafka.clients.NetworkClient;
import org.apache.kafka.clients.NetworkClientUtils;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.errors.AuthenticationException;
import org.apache.kafka.common.message.FetchRequestData;
import org.apache.kafka.common.message.FetchResponseData;
import org.apache.kafka.common.metrics.Metrics;
import org.apache.kafka.common.network.ChannelBuilder;
import org.apache.kafka.common.network.Selectable;
import org.apache.kafka.common.network.Selector;
import org.apache.kafka.common.requests.AbstractRequest;
import org.apache.kafka.common.requests.FetchRequest;
import org.apache.kafka.common.requests.FetchResponse;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.utils.LogContext;
import org.apache.kafka.common.utils.Time;

/**
 * A blocking Kafka-protocol connection from this node to a leader, for a replica fetcher: one request at
 * a time, its response awaited on the calling thread (Kafka's {@code ReplicaFetcherBlockingSend}). Kafka's
 * {@link NetworkClient} underneath, so the connection speaks the inter-broker listener's security
 * protocol (PLAINTEXT, SSL, SASL_PLAINTEXT, SASL_SSL: the channel builder of
 * {@link io.dlog.kafka.interbroker.InterBrokerChannels}) and negotiates with ApiVersions first.
 *
 * <p>Not thread-safe except {@link #initiateClose}, which may be called from any thread to unblock the
 * owner; the owner then calls {@link #close}.
 */
final class BrokerChannel implements Closeable {
    private final NetworkClient client;
    private final Node node;
    private final Time time;

    private BrokerChannel(NetworkClient client, Node node, Time time) {
        this.client = client;
        this.node = node;
        this.time = time;
    }

    /**
     * Connects (and authenticates) within {@code timeoutMs}; a request then fails after {@code requestTimeoutMs}.
     *
     * @param channels the inter-broker channel builder; the channel owns it from here (closed with it)
     * @throws IOException the leader cannot be reached or refused the authentication
     */
    static BrokerChannel connect(int leaderId, String host, int port, String clientId, int timeoutMs, int requestTimeoutMs,
                                 ChannelBuilder channels) throws IOException {
        Time time = Time.SYSTEM;
        LogContext logContext = new LogContext("[" + clientId + " to " + leaderId + "] ");
        Selector selector = new Selector(-1L, new Metrics(time), time, "dlog-replica-fetcher", channels, logContext);
        NetworkClient client = new NetworkClient(selector, new ManualMetadataUpdater(), clientId, 1, 50L, 1_000L,
                Selectable.USE_DEFAULT_BUFFER_SIZE, Selectable.USE_DEFAULT_BUFFER_SIZE, requestTimeoutMs, timeoutMs,
                timeoutMs, time, true, new ApiVersions(), logContext, MetadataRecoveryStrategy.NONE);
        Node node = new Node(leaderId, host, port);
        try {
            if (!NetworkClientUtils.awaitReady(client, node, time, timeoutMs)) {
                throw new IOException("no connection to " + node + " within " + timeoutMs + " ms");
            }
            return new BrokerChannel(client, node, time);
        } catch (AuthenticationException e) {
            client.close();
            throw new IOException("authentication to " + node + " failed: " + e.getMessage(), e);
        } catch (IOException | RuntimeException e) {
            client.close();
            throw e;
        }
    }

    /** Sends a Fetch of exactly {@code version} and returns its response. */
    FetchResponseData fetch(FetchRequestData request, short version) throws IOException {
        AbstractRequest.Builder<FetchRequest> builder = new AbstractRequest.Builder<>(ApiKeys.FETCH, version, version) {
            @Override
            public FetchRequest build(short v) {
                return new FetchRequest(request, v);
            }
        };
        ClientRequest clientRequest = client.newClientRequest(Integer.toString(node.id()), builder, time.milliseconds(), true);
        ClientResponse response = NetworkClientUtils.sendAndReceive(client, clientRequest, time);
        if (response.wasTimedOut()) {
            throw new IOException("fetch from " + node + " timed out");
        }
        return ((FetchResponse) response.responseBody()).data();
    }

    /** Makes a blocked {@link #fetch} or {@link #connect} of the owner fail at once; callable from any thread. */
    void initiateClose() {
        client.initiateClose();
    }

    /** Closes the connection; on the owner thread. */
    @Override
    public void close() {
        client.close();
    }
}
