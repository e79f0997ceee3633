package io.dlog.compat.replication;

import static org.assertj.core.api.Assertions.assertThat;

import io.dlog.compat.clients.Kafkajs;
import io.dlog.compat.clients.LibrdkafkaTransactions;
import io.dlog.compat.cluster.ProcessCluster;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.TopicPartitionInfo;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * librdkafka (confluent-kafka-python) and kafkajs through a kill -9 of the partition leader in a cluster of three
 * child JVMs, and through a pause of it (SIGSTOP until it is fenced and another replica leads, then SIGCONT: it comes
 * back with requests in flight and a stale view of the cluster until it catches up): each client's idempotent acks=all
 * producer keeps producing against the new leader, its group consumer keeps reading (its group coordinator may have
 * died or stalled too), and nothing acknowledged is lost. The
 * scripts are {@code librdkafka/failover.py} and {@code js/kafkajs-failover/failover.js}; each test is skipped,
 * saying why, where its client is not installed. Prints the failover time each client saw (kill to its first
 * acknowledged write after it).
 */
@Timeout(value = 6, unit = TimeUnit.MINUTES)
class NonJavaClientFailoverTest {
    private static final Duration PRODUCE_FOR = Duration.ofSeconds(25);
    /** How long a paused leader stays stopped once another replica leads: the clients work against the new one. */
    private static final Duration PAUSE_AFTER_FENCE = Duration.ofSeconds(2);
    private static ProcessCluster cluster;

    @BeforeAll
    static void startCluster() throws Exception {
        cluster = ProcessCluster.start(3, Map.of("broker.session.timeout.ms", "6000", "broker.heartbeat.interval.ms", "1000"));
    }

    @AfterAll
    static void stopCluster() {
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    void shouldCarryLibrdkafkaThroughAKillOfTheLeaderLosingNoAcknowledgedWrite() throws Exception {
        String python = LibrdkafkaTransactions.python();
        Path script = Path.of(NonJavaClientFailoverTest.class.getResource("/librdkafka/failover.py").toURI());
        runThroughFailover("failover-librdkafka", "librdkafka", Fault.KILL, python, script.toString());
    }

    @Test
    void shouldCarryLibrdkafkaThroughAPauseOfTheLeaderLosingNoAcknowledgedWrite() throws Exception {
        String python = LibrdkafkaTransactions.python();
        Path script = Path.of(NonJavaClientFailoverTest.class.getResource("/librdkafka/failover.py").toURI());
        runThroughFailover("pause-librdkafka", "librdkafka", Fault.PAUSE, python, script.toString());
    }

    @Test
    void shouldCarryKafkajsThroughAKillOfTheLeaderLosingNoAcknowledgedWrite() throws Exception {
        Path script = Kafkajs.script("kafkajs-failover", "failover.js");
        runThroughFailover("failover-kafkajs", "kafkajs", Fault.KILL, "node", script.toString());
    }

    @Test
    void shouldCarryKafkajsThroughAPauseOfTheLeaderLosingNoAcknowledgedWrite() throws Exception {
        Path script = Kafkajs.script("kafkajs-failover", "failover.js");
        runThroughFailover("pause-kafkajs", "kafkajs", Fault.PAUSE, "node", script.toString());
    }

    private enum Fault { KILL, PAUSE }

    private void runThroughFailover(String topic, String client, Fault fault, String... command) throws Exception {
        // Given: a replicated partition with all three replicas in sync, the client producing and consuming
        cluster.createTopic(new NewTopic(topic, 1, (short) 3).configs(Map.of("min.insync.replicas", "2")));
        int leader = awaitIsr(topic, 3).leader().id();
        List<String> args = new ArrayList<>(List.of(command));
        args.addAll(List.of(cluster.bootstrapServers(), topic, topic + "-group", Long.toString(PRODUCE_FOR.toSeconds())));
        Process process = new ProcessBuilder(args).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        List<String> lines = Collections.synchronizedList(new ArrayList<>());
        Thread reader = new Thread(() -> collect(process, lines), client + "-output");
        reader.start();
        try {
            awaitLines(lines, "ACK ", 50, process);

            // When
            // From when the signal has landed (kill -9 returns once the process is gone, SIGSTOP once kill(1) exits):
            // a write sent just before may still be acknowledged by the old leader.
            long faultAtMs;
            if (fault == Fault.KILL) {
                cluster.kill(leader);
                faultAtMs = System.currentTimeMillis();
            } else {
                cluster.pause(leader);
                faultAtMs = System.currentTimeMillis();
                awaitLeaderOtherThan(topic, leader);
                Thread.sleep(PAUSE_AFTER_FENCE.toMillis());
                cluster.resume(leader);
            }
            boolean exited = process.waitFor(PRODUCE_FOR.toSeconds() + 200, TimeUnit.SECONDS);
            reader.join(10_000);

            // Then
            List<String> output = List.copyOf(lines);
            assertThat(exited).as("%s script ended; output tail %s", client, tail(output)).isTrue();
            assertThat(process.exitValue()).as("%s exit status; output tail %s", client, tail(output)).isZero();
            Set<String> acked = new HashSet<>();
            long firstAckAfterKill = Long.MAX_VALUE;
            Set<String> read = new HashSet<>();
            for (String line : output) {
                String[] f = line.split(" ");
                if (f[0].equals("ACK")) {
                    acked.add(f[2]);
                    // Only a write sent after the kill measures the failover: one sent before may be
                    // acknowledged by the old leader a moment after the kill.
                    long at = Long.parseLong(f[1]);
                    long sent = Long.parseLong(f[3]);
                    if (sent > faultAtMs) {
                        firstAckAfterKill = Math.min(firstAckAfterKill, at);
                    }
                } else if (f[0].equals("READ")) {
                    read.add(f[1]);
                }
            }
            assertThat(firstAckAfterKill).as("%s producer acknowledged no write sent after the kill; tail %s", client, tail(output))
                    .isLessThan(Long.MAX_VALUE);
            String what = fault == Fault.KILL ? "kill -9" : "SIGSTOP";
            System.out.println("FAILOVER " + client + ": " + what + " of leader " + leader
                    + " -> first acks=all write acknowledged after " + (firstAckAfterKill - faultAtMs) + " ms");
            Set<String> unread = new HashSet<>(acked);
            unread.removeAll(read);
            assertThat(unread).as("%s consumer did not read these acknowledged values", client).isEmpty();
            List<String> log = PartitionReader.readToEnd(cluster.bootstrapServers(), topic);
            Set<String> missing = new HashSet<>(acked);
            log.forEach(missing::remove);
            assertThat(missing).as("acknowledged %s writes missing from the log", client).isEmpty();
            assertThat(new HashSet<>(log)).as("no %s write twice in the log", client).hasSize(log.size());
        } finally {
            process.destroyForcibly();
            // The next test needs three nodes again.
            if (cluster.isPaused(leader)) {
                cluster.resume(leader);
            }
            if (!cluster.isRunning(leader)) {
                cluster.restart(leader);
            }
            awaitIsr(topic, 3);
        }
    }

    private static void collect(Process process, List<String> lines) {
        try (BufferedReader in = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
            for (String line = in.readLine(); line != null; line = in.readLine()) {
                lines.add(line);
            }
        } catch (java.io.IOException e) {
            lines.add("OUTPUT-ERROR " + e);
        }
    }

    private static void awaitLines(List<String> lines, String prefix, int count, Process process) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (true) {
            long seen;
            synchronized (lines) {
                seen = lines.stream().filter(l -> l.startsWith(prefix)).count();
            }
            if (seen >= count) {
                return;
            }
            assertThat(process.isAlive()).as("script still running; output %s", tail(lines)).isTrue();
            assertThat(System.nanoTime() - deadline).as("%d lines starting %s; output %s", count, prefix, tail(lines))
                    .isNegative();
            Thread.sleep(20);
        }
    }

