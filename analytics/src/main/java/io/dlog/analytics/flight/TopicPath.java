package io.dlog.analytics.flight;

import io.dlog.analytics.Isolation;
import io.dlog.analytics.ValueFormat;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * A Flight path descriptor naming a topic: {@code [topic, option...]}, each option {@code key=value}:
 * {@code format=raw|json}, {@code isolation=read_committed|read_uncommitted} (default read_uncommitted, as
 * Kafka's consumer), {@code columns=a,b,c} (projection). Immutable.
 */
record TopicPath(String topic, Optional<ValueFormat> format, Isolation isolation, Set<String> columns) {

    static TopicPath parse(List<String> path) {
        if (path.isEmpty() || path.get(0).isEmpty()) {
            throw new IllegalArgumentException("a path descriptor names a topic: [topic, option=value...]");
        }
        Optional<ValueFormat> format = Optional.empty();
        Isolation isolation = Isolation.READ_UNCOMMITTED;
        Set<String> columns = null;
        for (String option : path.subList(1, path.size())) {
            int eq = option.indexOf('=');
            if (eq < 0) {
                throw new IllegalArgumentException("path option is not key=value: " + option);
            }
            String key = option.substring(0, eq);
            String value = option.substring(eq + 1);
            switch (key) {
                case "format" -> format = Optional.of(ValueFormat.parse(value));
                case "isolation" -> isolation = Isolation.parse(value);
                case "columns" -> columns = new LinkedHashSet<>(Arrays.asList(value.split(",")));
                default -> throw new IllegalArgumentException("unknown path option '" + key + "' (format, isolation, columns)");
            }
        }
        return new TopicPath(path.get(0), format, isolation, columns);
    }
}
