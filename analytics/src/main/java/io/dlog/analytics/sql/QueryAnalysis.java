package io.dlog.analytics.sql;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * What a query needs from each table it names, read from DuckDB's own parse tree
 * ({@code json_serialize_sql}): which columns it references anywhere (the projection pushed into the
 * reader), and, for a query that reads one table once at its top level, the ranges its WHERE clause
 * implies: {@code partition} (=, IN, comparisons), {@code offset} (comparisons, BETWEEN) and a lower bound
 * on {@code timestamp}. Both are over-approximations: DuckDB still applies the whole query, so a pushdown
 * can only save work, never change a result. Anything not understood means "all columns" or "no range".
 * Immutable once built.
 */
final class QueryAnalysis {
    /** What one table needs; {@code columns} lower-cased, null for all. */
    record TableUse(int references, Set<String> columns, Bounds bounds) {
    }

    /** Ranges from the WHERE clause: the partitions listed (null: any) within [minPartition, maxPartition). */
    record Bounds(Set<Integer> partitions, long minPartition, long maxPartitionExclusive, long minOffset,
                  long maxOffsetExclusive, long minTimestamp) {
        static final Bounds NONE = new Bounds(null, 0, Long.MAX_VALUE, 0, Long.MAX_VALUE, Long.MIN_VALUE);

        boolean includesPartition(int partition) {
            return partition >= minPartition && partition < maxPartitionExclusive
                    && (partitions == null || partitions.contains(partition));
        }
    }

    private final Map<String, Integer> tableReferences = new HashMap<>();
    private final Set<String> aliases = new HashSet<>();
    private final Set<String> cteNames = new HashSet<>();
    private final Set<String> columns = new HashSet<>();
    /** Column references of one name: a table alias among them selects a whole row. */
    private final Set<String> bareNames = new HashSet<>();
    private boolean allColumns;
    private Bounds bounds = Bounds.NONE;
    private String boundedTable;

    /**
     * @param statements the {@code statements} array of {@code json_serialize_sql}'s answer
     */
    static QueryAnalysis of(JsonNode statements) {
        QueryAnalysis analysis = new QueryAnalysis();
        statements.forEach(statement -> analysis.walk(statement));
        if (statements.size() == 1) {
            analysis.analyseTopLevel(statements.get(0).path("node"));
        }
        for (String alias : analysis.aliases) {
            // A bare table alias selects the whole row as a struct: every column is needed.
            if (analysis.bareNames.contains(alias)) {
                analysis.allColumns = true;
            }
        }
        return analysis;
    }

    /** Tables named in the query (CTE names excluded), lower-cased, with their needs. */
    Map<String, TableUse> tables() {
        Map<String, TableUse> uses = new HashMap<>();
        tableReferences.forEach((name, count) -> {
            if (!cteNames.contains(name)) {
                Bounds b = name.equals(boundedTable) && count == 1 ? bounds : Bounds.NONE;
                uses.put(name, new TableUse(count, allColumns ? null : Set.copyOf(columns), b));
            }
        });
        return uses;
    }

    private void walk(JsonNode node) {
        if (node.isArray()) {
            node.forEach(this::walk);
            return;
        }
        if (!node.isObject()) {
            return;
        }
        String kind = node.path("class").asText("");
        String type = node.path("type").asText("");
        if (kind.equals("COLUMN_REF")) {
            node.path("column_names").forEach(n -> columns.add(n.asText().toLowerCase(Locale.ROOT)));
            if (node.path("column_names").size() == 1) {
                bareNames.add(node.path("column_names").get(0).asText().toLowerCase(Locale.ROOT));
            }
        } else if (kind.equals("STAR") || kind.equals("POSITIONAL_REFERENCE")) {
            allColumns = true;
        } else if (type.equals("BASE_TABLE")) {
            if (node.path("schema_name").asText("").isEmpty() && node.path("catalog_name").asText("").isEmpty()) {
                tableReferences.merge(node.path("table_name").asText().toLowerCase(Locale.ROOT), 1, Integer::sum);
            }
            String alias = node.path("alias").asText("");
            if (!alias.isEmpty()) {
                aliases.add(alias.toLowerCase(Locale.ROOT));
            }
            if (node.path("column_name_alias").size() > 0) {
                allColumns = true;
            }
        } else if (type.equals("JOIN")) {
            node.path("using_columns").forEach(n -> columns.add(n.asText().toLowerCase(Locale.ROOT)));
            if (node.path("ref_type").asText("").equals("NATURAL")) {
                allColumns = true;
            }
        }
        JsonNode cteMap = node.path("cte_map").path("map");
        if (cteMap.isArray()) {
            cteMap.forEach(entry -> cteNames.add(entry.path("key").asText().toLowerCase(Locale.ROOT)));
        }
        // Table aliases of subqueries and CTEs also name whole rows.
        if ((type.equals("SUBQUERY") || kind.equals("SUBQUERY")) && !node.path("alias").asText("").isEmpty()) {
            aliases.add(node.path("alias").asText().toLowerCase(Locale.ROOT));
        }
        node.forEach(this::walk);
    }

