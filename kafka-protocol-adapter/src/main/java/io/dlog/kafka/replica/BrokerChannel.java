package io.dlog.kafka.replica;

import java.io.Closeable;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.util.function.BiFunction;
import org.apache.kafka.common.message.RequestHeaderData;
import org.apache.kafka.common.message.ResponseHeaderData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.ByteBufferAccessor;
import org.apache.kafka.common.protocol.ObjectSerializationCache;
import org.apache.kafka.common.protocol.Readable;

/**
 * A blocking Kafka-protocol connection from this node to another broker: one request at a time, its
 * response read on the calling thread. What a replica fetcher needs and no more: it owns a thread, so a
 * blocking socket with a read timeout is simpler and no slower than a selector.
 *
 * <p>Not thread-safe except {@link #close}, which may be called from any thread to unblock the owner.
 */
final class BrokerChannel implements Closeable {
    private static final int MAX_RESPONSE_BYTES = 256 * 1024 * 1024;

    private final Socket socket;
    private final DataInputStream in;
    private final OutputStream out;
    private final String clientId;
    private int correlationId;

    private BrokerChannel(Socket socket, String clientId) throws IOException {
        this.socket = socket;
        this.in = new DataInputStream(new java.io.BufferedInputStream(socket.getInputStream(), 64 * 1024));
        this.out = socket.getOutputStream();
        this.clientId = clientId;
    }

    /** Connects within {@code timeoutMs}; reads then time out after {@code readTimeoutMs}. */
    static BrokerChannel connect(String host, int port, String clientId, int timeoutMs, int readTimeoutMs)
            throws IOException {
        Socket socket = new Socket();
        try {
            socket.setTcpNoDelay(true);
            socket.connect(new InetSocketAddress(host, port), timeoutMs);
            socket.setSoTimeout(readTimeoutMs);
            return new BrokerChannel(socket, clientId);
        } catch (IOException | RuntimeException e) {
            socket.close();
            throw e;
        }
    }

    /** Sends {@code request} as {@code key} v{@code version} and reads its response with {@code decoder}. */
    <R> R send(ApiKeys key, short version, ApiMessage request, BiFunction<Readable, Short, R> decoder) throws IOException {
        int id = ++correlationId;
        RequestHeaderData header = new RequestHeaderData().setRequestApiKey(key.id).setRequestApiVersion(version)
                .setClientId(clientId).setCorrelationId(id);
        short headerVersion = key.requestHeaderVersion(version);
        ObjectSerializationCache cache = new ObjectSerializationCache();
        int size = header.size(cache, headerVersion) + request.size(cache, version);
        ByteBuffer buffer = ByteBuffer.allocate(4 + size);
        buffer.putInt(size);
        ByteBufferAccessor writer = new ByteBufferAccessor(buffer);
        header.write(writer, cache, headerVersion);
        request.write(writer, cache, version);
        out.write(buffer.array(), 0, buffer.position());
        out.flush();

        int length = in.readInt();
        if (length < 0 || length > MAX_RESPONSE_BYTES) {
            throw new IOException("bad response length " + length + " from " + socket.getRemoteSocketAddress());
        }
        byte[] body = new byte[length];
        in.readFully(body);
        ByteBufferAccessor reader = new ByteBufferAccessor(ByteBuffer.wrap(body));
        ResponseHeaderData responseHeader = new ResponseHeaderData(reader, key.responseHeaderVersion(version));
        if (responseHeader.correlationId() != id) {
            throw new IOException("response " + responseHeader.correlationId() + " does not match request " + id);
        }
        return decoder.apply(reader, version);
    }

    @Override
    public void close() {
        try {
            socket.close();
        } catch (IOException e) {
            // closing: nothing to do about it
        }
    }
}
