package io.dlog.analytics;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.VarCharVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.avro.AvroRuntimeException;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.IndexedRecord;
import org.apache.avro.io.BinaryDecoder;
import org.apache.avro.io.DecoderFactory;

/**
 * Decodes Avro record values into an Avro table's value columns. A value is either the bare Avro binary of the
 * table's schema, or (Confluent wire format) a magic byte 0, a 4-byte big-endian schema id and the Avro binary
 * of the schema the registry holds under that id (the writer's), read as the table's schema with Avro's
 * schema resolution (fields matched by name, defaults for fields the writer lacked, promotions). Only the
 * projected columns are decoded (the reader schema is cut down to them, so Avro skips the rest).
 *
 * <p>A value that does not decode (malformed bytes, not the wire format, an unknown schema id, a writer schema
 * that does not resolve, a registry that cannot be reached) gets nulls in every value column and the reason in
 * {@code _error}; the bytes are checked ({@link AvroBinaryCheck}) before Avro reads them, so no value makes the
 * decoder allocate more than its own size. Null values (tombstones) are null everywhere, {@code _error}
 * included. Not thread-safe; bound to one batch at a time.
 */
final class AvroValueWriter {
    /** Writer schemas remembered per reader (per scan); beyond this many ids the memo starts again. */
    private static final int MAX_IDS = 1000;

    /** A projected value column and the Avro field it holds (null: the whole value). */
    private record Column(FieldVector vector, Schema.Field field) {
    }

    /** A writer schema and the reader that resolves it against the projected table schema; or why there is none. */
    private record Resolution(Schema writer, GenericDatumReader<Object> reader, String error, boolean transientError) {
    }

    private final Schema readerSchema;
    private final boolean confluent;
    private final SchemaRegistryClient registry;
    private final List<Field> valueFields = new ArrayList<>();
    private final List<Column> columns = new ArrayList<>();
    private final Map<Integer, Resolution> byId = new HashMap<>();
    private VarCharVector error;
    private Schema projected;
    private Resolution bare;
    private BinaryDecoder decoder;
    private long transientErrors;

    /** @param registry the schema registry, or null when none is configured (then wire-format ids are errors) */
    AvroValueWriter(TableSchema table, SchemaRegistryClient registry) {
        this.readerSchema = table.avroSchema();
        this.confluent = table.confluentWireFormat();
        this.registry = registry;
        for (Field field : table.schema().getFields()) {
            if (!TableSchema.RECORD_COLUMNS.contains(field.getName()) && !field.getName().equals(TableSchema.ERROR)) {
                valueFields.add(field);
            }
        }
    }

    /** Binds the writer to a freshly allocated batch (only its projected columns are written). */
    void bind(VectorSchemaRoot root) {
        List<Column> bound = new ArrayList<>();
        List<Schema.Field> projectedFields = new ArrayList<>();
        for (Field field : valueFields) {
            FieldVector vector = root.getVector(field.getName());
            if (vector == null) {
                continue;
            }
            if (readerSchema.getType() == Schema.Type.RECORD) {
                Schema.Field avroField = readerSchema.getField(TableSchema.avroName(field));
                projectedFields.add(new Schema.Field(avroField, avroField.schema()));
                bound.add(new Column(vector, avroField));
            } else {
                bound.add(new Column(vector, null));
            }
        }
        error = (VarCharVector) root.getVector(TableSchema.ERROR);
        Schema cut = readerSchema.getType() != Schema.Type.RECORD ? readerSchema
                : Schema.createRecord(readerSchema.getName(), readerSchema.getDoc(), readerSchema.getNamespace(),
                readerSchema.isError(), projectedFields);
        if (!cut.equals(projected)) {
            // Another projection: the resolutions made for the old one do not fit.
            projected = cut;
            byId.clear();
            bare = null;
        }
        columns.clear();
        columns.addAll(bound);
    }

    /** Whether any value column or {@code _error} is projected (otherwise values are not decoded). */
    boolean needsValues() {
        return !columns.isEmpty() || error != null;
    }

    /** Values that did not decode because the schema registry could not be asked (a later scan may succeed). */
    long transientErrors() {
        return transientErrors;
    }

    void write(int row, ByteBuffer value) {
        if (value == null || !needsValues()) {
            return;
        }
        ValueBytes bytes = ValueBytes.of(value);
        byte[] array = bytes.array();
        int offset = bytes.offset();
        int length = bytes.length();
        Resolution resolution;
        if (confluent) {
            if (length < 5 || array[offset] != 0) {
                fail(row, "not in the Confluent wire format (magic byte 0, then a 4-byte schema id)", false);
                return;
            }
            int id = ByteBuffer.wrap(array, offset + 1, 4).getInt();
            resolution = resolve(id);
            offset += 5;
            length -= 5;
        } else {
            if (bare == null) {
                bare = resolution(readerSchema);
            }
            resolution = bare;
        }
        if (resolution.error() != null) {
            fail(row, resolution.error(), resolution.transientError());
            return;
        }
        Object datum;
        try {
            AvroBinaryCheck.check(resolution.writer(), array, offset, length);
            decoder = DecoderFactory.get().binaryDecoder(array, offset, length, decoder);
            datum = resolution.reader().read(null, decoder);
        } catch (IOException | RuntimeException e) {
            fail(row, "not an Avro value of its schema: " + SchemaRegistryClient.oneLine(e.getMessage()), false);
            return;
        }
        try {
            for (Column column : columns) {
                Object field = column.field() == null ? datum : ((IndexedRecord) datum).get(projected.getField(column.field().name()).pos());
                AvroVectorWriter.write(column.vector(), row, field, column.field() == null ? readerSchema : column.field().schema());
            }
        } catch (RuntimeException e) {
            fail(row, "the value does not fit its column: " + SchemaRegistryClient.oneLine(e.getMessage()), false);
        }
    }

    private Resolution resolve(int id) {
        Resolution known = byId.get(id);
        if (known != null) {
            return known;
        }
        if (registry == null) {
            return new Resolution(null, null, "schema id " + id + ": no schema registry is configured", false);
        }
        Resolution resolution;
        try {
            resolution = resolution(registry.schemaById(id));
        } catch (SchemaRegistryClient.NotFoundException e) {
            resolution = new Resolution(null, null, e.getMessage(), false);
        } catch (IOException e) {
            // Not remembered beyond this scan: the registry may answer the next one.
            resolution = new Resolution(null, null, "schema id " + id + ": " + SchemaRegistryClient.oneLine(e.getMessage()), true);
        }
        if (byId.size() >= MAX_IDS) {
            byId.clear();
        }
        byId.put(id, resolution);
        return resolution;
    }

    private Resolution resolution(Schema writer) {
        try {
            return new Resolution(writer, new GenericDatumReader<>(writer, projected), null, false);
        } catch (AvroRuntimeException e) {
            return new Resolution(null, null, "the writer schema does not resolve to the table's: "
                    + SchemaRegistryClient.oneLine(e.getMessage()), false);
        }
    }

    private void fail(int row, String reason, boolean transientError) {
        if (transientError) {
            transientErrors++;
        }
        for (Column column : columns) {
            column.vector().setNull(row);
        }
        if (error != null) {
            error.setSafe(row, reason.getBytes(StandardCharsets.UTF_8));
        }
    }
}
