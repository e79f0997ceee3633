package io.dlog.migrate;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.KafkaFuture;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import picocli.CommandLine.Option;

/** Connection options for one cluster, with Kafka's client config names, and the clients built from them. */
final class Clusters {
    static final Duration TIMEOUT = Duration.ofSeconds(60);

    private Clusters() {
    }

    /** {@code --source} and {@code --source-config}. */
    static final class Source {
        @Option(names = "--source", required = true, paramLabel = "HOST:PORT[,HOST:PORT]",
                description = "Bootstrap servers of the cluster to copy from.")
        String bootstrap;

        @Option(names = "--source-config", paramLabel = "FILE",
                description = "Client properties for the source (Kafka's names: security.protocol, sasl.*, ssl.*, ...).")
        Path config;

        Properties properties() throws IOException {
            return Clusters.properties(bootstrap, config);
        }
    }

    /** {@code --target} and {@code --target-config}. */
    static final class Target {
        @Option(names = "--target", required = true, paramLabel = "HOST:PORT[,HOST:PORT]",
                description = "Bootstrap servers of the DLog cluster to copy to.")
        String bootstrap;

        @Option(names = "--target-config", paramLabel = "FILE",
                description = "Client properties for the target (Kafka's names).")
        Path config;

        Properties properties() throws IOException {
            return Clusters.properties(bootstrap, config);
        }
    }

    static Properties properties(String bootstrap, Path configFile) throws IOException {
        Properties props = new Properties();
        if (configFile != null) {
            try (Reader reader = Files.newBufferedReader(configFile, StandardCharsets.UTF_8)) {
                props.load(reader);
            }
        }
        props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        props.putIfAbsent(AdminClientConfig.CLIENT_ID_CONFIG, "dlog-migrate");
        return props;
    }

    static Admin admin(Properties props) {
        Properties copy = new Properties();
        for (String name : props.stringPropertyNames()) {
            if (AdminClientConfig.configNames().contains(name)) {
                copy.put(name, props.getProperty(name));
            }
        }
        return Admin.create(copy);
    }

    /** A reading consumer: no group, read_uncommitted (aborted records count too), large fetches. */
    static KafkaConsumer<byte[], byte[]> reader(Properties props) {
        Properties copy = new Properties();
        for (String name : props.stringPropertyNames()) {
            if (ConsumerConfig.configNames().contains(name)) {
                copy.put(name, props.getProperty(name));
            }
        }
        copy.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_uncommitted");
        copy.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        copy.remove(ConsumerConfig.GROUP_ID_CONFIG);
        copy.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "none");
        copy.putIfAbsent(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, Integer.toString(8 * 1024 * 1024));
        copy.putIfAbsent(ConsumerConfig.FETCH_MAX_BYTES_CONFIG, Integer.toString(64 * 1024 * 1024));
        copy.putIfAbsent(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, "10000");
        copy.put(ConsumerConfig.CHECK_CRCS_CONFIG, "true");
        return new KafkaConsumer<>(copy, new ByteArrayDeserializer(), new ByteArrayDeserializer());
    }

    /** Waits for an Admin result; failures surface as the cause's exception. */
    static <T> T get(KafkaFuture<T> future) throws Exception {
        try {
            return future.get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            throw e.getCause() instanceof Exception cause ? cause : e;
        } catch (TimeoutException e) {
            throw new TimeoutException("no answer within " + TIMEOUT.toSeconds() + " s");
        }
    }

    /** One line for an error: the exception's class and message, without a stack trace. */
    static String describe(Throwable e) {
        Throwable t = e instanceof ExecutionException && e.getCause() != null ? e.getCause() : e;
        String message = t.getMessage();
        return t.getClass().getSimpleName() + (message == null ? "" : ": " + message);
    }
}
