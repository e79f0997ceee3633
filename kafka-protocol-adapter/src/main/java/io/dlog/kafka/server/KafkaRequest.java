package io.dlog.kafka.server;

import io.netty.buffer.ByteBuf;
import io.netty.util.AbstractReferenceCounted;
import io.netty.util.ReferenceCounted;
import java.nio.ByteBuffer;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.requests.RequestHeader;

/**
 * A decoded request. Its body may hold slices of the frame (produce records), so the frame stays
 * retained until the request is answered; {@link #release()} frees it and gives its bytes back to the
 * connection's request memory.
 */
final class KafkaRequest extends AbstractReferenceCounted {
    private final RequestHeader header;
    private final ApiMessage body;
    private final ByteBuf frame;
    private final int bodyOffset;
    private final ConnectionMemory memory;
    private final int reservedBytes;
    /** When the frame was decoded ({@link System#nanoTime()}): the start of the request's TotalTimeMs. */
    private final long decodedNanos = System.nanoTime();
    /** How long parsing the frame took (a network-thread time in Kafka's request quota). */
    private final long decodeNanos;

    KafkaRequest(RequestHeader header, ApiMessage body, ByteBuf frame, int bodyOffset, ConnectionMemory memory,
                 int reservedBytes) {
        this(header, body, frame, bodyOffset, memory, reservedBytes, -1);
    }

    /** @param decodeStartNanos when parsing the frame began, or -1 when not measured */
    KafkaRequest(RequestHeader header, ApiMessage body, ByteBuf frame, int bodyOffset, ConnectionMemory memory,
                 int reservedBytes, long decodeStartNanos) {
        this.decodeNanos = decodeStartNanos < 0 ? 0 : Math.max(0, decodedNanos - decodeStartNanos);
        this.header = header;
        this.body = body;
        this.frame = frame;
        this.bodyOffset = bodyOffset;
        this.memory = memory;
        this.reservedBytes = reservedBytes;
    }

    long decodedNanos() {
        return decodedNanos;
    }

    long decodeNanos() {
        return decodeNanos;
    }

    RequestHeader header() {
        return header;
    }

    ApiMessage body() {
        return body;
    }

    /** The frame's size: header and body, without the length prefix (Kafka's request size). */
    int sizeInBytes() {
        return reservedBytes;
    }

    /** The body's bytes again, for re-parsing into Kafka's request wrapper on the error path. */
    ByteBuffer bodyBytes() {
        return frame.nioBuffer(bodyOffset, frame.writerIndex() - bodyOffset);
    }

    @Override
    protected void deallocate() {
        frame.release();
        memory.release(reservedBytes);
    }

    @Override
    public ReferenceCounted touch(Object hint) {
        frame.touch(hint);
        return this;
    }
}
