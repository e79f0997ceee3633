package io.dlog.analytics;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Infers a JSON table's value columns from sample values: the fields of the objects in order of first
 * appearance, each typed by merging what the samples hold ({@link JsonType#merge}). Not thread-safe (one
 * inference per instance).
 */
final class JsonSchemaInference {
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private final Map<String, JsonType> fields = new LinkedHashMap<>();
    private boolean allObjects = true;
    private int objects;

    /** Adds one record value (null values count for nothing). */
    void add(ByteBuffer value) {
        if (value == null || !allObjects) {
            return;
        }
        JsonNode node;
        try {
            node = MAPPER.readTree(value.array(), value.arrayOffset() + value.position(), value.remaining());
        } catch (IOException e) {
            allObjects = false;
            return;
        }
        if (node == null || !node.isObject()) {
            allObjects = false;
            return;
        }
        objects++;
        for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> field = it.next();
            fields.merge(field.getKey(), typeOf(field.getValue()), JsonType::merge);
        }
    }

    /** The inferred value columns, or empty when some sampled value is not a JSON object (or none was seen). */
    Optional<Map<String, JsonType>> result() {
        return allObjects && objects > 0 ? Optional.of(fields) : Optional.empty();
    }

    static JsonType typeOf(JsonNode node) {
        if (node == null || node.isNull()) {
            return JsonType.UNKNOWN;
        }
        if (node.isBoolean()) {
            return JsonType.BOOL;
        }
        if (node.isIntegralNumber()) {
            return node.canConvertToLong() ? JsonType.INT64 : JsonType.FLOAT64;
        }
        if (node.isNumber()) {
            return JsonType.FLOAT64;
        }
        if (node.isTextual()) {
            return JsonType.UTF8;
        }
        if (node.isObject()) {
            Map<String, JsonType> children = new LinkedHashMap<>();
            node.fields().forEachRemaining(e -> children.merge(e.getKey(), typeOf(e.getValue()), JsonType::merge));
            return new JsonType.Struct(children);
        }
        if (node.isArray()) {
            JsonType element = JsonType.UNKNOWN;
            for (JsonNode item : node) {
                element = JsonType.merge(element, typeOf(item));
            }
            return new JsonType.ListOf(element);
        }
        return JsonType.TEXT;
    }
}
