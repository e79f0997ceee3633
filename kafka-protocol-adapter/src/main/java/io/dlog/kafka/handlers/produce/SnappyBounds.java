package io.dlog.kafka.handlers.produce;

import java.nio.ByteBuffer;

/**
 * Checks a snappy payload's announced sizes before snappy-java sees it. snappy-java allocates each
 * chunk's buffers from the sizes the stream announces (up to 512 MiB a chunk), so a produce request of
 * a few hundred bytes could make the broker allocate gigabytes: a decompression bomb. A real payload's
 * sizes are bounded by its own length: a chunk's compressed length by the bytes left, its
 * uncompressed length by snappy's densest encoding (a 3-byte copy emits at most 64 bytes).
 *
 * <p>Formats: xerial's framing (what Kafka's clients write: an 8-byte magic, two version ints, then
 * chunks of a 4-byte length and a raw snappy block) or, without the magic, one raw snappy block,
 * which starts with its uncompressed length as a varint. Stateless.
 */
final class SnappyBounds {
    private static final byte[] XERIAL_MAGIC = {(byte) 0x82, 'S', 'N', 'A', 'P', 'P', 'Y', 0};
    private static final int XERIAL_HEADER_BYTES = 16;
    /** Snappy's densest output: 64 bytes from a 3-byte copy, so 22 times the input plus slack. */
    private static final long MAX_EXPANSION = 22;
    private static final long SLACK = 64;

    private SnappyBounds() {
    }

    /** Whether the payload in {@code [start, end)} announces no size it cannot hold. */
    static boolean plausible(ByteBuffer bytes, int start, int end) {
        if (!hasXerialMagic(bytes, start, end)) {
            return blockPlausible(bytes, start, end);
        }
        int at = start + XERIAL_HEADER_BYTES;
        while (at < end) {
            if (end - at < 4) {
                return false;
            }
            int chunk = bytes.getInt(at);
            at += 4;
            if (chunk < 0 || chunk > end - at || !blockPlausible(bytes, at, at + chunk)) {
                return false;
            }
            at += chunk;
        }
        return true;
    }

    private static boolean hasXerialMagic(ByteBuffer bytes, int start, int end) {
        if (end - start < XERIAL_HEADER_BYTES) {
            return false;
        }
        for (int i = 0; i < XERIAL_MAGIC.length; i++) {
            if (bytes.get(start + i) != XERIAL_MAGIC[i]) {
                return false;
            }
        }
        return true;
    }

    /** A raw snappy block: its varint uncompressed length must fit what its bytes can encode. */
    private static boolean blockPlausible(ByteBuffer bytes, int start, int end) {
        long length = 0;
        int at = start;
        for (int shift = 0; shift < 35; shift += 7) {
            if (at >= end) {
                return false;
            }
            byte b = bytes.get(at++);
            length |= (long) (b & 0x7f) << shift;
            if ((b & 0x80) == 0) {
                return length <= (end - start) * MAX_EXPANSION + SLACK;
            }
        }
        return false;
    }
}
