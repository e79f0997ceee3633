package io.dlog.compat.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Three child-JVM nodes; the metadata leader is killed with kill -9. A survivor is elected leader, the
 * cluster accepts changes again, and the killed node rejoins. Prints the election time and each node's
 * thread count and resident memory (the figures in docs/benchmarks.md come from this output).
 */
class MetadataLeaderKillTest {
    @RegisterExtension
    static final DLogClusterExtension CLUSTER = DLogClusterExtension.processes(3);

    @Test
    void shouldElectANewMetadataLeaderAfterAKillNineAndAcceptChanges(ProcessCluster cluster) throws Exception {
        CLUSTER.newTopic(1, 3);
        for (int node : cluster.nodeIds()) {
            System.out.printf("node %d: %s%n", node, processFigures(cluster.pid(node)));
        }
        int leader;
        try (Admin admin = adminOf(cluster, 1)) {
            leader = admin.describeMetadataQuorum().quorumInfo().get(30, TimeUnit.SECONDS).leaderId();
        }
        int survivor = leader == 1 ? 2 : 1;

        // When
        long killed = System.nanoTime();
        cluster.kill(leader);

        // Then: a new leader, and a change committed through a survivor
        int newLeader = -1;
        try (Admin admin = adminOf(cluster, survivor)) {
            while (System.nanoTime() - killed < TimeUnit.SECONDS.toNanos(60)) {
                try {
                    newLeader = admin.describeMetadataQuorum().quorumInfo().get(5, TimeUnit.SECONDS).leaderId();
                    if (newLeader != leader) {
                        break;
                    }
                } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
                    // no leader answered yet
                }
                Thread.sleep(20);
            }
            long elected = System.nanoTime();
            admin.createTopics(List.of(new NewTopic("after-kill", 1, (short) 2))).all().get(60, TimeUnit.SECONDS);
            long firstChange = System.nanoTime();
            System.out.printf("metadata leader %d killed: node %d led after %d ms, first change committed after %d ms%n",
                    leader, newLeader, TimeUnit.NANOSECONDS.toMillis(elected - killed),
                    TimeUnit.NANOSECONDS.toMillis(firstChange - killed));
        }
        assertThat(newLeader).isNotEqualTo(leader).isPositive();

        cluster.restart(leader);
        cluster.awaitFormed();
        try (Admin admin = adminOf(cluster, leader)) {
            MetadataQuorumTest.awaitTopics(admin, List.of("after-kill"));
        }
    }

    private static Admin adminOf(DLogCluster cluster, int node) {
        Properties props = new Properties();
        props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, cluster.bootstrapServers(node));
        props.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, "10000");
        props.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, "5000");
        return Admin.create(props);
    }

    /** Threads and resident memory of a child JVM, from /proc (Linux). */
    private static String processFigures(long pid) throws Exception {
        Path status = Path.of("/proc/" + pid + "/status");
        if (!Files.exists(status)) {
            return "(no /proc)";
        }
        StringBuilder out = new StringBuilder();
        for (String line : Files.readAllLines(status)) {
            if (line.startsWith("Threads:") || line.startsWith("VmRSS:")) {
                out.append(line.replaceAll("\\s+", " ")).append("; ");
            }
        }
        return out.toString();
    }
}
