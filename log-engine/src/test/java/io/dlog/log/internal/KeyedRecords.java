package io.dlog.log.internal;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.CRC32C;

/**
 * Keyed RecordBatch v2 bytes for cleaner tests ("key=value" pairs, "key=" with no value for a tombstone),
 * and a reader that returns every record of stored batches with its offset.
 */
final class KeyedRecords {
    /** One stored record: offset, key, value (null for a tombstone). */
    record Rec(long offset, String key, String value) {
        @Override
        public String toString() {
            return offset + ":" + key + "=" + (value == null ? "∅" : value);
        }
    }

    private KeyedRecords() {
    }

    /** One batch; {@code "k=v"} is a record, {@code "k="} a tombstone. */
    static ByteBuffer batch(long timestamp, String... pairs) {
        return batch(-1, (short) -1, -1, timestamp, pairs);
    }

    static ByteBuffer batch(long producerId, short epoch, int baseSequence, long timestamp, String... pairs) {
        return batch((short) 0, producerId, epoch, baseSequence, timestamp, pairs);
    }

    /** A batch of a transaction (attribute bit 4). */
    static ByteBuffer txnBatch(long producerId, short epoch, int baseSequence, long timestamp, String... pairs) {
        return batch((short) BatchFormat.TRANSACTIONAL_BIT, producerId, epoch, baseSequence, timestamp, pairs);
    }

    private static ByteBuffer batch(short attributes, long producerId, short epoch, int baseSequence, long timestamp,
                                    String... pairs) {
        ByteArrayOutputStream records = new ByteArrayOutputStream();
        for (int i = 0; i < pairs.length; i++) {
            String[] kv = pairs[i].split("=", -1);
            ByteArrayOutputStream r = new ByteArrayOutputStream();
            r.write(0);
            TestBatches.writeVarlong(r, 0);
            TestBatches.writeVarint(r, i);
            byte[] key = kv[0].getBytes(StandardCharsets.UTF_8);
            TestBatches.writeVarint(r, key.length);
            r.writeBytes(key);
            if (kv[1].isEmpty()) {
                TestBatches.writeVarint(r, -1);
            } else {
                byte[] value = kv[1].getBytes(StandardCharsets.UTF_8);
                TestBatches.writeVarint(r, value.length);
                r.writeBytes(value);
            }
            TestBatches.writeVarint(r, 0);
            TestBatches.writeVarint(records, r.size());
            records.writeBytes(r.toByteArray());
        }
        int total = BatchFormat.HEADER_SIZE + records.size();
        ByteBuffer b = ByteBuffer.allocate(total);
        b.putLong(0L).putInt(total - 12).putInt(0).put((byte) 2).putInt(0).putShort(attributes)
                .putInt(pairs.length - 1).putLong(timestamp).putLong(timestamp).putLong(producerId)
                .putShort(epoch).putInt(baseSequence).putInt(pairs.length).put(records.toByteArray());
        b.flip();
        CRC32C crc = new CRC32C();
        crc.update(b.duplicate().position(BatchFormat.ATTRIBUTES));
        b.putInt(BatchFormat.CRC, (int) crc.getValue());
        return b;
    }

    /** Every data record of the batches in {@code buf} (markers skipped), checking each batch's CRC. */
    static List<Rec> read(ByteBuffer buf) {
        List<Rec> out = new ArrayList<>();
        int at = buf.position();
        RecordCursor cursor = new RecordCursor();
        while (at + BatchFormat.HEADER_SIZE <= buf.limit()) {
            int total = BatchFormat.totalSize(buf, at);
            if (BatchFormat.storedCrc(buf, at) != BatchFormat.computeCrc(buf, at, total)) {
                throw new IllegalStateException("bad CRC at " + BatchFormat.baseOffset(buf, at));
            }
            long base = BatchFormat.baseOffset(buf, at);
            if (BatchFormat.isControl(buf, at)) {
                at += total;
                continue;
            }
            ByteBuffer section = buf.duplicate().limit(at + total).position(at + BatchFormat.HEADER_SIZE).slice();
            cursor.reset(section, BatchFormat.recordCount(buf, at));
            while (cursor.advance()) {
                String key = new String(bytes(section, cursor.keyPos, cursor.keyLength), StandardCharsets.UTF_8);
                String value = null;
                if (cursor.valueLength >= 0) {
                    ByteBuffer r = section.duplicate().position(cursor.keyPos + Math.max(0, cursor.keyLength));
                    BatchFormat.readVarint(r);
                    value = new String(bytes(section, r.position(), cursor.valueLength), StandardCharsets.UTF_8);
                }
                out.add(new Rec(base + cursor.offsetDelta, key, value));
            }
            at += total;
        }
        return out;
    }

    private static byte[] bytes(ByteBuffer b, int from, int length) {
        byte[] out = new byte[length];
        b.duplicate().position(from).get(out);
        return out;
    }
}
