package io.dlog.analytics;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.arrow.vector.types.DateUnit;
import org.apache.arrow.vector.types.FloatingPointPrecision;
import org.apache.arrow.vector.types.TimeUnit;
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.FieldType;
import org.apache.avro.LogicalType;
import org.apache.avro.LogicalTypes;
import org.apache.avro.Schema;

/**
 * How an Avro schema becomes Arrow columns: boolean, int (int32), long (int64), float, double, string and
 * enum (utf8), bytes (binary), fixed (fixed-size binary), record (struct), array (list), map (map with utf8
 * keys), a union of null and one type (that type), and the logical types date (date32), time-millis/micros
 * (time32 ms / time64 us), timestamp-millis/micros (timestamp with UTC), local-timestamp-millis/micros
 * (timestamp without zone) and decimal (decimal128, or decimal256 beyond 38 digits). What Arrow cannot hold
 * as a typed column, a union of several non-null types or a reference to a record inside itself, becomes a
 * utf8 column of the value's Avro JSON text (field metadata {@value #JSON_TEXT_METADATA}). Every column is
 * nullable: a record that fails to decode has nulls in its value columns. Stateless.
 */
final class AvroTypes {
    /** Field metadata marking a utf8 column that holds the Avro JSON text of values Arrow has no type for. */
    static final String JSON_TEXT_METADATA = "dlog.avro";

    private AvroTypes() {
    }

    /** The Arrow field for values of {@code schema}, named {@code name}. */
    static Field toField(String name, Schema schema) {
        return toField(name, schema, new HashSet<>());
    }

    private static Field toField(String name, Schema schema, Set<String> enclosingRecords) {
        Schema type = nonNull(schema);
        if (type == null) {
            return jsonText(name);
        }
        LogicalType logical = type.getLogicalType();
        switch (type.getType()) {
            case BOOLEAN:
                return Field.nullable(name, ArrowType.Bool.INSTANCE);
            case INT:
                if (logical instanceof LogicalTypes.Date) {
                    return Field.nullable(name, new ArrowType.Date(DateUnit.DAY));
                }
                if (logical instanceof LogicalTypes.TimeMillis) {
                    return Field.nullable(name, new ArrowType.Time(TimeUnit.MILLISECOND, 32));
                }
                return Field.nullable(name, new ArrowType.Int(32, true));
            case LONG:
                return Field.nullable(name, longType(logical));
            case FLOAT:
                return Field.nullable(name, new ArrowType.FloatingPoint(FloatingPointPrecision.SINGLE));
            case DOUBLE:
                return Field.nullable(name, new ArrowType.FloatingPoint(FloatingPointPrecision.DOUBLE));
            case STRING:
            case ENUM:
                return Field.nullable(name, ArrowType.Utf8.INSTANCE);
            case BYTES:
                return logical instanceof LogicalTypes.Decimal decimal ? Field.nullable(name, decimalType(decimal))
                        : Field.nullable(name, ArrowType.Binary.INSTANCE);
            case FIXED:
                if (logical instanceof LogicalTypes.Decimal decimal) {
                    return Field.nullable(name, decimalType(decimal));
                }
                return type.getFixedSize() > 0 ? Field.nullable(name, new ArrowType.FixedSizeBinary(type.getFixedSize()))
                        : Field.nullable(name, ArrowType.Binary.INSTANCE);
            case RECORD: {
                if (!enclosingRecords.add(type.getFullName())) {
                    return jsonText(name); // recursive: Arrow types are finite trees
                }
                List<Field> children = new ArrayList<>();
                for (Schema.Field field : type.getFields()) {
                    children.add(toField(field.name(), field.schema(), enclosingRecords));
                }
                enclosingRecords.remove(type.getFullName());
                return new Field(name, FieldType.nullable(ArrowType.Struct.INSTANCE), children);
            }
            case ARRAY:
                return new Field(name, FieldType.nullable(ArrowType.List.INSTANCE),
                        List.of(toField("item", type.getElementType(), enclosingRecords)));
            case MAP: {
                Field entries = new Field("entries", FieldType.notNullable(ArrowType.Struct.INSTANCE), List.of(
                        Field.notNullable("key", ArrowType.Utf8.INSTANCE), toField("value", type.getValueType(), enclosingRecords)));
                return new Field(name, FieldType.nullable(new ArrowType.Map(false)), List.of(entries));
            }
            default:
                return jsonText(name); // a union of several non-null types; a null-only field
        }
    }

    private static ArrowType longType(LogicalType logical) {
        if (logical instanceof LogicalTypes.TimestampMillis) {
            return new ArrowType.Timestamp(TimeUnit.MILLISECOND, "UTC");
        }
        if (logical instanceof LogicalTypes.TimestampMicros) {
            return new ArrowType.Timestamp(TimeUnit.MICROSECOND, "UTC");
        }
        if (logical instanceof LogicalTypes.LocalTimestampMillis) {
            return new ArrowType.Timestamp(TimeUnit.MILLISECOND, null);
        }
        if (logical instanceof LogicalTypes.LocalTimestampMicros) {
            return new ArrowType.Timestamp(TimeUnit.MICROSECOND, null);
        }
        if (logical instanceof LogicalTypes.TimeMicros) {
            return new ArrowType.Time(TimeUnit.MICROSECOND, 64);
        }
        return new ArrowType.Int(64, true);
    }

    private static ArrowType decimalType(LogicalTypes.Decimal decimal) {
        return new ArrowType.Decimal(decimal.getPrecision(), decimal.getScale(), decimal.getPrecision() > 38 ? 256 : 128);
    }

    private static Field jsonText(String name) {
        return new Field(name, new FieldType(true, ArrowType.Utf8.INSTANCE, null, Map.of(JSON_TEXT_METADATA, "json")), null);
    }

    /**
     * The type a value of {@code schema} is written as: the schema itself, or for a union of null and one
     * type that type; null for a union Arrow holds only as JSON text (several non-null types, or only null).
     */
    static Schema nonNull(Schema schema) {
        if (schema.getType() == Schema.Type.NULL) {
            return null;
        }
        if (schema.getType() != Schema.Type.UNION) {
            return schema;
        }
        Schema single = null;
        for (Schema branch : schema.getTypes()) {
            if (branch.getType() != Schema.Type.NULL) {
                if (single != null) {
                    return null;
                }
                single = branch;
            }
        }
        return single;
    }
}
