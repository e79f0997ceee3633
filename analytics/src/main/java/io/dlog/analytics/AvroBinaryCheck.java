package io.dlog.analytics;

import org.apache.avro.Schema;

/**
 * Checks that bytes are one well-formed Avro binary value of a (writer) schema before Avro's reader sees them,
 * so that hostile or corrupt bytes cannot make the decoder allocate beyond the value's own size: every string,
 * bytes and array/map block length must fit in what remains of the value, union branches and enum symbols
 * must exist, varints must end within 10 bytes, nesting stops at {@value #MAX_DEPTH} levels, items that take
 * no bytes (null) are capped at {@value #MAX_EMPTY_ITEMS} per value, and nothing may follow the value.
 * Stateless apart from the position of one check; one thread.
 */
final class AvroBinaryCheck {
    static final int MAX_DEPTH = 100;
    static final long MAX_EMPTY_ITEMS = 1 << 20;

    private final byte[] bytes;
    private final int end;
    private int position;
    private long emptyItems;

    private AvroBinaryCheck(byte[] bytes, int offset, int length) {
        this.bytes = bytes;
        this.position = offset;
        this.end = offset + length;
    }

    /** @throws IllegalArgumentException what is wrong with the bytes, in one line */
    static void check(Schema schema, byte[] bytes, int offset, int length) {
        AvroBinaryCheck check = new AvroBinaryCheck(bytes, offset, length);
        check.value(schema, 0);
        if (check.position != check.end) {
            throw new IllegalArgumentException((check.end - check.position) + " bytes follow the Avro value");
        }
    }

    private void value(Schema schema, int depth) {
        if (depth > MAX_DEPTH) {
            throw new IllegalArgumentException("Avro value nested deeper than " + MAX_DEPTH + " levels");
        }
        switch (schema.getType()) {
            case NULL -> {
            }
            case BOOLEAN -> skip(1);
            case INT, LONG -> varint();
            case FLOAT -> skip(4);
            case DOUBLE -> skip(8);
            case STRING, BYTES -> skip(length());
            case FIXED -> skip(schema.getFixedSize());
            case ENUM -> index(schema.getEnumSymbols().size(), "enum symbol");
            case UNION -> value(schema.getTypes().get(index(schema.getTypes().size(), "union branch")), depth + 1);
            case RECORD -> {
                for (Schema.Field field : schema.getFields()) {
                    value(field.schema(), depth + 1);
                }
            }
            case ARRAY -> blocks(schema.getElementType(), null, depth);
            case MAP -> blocks(schema.getValueType(), Schema.create(Schema.Type.STRING), depth);
            default -> throw new IllegalStateException("unknown Avro type " + schema.getType());
        }
    }

    /** Array or map blocks: a count (negative: followed by the block's size in bytes), items, until a count of 0. */
    private void blocks(Schema item, Schema key, int depth) {
        while (true) {
            long count = varint();
            if (count == 0) {
                return;
            }
            if (count < 0) {
                if (count == Long.MIN_VALUE) {
                    throw new IllegalArgumentException("a block count out of range");
                }
                count = -count;
                varint(); // the block's size in bytes
            }
            int before = position;
            for (long i = 0; i < count; i++) {
                if (key != null) {
                    value(key, depth + 1);
                }
                value(item, depth + 1);
                if (position == before && ++emptyItems > MAX_EMPTY_ITEMS) {
                    throw new IllegalArgumentException("more than " + MAX_EMPTY_ITEMS + " items of no bytes in one value");
                }
                before = position;
            }
        }
    }

    private int index(int size, String what) {
        long index = varint();
        if (index < 0 || index >= size) {
            throw new IllegalArgumentException(what + " " + index + " does not exist (" + size + " in the schema)");
        }
        return (int) index;
    }

    private int length() {
        long length = varint();
        if (length < 0 || length > end - position) {
            throw new IllegalArgumentException("a length of " + length + " with " + (end - position) + " bytes left");
        }
        return (int) length;
    }

    private void skip(int n) {
        if (n > end - position) {
            throw new IllegalArgumentException("the value ends early");
        }
        position += n;
    }

    /** A zig-zag varint (Avro's int and long). */
    private long varint() {
        long raw = 0;
        for (int shift = 0; shift < 70; shift += 7) {
            if (position >= end) {
                throw new IllegalArgumentException("the value ends early");
            }
            int b = bytes[position++] & 0xff;
            raw |= (long) (b & 0x7f) << shift;
            if ((b & 0x80) == 0) {
                return (raw >>> 1) ^ -(raw & 1);
            }
        }
        throw new IllegalArgumentException("a varint longer than 10 bytes");
    }
}
