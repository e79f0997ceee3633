package io.dlog.log.internal;

import java.nio.ByteBuffer;
import java.util.zip.CRC32C;

/**
 * Field offsets and accessors of the Kafka RecordBatch v2 header, parsed by hand so the engine needs no
 * Kafka classes. All accessors are absolute (they never move a buffer's position) and big-endian.
 *
 * <p>Stateless; thread-safe.
 */
final class BatchFormat {
    static final int BASE_OFFSET = 0;
    static final int LENGTH = 8;
    static final int LOG_OVERHEAD = 12;
    static final int PARTITION_LEADER_EPOCH = 12;
    static final int MAGIC = 16;
    static final int CRC = 17;
    static final int ATTRIBUTES = 21;
    static final int LAST_OFFSET_DELTA = 23;
    static final int BASE_TIMESTAMP = 27;
    static final int MAX_TIMESTAMP = 35;
    static final int PRODUCER_ID = 43;
    static final int PRODUCER_EPOCH = 51;
    static final int BASE_SEQUENCE = 53;
    static final int RECORD_COUNT = 57;
    static final int HEADER_SIZE = 61;

    static final int COMPRESSION_MASK = 0x07;
    static final int TIMESTAMP_TYPE_BIT = 0x08;
    static final int TRANSACTIONAL_BIT = 0x10;
    static final int CONTROL_BIT = 0x20;

    private BatchFormat() {
    }

    static long baseOffset(ByteBuffer b, int at) {
        return b.getLong(at + BASE_OFFSET);
    }

    /** Bytes of the whole batch, including the 12-byte offset+length prefix. */
    static int totalSize(ByteBuffer b, int at) {
        return b.getInt(at + LENGTH) + LOG_OVERHEAD;
    }

    static byte magic(ByteBuffer b, int at) {
        return b.get(at + MAGIC);
    }

    static long storedCrc(ByteBuffer b, int at) {
        return Integer.toUnsignedLong(b.getInt(at + CRC));
    }

    static short attributes(ByteBuffer b, int at) {
        return b.getShort(at + ATTRIBUTES);
    }

    static int lastOffsetDelta(ByteBuffer b, int at) {
        return b.getInt(at + LAST_OFFSET_DELTA);
    }

    static long baseTimestamp(ByteBuffer b, int at) {
        return b.getLong(at + BASE_TIMESTAMP);
    }

    static long maxTimestamp(ByteBuffer b, int at) {
        return b.getLong(at + MAX_TIMESTAMP);
    }

    static long producerId(ByteBuffer b, int at) {
        return b.getLong(at + PRODUCER_ID);
    }

    static int partitionLeaderEpoch(ByteBuffer b, int at) {
        return b.getInt(at + PARTITION_LEADER_EPOCH);
    }

    static short producerEpoch(ByteBuffer b, int at) {
        return b.getShort(at + PRODUCER_EPOCH);
    }

    static int baseSequence(ByteBuffer b, int at) {
        return b.getInt(at + BASE_SEQUENCE);
    }

    static int recordCount(ByteBuffer b, int at) {
        return b.getInt(at + RECORD_COUNT);
    }

    static boolean isControl(ByteBuffer b, int at) {
        return (attributes(b, at) & CONTROL_BIT) != 0;
    }

    static boolean isTransactional(ByteBuffer b, int at) {
        return (attributes(b, at) & TRANSACTIONAL_BIT) != 0;
    }

    /** Control record type of a commit marker (Kafka's ControlRecordType.COMMIT); abort is 0. */
    static final short CONTROL_COMMIT = 1;
    static final short CONTROL_ABORT = 0;

