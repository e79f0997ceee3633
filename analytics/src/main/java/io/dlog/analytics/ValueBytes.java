package io.dlog.analytics;

import java.nio.ByteBuffer;

/**
 * A record value as an array slice, for decoders that read arrays (Jackson, Avro): the buffer's own array when
 * it has one (no copy), else a copy. Immutable view; the array is shared with the buffer.
 */
record ValueBytes(byte[] array, int offset, int length) {
    static ValueBytes of(ByteBuffer value) {
        if (value.hasArray()) {
            return new ValueBytes(value.array(), value.arrayOffset() + value.position(), value.remaining());
        }
        byte[] copy = new byte[value.remaining()];
        value.duplicate().get(copy);
        return new ValueBytes(copy, 0, copy.length);
    }
}
