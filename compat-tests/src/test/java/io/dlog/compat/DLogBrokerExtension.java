package io.dlog.compat;

import io.dlog.broker.DLogBroker;
import io.dlog.kafka.config.BrokerConfig;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.stream.Stream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Gives a test class a running in-process DLog on a free 127.0.0.1 port with a fresh data folder.
 * Use as {@code @RegisterExtension static final DLogBrokerExtension DLOG = new DLogBrokerExtension();}.
 * {@link #restart()} stops and starts the broker on the same folder and port.
 */
public final class DLogBrokerExtension implements BeforeAllCallback, AfterAllCallback {
    private final Map<String, String> overrides = new HashMap<>();
    private java.util.List<String> listenerNames = java.util.List.of("PLAINTEXT");
    private Path dataDir;
    private DLogBroker broker;
    private int port;
    private Map<String, Integer> ports = Map.of();

    public DLogBrokerExtension with(String key, String value) {
        overrides.put(key, value);
        return this;
    }

    /**
     * Client listeners to open (each on a free 127.0.0.1 port), instead of one PLAINTEXT listener; the
     * first is the inter-broker one unless the settings say otherwise. Names other than PLAINTEXT, SSL,
     * SASL_PLAINTEXT and SASL_SSL need listener.security.protocol.map.
     */
    public DLogBrokerExtension withListeners(String... names) {
        listenerNames = java.util.List.of(names);
        return this;
    }

    @Override
    public void beforeAll(ExtensionContext context) throws IOException {
        dataDir = Files.createTempDirectory("dlog-test-");
        start(0);
    }

    @Override
    public void afterAll(ExtensionContext context) throws IOException {
        if (broker != null) {
            broker.close();
        }
        deleteRecursively(dataDir);
        assertNoBlockingCallsOnEventLoops();
    }

    /** Fails the test class if the broker fsynced on a Netty event loop (recorded under -Ddlog.blocking.check=true). */
    static void assertNoBlockingCallsOnEventLoops() {
        java.util.List<String> calls = io.dlog.log.BlockingCallGuard.calls();
        if (!calls.isEmpty()) {
            throw new AssertionError("blocking calls on event loops: " + calls);
        }
    }

    private void start(int wantedPort) throws IOException {
        Map<String, String> values = new HashMap<>(overrides);
        String listeners;
        if (listenerNames.equals(java.util.List.of("PLAINTEXT"))) {
            listeners = "PLAINTEXT://127.0.0.1:" + wantedPort;
        } else {
            listeners = String.join(",", listenerNames.stream()
                    .map(name -> name + "://127.0.0.1:" + ports.getOrDefault(name, 0)).toList());
            values.putIfAbsent(BrokerConfig.INTER_BROKER_LISTENER_NAME, listenerNames.get(0));
        }
        values.put(BrokerConfig.LISTENERS, listeners);
        values.put(BrokerConfig.ADVERTISED_LISTENERS, listeners);
        values.put(BrokerConfig.LOG_DIRS, dataDir.toString());
        broker = DLogBroker.start(BrokerConfig.parse(values));
        port = broker.port();
        ports = Map.copyOf(broker.ports());
    }

    /** Clean stop and start on the same data folder and ports. */
    public void restart() throws IOException {
        broker.close();
        start(port);
    }

    /** host:port of one client listener. */
    public String bootstrapServers(String listenerName) {
        return "127.0.0.1:" + ports.get(listenerName);
    }

    public DLogBroker broker() {
        return broker;
    }

    public Path dataDir() {
        return dataDir;
    }

    public String bootstrapServers() {
        return "127.0.0.1:" + port;
    }

    public Properties clientProps() {
        Properties props = new Properties();
        props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers());
        return props;
    }

    public Admin admin() {
        return Admin.create(clientProps());
    }

    /** Creates a topic with a unique name and returns the name. */
    public String newTopic(int partitions) {
        return newTopic(partitions, Map.of());
    }

    public String newTopic(int partitions, Map<String, String> configs) {
        String name = "t-" + UUID.randomUUID().toString().substring(0, 8);
        try (Admin admin = admin()) {
            admin.createTopics(java.util.List.of(new NewTopic(name, partitions, (short) 1).configs(configs))).all().get();
        } catch (java.util.concurrent.ExecutionException e) {
            // The name is this call's own: it exists only because the Admin client retried a create that had
            // succeeded but whose answer came after its request timeout (seen on a loaded machine).
            if (!(e.getCause() instanceof org.apache.kafka.common.errors.TopicExistsException)) {
                throw new IllegalStateException("cannot create topic " + name, e);
            }
        } catch (Exception e) {
            throw new IllegalStateException("cannot create topic " + name, e);
        }
        return name;
    }

    public static void deleteRecursively(Path dir) throws IOException {
        if (dir == null || !Files.exists(dir)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(path -> {
                try {
                    Files.deleteIfExists(path);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        }
    }
}
