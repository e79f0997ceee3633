package io.dlog.compat.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.CreateTopicsOptions;
import org.apache.kafka.clients.admin.NewTopic;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * Measures, by hand, what issue 9's closing note reports: the threads and resident memory of a node alone and
 * in a three-node cluster, and how long the cluster takes to recover after its metadata
 * leader is killed with SIGKILL: until a survivor reports a new leader (DescribeQuorum), and until it accepts a
 * change. Three trials. Not part of the default build:
 * <pre>
 * mvn -B -o -pl compat-tests -am verify -Dtest=ClusterCostMeasurement -Dsurefire.failIfNoSpecifiedTests=false -Ddlog.measure=true
 * </pre>
 * Results are printed and written to {@code compat-tests/target/cluster-cost.txt}.
 */
@EnabledIfSystemProperty(named = "dlog.measure", matches = "true")
class ClusterCostMeasurement {
    private static final Duration SETTLE = Duration.ofSeconds(10);

    @Test
    void measureNodeCostAndMetadataFailover() throws Exception {
        List<String> report = new ArrayList<>();
        report.add("# cluster cost, " + Instant.now() + ", " + Runtime.getRuntime().availableProcessors() + " cores, "
                + "children run -Xmx512m -XX:+UseSerialGC -XX:TieredStopAtLevel=1 (ProcessCluster defaults)");
        try (ProcessCluster single = ProcessCluster.start(1, Map.of())) {
            Thread.sleep(SETTLE.toMillis());
            report.add("single node, idle after " + SETTLE.toSeconds() + " s: " + cost(single, 1));
        }
        try (ProcessCluster cluster = ProcessCluster.start(3, Map.of())) {
            Thread.sleep(SETTLE.toMillis());
            for (int nodeId : cluster.nodeIds()) {
                report.add("3-node cluster, node " + nodeId + ", idle after " + SETTLE.toSeconds() + " s: " + cost(cluster, nodeId));
            }
            for (int trial = 1; trial <= 3; trial++) {
                int victim = metadataLeader(cluster, 1 + trial % 3);
                int survivor = victim % 3 + 1;
                cluster.kill(victim);
                long start = System.nanoTime();
                int newLeader = awaitNewLeader(cluster, survivor, victim);
                long electedMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
                int attempts = createTopicUntilAccepted(cluster, survivor);
                long acceptedMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
                report.add("trial " + trial + ": kill -9 of metadata leader node " + victim + "; node " + survivor
                        + " reports leader " + newLeader + " after " + electedMillis + " ms; first CreateTopics accepted after "
                        + acceptedMillis + " ms (" + attempts + " attempts)");
                cluster.restart(victim);
                cluster.awaitFormed();
            }
        }
        report.forEach(System.out::println);
        Path out = Path.of("target", "cluster-cost.txt");
        Files.write(out, report, StandardCharsets.UTF_8);
        assertThat(out).exists();
    }

    /** The Threads and VmRSS lines of /proc/pid/status: what the node costs its machine. */
    private static String cost(ProcessCluster cluster, int nodeId) throws IOException {
        List<String> status = Files.readAllLines(Path.of("/proc", Long.toString(cluster.pid(nodeId)), "status"));
        return status.stream().filter(line -> line.startsWith("Threads:") || line.startsWith("VmRSS:"))
                .map(line -> line.replaceAll("\\s+", " ")).reduce((a, b) -> a + ", " + b).orElse("?");
    }

    /** The metadata group's leader as DescribeQuorum through {@code nodeId} reports it. */
    private static int metadataLeader(DLogCluster cluster, int nodeId) throws Exception {
        try (Admin admin = quickAdmin(cluster, nodeId)) {
            return admin.describeMetadataQuorum().quorumInfo().get(10, TimeUnit.SECONDS).leaderId();
        }
    }

    /** Polls DescribeQuorum through a survivor until it names a leader other than the killed one. */
    private static int awaitNewLeader(DLogCluster cluster, int survivor, int killed) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        try (Admin admin = quickAdmin(cluster, survivor)) {
            while (System.nanoTime() - deadline < 0) {
                try {
                    int leader = admin.describeMetadataQuorum().quorumInfo().get(2, TimeUnit.SECONDS).leaderId();
                    if (leader != killed && leader >= 0) {
                        return leader;
                    }
                } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException notYet) {
                    // No leader to answer yet.
                }
                Thread.sleep(20);
            }
        }
        throw new AssertionError("no new metadata leader within 120 s");
    }

    private static Admin quickAdmin(DLogCluster cluster, int nodeId) {
        Properties props = new Properties();
        props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, cluster.bootstrapServers(nodeId));
        props.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, "1000");
        props.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, "1000");
        props.put(AdminClientConfig.RETRY_BACKOFF_MS_CONFIG, "20");
        return Admin.create(props);
    }

    /** Retries a topic creation with short timeouts until the metadata group accepts it. */
    private static int createTopicUntilAccepted(DLogCluster cluster, int nodeId) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        int attempts = 0;
        try (Admin admin = quickAdmin(cluster, nodeId)) {
            while (true) {
                attempts++;
                try {
                    admin.createTopics(List.of(new NewTopic("probe-" + System.nanoTime(), 1, (short) 1)),
                            new CreateTopicsOptions().timeoutMs(1000)).all().get(2, TimeUnit.SECONDS);
                    return attempts;
                } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
                    if (System.nanoTime() - deadline > 0) {
                        throw new AssertionError("no metadata change accepted within 120 s", e);
                    }
                    Thread.sleep(20);
                }
            }
        }
    }
}