    private static List<String> tail(List<String> lines) {
        synchronized (lines) {
            return List.copyOf(lines.subList(Math.max(0, lines.size() - 20), lines.size()));
        }
    }

    /** Waits until the partition has a leader that is not {@code old} (a paused leader is fenced and replaced). */
    private void awaitLeaderOtherThan(String topic, int old) throws Exception {
        // Ask another node: a request to the stopped one waits for the client's timeout, and so does a client that
        // happens to bootstrap from it.
        int other = cluster.nodeIds().stream().filter(id -> id != old).findFirst().orElseThrow();
        Properties props = cluster.clientProps();
        props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, cluster.bootstrapServers(other));
        props.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, "3000");
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (true) {
            try (Admin admin = Admin.create(props)) {
                TopicPartitionInfo p = admin.describeTopics(List.of(topic)).allTopicNames().get(10, TimeUnit.SECONDS)
                        .get(topic).partitions().get(0);
                if (p.leader() != null && p.leader().id() != old) {
                    return;
                }
            } catch (ExecutionException | java.util.concurrent.TimeoutException e) {
                // the paused node was asked
            }
            assertThat(System.nanoTime() - deadline).as("a leader other than paused node %d for %s", old, topic)
                    .isNegative();
            Thread.sleep(200);
        }
    }

    private TopicPartitionInfo awaitIsr(String topic, int size) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
        while (true) {
            try (Admin admin = cluster.admin()) {
                TopicPartitionInfo p = admin.describeTopics(List.of(topic)).allTopicNames().get(10, TimeUnit.SECONDS)
                        .get(topic).partitions().get(0);
                if (p.leader() != null && p.isr().size() == size) {
                    return p;
                }
            } catch (ExecutionException | java.util.concurrent.TimeoutException e) {
                // a node restarting, or the topic not yet known everywhere
            }
            assertThat(System.nanoTime() - deadline).as("ISR of %d for %s", size, topic).isNegative();
            Thread.sleep(200);
        }
    }

}
