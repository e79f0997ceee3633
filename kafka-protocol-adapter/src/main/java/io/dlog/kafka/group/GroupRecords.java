package io.dlog.kafka.group;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * DLog's own record format in {@code __consumer_offsets}. Every key and value starts with a version
 * short; the key's version also says its type, as Kafka's does (0 = offset commit, 1 = group).
 * A null value is a tombstone (offset or group deleted), which compaction eventually drops. Share groups'
 * records are Kafka's (key types 11 and 15, written by {@code io.dlog.kafka.share}); the coordinator hands
 * them, and any other type it does not read, to its {@link GroupRecordsListener} untouched.
 *
 * <p>Strings are length-prefixed UTF-8 with -1 for null; bytes likewise. Stateless.
 */
final class GroupRecords {
    static final short OFFSET_KEY = 0;
    static final short GROUP_KEY = 1;
    static final short OFFSET_VALUE_VERSION = 0;
    static final short GROUP_VALUE_VERSION = 0;

    private GroupRecords() {
    }

    /** One record to write: key bytes and value bytes (null = tombstone). */
    record Record(byte[] key, byte[] value) {
    }

    record OffsetKey(String groupId, String topic, int partition) {
    }

    record OffsetValue(long offset, int leaderEpoch, String metadata, long commitTimestamp) {
    }

    static Record offset(String groupId, String topic, int partition, OffsetValue value) {
        Writer key = new Writer().writeShort(OFFSET_KEY).writeString(groupId).writeString(topic).writeInt(partition);
        byte[] bytes = null;
        if (value != null) {
            bytes = new Writer().writeShort(OFFSET_VALUE_VERSION).writeLong(value.offset()).writeInt(value.leaderEpoch())
                    .writeString(value.metadata()).writeLong(value.commitTimestamp()).toBytes();
        }
        return new Record(key.toBytes(), bytes);
    }

    static Record group(String groupId, byte[] snapshot) {
        byte[] value = snapshot == null ? null : new Writer().writeShort(GROUP_VALUE_VERSION).writeBytes(snapshot).toBytes();
        return new Record(new Writer().writeShort(GROUP_KEY).writeString(groupId).toBytes(), value);
    }

    /** Receives records in log order while the coordinator loads. */
    interface Visitor {
        void offset(OffsetKey key, OffsetValue value);

        void group(String groupId, byte[] snapshot);

        /** An offset committed inside a transaction whose marker is not in the log yet. */
        default void pendingOffset(long producerId, OffsetKey key, OffsetValue value) {
        }

        /** A record of a key type the group coordinator does not read (share groups'); buffers from their start. */
        default void other(ByteBuffer key, ByteBuffer value) {
        }
    }

    /** Decodes one record and hands it to the visitor; other key types go to {@link Visitor#other}. */
    static void visit(ByteBuffer key, ByteBuffer value, Visitor visitor) {
        Reader k = new Reader(key); // reads a copy: the buffers stay at their start
        short type = k.readShort();
        if (type == OFFSET_KEY) {
            OffsetKey offsetKey = new OffsetKey(k.readString(), k.readString(), k.readInt());
            OffsetValue offsetValue = null;
            if (value != null) {
                Reader v = new Reader(value);
                v.readShort();
                offsetValue = new OffsetValue(v.readLong(), v.readInt(), v.readString(), v.readLong());
            }
            visitor.offset(offsetKey, offsetValue);
        } else if (type == GROUP_KEY) {
            String groupId = k.readString();
            byte[] snapshot = null;
            if (value != null) {
                Reader v = new Reader(value);
                v.readShort();
                snapshot = v.readBytes();
            }
            visitor.group(groupId, snapshot);
        } else {
            visitor.other(key.duplicate(), value == null ? null : value.duplicate());
        }
    }

    /** Appends primitives to a growing byte array. */
    static final class Writer {
        private final ByteArrayOutputStream bytes = new ByteArrayOutputStream(64);
        private final DataOutputStream out = new DataOutputStream(bytes);

        Writer writeShort(int v) {
            try {
                out.writeShort(v);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            return this;
        }

        Writer writeInt(int v) {
            try {
                out.writeInt(v);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            return this;
        }

        Writer writeLong(long v) {
            try {
                out.writeLong(v);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            return this;
        }

        Writer writeBoolean(boolean v) {
            return writeShort(v ? 1 : 0);
        }

        Writer writeString(String s) {
            return writeBytes(s == null ? null : s.getBytes(StandardCharsets.UTF_8));
        }

        Writer writeBytes(byte[] b) {
            if (b == null) {
                return writeInt(-1);
            }
            writeInt(b.length);
            try {
                out.write(b);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            return this;
        }

        byte[] toBytes() {
            return bytes.toByteArray();
        }
    }

    /** Reads what {@link Writer} wrote. */
    static final class Reader {
        private final DataInputStream in;

        Reader(ByteBuffer buffer) {
            byte[] copy = new byte[buffer.remaining()];
            buffer.duplicate().get(copy);
            this.in = new DataInputStream(new ByteArrayInputStream(copy));
        }

        Reader(byte[] bytes) {
            this.in = new DataInputStream(new ByteArrayInputStream(bytes));
        }

        short readShort() {
            try {
                return in.readShort();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        int readInt() {
            try {
                return in.readInt();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        long readLong() {
            try {
                return in.readLong();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        boolean readBoolean() {
            return readShort() != 0;
        }

        String readString() {
            byte[] b = readBytes();
            return b == null ? null : new String(b, StandardCharsets.UTF_8);
        }

        byte[] readBytes() {
            int length = readInt();
            if (length < 0) {
                return null;
            }
            byte[] b = new byte[length];
            try {
                in.readFully(b);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            return b;
        }
    }
}
