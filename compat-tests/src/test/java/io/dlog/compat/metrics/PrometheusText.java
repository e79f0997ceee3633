package io.dlog.compat.metrics;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * A strict parser of the Prometheus text exposition format 0.0.4 (no Java library parses it; Prometheus'
 * own parser is Go). It follows the format's specification: optional {@code # HELP name text} and
 * {@code # TYPE name counter|gauge|summary|histogram|untyped} lines, at most one of each per family and
 * before its samples; sample lines {@code name[{label="value",...}] value [timestamp]} with the
 * escapes \\, \" and \n in label values and \\ and \n in help; Go float syntax for values (+Inf, -Inf,
 * NaN). A family's samples are contiguous; a summary's are {@code name{quantile}}, {@code name_sum},
 * {@code name_count}; a counter's samples carry the family name (the client's {@code _total} is part
 * of the sample name, the TYPE line names the family with or without it). Any deviation throws.
 * {@link PrometheusTextTest} checks it against the Prometheus Java client's own writer.
 */
final class PrometheusText {

    record Sample(String name, Map<String, String> labels, double value) {
    }

    record Family(String name, String type, String help, List<Sample> samples) {
    }

    private final Map<String, Family> families;

    private PrometheusText(Map<String, Family> families) {
        this.families = families;
    }

    Map<String, Family> families() {
        return Collections.unmodifiableMap(families);
    }

    /** Every sample of that name whose labels include {@code labels}. */
    List<Sample> samples(String sampleName, Map<String, String> labels) {
        List<Sample> found = new ArrayList<>();
        for (Family family : families.values()) {
            for (Sample sample : family.samples()) {
                if (sample.name().equals(sampleName) && sample.labels().entrySet().containsAll(labels.entrySet())) {
                    found.add(sample);
                }
            }
        }
        return found;
    }

    /** The one sample of that name with exactly these labels. */
    Optional<Double> value(String sampleName, Map<String, String> labels) {
        for (Family family : families.values()) {
            for (Sample sample : family.samples()) {
                if (sample.name().equals(sampleName) && sample.labels().equals(labels)) {
                    return Optional.of(sample.value());
                }
            }
        }
        return Optional.empty();
    }

    static PrometheusText parse(String text) {
        if (!text.isEmpty() && !text.endsWith("\n")) {
            throw new IllegalArgumentException("the exposition must end with a line feed");
        }
        Map<String, Family> families = new LinkedHashMap<>();
        Map<String, String> types = new HashMap<>();
        Map<String, String> helps = new HashMap<>();
        Set<String> closed = new HashSet<>();
        String current = null;
        int lineNo = 0;
        for (String line : text.split("\n", -1)) {
            lineNo++;
            if (line.isEmpty()) {
                continue;
            }
            try {
                if (line.startsWith("#")) {
                    String[] parts = line.split(" ", 4);
                    if (parts.length >= 3 && (parts[1].equals("HELP") || parts[1].equals("TYPE"))) {
                        String family = parts[2];
                        checkMetricName(family);
                        if (families.containsKey(family) || closed.contains(family)) {
                            throw new IllegalArgumentException(parts[1] + " after the samples of " + family);
                        }
                        Map<String, String> target = parts[1].equals("HELP") ? helps : types;
                        String value = parts.length == 4 ? parts[3] : "";
                        if (parts[1].equals("HELP")) {
                            value = unescape(value, false);
                        } else if (!Set.of("counter", "gauge", "summary", "histogram", "untyped").contains(value)) {
                            throw new IllegalArgumentException("unknown type " + value);
                        }
                        if (target.put(family, value) != null) {
                            throw new IllegalArgumentException("second " + parts[1] + " for " + family);
                        }
                    }
                    continue; // other comments are allowed
                }
                Sample sample = parseSample(line);
                String family = familyOf(sample.name(), types);
                if (!family.equals(current)) {
                    if (families.containsKey(family)) {
                        throw new IllegalArgumentException("samples of " + family + " are not contiguous");
                    }
                    if (current != null) {
                        closed.add(current);
                    }
                    current = family;
                    families.put(family, new Family(family, types.getOrDefault(family, "untyped"), helps.get(family),
                            new ArrayList<>()));
                }
                checkSampleOfType(families.get(family), sample);
                families.get(family).samples().add(sample);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("line " + lineNo + ": " + e.getMessage() + ": " + line, e);
            }
        }
        return new PrometheusText(families);
    }

    /** The family a sample belongs to: its TYPE'd name, stripping a summary's or histogram's suffixes. */
    private static String familyOf(String sampleName, Map<String, String> types) {
        if (types.containsKey(sampleName)) {
            return sampleName;
        }
        for (String suffix : List.of("_total", "_sum", "_count", "_bucket", "_created")) {
            if (sampleName.endsWith(suffix)) {
                String base = sampleName.substring(0, sampleName.length() - suffix.length());
                if (types.containsKey(base)) {
                    return base;
                }
            }
        }
        return sampleName;
    }

