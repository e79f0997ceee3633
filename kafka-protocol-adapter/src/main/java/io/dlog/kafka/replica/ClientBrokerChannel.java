package io.dlog.kafka.replica;

import java.io.IOException;
import java.util.Map;
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
import org.apache.kafka.common.network.NetworkReceive;
import org.apache.kafka.common.network.Selectable;
import org.apache.kafka.common.network.Selector;
import org.apache.kafka.common.requests.AbstractRequest;
import org.apache.kafka.common.requests.FetchRequest;
import org.apache.kafka.common.requests.FetchResponse;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.utils.LogContext;
import org.apache.kafka.common.utils.Time;

/**
 * A {@link BrokerChannel} over Kafka's {@link NetworkClient} (Kafka's {@code ReplicaFetcherBlockingSend}), so the
 * connection speaks any inter-broker security protocol (SSL, SASL_PLAINTEXT, SASL_SSL: the channel builder of
 * {@link io.dlog.kafka.interbroker.InterBrokerChannels}) and negotiates with ApiVersions first. A PLAINTEXT
 * listener gets the leaner {@link PlaintextBrokerChannel}.
 *
 * <p>Responses are read into one reused buffer ({@link ReceiveBufferPool}): a response's records stay valid until
 * the owner calls {@link #recycle}, after which the next response may overwrite them.
 *
 * <p>Not thread-safe except {@link #initiateClose}, which may be called from any thread to unblock the
 * owner; the owner then calls {@link #close}.
 */
final class ClientBrokerChannel implements BrokerChannel {
    private final NetworkClient client;
    private final ReceiveBufferPool buffers;
    private final Node node;
    private final Time time;

    private ClientBrokerChannel(NetworkClient client, ReceiveBufferPool buffers, Node node, Time time) {
        this.client = client;
        this.buffers = buffers;
        this.node = node;
        this.time = time;
    }

    /**
     * Connects (and authenticates) within {@code timeoutMs}; a request then fails after {@code requestTimeoutMs}.
     *
     * @param maxReusedResponse the largest response read into the reused buffer (larger ones get their own)
     * @param channels the inter-broker channel builder; the channel owns it from here (closed with it)
     * @throws IOException the leader cannot be reached or refused the authentication
     */
    static ClientBrokerChannel connect(int leaderId, String host, int port, String clientId, int timeoutMs,
                                       int requestTimeoutMs, int maxReusedResponse, ChannelBuilder channels)
            throws IOException {
        Time time = Time.SYSTEM;
        LogContext logContext = new LogContext("[" + clientId + " to " + leaderId + "] ");
        ReceiveBufferPool buffers = new ReceiveBufferPool(maxReusedResponse);
        // No per-connection metrics (as Kafka's replica fetcher): nothing reads them, and they cost on every read.
        Selector selector = new Selector(NetworkReceive.UNLIMITED, -1L, Selector.NO_FAILED_AUTHENTICATION_DELAY,
                new Metrics(time), time, "dlog-replica-fetcher", Map.of(), false, false, channels, buffers, logContext);
        NetworkClient client = new NetworkClient(selector, new ManualMetadataUpdater(), clientId, 1, 50L, 1_000L,
                Selectable.USE_DEFAULT_BUFFER_SIZE, Selectable.USE_DEFAULT_BUFFER_SIZE, requestTimeoutMs, timeoutMs,
                timeoutMs, time, true, new ApiVersions(), logContext, MetadataRecoveryStrategy.NONE);
        Node node = new Node(leaderId, host, port);
        try {
            if (!NetworkClientUtils.awaitReady(client, node, time, timeoutMs)) {
                throw new IOException("no connection to " + node + " within " + timeoutMs + " ms");
            }
            buffers.recycle(); // the ApiVersions answer is parsed and gone
            return new ClientBrokerChannel(client, buffers, node, time);
        } catch (AuthenticationException e) {
            client.close();
            throw new IOException("authentication to " + node + " failed: " + e.getMessage(), e);
        } catch (IOException | RuntimeException e) {
            client.close();
            throw e;
        }
    }

    @Override
    public FetchResponseData fetch(FetchRequestData request, short version) throws IOException {
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

    @Override
    public void recycle() {
        buffers.recycle();
    }

    @Override
    public void initiateClose() {
        client.initiateClose();
    }

    @Override
    public void close() {
        client.close();
    }
}
