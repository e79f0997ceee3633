package io.dlog.broker.cli;

import io.dlog.broker.config.EffectiveConfig;
import io.dlog.kafka.config.BrokerConfig;
import java.io.IOException;
import java.io.PrintWriter;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.config.internals.BrokerSecurityConfigs;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code dlog config}: the configuration {@code dlog start} would run with the same options, every key with its
 * value and where the value came from (default, file, env, command line), after the same checks start makes.
 * Passwords are not printed.
 */
@Command(name = "config", mixinStandardHelpOptions = true,
        description = "Print the effective configuration of a node started with the same options, with the source of each value.")
final class ConfigCommand implements Callable<Integer> {
    static final String HIDDEN = "[hidden]";

    @CommandLine.Mixin
    NodeConfigOptions options = new NodeConfigOptions();

    @Option(names = "--only-set", description = "Leave out the keys at their default.")
    boolean onlySet;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        EffectiveConfig config;
        try {
            config = options.node();
            NodeConfigOptions.parse(config);
        } catch (IOException | ConfigException e) {
            err.println(StartCommand.ERROR_PREFIX + e.getMessage());
            err.flush();
            return 2;
        }
        List<EffectiveConfig.Value> values = onlySet ? config.withDefaults(new ConfigDef()) : config.withDefaults(BrokerConfig.definition());
        int width = 0;
        for (EffectiveConfig.Value value : values) {
            width = Math.max(width, line(value).length());
        }
        Set<String> unknown = NodeConfigOptions.ignoredUnknownKeys(config).stream().map(EffectiveConfig.Value::key)
                .collect(Collectors.toSet());
        for (EffectiveConfig.Value value : values) {
            String text = line(value);
            String note = BrokerConfig.ignoredKafkaKeys().contains(value.key()) ? ", ignored by DLog"
                    : unknown.contains(value.key()) ? ", unknown to DLog and Kafka, ignored" : "";
            out.println(text + " ".repeat(width - text.length() + 2) + "# " + value.describeSource() + note);
        }
        out.flush();
        return 0;
    }

    private static String line(EffectiveConfig.Value value) {
        return value.key() + "=" + (isSensitive(value.key()) ? HIDDEN : value.value());
    }

    /** Kafka's sensitive keys are those of type PASSWORD (and the JAAS config); listener prefixes aside. */
    static boolean isSensitive(String key) {
        String lower = key.toLowerCase(Locale.ROOT);
        if (lower.endsWith("sasl.jaas.config") || lower.contains("password")) {
            return true;
        }
        for (ConfigDef.ConfigKey definition : BrokerSecurityConfigs.CONFIG_DEF.configKeys().values()) {
            if (definition.type == ConfigDef.Type.PASSWORD && (key.equals(definition.name) || key.endsWith("." + definition.name))) {
                return true;
            }
        }
        ConfigDef.ConfigKey own = BrokerConfig.definition().configKeys().get(key);
        return own != null && own.type == ConfigDef.Type.PASSWORD;
    }
}
