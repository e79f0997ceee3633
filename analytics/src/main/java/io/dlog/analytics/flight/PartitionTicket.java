package io.dlog.analytics.flight;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.dlog.analytics.Isolation;
import io.dlog.analytics.TableSchema;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * What a DoGet for one partition needs, carried in its Flight ticket as JSON: the partition, the offset
 * range fixed at GetFlightInfo time (so redeeming a ticket twice returns the same records while they are
 * retained), the isolation level, the table schema (so every partition of a topic decodes the same way)
 * and the projected columns. Immutable.
 *
 * @param columns the projected columns, or null for all
 */
record PartitionTicket(String topic, int partition, long startOffset, long endOffset, Isolation isolation,
                       TableSchema table, Set<String> columns) {
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final String KIND = "dlog.partition";

    byte[] encode() {
        ObjectNode node = MAPPER.createObjectNode();
        node.put("kind", KIND);
        node.put("topic", topic);
        node.put("partition", partition);
        node.put("start", startOffset);
        node.put("end", endOffset);
        node.put("isolation", isolation.name());
        node.put("schema", table.toJson());
        if (columns != null) {
            columns.forEach(node.putArray("columns")::add);
        }
        try {
            return MAPPER.writeValueAsBytes(node);
        } catch (IOException e) {
            throw new IllegalStateException("a ticket always serializes", e);
        }
    }

    /** Whether the bytes look like one of our tickets (the alternative is a Flight SQL ticket, a protobuf Any). */
    static boolean isPartitionTicket(byte[] bytes) {
        return bytes.length > 0 && bytes[0] == '{';
    }

    static PartitionTicket decode(byte[] bytes) throws IOException {
        JsonNode node = MAPPER.readTree(bytes);
        if (node == null || !KIND.equals(node.path("kind").asText())) {
            throw new IOException("not a DLog partition ticket");
        }
        Set<String> columns = null;
        if (node.has("columns")) {
            List<String> names = new ArrayList<>();
            node.get("columns").forEach(c -> names.add(c.asText()));
            columns = new LinkedHashSet<>(names);
        }
        return new PartitionTicket(node.path("topic").asText(), node.path("partition").asInt(), node.path("start").asLong(),
                node.path("end").asLong(), Isolation.valueOf(node.path("isolation").asText()),
                TableSchema.fromJson(node.path("schema").asText()), columns);
    }

    /** The endpoint's app metadata: where the partition's range lies, readable without decoding the ticket. */
    byte[] appMetadata() {
        ObjectNode node = MAPPER.createObjectNode();
        node.put("topic", topic);
        node.put("partition", partition);
        node.put("start_offset", startOffset);
        node.put("end_offset", endOffset);
        try {
            return MAPPER.writeValueAsBytes(node);
        } catch (IOException e) {
            throw new IllegalStateException("metadata always serializes", e);
        }
    }
}
