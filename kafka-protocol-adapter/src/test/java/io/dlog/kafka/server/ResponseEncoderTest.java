package io.dlog.kafka.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dlog.log.FetchSlice;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.FileRegion;
import io.netty.util.ReferenceCountUtil;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import org.apache.kafka.common.message.FetchResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.MessageUtil;
import org.apache.kafka.common.record.internal.BaseRecords;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.requests.ResponseHeader;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A Fetch response with file-backed records: small records are copied into the one buffer, large ones leave
 * as a sendfile region; either way the bytes on the wire are those Kafka's own serializer gives for the same
 * records in memory.
 */
class ResponseEncoderTest {
    private static final short VERSION = 17;
    private static final int CORRELATION_ID = 42;

    @TempDir
    Path dir;
    private FileChannel file;

    @BeforeEach
    void open() throws IOException {
        file = FileChannel.open(dir.resolve("segment.log"), StandardOpenOption.CREATE, StandardOpenOption.READ,
                StandardOpenOption.WRITE);
    }

    @AfterEach
    void close() throws IOException {
        file.close();
    }

    @Test
    void smallRecordsAreCopiedIntoOneBuffer() throws IOException {
        byte[] records = bytes(200);
        long position = writeAfterPadding(records, 1_000);

        List<Object> parts = encode(new FileSliceRecords(slice(position, records.length)));

        assertThat(parts).hasSize(1).allMatch(part -> part instanceof ByteBuf);
        assertThat(wire(parts)).isEqualTo(reference(records));
    }

    @Test
    void recordsUpToTheLimitAreCopied() throws IOException {
        byte[] records = bytes(ResponseEncoder.INLINE_RECORDS_MAX_BYTES);
        long position = writeAfterPadding(records, 7);

        List<Object> parts = encode(new FileSliceRecords(slice(position, records.length)));

        assertThat(parts).hasSize(1);
        assertThat(wire(parts)).isEqualTo(reference(records));
    }

    @Test
    void largerRecordsLeaveAsARegionBetweenTwoBuffers() throws IOException {
        byte[] records = bytes(ResponseEncoder.INLINE_RECORDS_MAX_BYTES + 1);
        long position = writeAfterPadding(records, 7);

        List<Object> parts = encode(new FileSliceRecords(slice(position, records.length)));

        assertThat(parts).hasSize(3);
        assertThat(parts.get(1)).isInstanceOf(FileRegion.class);
        assertThat(wire(parts)).isEqualTo(reference(records));
    }

    @Test
    void aSliceBeyondTheFileFailsTheResponseInsteadOfSendingAHole() throws IOException {
        byte[] records = bytes(100);
        long position = writeAfterPadding(records, 0);

        assertThatThrownBy(() -> encode(new FileSliceRecords(slice(position, records.length + 50))))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("last 50 of 150 record bytes");
    }

    @Test
    void aClosedSegmentFailsTheResponse() throws IOException {
        byte[] records = bytes(100);
        long position = writeAfterPadding(records, 0);
        FetchSlice slice = slice(position, records.length);
        file.close();

        assertThatThrownBy(() -> encode(new FileSliceRecords(slice))).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("last 100 of 100 record bytes");
    }

    private static byte[] bytes(int length) {
        byte[] bytes = new byte[length];
        for (int i = 0; i < length; i++) {
            bytes[i] = (byte) (i * 31 + 7);
        }
        return bytes;
    }

    /** Writes padding then the records, as a segment holds other batches before the ones read. */
    private long writeAfterPadding(byte[] records, int padding) throws IOException {
        file.write(ByteBuffer.wrap(new byte[padding]), 0);
        file.write(ByteBuffer.wrap(records), padding);
        return padding;
    }

    private FetchSlice slice(long position, int length) {
        return new FetchSlice(file, position, length, 10, 10, 0, 10);
    }

    private static FetchResponseData response(BaseRecords records) {
        FetchResponseData data = new FetchResponseData().setSessionId(7);
        FetchResponseData.FetchableTopicResponse topic = new FetchResponseData.FetchableTopicResponse()
                .setTopicId(Uuid.fromString("AAAAAAAAAAAAAAAAAAAAAQ"));
        topic.partitions().add(new FetchResponseData.PartitionData().setPartitionIndex(3).setHighWatermark(10)
                .setLastStableOffset(10).setLogStartOffset(0).setRecords(records));
        data.responses().add(topic);
        return data;
    }

    private static List<Object> encode(BaseRecords records) {
        return ResponseEncoder.encode(PooledByteBufAllocator.DEFAULT, ApiKeys.FETCH, VERSION, CORRELATION_ID,
                response(records));
    }

    /** The frame Kafka's serializer makes for the same records held in memory. */
    private static byte[] reference(byte[] records) {
        ApiMessage body = response(MemoryRecords.readableRecords(ByteBuffer.wrap(records)));
        ByteBuffer serialized = MessageUtil.toByteBufferAccessor(body, VERSION).buffer();
        ResponseHeader header = new ResponseHeader(CORRELATION_ID, ApiKeys.FETCH.responseHeaderVersion(VERSION));
        ByteBuffer headerBytes = MessageUtil.toByteBufferAccessor(header.data(), header.headerVersion()).buffer();
        ByteBuffer frame = ByteBuffer.allocate(4 + headerBytes.remaining() + serialized.remaining());
        frame.putInt(headerBytes.remaining() + serialized.remaining()).put(headerBytes).put(serialized);
        return frame.array();
    }

    /** What the socket would get: the parts in order, regions read from their file. Releases the parts. */
    private static byte[] wire(List<Object> parts) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            for (Object part : parts) {
                if (part instanceof ByteBuf buf) {
                    byte[] bytes = new byte[buf.readableBytes()];
                    buf.getBytes(buf.readerIndex(), bytes);
                    out.write(bytes);
                } else {
                    FileRegion region = (FileRegion) part;
                    region.transferTo(Channels.newChannel(out), 0);
                }
            }
        } finally {
            parts.forEach(ReferenceCountUtil::release);
        }
        return out.toByteArray();
    }
}
