package io.dlog.analytics;

import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.arrow.vector.types.TimeUnit;
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.FieldType;
import org.apache.arrow.vector.types.pojo.Schema;

/**
 * A topic seen as a table: the record columns every topic has ({@code partition}, {@code offset},
 * {@code timestamp}, {@code key}, {@code headers}) followed by the value's columns: {@code value} (binary)
 * for {@link ValueFormat#RAW}; for {@link ValueFormat#JSON} one column per inferred field and
 * {@code _overflow}, the JSON text of whatever a record holds that the schema has no place for (fields
 * first seen after the sample, values whose type does not fit their column, values that are not JSON
 * objects). A JSON field named like a record column is renamed {@code value_<name>} (its JSON name kept in
 * the field's metadata). Immutable.
 */
public record TableSchema(ValueFormat format, Schema schema) {
    public static final String PARTITION = "partition";
    public static final String OFFSET = "offset";
    public static final String TIMESTAMP = "timestamp";
    public static final String KEY = "key";
    public static final String HEADERS = "headers";
    public static final String VALUE = "value";
    public static final String OVERFLOW = "_overflow";
    /** Avro tables: why a record's value did not decode (null when it did). */
    public static final String ERROR = "_error";
    /** Schema metadata of an Avro table: the reader schema (JSON), and how values are framed. */
    static final String AVRO_SCHEMA_METADATA = "dlog.avro.schema";
    static final String AVRO_WIRE_METADATA = "dlog.avro.wire";
    /** Field metadata: the Avro name of a value column renamed to avoid a record column's name. */
    static final String AVRO_NAME_METADATA = "dlog.avro.name";
    /** Field metadata: the JSON name of a value column renamed to avoid a record column's name. */
    static final String JSON_NAME_METADATA = "dlog.json.name";
    static final Set<String> RECORD_COLUMNS = Set.of(PARTITION, OFFSET, TIMESTAMP, KEY, HEADERS);

    public static TableSchema raw() {
        List<Field> fields = recordFields();
        fields.add(Field.nullable(VALUE, ArrowType.Binary.INSTANCE));
        return new TableSchema(ValueFormat.RAW, new Schema(fields));
    }

    static TableSchema json(Map<String, JsonType> valueFields) {
        List<Field> fields = recordFields();
        valueFields.forEach((name, type) -> {
            Field field = JsonType.toField(name, type);
            if (RECORD_COLUMNS.contains(name) || name.equals(OVERFLOW) || name.startsWith("value_")) {
                Map<String, String> metadata = new LinkedHashMap<>(field.getMetadata());
                metadata.put(JSON_NAME_METADATA, name);
                field = new Field("value_" + name, new FieldType(true, field.getType(), null, metadata), field.getChildren());
            }
            fields.add(field);
        });
        fields.add(Field.nullable(OVERFLOW, ArrowType.Utf8.INSTANCE));
        return new TableSchema(ValueFormat.JSON, new Schema(fields));
    }

    /**
     * An Avro table: one column per field of {@code reader} (a record; any other schema gives one column
     * {@code value}), then {@code _error}. The reader schema and the framing ({@code confluent}: magic byte 0,
     * a 4-byte schema id, then the value; otherwise the bare Avro binary of {@code reader}) travel in the
     * schema's metadata, so a ticket or a columnar copy's key carries them.
     */
    static TableSchema avro(org.apache.avro.Schema reader, boolean confluent) {
        List<Field> fields = recordFields();
        if (reader.getType() == org.apache.avro.Schema.Type.RECORD) {
            for (org.apache.avro.Schema.Field avroField : reader.getFields()) {
                String name = avroField.name();
                Field field = AvroTypes.toField(name, avroField.schema());
                if (RECORD_COLUMNS.contains(name) || name.equals(ERROR) || name.startsWith("value_")) {
                    Map<String, String> metadata = new LinkedHashMap<>(field.getMetadata());
                    metadata.put(AVRO_NAME_METADATA, name);
                    field = new Field("value_" + name, new FieldType(true, field.getType(), null, metadata), field.getChildren());
                }
                fields.add(field);
            }
        } else {
            fields.add(AvroTypes.toField(VALUE, reader));
        }
        fields.add(Field.nullable(ERROR, ArrowType.Utf8.INSTANCE));
        Map<String, String> metadata = new LinkedHashMap<>();
        metadata.put(AVRO_SCHEMA_METADATA, reader.toString());
        metadata.put(AVRO_WIRE_METADATA, confluent ? "confluent" : "binary");
        return new TableSchema(ValueFormat.AVRO, new Schema(fields, metadata));
    }

    /** The Avro reader schema of an Avro table. */
    org.apache.avro.Schema avroSchema() {
        return new org.apache.avro.Schema.Parser().parse(schema.getCustomMetadata().get(AVRO_SCHEMA_METADATA));
    }

    /** Whether an Avro table's values are in the Confluent wire format (else bare Avro binary). */
    boolean confluentWireFormat() {
        return "confluent".equals(schema.getCustomMetadata().get(AVRO_WIRE_METADATA));
    }

    /** The Avro field name of a value column (its own name unless renamed). */
    static String avroName(Field column) {
        return column.getMetadata().getOrDefault(AVRO_NAME_METADATA, column.getName());
    }

    private static List<Field> recordFields() {
        List<Field> fields = new ArrayList<>();
        fields.add(Field.notNullable(PARTITION, new ArrowType.Int(32, true)));
        fields.add(Field.notNullable(OFFSET, new ArrowType.Int(64, true)));
        fields.add(Field.notNullable(TIMESTAMP, new ArrowType.Timestamp(TimeUnit.MILLISECOND, "UTC")));
        fields.add(Field.nullable(KEY, ArrowType.Binary.INSTANCE));
        Field header = new Field("header", FieldType.notNullable(ArrowType.Struct.INSTANCE), List.of(
                Field.notNullable("key", ArrowType.Utf8.INSTANCE), Field.nullable("value", ArrowType.Binary.INSTANCE)));
        fields.add(new Field(HEADERS, FieldType.notNullable(ArrowType.List.INSTANCE), List.of(header)));
        return fields;
    }

    /** The value columns of a JSON table: Arrow column name to (JSON field name, type). */
    Map<String, Map.Entry<String, JsonType>> jsonColumns() {
        Map<String, Map.Entry<String, JsonType>> columns = new LinkedHashMap<>();
        for (Field field : schema.getFields()) {
            if (RECORD_COLUMNS.contains(field.getName()) || field.getName().equals(OVERFLOW) || field.getName().equals(ERROR)) {
                continue;
            }
            String jsonName = field.getMetadata().getOrDefault(JSON_NAME_METADATA, field.getName());
            columns.put(field.getName(), Map.entry(jsonName, JsonType.fromField(field)));
        }
        return columns;
    }

    /** The schema restricted to {@code columns} (in table order); null means every column. */
    public Schema project(Set<String> columns) {
        if (columns == null) {
            return schema;
        }
        return new Schema(schema.getFields().stream().filter(f -> columns.contains(f.getName())).toList());
    }

    public String toJson() {
        return format.name() + "\n" + schema.toJson();
    }

    public static TableSchema fromJson(String text) throws IOException {
        int newline = text.indexOf('\n');
        if (newline < 0) {
            throw new IOException("not a table schema");
        }
        return new TableSchema(ValueFormat.valueOf(text.substring(0, newline)), Schema.fromJSON(text.substring(newline + 1)));
    }
}
