package io.dlog.kafka.server;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.CorruptedFrameException;
import io.netty.handler.codec.MessageToMessageDecoder;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.function.BooleanSupplier;
import org.apache.kafka.common.message.ApiMessageType;
import org.apache.kafka.common.message.ApiVersionsRequestData;
import org.apache.kafka.common.message.RequestHeaderData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.ByteBufferAccessor;
import org.apache.kafka.common.requests.RequestHeader;

/**
 * Turns one frame (length prefix already stripped) into a {@link KafkaRequest} using Kafka's generated
 * classes. A frame that cannot be parsed (unknown API key, version no kafka-clients schema covers,
 * garbage) is a bad frame: {@link CorruptedFrameException}, and the connection closes, as Kafka does.
 *
 * <p>ApiVersions is the exception (KIP-511): a version newer than we know is answered, with the body
 * ignored, so the client can fall back.
 *
 * <p>After a SaslHandshake v0 the client sends bare SASL tokens, not requests, until authentication
 * completes: while {@code rawSaslTokens} says so, each frame becomes a {@link RawSaslToken}.
 */
final class RequestDecoder extends MessageToMessageDecoder<ByteBuf> {
    private final ConnectionMemory memory;
    private final BooleanSupplier rawSaslTokens;

    RequestDecoder() {
        this(ConnectionMemory.unbounded());
    }

    /** @param memory where {@link FrameDecoder} reserved each frame's size; a request releases it when freed */
    RequestDecoder(ConnectionMemory memory) {
        this(memory, () -> false);
    }

    RequestDecoder(ConnectionMemory memory, BooleanSupplier rawSaslTokens) {
        this.memory = memory;
        this.rawSaslTokens = rawSaslTokens;
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf frame, List<Object> out) {
        int reserved = frame.readableBytes();
        if (rawSaslTokens.getAsBoolean()) {
            byte[] token = new byte[reserved];
            frame.readBytes(token);
            memory.release(reserved);
            out.add(new RawSaslToken(token));
            return;
        }
        try {
            out.add(parse(frame, reserved));
        } catch (RuntimeException e) {
            memory.release(reserved);
            throw e;
        }
    }

    private KafkaRequest parse(ByteBuf frame, int reserved) {
        long start = System.nanoTime();
        ByteBuffer buffer = frame.nioBuffer();
        try {
            short apiKeyId = buffer.getShort(0);
            short apiVersion = buffer.getShort(2);
            if (!ApiKeys.hasId(apiKeyId)) {
                throw new CorruptedFrameException("unknown API key " + apiKeyId);
            }
            ApiKeys apiKey = ApiKeys.forId(apiKeyId);
            if (apiKey == ApiKeys.API_VERSIONS && apiVersion > apiKey.latestVersion(true)) {
                return newerApiVersions(frame, buffer, apiVersion, reserved);
            }
            if (apiVersion < apiKey.oldestVersion() || apiVersion > apiKey.latestVersion(true)) {
                throw new CorruptedFrameException(apiKey + " version " + apiVersion + " is not supported");
            }
            RequestHeader header = RequestHeader.parse(buffer);
            int bodyOffset = buffer.position();
            ApiMessage body = ApiMessageType.fromApiKey(apiKeyId).newRequest();
            body.read(new ByteBufferAccessor(buffer), apiVersion);
            return new KafkaRequest(header, body, frame.retain(), bodyOffset, memory, reserved, start);
        } catch (CorruptedFrameException e) {
            throw e;
        } catch (RuntimeException e) {
            throw new CorruptedFrameException("unparseable request: " + e.getMessage(), e);
        }
    }

    /** Header v1 fields (key, version, correlation id, client id) are all we read of a newer ApiVersions. */
    private KafkaRequest newerApiVersions(ByteBuf frame, ByteBuffer buffer, short apiVersion, int reserved) {
        int correlationId = buffer.getInt(4);
        short clientIdLength = buffer.getShort(8);
        String clientId = null;
        if (clientIdLength >= 0 && 10 + clientIdLength <= buffer.limit()) {
            byte[] bytes = new byte[clientIdLength];
            buffer.get(10, bytes);
            clientId = new String(bytes, java.nio.charset.StandardCharsets.UTF_8);
        }
        RequestHeaderData headerData = new RequestHeaderData()
                .setRequestApiKey(ApiKeys.API_VERSIONS.id)
                .setRequestApiVersion(apiVersion)
                .setCorrelationId(correlationId)
                .setClientId(clientId);
        return new KafkaRequest(new RequestHeader(headerData, (short) 1), new ApiVersionsRequestData(), frame.retain(),
                frame.writerIndex(), memory, reserved);
    }
}
