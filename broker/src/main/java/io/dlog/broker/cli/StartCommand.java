package io.dlog.broker.cli;

import io.dlog.broker.DLogBroker;
import io.dlog.kafka.config.BrokerConfig;
import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import org.apache.kafka.common.config.ConfigException;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code dlog start}: runs a node until SIGTERM/SIGINT, then shuts down cleanly (flush, close files).
 * With no flags: a single node on localhost:9092 with data in ./dlog-data.
 */
@Command(name = "start", mixinStandardHelpOptions = true,
        description = "Start a DLog node and serve Kafka clients until stopped (SIGTERM or Ctrl-C).")
final class StartCommand implements Callable<Integer> {

    @Option(names = {"-c", "--config"}, paramLabel = "FILE",
            description = "A Kafka-style server.properties (listeners, advertised.listeners, log.dirs, num.partitions, log.retention.*, ...).")
    Path configFile;

    @Option(names = {"-p", "--port"}, paramLabel = "N", description = "Listen on this port (overrides listeners).")
    Integer port;

    @Option(names = {"-d", "--data-dir"}, paramLabel = "DIR", description = "Data folder (overrides log.dirs). Default: ./dlog-data")
    Path dataDir;

    @Option(names = {"-o", "--override"}, paramLabel = "KEY=VALUE", description = "Set one config, as in server.properties. Repeatable.")
    Map<String, String> overrides = new LinkedHashMap<>();

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    /** Set by tests to stop a started node without a signal. */
    private final CountDownLatch stop = new CountDownLatch(1);

    @Override
    public Integer call() {
        BrokerConfig config;
        try {
            config = BrokerConfig.parse(collectConfig());
        } catch (ConfigException | IOException e) {
            spec.commandLine().getErr().println("dlog: " + e.getMessage());
            return 2;
        }
        DLogBroker broker;
        try {
            broker = DLogBroker.start(config);
        } catch (IOException | ConfigException e) {
            spec.commandLine().getErr().println("dlog: " + e.getMessage());
            return 1;
        }
        Thread hook = new Thread(() -> {
            broker.close();
            stop.countDown();
        }, "dlog-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        spec.commandLine().getOut().println("DLog is serving Kafka clients on " + config.advertisedListener().host()
                + ":" + broker.port() + " (data in " + config.dataDir().toAbsolutePath() + "). Stop with Ctrl-C.");
        spec.commandLine().getOut().flush();
        try {
            stop.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return 0;
    }

    private Map<String, String> collectConfig() throws IOException {
        Map<String, String> values = new LinkedHashMap<>();
        if (configFile != null) {
            Properties props = new Properties();
            try (Reader reader = Files.newBufferedReader(configFile, StandardCharsets.UTF_8)) {
                props.load(reader);
            } catch (NoSuchFileException e) {
                throw new IOException("config file " + configFile + " does not exist", e);
            }
            props.stringPropertyNames().forEach(key -> values.put(key, props.getProperty(key).trim()));
        }
        values.putAll(overrides);
        if (port != null) {
            String host = BrokerConfig.parse(values).listener().host();
            values.put(BrokerConfig.LISTENERS, "PLAINTEXT://" + host + ":" + port);
        }
        if (dataDir != null) {
            values.remove(BrokerConfig.LOG_DIR);
            values.put(BrokerConfig.LOG_DIRS, dataDir.toString());
        }
        return values;
    }
}
