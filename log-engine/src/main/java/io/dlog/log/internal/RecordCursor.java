package io.dlog.log.internal;

import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;

/**
 * Walks the records of a v2 batch's (uncompressed) records section and exposes where each record's fields
 * lie, so the cleaner can read keys and copy or re-encode records without building objects.
 *
 * <p>Record layout (v2): length varint, attributes int8, timestampDelta varlong, offsetDelta varint, key
 * (varint length, -1 = null), value (varint length, -1 = null: a tombstone), headers.
 *
 * <p>Not thread-safe; reusable through {@link #reset}.
 */
final class RecordCursor {
    private ByteBuffer records;
    private ByteBuffer r;
    private int remaining;
    private int next;
    private int end;

    int recordStart;
    int bodyStart;
    int bodyEnd;
    long timestampDelta;
    /** Position of the offsetDelta field: everything from here to {@link #bodyEnd} is copied verbatim on re-encode. */
    int offsetDeltaPos;
    int offsetDelta;
    int keyPos;
    int keyLength;
    int valueLength;

    /** Walks {@code count} records in {@code buf} between its position and limit. */
    RecordCursor reset(ByteBuffer buf, int count) {
        this.records = buf;
        this.r = buf.duplicate();
        this.remaining = count;
        this.next = buf.position();
        this.end = buf.limit();
        return this;
    }

    /**
     * Moves to the next record; false after the last.
     *
     * @throws IllegalArgumentException the records do not parse (corrupt)
     */
    boolean advance() {
        if (remaining == 0) {
            return false;
        }
        remaining--;
        try {
            r.limit(end).position(next);
            recordStart = next;
            int length = BatchFormat.readVarint(r);
            bodyStart = r.position();
            if (length < 0 || length > r.remaining()) {
                throw new IllegalArgumentException("record length " + length + " out of bounds");
            }
            bodyEnd = bodyStart + length;
            r.limit(bodyEnd);
            r.get(); // attributes: unused in v2
            timestampDelta = BatchFormat.readVarlong(r);
            offsetDeltaPos = r.position();
            offsetDelta = BatchFormat.readVarint(r);
            keyLength = BatchFormat.readVarint(r);
            keyPos = r.position();
            if (keyLength > 0) {
                r.position(keyPos + keyLength);
            }
            valueLength = BatchFormat.readVarint(r);
            next = bodyEnd;
            return true;
        } catch (BufferUnderflowException | IndexOutOfBoundsException e) {
            throw new IllegalArgumentException("record truncated", e);
        }
    }

    /** Every record was walked and the section had no bytes left over. */
    boolean exhausted() {
        return remaining == 0 && next == end;
    }

    ByteBuffer buffer() {
        return records;
    }
}
