package io.dlog.broker.config;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Broker settings given as environment variables, named as the Apache Kafka image names them
 * ({@code kafka.docker.KafkaDockerWrapper}): {@code KAFKA_} then the key upper-cased, with {@code .} written
 * {@code _}, {@code _} written {@code __} and {@code -} written {@code ___}. So {@code KAFKA_NODE_ID} is
 * {@code node.id}, {@code KAFKA_CONTROLLER_QUORUM_VOTERS} is {@code controller.quorum.voters} and
 * {@code KAFKA_FOO__BAR___BAZ} is {@code foo_bar-baz}. The variables
 * Kafka's scripts read for the JVM and logging ({@code KAFKA_HEAP_OPTS}, {@code KAFKA_OPTS}, ...) are not
 * settings and are skipped, as Kafka skips them. Stateless.
 */
public final class KafkaEnvironment {
    static final String PREFIX = "KAFKA_";
    /**
     * Kafka's ExcludeServerPropsEnv, plus {@code KAFKA_HEAP_OPTS}, which Kafka's list misspells as
     * {@code KAFKA_HEAP_OPT} (its start script reads KAFKA_HEAP_OPTS, so it is never a broker setting).
     */
    static final Set<String> NOT_SETTINGS = Set.of("KAFKA_VERSION", "KAFKA_HEAP_OPT", "KAFKA_HEAP_OPTS",
            "KAFKA_LOG4J_OPTS", "KAFKA_OPTS", "KAFKA_JMX_OPTS", "KAFKA_JVM_PERFORMANCE_OPTS", "KAFKA_GC_LOG_OPTS",
            "KAFKA_LOG4J_ROOT_LOGLEVEL", "KAFKA_LOG4J_LOGGERS", "KAFKA_TOOLS_LOG4J_LOGLEVEL", "KAFKA_JMX_HOSTNAME");

    /** One setting from the environment: the variable it came from, the config key it names, its value. */
    public record Setting(String variable, String key, String value) {
    }

    private KafkaEnvironment() {
    }

    /** The settings among these environment variables, in variable-name order (the environment has none). */
    public static List<Setting> settings(Map<String, String> environment) {
        List<Setting> settings = new ArrayList<>();
        for (Map.Entry<String, String> variable : new TreeMap<>(environment).entrySet()) {
            String name = variable.getKey();
            if (name.startsWith(PREFIX) && name.length() > PREFIX.length() && !NOT_SETTINGS.contains(name)) {
                settings.add(new Setting(name, configKey(name), variable.getValue()));
            }
        }
        return settings;
    }

    /**
     * The config key a {@code KAFKA_*} variable names. Kafka's order of replacements: every {@code _} becomes
     * {@code .}, then {@code ...} becomes {@code -} and {@code ..} becomes {@code _}.
     */
    static String configKey(String variable) {
        return variable.substring(PREFIX.length()).toLowerCase(Locale.ROOT)
                .replace('_', '.')
                .replace("...", "-")
                .replace("..", "_");
    }

    /** The variable that sets {@code key}: the inverse of {@link #configKey}, for messages and docs. */
    public static String variable(String key) {
        return PREFIX + key.replace("_", "__").replace("-", "___").replace('.', '_').toUpperCase(Locale.ROOT);
    }
}
