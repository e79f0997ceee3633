package io.dlog.kafka.replica;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.SocketChannel;
import org.apache.kafka.common.message.FetchRequestData;
import org.apache.kafka.common.message.FetchResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ByteBufferAccessor;
import org.apache.kafka.common.requests.FetchRequest;
import org.apache.kafka.common.requests.FetchResponse;
import org.apache.kafka.common.requests.RequestHeader;
import org.apache.kafka.common.requests.ResponseHeader;

/**
 * A {@link BrokerChannel} over a PLAINTEXT listener: a blocking socket, the request written and the response read on
 * the owner's thread, with no selector in between.
 *
 * <p>Why: a follower sends one fetch at a time and waits for its answer, so Kafka's {@code NetworkClient} buys it
 * nothing, and costs on every fetch: an {@code epoll_wait} before each read, a poll loop over connection states,
 * in-flight queues and sensors. In profiles of three nodes under full-throughput acks=all writes (1 KiB records,
 * 2026-12-06) the fetchers' round trips (client code, {@code epoll_wait}, socket calls) took 13.4% of all the nodes'
 * CPU samples with the client and 11.0% with this class. Here a fetch is one gathering write and the blocking reads
 * of the answer.
 *
 * <p>A blocking read has no timeout of its own: each request registers its deadline with the {@link
 * RequestDeadlines} watchdog, which closes the socket of a request past it (the blocked read then fails), as Kafka's
 * client fails a request after {@code request.timeout.ms}.
 *
 * <p>Not thread-safe except {@link #initiateClose} (see {@link BrokerChannel}).
 */
final class PlaintextBrokerChannel implements BrokerChannel {
    private static final int SIZE_BYTES = 4;

    private final SocketChannel socket;
    private final String clientId;
    private final String peer;
    private final long requestTimeoutNanos;
    private final ReceiveBufferPool buffers;
    private final ByteBuffer sizeIn = ByteBuffer.allocateDirect(SIZE_BYTES);
    private final ByteBuffer sizeOut = ByteBuffer.allocate(SIZE_BYTES);
    private final ByteBuffer[] out = new ByteBuffer[2];
    private final RequestDeadlines.Deadline deadline;
    private int correlationId;

    private PlaintextBrokerChannel(SocketChannel socket, String clientId, String peer, int requestTimeoutMs,
                                   int maxReusedResponse) {
        this.socket = socket;
        this.clientId = clientId;
        this.peer = peer;
        this.requestTimeoutNanos = requestTimeoutMs * 1_000_000L;
        this.buffers = new ReceiveBufferPool(maxReusedResponse);
        this.deadline = RequestDeadlines.INSTANCE.register(this::initiateClose);
    }

    /**
     * Connects within {@code timeoutMs}; a request then fails after {@code requestTimeoutMs}.
     *
     * @throws IOException the leader cannot be reached
     */
    static PlaintextBrokerChannel connect(int leaderId, String host, int port, String clientId, int timeoutMs,
                                          int requestTimeoutMs, int maxReusedResponse) throws IOException {
        SocketChannel socket = SocketChannel.open();
        try {
            // As Kafka's client: no Nagle delay on a request, keep-alive, the system's buffer sizes.
            socket.setOption(StandardSocketOptions.TCP_NODELAY, true);
            socket.setOption(StandardSocketOptions.SO_KEEPALIVE, true);
            socket.socket().connect(new InetSocketAddress(host, port), Math.max(1, timeoutMs));
            return new PlaintextBrokerChannel(socket, clientId, "node " + leaderId + " (" + host + ":" + port + ")",
                    requestTimeoutMs, maxReusedResponse);
        } catch (IOException | RuntimeException e) {
            socket.close();
            throw e;
        }
    }

    @Override
    public FetchResponseData fetch(FetchRequestData request, short version) throws IOException {
        int id = correlationId++;
        ByteBuffer body = new FetchRequest(request, version)
                .serializeWithHeader(new RequestHeader(ApiKeys.FETCH, version, clientId, id));
        deadline.start(System.nanoTime() + requestTimeoutNanos);
        ByteBuffer answer;
        try {
            sizeOut.clear().putInt(body.remaining()).flip();
            out[0] = sizeOut;
            out[1] = body;
            while (body.hasRemaining()) {
                socket.write(out);
            }
            answer = readAnswer();
        } catch (ClosedChannelException e) { // closed by the watchdog, initiateClose or close
            throw new IOException(deadline.expired() ? "fetch from " + peer + " timed out" : "connection to " + peer
                    + " closed", e);
        } finally {
            out[1] = null;
            deadline.stop();
        }
        ResponseHeader header = ResponseHeader.parse(answer, ApiKeys.FETCH.responseHeaderVersion(version));
        if (header.correlationId() != id) {
            throw new IOException("answer from " + peer + " has correlation id " + header.correlationId()
                    + ", the request had " + id);
        }
        return FetchResponse.parse(new ByteBufferAccessor(answer), version).data();
    }

    /** Reads one size-prefixed answer into a buffer of the pool, positioned at its start. */
    private ByteBuffer readAnswer() throws IOException {
        sizeIn.clear();
        readFully(sizeIn);
        int size = sizeIn.getInt(0);
        if (size < 0) {
            throw new IOException("answer from " + peer + " has a negative size " + size);
        }
        ByteBuffer answer = buffers.tryAllocate(size);
        readFully(answer);
        return answer.flip();
    }

    private void readFully(ByteBuffer into) throws IOException {
        while (into.hasRemaining()) {
            if (socket.read(into) < 0) {
                throw new IOException("connection to " + peer + " closed by the peer");
            }
        }
    }

    @Override
    public void recycle() {
        buffers.recycle();
    }

    @Override
    public void initiateClose() {
        try {
            socket.close(); // a blocked read or write of the owner fails with an AsynchronousCloseException
        } catch (IOException ignored) {
            // closing is all that was asked; nothing more can be done with this socket
        }
    }

    @Override
    public void close() {
        RequestDeadlines.INSTANCE.unregister(deadline);
        initiateClose();
    }
}
