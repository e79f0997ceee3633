package io.dlog.analytics;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import org.apache.arrow.vector.BigIntVector;
import org.apache.arrow.vector.BitVector;
import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.Float8Vector;
import org.apache.arrow.vector.VarCharVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.complex.ListVector;
import org.apache.arrow.vector.complex.StructVector;

/**
 * Writes JSON record values into a JSON table's value columns, streaming: each top-level field goes
 * straight from the parser into its column when the column is projected, and is skipped (never
 * materialized) when it is not. What has no place in the schema (an unknown field, a value whose type does
 * not fit its column, a value that is not a JSON object) goes to {@code _overflow}, when that column is
 * projected, so nothing is lost. When {@code _overflow} is not projected, parsing stops as soon as every
 * projected field has been seen: the rest of the object is neither parsed nor checked (a duplicate key after
 * that point, or malformed JSON there, goes unnoticed; with {@code _overflow} projected the whole value is
 * always parsed and checked). Not thread-safe; bound to one {@link VectorSchemaRoot} batch at a time.
 */
final class JsonValueWriter {
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final JsonFactory FACTORY = MAPPER.getFactory();

    /** A projected value column; {@code id} indexes {@link #seenAt}. */
    private record Column(int id, JsonType type, FieldVector vector) {
    }

    private final Map<String, JsonType> schemaFields = new HashMap<>();
    private final Map<String, String> arrowNames = new HashMap<>();
    private final Map<String, Column> columns = new HashMap<>();
    private VarCharVector overflow;
    private final ByteArrayOutputStream overflowBytes = new ByteArrayOutputStream();
    /** Per projected column, the last record (by {@link #record}) in which its field was seen. */
    private long[] seenAt = new long[0];
    private long record;

    JsonValueWriter(TableSchema table) {
        table.jsonColumns().forEach((arrowName, field) -> {
            schemaFields.put(field.getKey(), field.getValue());
            arrowNames.put(field.getKey(), arrowName);
        });
    }

    /** Binds the writer to a freshly allocated batch (only its projected columns are written). */
    void bind(VectorSchemaRoot root) {
        columns.clear();
        schemaFields.forEach((jsonName, type) -> {
            FieldVector vector = root.getVector(arrowNames.get(jsonName));
            if (vector != null) {
                columns.put(jsonName, new Column(columns.size(), type, vector));
            }
        });
        seenAt = new long[columns.size()];
        java.util.Arrays.fill(seenAt, -1);
        overflow = (VarCharVector) root.getVector(TableSchema.OVERFLOW);
    }

    /** Whether any value column is projected at all (otherwise values need not be parsed). */
    boolean needsValues() {
        return !columns.isEmpty() || overflow != null;
    }

    void write(int row, ByteBuffer value) {
        if (value == null || !needsValues()) {
            return;
        }
        ValueBytes bytes = ValueBytes.of(value);
        byte[] array = bytes.array();
        int offset = bytes.offset();
        int length = bytes.length();
        JsonGenerator spill = null;
        try (JsonParser parser = FACTORY.createParser(array, offset, length)) {
            if (parser.nextToken() != JsonToken.START_OBJECT) {
                rawOverflow(row, array, offset, length);
                return;
            }
            JsonToken token;
            long current = record++;
            int missing = columns.size();
            while ((token = parser.nextToken()) == JsonToken.FIELD_NAME) {
                String name = parser.currentName();
                parser.nextToken();
                Column column = columns.get(name);
                if (column != null) {
                    if (seenAt[column.id()] != current) {
                        seenAt[column.id()] = current;
                        missing--;
                    }
                    JsonNode misfit = writeField(parser, column, row);
                    if (misfit != null && overflow != null) {
                        spill = spill(spill);
                        spill.writeFieldName(name);
                        MAPPER.writeTree(spill, misfit);
                    }
                } else if (overflow != null && !schemaFields.containsKey(name)) {
                    spill = spill(spill);
                    spill.writeFieldName(name);
                    spill.copyCurrentStructure(parser);
                } else {
                    parser.skipChildren();
                }
                if (missing == 0 && overflow == null) {
                    // Every projected field is in: the rest of the object is not needed (nor checked).
                    return;
                }
            }
            if (token != JsonToken.END_OBJECT || parser.nextToken() != null) {
                throw new com.fasterxml.jackson.core.JsonParseException(parser, "trailing content after the object");
            }
            if (spill != null) {
                spill.writeEndObject();
                spill.close();
                overflow.setSafe(row, overflowBytes.toByteArray());
            }
        } catch (IOException e) {
            // Not valid JSON: nothing of it goes in the typed columns, all of it in _overflow.
            for (Column column : columns.values()) {
                column.vector().setNull(row);
            }
            rawOverflow(row, array, offset, length);
        }
    }

