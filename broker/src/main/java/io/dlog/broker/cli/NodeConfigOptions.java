package io.dlog.broker.cli;

import io.dlog.broker.config.ConfigErrors;
import io.dlog.broker.config.EffectiveConfig;
import io.dlog.kafka.config.BrokerConfig;
import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.config.internals.BrokerSecurityConfigs;
import picocli.CommandLine.Option;

/**
 * The options that say how a node is configured, shared by {@code dlog start}, {@code dlog config} and
 * {@code dlog status}: a server.properties, the {@code KAFKA_*} environment variables (opt-in, as the container
 * image opts in), {@code -o key=value}, and the shortcuts {@code --port} and {@code --data-dir}. Later sources win:
 * file, then environment, then command line.
 */
final class NodeConfigOptions {
    @Option(names = {"-c", "--config"}, paramLabel = "FILE",
            description = "A Kafka-style server.properties (listeners, advertised.listeners, log.dirs, num.partitions, log.retention.*, ...).")
    Path configFile;

    @Option(names = "--env-config",
            description = "Also read settings from KAFKA_* environment variables, named as the Apache Kafka image names them "
                    + "(KAFKA_NODE_ID=node.id, KAFKA_LISTENERS=listeners; _ is '.', __ is '_', ___ is '-'). They override the file.")
    boolean envConfig;

    @Option(names = {"-o", "--override"}, paramLabel = "KEY=VALUE", description = "Set one config, as in server.properties. Repeatable.")
    Map<String, String> overrides = new LinkedHashMap<>();

    @Option(names = {"-p", "--port"}, paramLabel = "N",
            description = "Listen on this port (replaces the port of the client listener in listeners). "
                    + "With --cluster: node 1's port; node i listens on N+2(i-1) and its controller one above.")
    Integer port;

    @Option(names = {"-d", "--data-dir"}, paramLabel = "DIR",
            description = "Data folder (overrides log.dirs). Default: ./dlog-data; with --cluster: ./dlog-cluster, node i's config in DIR/node-i, its data in DIR/node-i/data")
    Path dataDir;

    private Map<String, String> environment = System.getenv();

    /** Reads these variables instead of the process's environment (for tests). */
    NodeConfigOptions withEnvironment(Map<String, String> variables) {
        this.environment = Map.copyOf(variables);
        return this;
    }

    /** The file, then the environment (with --env-config), then -o: the settings a cluster's nodes share. */
    EffectiveConfig shared() throws IOException {
        EffectiveConfig config = new EffectiveConfig();
        if (configFile != null) {
            config.putFile(configFile.toString(), readFile(configFile));
        }
        if (envConfig) {
            config.putEnvironment(environment);
        }
        overrides.forEach((key, value) -> config.put(key, value, EffectiveConfig.Source.COMMAND_LINE, "-o"));
        return config;
    }

    /** A single node's settings: {@link #shared()}, then --port and --data-dir. */
    EffectiveConfig node() throws IOException {
        EffectiveConfig config = shared();
        if (port != null) {
            config.put(BrokerConfig.LISTENERS, StartCommand.withClientPort(config.values(), port),
                    EffectiveConfig.Source.COMMAND_LINE, "--port");
        }
        if (dataDir != null) {
            config.remove(BrokerConfig.LOG_DIR);
            config.put(BrokerConfig.LOG_DIRS, dataDir.toString(), EffectiveConfig.Source.COMMAND_LINE, "--data-dir");
        }
        return config;
    }

    /**
     * The node's settings, parsed and checked.
     *
     * @throws ConfigException with a one-line message that names where the bad value was set
     */
    static BrokerConfig parse(EffectiveConfig config) {
        Map<String, String> values = new LinkedHashMap<>(config.values());
        ignoredUnknownKeys(config).forEach(value -> values.remove(value.key()));
        try {
            return BrokerConfig.parse(values);
        } catch (ConfigException e) {
            throw new ConfigException(ConfigErrors.explain(e.getMessage(), config, knownKeys()));
        }
    }

    /**
     * The keys set that neither DLog nor any Kafka version it knows of defines, and that misspell no key DLog acts on
     * (a vendor's key, a later Kafka's, a misspelt Kafka key DLog ignores anyway): Kafka starts with keys it does not
     * know and ignores them ("isn't a known config"), so a node does too, and the start command warns of each. A key
     * within a typo of one DLog acts on is not among them: {@link #parse} refuses it, naming the key meant (a
     * misspelt setting silently ignored is the surprise an operator finds months later).
     */
    static List<EffectiveConfig.Value> ignoredUnknownKeys(EffectiveConfig config) {
        Set<String> implemented = null;
        List<EffectiveConfig.Value> ignored = new ArrayList<>();
        for (String key : config.values().keySet()) {
            if (BrokerConfig.isKnown(key)) {
                continue;
            }
            if (implemented == null) {
                implemented = new TreeSet<>(BrokerConfig.names());
                implemented.addAll(BrokerSecurityConfigs.CONFIG_DEF.names());
            }
            if (!ConfigErrors.nearAny(key, implemented)) {
                config.get(key).ifPresent(ignored::add);
            }
        }
        return ignored;
    }

    /** Every key a node accepts: DLog's, Kafka's security keys, and the Kafka keys DLog accepts and ignores. */
    static Set<String> knownKeys() {
        Set<String> keys = new TreeSet<>(BrokerConfig.names());
        keys.addAll(BrokerSecurityConfigs.CONFIG_DEF.names());
        keys.addAll(BrokerConfig.ignoredKafkaKeys());
        return keys;
    }

    static Map<String, String> readFile(Path file) throws IOException {
        Map<String, String> values = new LinkedHashMap<>();
        Properties props = new Properties();
        try (Reader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            props.load(reader);
        } catch (NoSuchFileException e) {
            throw new IOException("config file " + file + " does not exist", e);
        }
        List<String> keys = new ArrayList<>(props.stringPropertyNames());
        keys.forEach(key -> values.put(key, props.getProperty(key).trim()));
        return values;
    }
}
