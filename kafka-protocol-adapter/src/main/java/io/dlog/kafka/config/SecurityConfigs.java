package io.dlog.kafka.config;

import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.config.SaslConfigs;
import org.apache.kafka.common.config.internals.BrokerSecurityConfigs;
import org.apache.kafka.common.config.types.Password;
import org.apache.kafka.common.network.ListenerName;

/**
 * Kafka's broker security keys ({@code ssl.*}, {@code sasl.*}, {@code connections.max.reauth.ms},
 * ...) and their per-listener overrides, {@code listener.name.<listener>.<key>} and, for SASL,
 * {@code listener.name.<listener>.<mechanism>.<key>}, with Kafka's definitions
 * ({@link BrokerSecurityConfigs#CONFIG_DEF}) so names, types and defaults are Kafka's own. Stateless.
 */
public final class SecurityConfigs {
    private static final String LISTENER_PREFIX = "listener.name.";
    /** The authorizer's keys (read by the authorizer, not by Kafka's security ConfigDef). */
    static final Set<String> AUTHORIZER_KEYS = Set.of("authorizer.class.name", "super.users",
            "allow.everyone.if.no.acl.found");

    private SecurityConfigs() {
    }

    private static ConfigDef definition() {
        return BrokerSecurityConfigs.CONFIG_DEF;
    }

    /** Whether {@code key} is a security key, plain or prefixed by a listener (and mechanism). */
    static boolean isSecurityKey(String key) {
        if (definition().names().contains(key) || AUTHORIZER_KEYS.contains(key)) {
            return true;
        }
        if (!key.startsWith(LISTENER_PREFIX)) {
            return false;
        }
        String rest = key.substring(LISTENER_PREFIX.length());
        int dot = rest.indexOf('.');
        if (dot <= 0) {
            return false;
        }
        String setting = rest.substring(dot + 1);
        if (definition().names().contains(setting)) {
            return true;
        }
        int mechanismDot = setting.indexOf('.');
        return mechanismDot > 0 && definition().names().contains(setting.substring(mechanismDot + 1));
    }

    /**
     * A listener's security settings, typed as Kafka's classes expect them (passwords as {@link Password},
     * lists as lists): for each key, {@code listener.name.<listener>.<key>} if set, else {@code <key>}, else
     * Kafka's default; plus the listener-and-mechanism keys ({@code listener.name.<l>.plain.sasl.jaas.config})
     * with the listener prefix taken off ({@code plain.sasl.jaas.config}), as Kafka's JaasContext looks them up.
     *
     * @throws ConfigException a value has the wrong type
     */
    public static Map<String, Object> forListener(Map<String, String> values, String listenerName) {
        String prefix = new ListenerName(listenerName.toUpperCase(Locale.ROOT)).configPrefix();
        Map<String, String> effective = new HashMap<>();
        for (String key : definition().names()) {
            String value = values.containsKey(prefix + key) ? values.get(prefix + key) : values.get(key);
            if (value != null) {
                effective.put(key, value);
            }
        }
        Map<String, Object> typed = new HashMap<>(definition().parse(effective));
        for (Map.Entry<String, String> entry : values.entrySet()) {
            String key = entry.getKey();
            if (key.startsWith(prefix) && !definition().names().contains(key.substring(prefix.length()))) {
                typed.put(key.substring(prefix.length()), key.endsWith(SaslConfigs.SASL_JAAS_CONFIG)
                        ? new Password(entry.getValue()) : entry.getValue());
            }
        }
        return typed;
    }
}
