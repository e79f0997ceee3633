package io.dlog.kafka.handlers.produce;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.SimpleRecord;
import org.junit.jupiter.api.Test;

class SnappyBoundsTest {

    @Test
    void shouldAcceptWhatKafkasProducerWrites() {
        byte[] value = "a".repeat(100_000).getBytes(StandardCharsets.UTF_8);
        ByteBuffer batch = MemoryRecords.withRecords(Compression.snappy().build(), new SimpleRecord(value, value),
                new SimpleRecord("k".getBytes(StandardCharsets.UTF_8), "v".getBytes(StandardCharsets.UTF_8))).buffer();
        assertThat(SnappyBounds.plausible(batch, batch.position() + 61, batch.limit())).isTrue();
    }

    @Test
    void shouldRefuseAChunkThatAnnouncesMoreThanItsBytesCanEncode() {
        byte[] value = "snappy".repeat(20).getBytes(StandardCharsets.UTF_8);
        ByteBuffer batch = MemoryRecords.withRecords(Compression.snappy().build(), new SimpleRecord(value, value)).buffer();
        int block = batch.position() + 61 + 16 + 4;
        // Given: the raw block's uncompressed length rewritten as 500 MiB (a 5-byte varint)
        ByteBuffer bomb = ByteBuffer.allocate(batch.remaining() + 5).put(batch.duplicate());
        int length = 500 << 20;
        bomb.position(block - batch.position());
        byte[] rest = new byte[batch.limit() - block];
        batch.duplicate().position(block).get(rest);
        skipVarint(rest);
        bomb.put((byte) (length & 0x7f | 0x80)).put((byte) (length >>> 7 & 0x7f | 0x80))
                .put((byte) (length >>> 14 & 0x7f | 0x80)).put((byte) (length >>> 21 & 0x7f | 0x80))
                .put((byte) (length >>> 28));
        bomb.put(rest, varintLength(rest), rest.length - varintLength(rest));
        bomb.flip();
        bomb.putInt(61 + 16, bomb.limit() - (61 + 16 + 4));

        assertThat(SnappyBounds.plausible(bomb, 61, bomb.limit())).isFalse();
    }

    @Test
    void shouldRefuseAChunkLengthBeyondThePayloadOrNegative() {
        byte[] value = "snappy".repeat(20).getBytes(StandardCharsets.UTF_8);
        ByteBuffer batch = MemoryRecords.withRecords(Compression.snappy().build(), new SimpleRecord(value, value)).buffer();
        ByteBuffer copy = ByteBuffer.allocate(batch.remaining()).put(batch.duplicate()).flip();
        copy.putInt(61 + 16, 400 << 20);
        assertThat(SnappyBounds.plausible(copy, 61, copy.limit())).isFalse();
        copy.putInt(61 + 16, -5);
        assertThat(SnappyBounds.plausible(copy, 61, copy.limit())).isFalse();
    }

    @Test
    void shouldBoundARawBlockWithoutTheXerialHeader() {
        ByteBuffer raw = ByteBuffer.wrap(new byte[] {(byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff, 0x0f, 0, 0});
        assertThat(SnappyBounds.plausible(raw, 0, raw.limit())).isFalse();
        ByteBuffer small = ByteBuffer.wrap(new byte[] {5, 0x10, 'h', 'e', 'l', 'l', 'o'});
        assertThat(SnappyBounds.plausible(small, 0, small.limit())).isTrue();
    }

    private static void skipVarint(byte[] bytes) {
        varintLength(bytes);
    }

    private static int varintLength(byte[] bytes) {
        int i = 0;
        while ((bytes[i] & 0x80) != 0) {
            i++;
        }
        return i + 1;
    }
}
