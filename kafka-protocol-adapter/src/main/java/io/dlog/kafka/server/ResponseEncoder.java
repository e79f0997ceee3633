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
 * buffer sized up front, with file-backed records left as zero-copy regions, unless they are small.
 *
 * <p>Small records are copied into the buffer instead: a response with a region leaves in three system
 * calls and three TCP segments (writev of what precedes the records, sendfile, then the few bytes after
 * them), and its reader may wake for each segment. A follower or a consumer at the log's end fetches a
 * batch or two at a time, so for those fetches one positional read and one write are cheaper.
 */
final class ResponseEncoder {

    /**
     * Record bytes up to which a response is copied whole rather than sent with sendfile. It keeps large reads
     * (a follower catching up, a consumer reading a backlog) zero-copy; the value was chosen, not tuned.
     */
    static final int INLINE_RECORDS_MAX_BYTES = 16 * 1024;

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

        int recordBytes = size.totalSize() - size.sizeExcludingZeroCopy();
        boolean copyRecords = recordBytes <= INLINE_RECORDS_MAX_BYTES;
        int inlineBytes = 4 + (copyRecords ? size.totalSize() : size.sizeExcludingZeroCopy());
        ByteBufWritable out = new ByteBufWritable(allocator, inlineBytes, copyRecords);
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