    private JsonGenerator spill(JsonGenerator current) throws IOException {
        if (current != null) {
            return current;
        }
        overflowBytes.reset();
        JsonGenerator generator = FACTORY.createGenerator(overflowBytes);
        generator.writeStartObject();
        return generator;
    }

    private void rawOverflow(int row, byte[] array, int offset, int length) {
        if (overflow != null) {
            // Valid UTF-8 only: malformed bytes become U+FFFD rather than an invalid utf8 cell.
            overflow.setSafe(row, new String(array, offset, length, StandardCharsets.UTF_8).getBytes(StandardCharsets.UTF_8));
        }
    }

    /** Writes the parser's current value into the column; returns it as a tree when it does not fit. */
    private static JsonNode writeField(JsonParser parser, Column column, int row) throws IOException {
        JsonToken token = parser.currentToken();
        if (token == JsonToken.VALUE_NULL) {
            return null;
        }
        JsonType type = column.type();
        FieldVector vector = column.vector();
        if (type == JsonType.BOOL && token.isBoolean()) {
            ((BitVector) vector).setSafe(row, token == JsonToken.VALUE_TRUE ? 1 : 0);
            return null;
        }
        if (type == JsonType.INT64 && token == JsonToken.VALUE_NUMBER_INT
                && parser.getNumberType() != JsonParser.NumberType.BIG_INTEGER) {
            ((BigIntVector) vector).setSafe(row, parser.getLongValue());
            return null;
        }
        if (type == JsonType.FLOAT64 && token.isNumeric()) {
            ((Float8Vector) vector).setSafe(row, parser.getDoubleValue());
            return null;
        }
        if (type == JsonType.UTF8 && token == JsonToken.VALUE_STRING) {
            ((VarCharVector) vector).setSafe(row, parser.getText().getBytes(StandardCharsets.UTF_8));
            return null;
        }
        JsonNode node = MAPPER.readTree(parser);
        if (!fits(node, type)) {
            return node;
        }
        writeNode(vector, row, node, type);
        return null;
    }

    static boolean fits(JsonNode node, JsonType type) {
        if (node == null || node.isNull() || type == JsonType.TEXT) {
            return true;
        }
        if (type == JsonType.BOOL) {
            return node.isBoolean();
        }
        if (type == JsonType.INT64) {
            return node.isIntegralNumber() && node.canConvertToLong();
        }
        if (type == JsonType.FLOAT64) {
            return node.isNumber();
        }
        if (type == JsonType.UTF8) {
            return node.isTextual();
        }
        if (type instanceof JsonType.Struct struct) {
            if (!node.isObject()) {
                return false;
            }
            for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> field = it.next();
                JsonType child = struct.fields().get(field.getKey());
                if (child == null || !fits(field.getValue(), child)) {
                    return false;
                }
            }
            return true;
        }
        if (type instanceof JsonType.ListOf list) {
            if (!node.isArray()) {
                return false;
            }
            for (JsonNode item : node) {
                if (!fits(item, list.element())) {
                    return false;
                }
            }
            return true;
        }
        return false;
    }

    /** Writes a value that {@link #fits} its type; nulls are written as nulls. */
    private static void writeNode(FieldVector vector, int index, JsonNode node, JsonType type) {
        if (node == null || node.isNull()) {
            vector.setNull(index);
        } else if (type == JsonType.BOOL) {
            ((BitVector) vector).setSafe(index, node.booleanValue() ? 1 : 0);
        } else if (type == JsonType.INT64) {
            ((BigIntVector) vector).setSafe(index, node.longValue());
        } else if (type == JsonType.FLOAT64) {
            ((Float8Vector) vector).setSafe(index, node.doubleValue());
        } else if (type == JsonType.UTF8) {
            ((VarCharVector) vector).setSafe(index, node.textValue().getBytes(StandardCharsets.UTF_8));
        } else if (type == JsonType.TEXT) {
            ((VarCharVector) vector).setSafe(index, node.toString().getBytes(StandardCharsets.UTF_8));
        } else if (type instanceof JsonType.Struct struct) {
            StructVector structVector = (StructVector) vector;
            structVector.setIndexDefined(index);
            struct.fields().forEach((name, child) ->
                    writeNode(structVector.getChild(name), index, node.get(name), child));
        } else {
            ListVector list = (ListVector) vector;
            JsonType element = ((JsonType.ListOf) type).element();
            int start = list.startNewValue(index);
            int size = 0;
            for (JsonNode item : node) {
                writeNode(list.getDataVector(), start + size, item, element);
                size++;
            }
            list.endValue(index, size);
        }
    }
}
