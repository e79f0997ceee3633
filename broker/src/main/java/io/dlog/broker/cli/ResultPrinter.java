package io.dlog.broker.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.PrintWriter;
import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.TimeStampVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.apache.arrow.vector.types.pojo.Schema;

/**
 * Prints a query result: {@code table} (aligned columns, read into memory to size them), {@code csv}
 * (RFC 4180, streamed) or {@code json} (one JSON object per line, streamed). Timestamps print as ISO-8601
 * instants (UTC); binary as UTF-8 text when it is valid UTF-8, else 0x-prefixed hex. Not thread-safe.
 */
final class ResultPrinter {
    enum Format { TABLE, CSV, JSON }

    private static final ObjectMapper MAPPER = new ObjectMapper();
    private final Format format;
    private final PrintWriter out;
    private final List<String[]> tableRows = new ArrayList<>();
    private List<String> columns = List.of();
    private long rows;

    ResultPrinter(Format format, PrintWriter out) {
        this.format = format;
        this.out = out;
    }

    void start(Schema schema) {
        columns = schema.getFields().stream().map(f -> f.getName()).toList();
        if (format == Format.CSV) {
            out.println(String.join(",", columns.stream().map(ResultPrinter::csv).toList()));
        }
    }

    void batch(VectorSchemaRoot root) throws IOException {
        for (int i = 0; i < root.getRowCount(); i++) {
            rows++;
            switch (format) {
                case TABLE -> {
                    String[] row = new String[root.getFieldVectors().size()];
                    for (int c = 0; c < row.length; c++) {
                        String text = text(root.getVector(c), i);
                        row[c] = text == null ? "NULL" : text;
                    }
                    tableRows.add(row);
                }
                case CSV -> {
                    List<String> cells = new ArrayList<>();
                    for (FieldVector vector : root.getFieldVectors()) {
                        String text = text(vector, i);
                        cells.add(text == null ? "" : csv(text));
                    }
                    out.println(String.join(",", cells));
                }
                case JSON -> out.println(MAPPER.writeValueAsString(json(root, i)));
                default -> throw new IllegalStateException(format.name());
            }
        }
    }

    void finish() {
        if (format == Format.TABLE) {
            int[] widths = new int[columns.size()];
            for (int c = 0; c < widths.length; c++) {
                widths[c] = columns.get(c).length();
            }
            for (String[] row : tableRows) {
                for (int c = 0; c < row.length; c++) {
                    widths[c] = Math.max(widths[c], row[c].length());
                }
            }
            out.println(line(columns.toArray(String[]::new), widths));
            StringBuilder rule = new StringBuilder();
            for (int c = 0; c < widths.length; c++) {
                rule.append(c == 0 ? "" : "-+-").append("-".repeat(widths[c]));
            }
            out.println(rule);
            tableRows.forEach(row -> out.println(line(row, widths)));
            out.println("(" + rows + (rows == 1 ? " row)" : " rows)"));
        }
        out.flush();
    }

    private static String line(String[] cells, int[] widths) {
        StringBuilder line = new StringBuilder();
        for (int c = 0; c < cells.length; c++) {
            line.append(c == 0 ? "" : " | ").append(String.format(Locale.ROOT, "%-" + Math.max(1, widths[c]) + "s", cells[c]));
        }
        return line.toString().stripTrailing();
    }

    private static String csv(String text) {
        if (text.contains(",") || text.contains("\"") || text.contains("\n") || text.contains("\r")) {
            return '"' + text.replace("\"", "\"\"") + '"';
        }
        return text;
    }

    /** A cell as text, or null for SQL NULL. */
    static String text(FieldVector vector, int index) {
        if (vector.isNull(index)) {
            return null;
        }
        ArrowType type = vector.getField().getType();
        if (type instanceof ArrowType.Timestamp timestamp && vector instanceof TimeStampVector ts) {
            return instant(ts.get(index), timestamp.getUnit()).toString();
        }
        Object value = vector.getObject(index);
        if (value instanceof byte[] bytes) {
            return binary(bytes);
        }
        if (value instanceof BigDecimal decimal) {
            return decimal.toPlainString();
        }
        return value.toString();
    }

    private ObjectNode json(VectorSchemaRoot root, int index) throws IOException {
        ObjectNode row = MAPPER.createObjectNode();
        for (FieldVector vector : root.getFieldVectors()) {
            String name = vector.getName();
            if (vector.isNull(index)) {
                row.putNull(name);
                continue;
            }
            ArrowType type = vector.getField().getType();
            Object value = vector.getObject(index);
            if (type instanceof ArrowType.Timestamp || value instanceof byte[]) {
                row.put(name, text(vector, index));
            } else if (value instanceof Long || value instanceof Integer || value instanceof Short || value instanceof Byte) {
                row.put(name, ((Number) value).longValue());
            } else if (value instanceof Double || value instanceof Float) {
                row.put(name, ((Number) value).doubleValue());
            } else if (value instanceof BigDecimal decimal) {
                row.put(name, decimal);
            } else if (value instanceof Boolean bool) {
                row.put(name, bool);
            } else if (type instanceof ArrowType.Struct || type instanceof ArrowType.List || type instanceof ArrowType.Map) {
                row.set(name, MAPPER.readTree(value.toString())); // Arrow renders nested values as JSON
            } else {
                row.put(name, value.toString());
            }
        }
        return row;
    }

    private static Instant instant(long value, org.apache.arrow.vector.types.TimeUnit unit) {
        return switch (unit) {
            case SECOND -> Instant.ofEpochSecond(value);
            case MILLISECOND -> Instant.ofEpochMilli(value);
            case MICROSECOND -> Instant.ofEpochSecond(Math.floorDiv(value, 1_000_000L), Math.floorMod(value, 1_000_000L) * 1000);
            case NANOSECOND -> Instant.ofEpochSecond(Math.floorDiv(value, 1_000_000_000L), Math.floorMod(value, 1_000_000_000L));
        };
    }

    private static String binary(byte[] bytes) {
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            return "0x" + HexFormat.of().formatHex(bytes);
        }
    }
}