    /** Ranges for a top-level SELECT over exactly one base table. */
    private void analyseTopLevel(JsonNode select) {
        JsonNode from = select.path("from_table");
        if (!select.path("type").asText().equals("SELECT_NODE") || !from.path("type").asText().equals("BASE_TABLE")) {
            return;
        }
        String table = from.path("table_name").asText().toLowerCase(Locale.ROOT);
        String alias = from.path("alias").asText("").toLowerCase(Locale.ROOT);
        JsonNode where = select.path("where_clause");
        if (where.isMissingNode() || where.isNull()) {
            return;
        }
        List<JsonNode> conjuncts = new ArrayList<>();
        flattenAnd(where, conjuncts);
        Set<Integer> partitions = null;
        long minOffset = 0;
        long maxOffset = Long.MAX_VALUE;
        long minTimestamp = Long.MIN_VALUE;
        long minPartition = 0;
        long maxPartition = Long.MAX_VALUE;
        for (JsonNode conjunct : conjuncts) {
            Range range = range(conjunct, table, alias);
            if (range == null) {
                continue;
            }
            switch (range.column()) {
                case "partition" -> {
                    if (range.values() != null) {
                        partitions = partitions == null ? new TreeSet<>(range.values()) : partitions;
                        partitions.retainAll(range.values());
                    } else {
                        minPartition = Math.max(minPartition, range.min());
                        maxPartition = Math.min(maxPartition, range.maxExclusive());
                    }
                }
                case "offset" -> {
                    minOffset = Math.max(minOffset, range.min());
                    maxOffset = Math.min(maxOffset, range.maxExclusive());
                }
                case "timestamp" -> minTimestamp = Math.max(minTimestamp, range.min());
                default -> throw new IllegalStateException(range.column());
            }
        }
        bounds = new Bounds(partitions, minPartition, maxPartition, Math.max(0, minOffset), Math.max(Math.max(0, minOffset), maxOffset), minTimestamp);
        boundedTable = table;
    }

    private static void flattenAnd(JsonNode node, List<JsonNode> out) {
        if (node.path("type").asText().equals("CONJUNCTION_AND")) {
            node.path("children").forEach(child -> flattenAnd(child, out));
        } else {
            out.add(node);
        }
    }

    /** A range on one of the record columns; values non-null for an IN / = list. */
    private record Range(String column, long min, long maxExclusive, Set<Integer> values) {
    }

    private static Range range(JsonNode conjunct, String table, String alias) {
        String type = conjunct.path("type").asText();
        if (conjunct.path("class").asText().equals("BETWEEN")) {
            String column = column(conjunct.path("input"), table, alias);
            Long lower = constant(conjunct.path("lower"), column);
            Long upper = constant(conjunct.path("upper"), column);
            if (column == null || lower == null || upper == null) {
                return null;
            }
            return column.equals("timestamp") ? new Range(column, lower, Long.MAX_VALUE, null)
                    : new Range(column, lower, upper == Long.MAX_VALUE ? upper : upper + 1, null);
        }
        if (type.equals("COMPARE_IN")) {
            JsonNode children = conjunct.path("children");
            String column = column(children.path(0), table, alias);
            if (!"partition".equals(column)) {
                return null;
            }
            Set<Integer> values = new TreeSet<>();
            for (int i = 1; i < children.size(); i++) {
                Long value = constant(children.get(i), column);
                if (value == null) {
                    return null;
                }
                values.add((int) Math.max(-1, Math.min(Integer.MAX_VALUE, value)));
            }
            return new Range(column, 0, Long.MAX_VALUE, values);
        }
        if (!conjunct.path("class").asText().equals("COMPARISON")) {
            return null;
        }
        String column = column(conjunct.path("left"), table, alias);
        JsonNode other = conjunct.path("right");
        boolean flipped = false;
        if (column == null) {
            column = column(conjunct.path("right"), table, alias);
            other = conjunct.path("left");
            flipped = true;
        }
        Long value = constant(other, column);
        if (column == null || value == null) {
            return null;
        }
        String op = flipped ? flip(type) : type;
        boolean timestamp = column.equals("timestamp");
        return switch (op) {
            case "COMPARE_EQUAL" -> column.equals("partition")
                    ? new Range(column, 0, Long.MAX_VALUE, Set.of((int) Math.max(-1, Math.min(Integer.MAX_VALUE, value))))
                    : new Range(column, value, timestamp || value == Long.MAX_VALUE ? Long.MAX_VALUE : value + 1, null);
            case "COMPARE_GREATERTHANOREQUALTO" -> new Range(column, value, Long.MAX_VALUE, null);
            case "COMPARE_GREATERTHAN" -> new Range(column, value == Long.MAX_VALUE ? value : value + 1, Long.MAX_VALUE, null);
            case "COMPARE_LESSTHAN" -> timestamp ? null : new Range(column, Long.MIN_VALUE, value, null);
            case "COMPARE_LESSTHANOREQUALTO" -> timestamp ? null
                    : new Range(column, Long.MIN_VALUE, value == Long.MAX_VALUE ? value : value + 1, null);
            default -> null;
        };
    }

