package io.dlog.kafka.replica;

import java.io.Closeable;
import java.io.IOException;
import org.apache.kafka.common.message.FetchRequestData;
import org.apache.kafka.common.message.FetchResponseData;
import org.apache.kafka.common.network.ChannelBuilder;
import org.apache.kafka.common.network.PlaintextChannelBuilder;

/**
 * A blocking Kafka-protocol connection from this node to a leader, for a replica fetcher: one request at a time, its
 * response awaited on the calling thread.
 *
 * <p>Responses are read into one reused buffer ({@link ReceiveBufferPool}): a response's records stay valid until the
 * owner calls {@link #recycle}, after which the next response may overwrite them.
 *
 * <p>Not thread-safe except {@link #initiateClose}, which may be called from any thread to unblock the owner; the owner
 * then calls {@link #close}.
 */
interface BrokerChannel extends Closeable {

    /**
     * Connects within {@code timeoutMs} (and authenticates, if the listener asks for it); a request then fails after
     * {@code requestTimeoutMs}. A PLAINTEXT inter-broker listener gets a {@link PlaintextBrokerChannel}, any other a
     * {@link ClientBrokerChannel}.
     *
     * @param maxReusedResponse the largest response read into the reused buffer (larger ones get their own)
     * @param channels the inter-broker channel builder; the channel owns it from here (closed with it)
     * @throws IOException the leader cannot be reached or refused the authentication
     */
    static BrokerChannel connect(int leaderId, String host, int port, String clientId, int timeoutMs,
                                 int requestTimeoutMs, int maxReusedResponse, ChannelBuilder channels)
            throws IOException {
        if (channels instanceof PlaintextChannelBuilder) {
            channels.close(); // nothing to build: the plaintext channel is a bare socket
            return PlaintextBrokerChannel.connect(leaderId, host, port, clientId, timeoutMs, requestTimeoutMs,
                    maxReusedResponse);
        }
        return ClientBrokerChannel.connect(leaderId, host, port, clientId, timeoutMs, requestTimeoutMs,
                maxReusedResponse, channels);
    }

    /** Sends a Fetch of exactly {@code version} and returns its response. */
    FetchResponseData fetch(FetchRequestData request, short version) throws IOException;

    /**
     * Nothing refers to the responses received so far any more (their records were written or dropped, and no log
     * append of them is still running): the next response may reuse their buffer. Not calling it is always safe.
     */
    void recycle();

    /** Makes a blocked {@link #fetch} of the owner fail at once; callable from any thread. */
    void initiateClose();

    /** Closes the connection; on the owner thread. */
    @Override
    void close();
}
