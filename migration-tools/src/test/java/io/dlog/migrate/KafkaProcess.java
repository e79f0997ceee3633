package io.dlog.migrate;

import java.io.IOException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.common.Uuid;
import org.junit.jupiter.api.Assumptions;

/**
 * A real single-node Apache Kafka 4.x (KRaft, broker and controller in one) in a child JVM, from the kafka_2.13
 * artifact on the test classpath, on free 127.0.0.1 ports, as bench/run.sh starts it. Tests that need it are
 * skipped, with a message, when the artifact is not on the classpath.
 */
final class KafkaProcess implements AutoCloseable {
    private final Path dir;
    private final Process process;
    private final int port;

    private KafkaProcess(Path dir, Process process, int port) {
        this.dir = dir;
        this.process = process;
        this.port = port;
    }

    /** Starts the broker with these extra server properties and waits until it answers Admin requests. */
    static KafkaProcess start(Path dir, String... extraProperties) throws Exception {
        try {
            Class.forName("kafka.Kafka", false, KafkaProcess.class.getClassLoader());
        } catch (ClassNotFoundException e) {
            Assumptions.abort("Apache Kafka (org.apache.kafka:kafka_2.13) is not on the test classpath: "
                    + "the migration tests need a real Kafka broker");
        }
        int port = freePort();
        int controller = freePort();
        while (controller == port) {
            controller = freePort();
        }
        Files.createDirectories(dir.resolve("logs"));
        List<String> lines = new ArrayList<>(List.of(
                "process.roles=broker,controller",
                "node.id=1",
                "controller.quorum.bootstrap.servers=127.0.0.1:" + controller,
                "listeners=PLAINTEXT://127.0.0.1:" + port + ",CONTROLLER://127.0.0.1:" + controller,
                "inter.broker.listener.name=PLAINTEXT",
                "advertised.listeners=PLAINTEXT://127.0.0.1:" + port + ",CONTROLLER://127.0.0.1:" + controller,
                "controller.listener.names=CONTROLLER",
                "listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT",
                "log.dirs=" + dir.resolve("logs"),
                "num.partitions=1",
                "offsets.topic.replication.factor=1",
                "offsets.topic.num.partitions=4",
                "share.coordinator.state.topic.replication.factor=1",
                "share.coordinator.state.topic.min.isr=1",
                "transaction.state.log.replication.factor=1",
                "transaction.state.log.min.isr=1",
                "transaction.state.log.num.partitions=4",
                "group.initial.rebalance.delay.ms=0"));
        lines.addAll(List.of(extraProperties));
        Path config = dir.resolve("server.properties");
        Files.write(config, lines, StandardCharsets.UTF_8);
        Path logback = dir.resolve("logback.xml");
        Files.writeString(logback, "<configuration><appender name=\"F\" class=\"ch.qos.logback.core.FileAppender\">"
                + "<file>" + dir.resolve("kafka.log") + "</file><encoder><pattern>%d %-5level %logger{20} - %msg%n</pattern>"
                + "</encoder></appender><root level=\"INFO\"><appender-ref ref=\"F\"/></root></configuration>");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        String classpath = System.getProperty("java.class.path");
        List<String> jvm = List.of(java, "-Xmx512m", "-XX:+UseParallelGC", "-Dlogback.configurationFile=" + logback,
                "-cp", classpath);
        List<String> format = new ArrayList<>(jvm);
        format.addAll(List.of("kafka.tools.StorageTool", "format", "--standalone", "-t", Uuid.randomUuid().toString(),
                "-c", config.toString()));
        Process formatting = new ProcessBuilder(format).redirectErrorStream(true)
                .redirectOutput(dir.resolve("format.out").toFile()).start();
        if (!formatting.waitFor(120, TimeUnit.SECONDS) || formatting.exitValue() != 0) {
            formatting.destroyForcibly();
            throw new IOException("kafka-storage format failed: " + Files.readString(dir.resolve("format.out")));
        }
        List<String> server = new ArrayList<>(jvm);
        server.addAll(List.of("kafka.Kafka", config.toString()));
        Process process = new ProcessBuilder(server).redirectErrorStream(true)
                .redirectOutput(dir.resolve("kafka.out").toFile()).start();
        KafkaProcess kafka = new KafkaProcess(dir, process, port);
        try {
            kafka.awaitReady();
        } catch (Exception e) {
            kafka.close();
            throw e;
        }
        return kafka;
    }

    private void awaitReady() throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IOException("Kafka exited with " + process.exitValue() + "; see " + dir.resolve("kafka.out"));
            }
            try (Socket probe = new Socket("127.0.0.1", port)) {
                probe.setSoLinger(true, 0); // the port answers: now ask Kafka itself
                try (Admin admin = admin()) {
                    admin.describeCluster().nodes().get(10, TimeUnit.SECONDS);
                    return;
                }
            } catch (IOException | java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
                Thread.sleep(250);
            }
        }
        throw new IOException("Kafka did not start within 120 s; see " + dir.resolve("kafka.out"));
    }

    String bootstrapServers() {
        return "127.0.0.1:" + port;
    }

    Admin admin() {
        Properties props = new Properties();
        props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers());
        return Admin.create(props);
    }

    private static int freePort() throws IOException {
        return io.dlog.cluster.PortPicker.freePort();
    }

    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                process.waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }
}