    private static void checkSampleOfType(Family family, Sample sample) {
        String suffix = sample.name().substring(family.name().length());
        switch (family.type()) {
            case "summary" -> {
                if (suffix.isEmpty() != sample.labels().containsKey("quantile")
                        || !Set.of("", "_sum", "_count", "_created").contains(suffix)) {
                    throw new IllegalArgumentException("not a summary sample: " + sample.name());
                }
                if (suffix.isEmpty()) {
                    double q = parseFloat(sample.labels().get("quantile"));
                    if (!(q >= 0 && q <= 1)) {
                        throw new IllegalArgumentException("quantile out of [0, 1]");
                    }
                }
            }
            case "counter" -> {
                if (!Set.of("", "_total", "_created").contains(suffix)) {
                    throw new IllegalArgumentException("not a counter sample: " + sample.name());
                }
                if (!(sample.value() >= 0)) {
                    throw new IllegalArgumentException("a counter below zero or NaN");
                }
            }
            case "gauge", "untyped" -> {
                if (!suffix.isEmpty()) {
                    throw new IllegalArgumentException("sample " + sample.name() + " in family " + family.name());
                }
            }
            default -> { }
        }
    }

    private static Sample parseSample(String line) {
        int i = 0;
        int n = line.length();
        while (i < n && line.charAt(i) != '{' && line.charAt(i) != ' ') {
            i++;
        }
        String name = line.substring(0, i);
        checkMetricName(name);
        Map<String, String> labels = new LinkedHashMap<>();
        if (i < n && line.charAt(i) == '{') {
            i++;
            while (true) {
                if (i < n && line.charAt(i) == '}') {
                    i++;
                    break;
                }
                int start = i;
                while (i < n && line.charAt(i) != '=') {
                    i++;
                }
                String label = line.substring(start, i);
                if (!label.matches("[a-zA-Z_][a-zA-Z0-9_]*")) {
                    throw new IllegalArgumentException("bad label name '" + label + "'");
                }
                if (i + 1 >= n || line.charAt(i + 1) != '"') {
                    throw new IllegalArgumentException("label value not quoted");
                }
                i += 2;
                StringBuilder value = new StringBuilder();
                while (true) {
                    if (i >= n) {
                        throw new IllegalArgumentException("unterminated label value");
                    }
                    char c = line.charAt(i++);
                    if (c == '"') {
                        break;
                    }
                    if (c == '\\') {
                        if (i >= n) {
                            throw new IllegalArgumentException("dangling escape");
                        }
                        char e = line.charAt(i++);
                        value.append(switch (e) {
                            case '\\' -> '\\';
                            case '"' -> '"';
                            case 'n' -> '\n';
                            default -> throw new IllegalArgumentException("bad escape \\" + e);
                        });
                    } else {
                        value.append(c);
                    }
                }
                if (labels.put(label, value.toString()) != null) {
                    throw new IllegalArgumentException("label " + label + " twice");
                }
                if (i < n && line.charAt(i) == ',') {
                    i++;
                } else if (i >= n || line.charAt(i) != '}') {
                    throw new IllegalArgumentException("expected , or } after a label");
                }
            }
        }
        if (i >= n || line.charAt(i) != ' ') {
            throw new IllegalArgumentException("no value");
        }
        String[] rest = line.substring(i + 1).split(" ", -1);
        if (rest.length < 1 || rest.length > 2) {
            throw new IllegalArgumentException("expected a value and an optional timestamp");
        }
        double value = parseFloat(rest[0]);
        if (rest.length == 2 && !rest[1].matches("-?[0-9]+")) {
            throw new IllegalArgumentException("bad timestamp " + rest[1]);
        }
        return new Sample(name, labels, value);
    }

    private static void checkMetricName(String name) {
        if (!name.matches("[a-zA-Z_:][a-zA-Z0-9_:]*")) {
            throw new IllegalArgumentException("bad metric name '" + name + "'");
        }
    }

    private static double parseFloat(String text) {
        switch (text) {
            case "+Inf", "Inf" -> {
                return Double.POSITIVE_INFINITY;
            }
            case "-Inf" -> {
                return Double.NEGATIVE_INFINITY;
            }
            case "NaN" -> {
                return Double.NaN;
            }
            default -> {
                if (!text.matches("[-+]?([0-9]+(\\.[0-9]*)?|\\.[0-9]+)([eE][-+]?[0-9]+)?")) {
                    throw new IllegalArgumentException("bad value " + text);
                }
                return Double.parseDouble(text);
            }
        }
    }

    private static String unescape(String text, boolean quotes) {
        StringBuilder b = new StringBuilder(text.length());
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c != '\\') {
                b.append(c);
                continue;
            }
            if (++i >= text.length()) {
                throw new IllegalArgumentException("dangling escape");
            }
            char e = text.charAt(i);
            if (e == '\\') {
                b.append('\\');
            } else if (e == 'n') {
                b.append('\n');
            } else if (e == '"' && quotes) {
                b.append('"');
            } else {
                throw new IllegalArgumentException("bad escape \\" + e);
            }
        }
        return b.toString();
    }
}
