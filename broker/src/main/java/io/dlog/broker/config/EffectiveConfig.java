package io.dlog.broker.config;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.apache.kafka.common.config.ConfigDef;

/**
 * A node's settings as layered at start: a {@code server.properties}, then {@code KAFKA_*} environment variables,
 * then the command line, each later layer replacing a key an earlier one set; Kafka's defaults fill in every key
 * left unset. Every value keeps its source, for {@code dlog config} and for errors that must say which file or
 * variable holds a bad value. Not thread-safe: built and read on one thread.
 */
public final class EffectiveConfig {
    /** Where a value came from, in the order the layers apply. */
    public enum Source {
        DEFAULT("default"), FILE("file"), ENV("env"), COMMAND_LINE("command line");

        private final String label;

        Source(String label) {
            this.label = label;
        }

        public String label() {
            return label;
        }
    }

    /**
     * One key's value and where it came from; {@code origin} names the place: the file's path, the
     * environment variable, or the command-line option (empty for defaults).
     */
    public record Value(String key, String value, Source source, String origin) {
        /** "env KAFKA_NODE_ID", "file /etc/dlog/server.properties", "command line -o", "default". */
        public String describeSource() {
            return origin.isEmpty() ? source.label() : source.label() + " " + origin;
        }
    }

    private final Map<String, Value> set = new LinkedHashMap<>();

    /** Sets (or replaces) {@code key}. */
    public EffectiveConfig put(String key, String value, Source source, String origin) {
        set.remove(key); // keeps the map in the order keys were last set
        set.put(key, new Value(key, value, source, origin));
        return this;
    }

    /** Every key of a properties file, as that file's values. */
    public EffectiveConfig putFile(String path, Map<String, String> values) {
        new TreeMap<>(values).forEach((key, value) -> put(key, value, Source.FILE, path));
        return this;
    }

    /** The {@code KAFKA_*} settings among these environment variables. */
    public EffectiveConfig putEnvironment(Map<String, String> environment) {
        for (KafkaEnvironment.Setting setting : KafkaEnvironment.settings(environment)) {
            put(setting.key(), setting.value(), Source.ENV, setting.variable());
        }
        return this;
    }

    /** Unsets {@code key} (an option that replaces it with another key, as --data-dir replaces log.dir). */
    public EffectiveConfig remove(String key) {
        set.remove(key);
        return this;
    }

    /** The keys set by some layer and their values: what the broker parses. */
    public Map<String, String> values() {
        Map<String, String> values = new LinkedHashMap<>();
        set.values().forEach(value -> values.put(value.key(), value.value()));
        return values;
    }

    public Optional<Value> get(String key) {
        return Optional.ofNullable(set.get(key));
    }

    /**
     * Every key, sorted: the keys set, and every key of {@code definition} left unset with its default
     * (keys without a default are left out: they are unset, not set to something).
     */
    public List<Value> withDefaults(ConfigDef definition) {
        Map<String, Value> all = new TreeMap<>(set);
        for (ConfigDef.ConfigKey key : definition.configKeys().values()) {
            if (!all.containsKey(key.name) && key.hasDefault() && key.defaultValue != null) {
                all.put(key.name, new Value(key.name, ConfigDef.convertToString(key.defaultValue, key.type),
                        Source.DEFAULT, ""));
            }
        }
        return new ArrayList<>(all.values());
    }

    /**
     * The value a configuration error is about, when its message names a key that was set: Kafka writes
     * "Invalid value V for configuration KEY: ...", DLog "unknown config 'KEY'" or "KEY ...". The longest
     * key named wins (log.retention.ms, not log.retention).
     */
    public Optional<Value> blamedBy(String message) {
        Value blamed = null;
        for (Value value : set.values()) {
            boolean named = message.contains("configuration " + value.key() + ":")
                    || message.contains("'" + value.key() + "'") || message.startsWith(value.key() + " ");
            if (named && (blamed == null || value.key().length() > blamed.key().length())) {
                blamed = value;
            }
        }
        return Optional.ofNullable(blamed);
    }
}
