package io.dlog.log.internal;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.zip.CRC32C;

/** Builds valid RecordBatch v2 bytes (uncompressed records, CRC32C) without kafka-clients. */
final class TestBatches {
    private long producerId = -1;
    private short producerEpoch = -1;
    private int baseSequence = -1;
    private long timestamp = 0;
    private boolean nullKeys;
    private short attributes;
    private byte[] controlKey;
    private byte[] controlValue;
    private final String[] values;
    private int span = -1;

    private TestBatches(String... values) {
        this.values = values;
    }

    static TestBatches of(String... values) {
        return new TestBatches(values);
    }

    TestBatches producer(long id, int epoch, int sequence) {
        this.producerId = id;
        this.producerEpoch = (short) epoch;
        this.baseSequence = sequence;
        return this;
    }

    TestBatches timestamp(long ts) {
        this.timestamp = ts;
        return this;
    }

    /** Sets the transactional attribute bit. */
    TestBatches transactional() {
        this.attributes |= BatchFormat.TRANSACTIONAL_BIT;
        return this;
    }

    /** A commit or abort marker as the transaction coordinator writes it (one control record). */
    static TestBatches marker(long producerId, int epoch, boolean commit, int coordinatorEpoch) {
        TestBatches b = new TestBatches("");
        b.producer(producerId, epoch, -1);
        b.attributes = (short) (BatchFormat.TRANSACTIONAL_BIT | BatchFormat.CONTROL_BIT);
        b.controlKey = ByteBuffer.allocate(4).putShort((short) 0).putShort(commit ? (short) 1 : (short) 0).array();
        b.controlValue = ByteBuffer.allocate(6).putShort((short) 0).putInt(coordinatorEpoch).array();
        return b;
    }

    /**
     * A cleaned batch: its offsets span {@code lastOffsetDelta + 1} while it keeps fewer records (the last
     * record sits at the span's end), or none at all.
     */
    TestBatches span(int lastOffsetDelta) {
        this.span = lastOffsetDelta;
        return this;
    }

    TestBatches nullKeys() {
        this.nullKeys = true;
        return this;
    }

    ByteBuffer build() {
        ByteArrayOutputStream records = new ByteArrayOutputStream();
        for (int i = 0; i < values.length; i++) {
            ByteArrayOutputStream r = new ByteArrayOutputStream();
            r.write(0); // attributes
            writeVarlong(r, 0); // timestamp delta
            writeVarint(r, span >= 0 && i == values.length - 1 ? span : i); // offset delta
            if (controlKey != null) {
                writeVarint(r, controlKey.length);
                r.writeBytes(controlKey);
                writeVarint(r, controlValue.length);
                r.writeBytes(controlValue);
                writeVarint(r, 0);
                writeVarint(records, r.size());
                records.writeBytes(r.toByteArray());
                continue;
            } else if (nullKeys) {
                writeVarint(r, -1);
            } else {
                byte[] key = ("k" + i).getBytes(StandardCharsets.UTF_8);
                writeVarint(r, key.length);
                r.writeBytes(key);
            }
            byte[] value = values[i].getBytes(StandardCharsets.UTF_8);
            writeVarint(r, value.length);
            r.writeBytes(value);
            writeVarint(r, 0); // headers
            writeVarint(records, r.size());
            records.writeBytes(r.toByteArray());
        }
        int total = BatchFormat.HEADER_SIZE + records.size();
        ByteBuffer b = ByteBuffer.allocate(total);
        b.putLong(0L).putInt(total - 12).putInt(0).put((byte) 2).putInt(0).putShort(attributes)
                .putInt(span >= 0 ? span : values.length - 1).putLong(timestamp).putLong(timestamp).putLong(producerId)
                .putShort(producerEpoch).putInt(baseSequence).putInt(values.length).put(records.toByteArray());
        b.flip();
        CRC32C crc = new CRC32C();
        ByteBuffer region = b.duplicate().position(BatchFormat.ATTRIBUTES);
        crc.update(region);
        b.putInt(BatchFormat.CRC, (int) crc.getValue());
        return b;
    }

    static ByteBuffer concat(ByteBuffer... batches) {
        int n = 0;
        for (ByteBuffer b : batches) {
            n += b.remaining();
        }
        ByteBuffer out = ByteBuffer.allocate(n);
        for (ByteBuffer b : batches) {
            out.put(b.duplicate());
        }
        return out.flip();
    }

    /** The record values of every batch in a buffer (uncompressed only), in order. */
    static java.util.List<String> values(ByteBuffer buf) {
        java.util.List<String> out = new java.util.ArrayList<>();
        ByteBuffer b = buf.duplicate();
        int at = b.position();
        while (at + 61 <= b.limit()) {
            int total = BatchFormat.totalSize(b, at);
            if (BatchFormat.isControl(b, at)) {
                at += total;
                continue;
            }
            ByteBuffer r = b.duplicate();
            r.position(at + BatchFormat.HEADER_SIZE).limit(at + total);
            int count = BatchFormat.recordCount(b, at);
            for (int i = 0; i < count; i++) {
                BatchFormat.readVarint(r);
                r.get();
                BatchFormat.readVarlong(r);
                BatchFormat.readVarint(r);
                int kl = BatchFormat.readVarint(r);
                if (kl > 0) {
                    r.position(r.position() + kl);
                }
                int vl = BatchFormat.readVarint(r);
                byte[] v = new byte[vl];
                r.get(v);
                out.add(new String(v, StandardCharsets.UTF_8));
                int headers = BatchFormat.readVarint(r);
                if (headers != 0) {
                    throw new IllegalStateException("headers not supported in test reader");
                }
            }
            at += total;
        }
        return out;
    }

    static void writeVarint(ByteArrayOutputStream out, int value) {
        int v = (value << 1) ^ (value >> 31);
        while ((v & ~0x7f) != 0) {
            out.write((v & 0x7f) | 0x80);
            v >>>= 7;
        }
        out.write(v);
    }

    static void writeVarlong(ByteArrayOutputStream out, long value) {
        long v = (value << 1) ^ (value >> 63);
        while ((v & ~0x7fL) != 0) {
            out.write((int) ((v & 0x7f) | 0x80));
            v >>>= 7;
        }
        out.write((int) v);
    }
}
