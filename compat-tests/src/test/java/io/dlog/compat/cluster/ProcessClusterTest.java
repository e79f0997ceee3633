package io.dlog.compat.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dlog.compat.DLogBrokerExtension;
import io.dlog.compat.clients.Clients;
import io.dlog.compat.tools.ChildJvm;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ListTopicsOptions;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

/** The child-JVM harness with one node: kill -9, pause and resume, graceful stop, and no process left behind. */
class ProcessClusterTest {

    @Test
    void shouldKillANodeHardAndRestartItOnItsData() throws Exception {
        try (ProcessCluster cluster = ProcessCluster.start(1, Map.of())) {
            // Given: an acknowledged record
            String topic = "killed";
            try (KafkaProducer<String, String> producer = Clients.stringProducer(cluster.bootstrapServers())) {
                producer.send(new ProducerRecord<>(topic, "k", "before kill")).get();
            }
            long pid = cluster.pid(1);

            // When
            cluster.kill(1);

            // Then: gone at once, no clean shutdown logged
            assertThat(ProcessHandle.of(pid).map(ProcessHandle::isAlive)).isIn(Optional.empty(), Optional.of(false));
            assertThat(cluster.isRunning(1)).isFalse();
            assertThat(Files.readString(cluster.logFile(1), StandardCharsets.UTF_8)).doesNotContain("DLog node 1 stopped");

            // When
            cluster.restart(1);
            cluster.awaitFormed();

            // Then: the page cache outlived the process, so the record is there
            assertThat(cluster.pid(1)).isNotEqualTo(pid);
            try (KafkaConsumer<String, String> consumer = Clients.stringConsumer(cluster.bootstrapServers())) {
                assertThat(Clients.readFromBeginning(consumer, List.of(new TopicPartition(topic, 0)), 1))
                        .extracting(r -> r.value()).containsExactly("before kill");
            }
        }
    }

    @Test
    void shouldFreezeAPausedNodeAndResumeIt() throws Exception {
        try (ProcessCluster cluster = ProcessCluster.start(1, Map.of())) {
            // When
            cluster.pause(1);

            // Then: the port still accepts (the kernel does), but nothing answers
            assertThat(cluster.isPaused(1)).isTrue();
            try (Admin admin = quickAdmin(cluster)) {
                assertThatThrownBy(() -> admin.listTopics(new ListTopicsOptions().timeoutMs(2000)).names()
                        .get(10, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class);
            }

            // When
            cluster.resume(1);

            // Then
            try (Admin admin = quickAdmin(cluster)) {
                assertThat(admin.listTopics(new ListTopicsOptions().timeoutMs(10_000)).names().get(20, TimeUnit.SECONDS))
                        .isNotNull();
            }
        }
    }

    @Test
    void shouldStopAPausedNodeGracefully() throws Exception {
        try (ProcessCluster cluster = ProcessCluster.start(1, Map.of())) {
            // Given
            cluster.pause(1);

            // When
            cluster.stop(1);

            // Then: SIGCONT then SIGTERM, and the node closed its files
            assertThat(cluster.isRunning(1)).isFalse();
            assertThat(Files.readString(cluster.logFile(1), StandardCharsets.UTF_8)).contains("DLog node 1 stopped");
        }
    }

    @Test
    void shouldKillEveryNodeWhenTheTestJvmExitsWithoutClosingTheCluster() throws Exception {
        // When: a JVM starts a cluster and exits without closing it
        ChildJvm.Result result = ChildJvm.run(Duration.ofSeconds(120), OrphanMaker.class.getName());

        // Then
        assertThat(result.exitCode()).as(result.toString()).isZero();
        long pid = Long.parseLong(result.stdoutLines().get(result.stdoutLines().size() - 1).trim());
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false) && System.nanoTime() < deadline) {
            Thread.sleep(100);
        }
        assertThat(ProcessHandle.of(pid).map(ProcessHandle::isAlive)).as("node pid " + pid).isIn(Optional.empty(),
                Optional.of(false));
        // The orphaned cluster never closed, so its folder is still there: this test removes it, the node being dead
        Path orphanRoot = Path.of(result.stdoutLines().get(result.stdoutLines().size() - 2).trim());
        assertThat(orphanRoot.getFileName().toString()).startsWith("dlog-cluster-");
        DLogBrokerExtension.deleteRecursively(orphanRoot);
    }

    @Test
    void shouldFailWithTheNodesLogAndLeaveNothingBehindWhenANodeCannotStart() {
        // When
        // (a key that misspells one DLog acts on stops a node; one near none is ignored, as Kafka ignores it)
        assertThatThrownBy(() -> ProcessCluster.start(1, Map.of("num.partition", "1")))

                // Then
                .isInstanceOf(AssertionError.class).hasMessageContaining("node 1 exited with 2")
                .hasMessageContaining("num.partition");
        assertThat(ProcessHandle.current().children().filter(ProcessHandle::isAlive)).isEmpty();
    }

    @Test
    void shouldStartAgainOnNewPortsWhenAPortWasTakenBeforeTheNodeBoundIt() throws Exception {
        // Given: a port someone else listens on, which the first cluster's node is made to bind
        try (java.net.ServerSocket taken = new java.net.ServerSocket(0, 1, java.net.InetAddress.getByName("127.0.0.1"))) {
            java.util.concurrent.atomic.AtomicInteger made = new java.util.concurrent.atomic.AtomicInteger();
            DLogCluster.Factory<ProcessCluster> factory = () -> made.incrementAndGet() == 1
                    ? new ProcessCluster(1, Map.of()) {
                        @Override
                        public Map<String, String> nodeConfig(int nodeId) {
                            Map<String, String> values = new java.util.LinkedHashMap<>(super.nodeConfig(nodeId));
                            values.put("listeners", values.get("listeners").replace(
                                    ":" + layout().node(nodeId).port() + ",", ":" + taken.getLocalPort() + ","));
                            return values;
                        }
                    }
                    : new ProcessCluster(1, Map.of());

            // When
            try (ProcessCluster cluster = DLogCluster.startedOrClosed(factory)) {

                // Then: the clash cost one more cluster, and the second one serves
                assertThat(made.get()).isEqualTo(2);
                try (Admin admin = quickAdmin(cluster)) {
                    assertThat(admin.describeCluster().nodes().get(20, TimeUnit.SECONDS)).hasSize(1);
                }
            }
        }
        assertThat(ProcessHandle.current().children().filter(ProcessHandle::isAlive)).isEmpty();
    }

    @Test
    void shouldNotStartAgainWhenANodeFailsForAnotherReason() {
        // Given
        java.util.concurrent.atomic.AtomicInteger made = new java.util.concurrent.atomic.AtomicInteger();

        // When
        assertThatThrownBy(() -> DLogCluster.startedOrClosed(() -> {
            made.incrementAndGet();
            return new ProcessCluster(1, Map.of("num.partition", "1"));
        }))

                // Then
                .isInstanceOf(AssertionError.class).hasMessageContaining("num.partition");
        assertThat(made.get()).isEqualTo(1);
    }

    private static Admin quickAdmin(DLogCluster cluster) {
        Properties props = cluster.clientProps();
        props.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, "2000");
        props.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, "2000");
        return Admin.create(props);
    }

    /** Starts a one-node cluster, prints its node's pid and exits without closing it. */
    public static final class OrphanMaker {
        public static void main(String[] args) throws Exception {
            ProcessCluster cluster = ProcessCluster.start(1, Map.of());
            System.out.println(cluster.root());
            System.out.println(cluster.pid(1));
            System.out.flush();
            System.exit(0);
        }
    }
}
