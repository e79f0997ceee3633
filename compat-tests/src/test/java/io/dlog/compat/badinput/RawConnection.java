package io.dlog.compat.badinput;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import org.apache.kafka.common.message.ProduceRequestData;
import org.apache.kafka.common.message.ProduceResponseData;
import org.apache.kafka.common.message.RequestHeaderData;
import org.apache.kafka.common.message.ResponseHeaderData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.ByteBufferAccessor;
import org.apache.kafka.common.protocol.ObjectSerializationCache;
import org.apache.kafka.common.record.internal.MemoryRecords;

/**
 * A plain socket to the broker that writes whatever bytes a test wants: well-formed requests built
 * from kafka-clients' generated {@code *Data} classes, or anything else. Blocking, with read timeouts.
 */
public final class RawConnection implements AutoCloseable {
    private static final int READ_TIMEOUT_MS = 10_000;

    private final Socket socket;
    private final DataInputStream in;
    private final OutputStream out;
    private int nextCorrelationId = 1;

    private RawConnection(Socket socket) throws IOException {
        this.socket = socket;
        this.in = new DataInputStream(socket.getInputStream());
        this.out = socket.getOutputStream();
    }

    public static RawConnection open(int port) throws IOException {
        Socket socket = new Socket();
        socket.connect(new InetSocketAddress("127.0.0.1", port), READ_TIMEOUT_MS);
        socket.setSoTimeout(READ_TIMEOUT_MS);
        socket.setTcpNoDelay(true);
        return new RawConnection(socket);
    }

    void readTimeout(int millis) throws IOException {
        socket.setSoTimeout(millis);
    }

    void write(byte[] bytes) throws IOException {
        out.write(bytes);
        out.flush();
    }

    /**
     * Sends a request: the header says {@code headerApiVersion} (which may be one no schema has), the body
     * is written at {@code bodyVersion}. Returns the correlation id.
     */
    int send(ApiKeys api, short headerApiVersion, short headerVersion, ApiMessage body, short bodyVersion)
            throws IOException {
        return send(api.id, headerApiVersion, headerVersion, body, bodyVersion);
    }

    int send(short apiKey, short headerApiVersion, short headerVersion, ApiMessage body, short bodyVersion)
            throws IOException {
        int correlationId = nextCorrelationId++;
        RequestHeaderData header = new RequestHeaderData()
                .setRequestApiKey(apiKey)
                .setRequestApiVersion(headerApiVersion)
                .setCorrelationId(correlationId)
                .setClientId("raw-test");
        write(frame(header, headerVersion, body, bodyVersion));
        return correlationId;
    }

    /** A request at a version both sides know: header version as Kafka's schema says. */
    public int send(ApiKeys api, short version, ApiMessage body) throws IOException {
        return send(api, version, api.requestHeaderVersion(version), body, version);
    }

    static byte[] frame(RequestHeaderData header, short headerVersion, ApiMessage body, short bodyVersion) {
        ObjectSerializationCache cache = new ObjectSerializationCache();
        int size = header.size(cache, headerVersion) + body.size(cache, bodyVersion);
        ByteBuffer buffer = ByteBuffer.allocate(4 + size);
        buffer.putInt(size);
        ByteBufferAccessor accessor = new ByteBufferAccessor(buffer);
        header.write(accessor, cache, headerVersion);
        body.write(accessor, cache, bodyVersion);
        return buffer.array();
    }

    /** Reads one response frame; checks its correlation id and returns the body, positioned after the header. */
    ByteBufferAccessor receive(int correlationId, short responseHeaderVersion) throws IOException {
        int size = in.readInt();
        byte[] bytes = new byte[size];
        in.readFully(bytes);
        ByteBufferAccessor accessor = new ByteBufferAccessor(ByteBuffer.wrap(bytes));
        ResponseHeaderData header = new ResponseHeaderData(accessor, responseHeaderVersion);
        if (header.correlationId() != correlationId) {
            throw new IllegalStateException("response for correlation id " + header.correlationId()
                    + " where " + correlationId + " was expected");
        }
        return accessor;
    }

    /** Response body of a request at a version both sides know. */
    public ByteBufferAccessor receive(int correlationId, ApiKeys api, short version) throws IOException {
        return receive(correlationId, api.responseHeaderVersion(version));
    }

    /**
     * Whether the broker closes the connection within {@code timeout}: end of stream or a reset.
     * Any response bytes that arrive first are skipped.
     */
    boolean closedByPeerWithin(Duration timeout) throws IOException {
        long deadline = System.nanoTime() + timeout.toNanos();
        byte[] sink = new byte[4096];
        while (System.nanoTime() - deadline < 0) {
            try {
                socket.setSoTimeout((int) Math.max(1, Math.min(READ_TIMEOUT_MS,
                        (deadline - System.nanoTime()) / 1_000_000)));
                if (in.read(sink) < 0) {
                    return true;
                }
            } catch (SocketTimeoutException e) {
                return false;
            } catch (SocketException e) {
                return true;
            }
        }
        return false;
    }

    /** One Produce (acks=all) of {@code records} to partition 0 of {@code topic}; returns that partition's answer. */
    ProduceResponseData.PartitionProduceResponse produce(String topic, ByteBuffer records, short version)
            throws IOException {
        ProduceRequestData.TopicProduceDataCollection topics = new ProduceRequestData.TopicProduceDataCollection();
        topics.add(new ProduceRequestData.TopicProduceData().setName(topic).setPartitionData(List.of(
                new ProduceRequestData.PartitionProduceData().setIndex(0)
                        .setRecords(MemoryRecords.readableRecords(records.duplicate())))));
        ProduceRequestData request = new ProduceRequestData().setAcks((short) -1).setTimeoutMs(10_000).setTopicData(topics);
        int correlationId = send(ApiKeys.PRODUCE, version, request);
        ProduceResponseData response = new ProduceResponseData(receive(correlationId, ApiKeys.PRODUCE, version), version);
        if (response.responses().size() != 1 || response.responses().iterator().next().partitionResponses().size() != 1) {
            throw new IllegalStateException("expected one partition's answer: " + response);
        }
        ProduceResponseData.TopicProduceResponse topicResponse = response.responses().iterator().next();
        if (!topicResponse.name().equals(topic)) {
            throw new IllegalStateException("answer for topic " + topicResponse.name() + " where " + topic + " was expected");
        }
        return topicResponse.partitionResponses().get(0);
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
