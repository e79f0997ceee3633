package io.dlog.analytics;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.arrow.vector.types.FloatingPointPrecision;
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.FieldType;

/**
 * The type inferred for a JSON value, a small lattice: nothing seen yet, bool, int64 (widening to float64),
 * utf8, struct (by field name), list (of one element type), and {@link #TEXT}, the JSON text of values
 * whose types conflict. Immutable.
 */
sealed interface JsonType {
    JsonType UNKNOWN = new Scalar("unknown");
    JsonType BOOL = new Scalar("bool");
    JsonType INT64 = new Scalar("int64");
    JsonType FLOAT64 = new Scalar("float64");
    JsonType UTF8 = new Scalar("utf8");
    /** Conflicting types: the value's JSON text in a utf8 column. */
    JsonType TEXT = new Scalar("json");

    /** Field metadata marking a column that holds JSON text (a type conflict), not plain strings. */
    String JSON_TEXT_METADATA = "dlog.json";

    record Scalar(String name) implements JsonType {
    }

    record Struct(Map<String, JsonType> fields) implements JsonType {
        public Struct {
            fields = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(fields));
        }
    }

    record ListOf(JsonType element) implements JsonType {
    }

    /** The least type holding both (int64 and float64 meet at float64; anything else unlike meets at TEXT). */
    static JsonType merge(JsonType a, JsonType b) {
        if (a == UNKNOWN) {
            return b;
        }
        if (b == UNKNOWN || a.equals(b)) {
            return a;
        }
        if ((a == INT64 && b == FLOAT64) || (a == FLOAT64 && b == INT64)) {
            return FLOAT64;
        }
        if (a instanceof Struct x && b instanceof Struct y) {
            Map<String, JsonType> fields = new LinkedHashMap<>(x.fields());
            y.fields().forEach((name, type) -> fields.merge(name, type, JsonType::merge));
            return new Struct(fields);
        }
        if (a instanceof ListOf x && b instanceof ListOf y) {
            return new ListOf(merge(x.element(), y.element()));
        }
        return TEXT;
    }

    /** The Arrow field for a column of this type; a type never resolved (only nulls seen) becomes JSON text. */
    static Field toField(String name, JsonType type) {
        if (type == UNKNOWN || type == TEXT) {
            return new Field(name, new FieldType(true, ArrowType.Utf8.INSTANCE, null,
                    Map.of(JSON_TEXT_METADATA, "text")), null);
        }
        if (type == BOOL) {
            return Field.nullable(name, ArrowType.Bool.INSTANCE);
        }
        if (type == INT64) {
            return Field.nullable(name, new ArrowType.Int(64, true));
        }
        if (type == FLOAT64) {
            return Field.nullable(name, new ArrowType.FloatingPoint(FloatingPointPrecision.DOUBLE));
        }
        if (type == UTF8) {
            return Field.nullable(name, ArrowType.Utf8.INSTANCE);
        }
        if (type instanceof Struct struct) {
            List<Field> children = struct.fields().entrySet().stream().map(e -> toField(e.getKey(), e.getValue())).toList();
            return new Field(name, FieldType.nullable(ArrowType.Struct.INSTANCE), children);
        }
        ListOf list = (ListOf) type;
        return new Field(name, FieldType.nullable(ArrowType.List.INSTANCE), List.of(toField("item", list.element())));
    }

    /** The inverse of {@link #toField}, so a schema sent in a Flight ticket decodes the same way everywhere. */
    static JsonType fromField(Field field) {
        ArrowType type = field.getType();
        if (type instanceof ArrowType.Bool) {
            return BOOL;
        }
        if (type instanceof ArrowType.Int) {
            return INT64;
        }
        if (type instanceof ArrowType.FloatingPoint) {
            return FLOAT64;
        }
        if (type instanceof ArrowType.Utf8) {
            return field.getMetadata().containsKey(JSON_TEXT_METADATA) ? TEXT : UTF8;
        }
        if (type instanceof ArrowType.Struct) {
            Map<String, JsonType> fields = new LinkedHashMap<>();
            for (Field child : field.getChildren()) {
                fields.put(child.getName(), fromField(child));
            }
            return new Struct(fields);
        }
        if (type instanceof ArrowType.List) {
            return new ListOf(fromField(field.getChildren().get(0)));
        }
        throw new IllegalArgumentException("not a JSON column type: " + field);
    }
}
