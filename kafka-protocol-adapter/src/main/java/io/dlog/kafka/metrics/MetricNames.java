package io.dlog.kafka.metrics;

/**
 * Builds the JMX ObjectName strings Kafka uses ({@code domain:type=T,name=N[,key=value...]}), which are
 * also the registry names of DLog's metrics. Keys keep the order Kafka gives them (topic before
 * partition, request before version), which the Prometheus JMX exporter rules match on.
 */
public final class MetricNames {
    public static final String SERVER = "kafka.server";
    public static final String NETWORK = "kafka.network";
    public static final String CONTROLLER = "kafka.controller";
    public static final String LOG = "kafka.log";
    public static final String GROUP_COORDINATOR = "kafka.coordinator.group";
    /** DLog's own metrics (no Kafka counterpart). */
    public static final String DLOG = "dlog";

    private MetricNames() {
    }

    /**
     * {@code domain:type=type,name=name} followed by the tags, given as key, value, key, value...
     * Values must be ObjectName-safe unquoted (Kafka topic names are: [a-zA-Z0-9._-]).
     */
    public static String name(String domain, String type, String name, String... tags) {
        if (tags.length % 2 != 0) {
            throw new IllegalArgumentException("tags come in key, value pairs");
        }
        StringBuilder b = new StringBuilder(64).append(domain).append(":type=").append(type).append(",name=").append(name);
        for (int i = 0; i < tags.length; i += 2) {
            b.append(',').append(tags[i]).append('=').append(tags[i + 1]);
        }
        return b.toString();
    }
}
