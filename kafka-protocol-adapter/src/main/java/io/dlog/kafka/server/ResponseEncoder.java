package io.dlog.kafka.server;

import io.netty.buffer.ByteBufAllocator;
import java.util.List;
import org.apache.kafka.common.message.ResponseHeaderData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.MessageSizeAccumulator;
import org.apache.kafka.common.protocol.ObjectSerializationCache;

/**
 * Serializes a response (size prefix, header, body) with Kafka's generated classes into one pooled
 * buffer sized up front, with file-backed records left as zero-copy regions.
 */
final class ResponseEncoder {

    private ResponseEncoder() {
    }

    /** @return buffers and file regions in wire order; the caller owns (writes or releases) them */
    static List<Object> encode(ByteBufAllocator allocator, ApiKeys apiKey, short apiVersion, int correlationId,
                               ApiMessage body) {
        short headerVersion = apiKey.responseHeaderVersion(apiVersion);
        ResponseHeaderData header = new ResponseHeaderData().setCorrelationId(correlationId);
        ObjectSerializationCache cache = new ObjectSerializationCache();
        MessageSizeAccumulator size = new MessageSizeAccumulator();
        header.addSize(size, cache, headerVersion);
        body.addSize(size, cache, apiVersion);

        int inlineBytes = 4 + size.sizeExcludingZeroCopy();
        ByteBufWritable out = new ByteBufWritable(allocator, inlineBytes);
        try {
            out.writeInt(size.totalSize());
            header.write(out, cache, headerVersion);
            body.write(out, cache, apiVersion);
            return out.parts();
        } catch (RuntimeException e) {
            out.discard();
            throw e;
        }
    }
}