    /**
     * A transaction marker's type and coordinator epoch: the first record of a control batch has key
     * {@code (version int16, type int16)} and value {@code (version int16, coordinatorEpoch int32)}.
     * Control batches are never compressed.
     *
     * @return {@code {type, coordinatorEpoch}}
     * @throws IllegalArgumentException the batch holds no readable marker record
     */
    static int[] marker(ByteBuffer b, int at, int totalSize) {
        if (compression(b, at) != 0) {
            throw new IllegalArgumentException("compressed control batch");
        }
        ByteBuffer r = b.duplicate();
        r.limit(at + totalSize).position(at + HEADER_SIZE);
        try {
            readVarint(r); // record length
            r.get(); // attributes
            readVarlong(r); // timestamp delta
            readVarint(r); // offset delta
            int keyLength = readVarint(r);
            if (keyLength < 4) {
                throw new IllegalArgumentException("control record key of " + keyLength + " bytes");
            }
            int keyStart = r.position();
            short type = r.getShort(keyStart + 2);
            r.position(keyStart + keyLength);
            int valueLength = readVarint(r);
            int coordinatorEpoch = valueLength >= 6 ? r.getInt(r.position() + 2) : -1;
            if (type != CONTROL_COMMIT && type != CONTROL_ABORT) {
                throw new IllegalArgumentException("unknown control record type " + type);
            }
            return new int[] {type, coordinatorEpoch};
        } catch (java.nio.BufferUnderflowException | IndexOutOfBoundsException e) {
            throw new IllegalArgumentException("control record truncated", e);
        }
    }

    static int compression(ByteBuffer b, int at) {
        return attributes(b, at) & COMPRESSION_MASK;
    }

    /** CRC32C over the attributes field up to the end of the batch, as the v2 format defines it. */
    static long computeCrc(ByteBuffer b, int at, int totalSize) {
        CRC32C crc = new CRC32C();
        ByteBuffer region = b.duplicate();
        region.limit(at + totalSize).position(at + ATTRIBUTES);
        crc.update(region);
        return crc.getValue();
    }

    static void writeCrc(ByteBuffer b, int at, int totalSize) {
        b.putInt(at + CRC, (int) computeCrc(b, at, totalSize));
    }

    /** Kafka's DefaultRecordBatch.incrementSequence: sequences wrap from Integer.MAX_VALUE to 0. */
    static int incrementSequence(int sequence, int increment) {
        if (sequence > Integer.MAX_VALUE - increment) {
            return increment - (Integer.MAX_VALUE - sequence) - 1;
        }
        return sequence + increment;
    }

    /**
     * Walks the records of an uncompressed batch and reports whether any has a null key.
     *
     * @throws IllegalArgumentException the records do not parse within the batch (corrupt)
     */
    static boolean hasNullKey(ByteBuffer b, int at, int totalSize) {
        ByteBuffer r = b.duplicate();
        r.limit(at + totalSize).position(at + HEADER_SIZE);
        int count = recordCount(b, at);
        boolean nullKey = false;
        try {
            for (int i = 0; i < count; i++) {
                int length = readVarint(r);
                if (length < 0 || length > r.remaining()) {
                    throw new IllegalArgumentException("record length " + length + " out of bounds");
                }
                int end = r.position() + length;
                r.get(); // attributes
                readVarlong(r); // timestamp delta
                readVarint(r); // offset delta
                int keyLength = readVarint(r);
                nullKey |= keyLength < 0;
                if (end > r.limit()) {
                    throw new IllegalArgumentException("record overruns batch");
                }
                r.position(end);
            }
        } catch (java.nio.BufferUnderflowException e) {
            throw new IllegalArgumentException("record truncated", e);
        }
        if (r.hasRemaining()) {
            throw new IllegalArgumentException(r.remaining() + " bytes after the last record");
        }
        return nullKey;
    }

    static int readVarint(ByteBuffer r) {
        int raw = 0;
        int shift = 0;
        byte b;
        do {
            if (shift > 28) {
                throw new IllegalArgumentException("varint too long");
            }
            b = r.get();
            raw |= (b & 0x7f) << shift;
            shift += 7;
        } while ((b & 0x80) != 0);
        return (raw >>> 1) ^ -(raw & 1);
    }

    static long readVarlong(ByteBuffer r) {
        long raw = 0;
        int shift = 0;
        byte b;
        do {
            if (shift > 63) {
                throw new IllegalArgumentException("varlong too long");
            }
            b = r.get();
            raw |= (long) (b & 0x7f) << shift;
            shift += 7;
        } while ((b & 0x80) != 0);
        return (raw >>> 1) ^ -(raw & 1);
    }
}
