package io.dlog.broker.metrics;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The Prometheus series name and labels the JMX exporter's Kafka rules (jmx_exporter's
 * example_configs/kafka-2_0_0.yml, the base of most Kafka setups, with {@code lowercaseOutputName: true})
 * give an MBean, so dashboards and alerts written for Kafka read DLog unchanged:
 * <ul>
 *   <li>a meter {@code kafka.X:type=T,name=NPerSec[,k=v...]} becomes the counter
 *       {@code kafka_x_t_n_total{k="v"}} (the rule strips "PerSec");</li>
 *   <li>a gauge {@code kafka.X:type=T,name=N[,k=v...]} becomes {@code kafka_x_t_n{k="v"}}; one whose name
 *       ends in Percent becomes {@code kafka_x_t_<n without Percent>_percent};</li>
 *   <li>a histogram becomes {@code kafka_x_t_n{quantile="0.99"}} and {@code kafka_x_t_n_count} (a summary);</li>
 *   <li>{@code kafka.coordinator.group:...} is prefixed {@code kafka_coordinator_group_}, as the rules'
 *       coordinator case does; DLog's own domain {@code dlog} gets {@code dlog_} by the same scheme.</li>
 * </ul>
 * Names are lowercased; label names keep their case and values are verbatim, as in those rules.
 *
 * <p>Stateless and thread-safe.
 */
public final class JmxExporterNames {

    /** How a metric is exposed. */
    public enum Kind { COUNTER, GAUGE, SUMMARY }

    /**
     * One series: its family name (a counter's without the {@code _total} the writer appends), label
     * names and values in the MBean's key order, and for a Percent meter the fact that it is a gauge.
     */
    public record Series(String family, Kind kind, List<String> labelNames, List<String> labelValues) {
    }

    private JmxExporterNames() {
    }

    /**
     * @param objectName  the MBean's name, {@code domain:type=T,name=N[,k=v...]}
     * @param metricKind  COUNTER for a meter, GAUGE for a gauge, SUMMARY for a histogram or timer
     * @throws IllegalArgumentException the name lacks a domain, type or name
     */
    public static Series of(String objectName, Kind metricKind) {
        int colon = objectName.indexOf(':');
        if (colon <= 0) {
            throw new IllegalArgumentException("no domain in " + objectName);
        }
        String domain = objectName.substring(0, colon);
        String type = null;
        String name = null;
        List<String> labelNames = new ArrayList<>(2);
        List<String> labelValues = new ArrayList<>(2);
        for (String property : objectName.substring(colon + 1).split(",")) {
            int eq = property.indexOf('=');
            if (eq <= 0) {
                throw new IllegalArgumentException("bad key property '" + property + "' in " + objectName);
            }
            String key = property.substring(0, eq);
            String value = property.substring(eq + 1);
            if (key.equals("type") && type == null) {
                type = value;
            } else if (key.equals("name") && name == null) {
                name = value;
            } else {
                labelNames.add(key);
                labelValues.add(value);
            }
        }
        if (type == null || name == null) {
            throw new IllegalArgumentException("no type or name in " + objectName);
        }
        String prefix = domain.replace('.', '_') + "_" + type + "_";
        Kind kind = metricKind;
        String family;
        int perSec = name.indexOf("PerSec");
        int percent = name.indexOf("Percent");
        if (metricKind == Kind.COUNTER && perSec > 0) {
            family = prefix + name.substring(0, perSec);
        } else if (metricKind != Kind.SUMMARY && percent > 0) {
            // A Percent meter (RequestHandlerAvgIdlePercent) is a gauge of its MeanRate in these rules.
            family = prefix + name.substring(0, percent) + "_percent";
            kind = Kind.GAUGE;
        } else {
            family = prefix + name;
        }
        return new Series(sanitize(family.toLowerCase(Locale.ROOT)), kind, labelNames, labelValues);
    }

    /** Characters outside [a-zA-Z0-9_:] become '_' (the exporter's rule for names). */
    private static String sanitize(String name) {
        StringBuilder b = new StringBuilder(name.length());
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            b.append((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == ':'
                    ? c : '_');
        }
        return b.toString();
    }
}