    private static String flip(String op) {
        return switch (op) {
            case "COMPARE_GREATERTHAN" -> "COMPARE_LESSTHAN";
            case "COMPARE_LESSTHAN" -> "COMPARE_GREATERTHAN";
            case "COMPARE_GREATERTHANOREQUALTO" -> "COMPARE_LESSTHANOREQUALTO";
            case "COMPARE_LESSTHANOREQUALTO" -> "COMPARE_GREATERTHANOREQUALTO";
            default -> op;
        };
    }

    /** The record column a column reference names (partition, offset, timestamp), or null. */
    private static String column(JsonNode node, String table, String alias) {
        if (!node.path("class").asText().equals("COLUMN_REF")) {
            return null;
        }
        JsonNode names = node.path("column_names");
        String name;
        if (names.size() == 1) {
            name = names.get(0).asText();
        } else if (names.size() == 2) {
            String qualifier = names.get(0).asText().toLowerCase(Locale.ROOT);
            if (!qualifier.equals(table) && !qualifier.equals(alias)) {
                return null;
            }
            name = names.get(1).asText();
        } else {
            return null;
        }
        name = name.toLowerCase(Locale.ROOT);
        return name.equals("partition") || name.equals("offset") || name.equals("timestamp") ? name : null;
    }

    /** An integer constant, or for {@code timestamp} a date/time string (UTC) as epoch milliseconds; else null. */
    private static Long constant(JsonNode node, String column) {
        if (column == null) {
            return null;
        }
        JsonNode literal = node.path("literal");
        if (node.path("class").asText().equals("CAST") && column.equals("timestamp")) {
            literal = node.path("child").path("literal");
        } else if (!node.path("class").asText().equals("CONSTANT")) {
            return null;
        }
        String kind = literal.path("kind").asText();
        String text = literal.path("text").asText();
        if (column.equals("timestamp")) {
            return kind.equals("STRING") ? parseTimestamp(text) : null;
        }
        if (!Set.of("INTEGER", "BIGINT", "SMALLINT", "TINYINT", "HUGEINT", "UBIGINT").contains(kind)) {
            return null;
        }
        try {
            return Long.parseLong(text);
        } catch (NumberFormatException e) {
            return null;
        }
    }

    /** The forms DuckDB reads for a timestamp in a UTC session; anything else: no pushdown. */
    static Long parseTimestamp(String text) {
        String t = text.trim().replace(' ', 'T');
        try {
            if (t.length() == 10) {
                return LocalDate.parse(t).atStartOfDay().toInstant(ZoneOffset.UTC).toEpochMilli();
            }
            if (t.endsWith("Z") || t.matches(".*[+-]\\d\\d(:?\\d\\d)?$")) {
                try {
                    return OffsetDateTime.parse(t).toInstant().toEpochMilli();
                } catch (DateTimeParseException e) {
                    return Instant.parse(t).toEpochMilli();
                }
            }
            // Rounded down to the millisecond: a lower bound may only move earlier.
            return LocalDateTime.parse(t).toInstant(ZoneOffset.UTC).toEpochMilli();
        } catch (DateTimeParseException e) {
            return null;
        }
    }
}
