package io.dlog.compat.replication;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.dlog.compat.cluster.ProcessCluster;
import io.dlog.compat.tools.ChildJvm;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.TopicPartitionInfo;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Kafka's own system-test clients against a 3-node cluster of child JVMs, as Kafka's {@code replication_test.py}
 * and {@code produce_consume_validate.py} use them: {@code VerifiableProducer} (acks=all, its default idempotent
 * producer) and a {@code VerifiableConsumer} in a KIP-848 group, each in its own JVM, printing JSON events. While they
 * run, the leader of partition 0 is killed with kill -9 and restarted, then the group's coordinator. The check is
 * theirs: every value the producer reported acknowledged is consumed, at the partition and offset the producer was
 * given, and the consumer's offset commits succeed again after its coordinator died. The tool sets {@code retries=0}
 * (so its producer is not idempotent), so sends in flight to a killed node fail (NetworkException) and are reported as
 * errors, as against Kafka; each send is one or the other.
 */
class VerifiableClientsFailoverTest {
    private static final String TOPIC = "verifiable";
    private static final String GROUP = "verifiable-group";
    private static final int MESSAGES = 12_000;
    private static final ObjectMapper JSON = new ObjectMapper();
    private ProcessCluster cluster;
    private final List<ChildJvm.Child> children = new ArrayList<>();

    @AfterEach
    void close() {
        children.forEach(ChildJvm.Child::kill);
        children.forEach(ChildJvm::deleteOutput);
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    @Timeout(value = 8, unit = TimeUnit.MINUTES)
    void shouldConsumeEveryAcknowledgedValueAcrossKillsOfTheLeaderAndTheGroupCoordinator() throws Exception {
        // Given
        cluster = ProcessCluster.start(3, Map.of("broker.session.timeout.ms", "6000", "broker.heartbeat.interval.ms", "1000"));
        cluster.createTopic(new NewTopic(TOPIC, 3, (short) 3).configs(Map.of("min.insync.replicas", "2")));
        ChildJvm.Child producer = started(ChildJvm.start(List.of(), "org.apache.kafka.tools.VerifiableProducer",
                "--bootstrap-server", cluster.bootstrapServers(), "--topic", TOPIC, "--max-messages",
                Integer.toString(MESSAGES), "--throughput", "400", "--acks", "-1"));
        ChildJvm.Child consumer = started(ChildJvm.start(List.of(), "org.apache.kafka.tools.VerifiableConsumer",
                "--bootstrap-server", cluster.bootstrapServers(), "--topic", TOPIC, "--group-id", GROUP,
                "--group-protocol", "CONSUMER", "--reset-policy", "earliest", "--verbose"));
        await(() -> events(producer, "producer_send_success").size() >= 1_000, "1,000 acknowledged sends", producer);
        await(() -> !events(consumer, "offsets_committed").isEmpty(), "a first offset commit", consumer);

        // When: kill -9 of partition 0's leader, back after 5 s; then of the group's coordinator
        int leader = leaderOfPartition0();
        cluster.kill(leader);
        Thread.sleep(5_000);
        cluster.restart(leader);
        int acksBefore = events(producer, "producer_send_success").size();
        await(() -> events(producer, "producer_send_success").size() >= acksBefore + 1_000,
                "1,000 more acknowledged sends after the leader's kill", producer);
        int coordinator = coordinator();
        int commitsBefore = events(consumer, "offsets_committed").size();
        cluster.kill(coordinator);
        Thread.sleep(5_000);
        cluster.restart(coordinator);
        assertThat(producer.process().waitFor(4, TimeUnit.MINUTES)).as("the producer ends\n" + producer.stderrText())
                .isTrue();
        Map<String, JsonNode> acked = byValue(events(producer, "producer_send_success"));
        await(() -> consumedValues(consumer).containsAll(acked.keySet()), "every acknowledged value consumed", consumer);
        await(() -> events(consumer, "offsets_committed").stream().skip(commitsBefore)
                .anyMatch(e -> e.path("success").asBoolean()), "a successful commit after the coordinator's kill", consumer);

        // Then
        List<JsonNode> errors = events(producer, "producer_send_error");
        System.out.println("VERIFIABLE acknowledged " + acked.size() + " of " + MESSAGES + ", send errors "
                + errors.size() + " " + errors.stream().map(e -> e.path("exception").asText() + ": "
                + e.path("message").asText()).distinct().toList() + "; killed leader " + leader + ", coordinator "
                + coordinator);
        assertThat(producer.process().exitValue()).isZero();
        assertThat(acked.size() + events(producer, "producer_send_error").size()).isEqualTo(MESSAGES);
        for (JsonNode record : events(consumer, "record_data")) {
            JsonNode ack = acked.get(record.path("value").asText());
            if (ack != null) {
                assertThat(record.path("partition").asInt() + "@" + record.path("offset").asLong())
                        .as("where value %s was consumed", record.path("value").asText())
                        .isEqualTo(ack.path("partition").asInt() + "@" + ack.path("offset").asLong());
            }
        }
    }

    private ChildJvm.Child started(ChildJvm.Child child) {
        children.add(child);
        return child;
    }

    /** The child's JSON events named {@code name}, in the order it printed them (a line still being written is skipped). */
    private static List<JsonNode> events(ChildJvm.Child child, String name) {
        List<JsonNode> events = new ArrayList<>();
        for (String line : child.stdoutText().split("\n")) {
            if (line.startsWith("{") && line.contains("\"" + name + "\"")) {
                try {
                    JsonNode event = JSON.readTree(line);
                    if (name.equals(event.path("name").asText())) {
                        events.add(event);
                    }
                } catch (IOException e) {
                    // the last line, half written
                }
            }
        }
        return events;
    }

    private static Map<String, JsonNode> byValue(List<JsonNode> sends) {
        Map<String, JsonNode> byValue = new HashMap<>();
        sends.forEach(send -> byValue.put(send.path("value").asText(), send));
        return byValue;
    }

    private static Set<String> consumedValues(ChildJvm.Child consumer) {
        Set<String> values = new HashSet<>();
        events(consumer, "record_data").forEach(record -> values.add(record.path("value").asText()));
        return values;
    }

    private static void await(java.util.function.BooleanSupplier condition, String what, ChildJvm.Child child)
            throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofMinutes(2).toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - deadline > 0) {
                String out = child.stdoutText();
                throw new AssertionError("no " + what + " within 2 minutes; the child's last output:\n"
                        + out.substring(Math.max(0, out.length() - 3_000)) + "\n--- stderr\n" + child.stderrText());
            }
            Thread.sleep(200);
        }
    }

    private int leaderOfPartition0() throws Exception {
        return retry(admin -> {
            TopicPartitionInfo p0 = admin.describeTopics(List.of(TOPIC)).allTopicNames().get().get(TOPIC).partitions().get(0);
            return p0.leader() == null ? -1 : p0.leader().id();
        }, id -> id > 0);
    }

    private int coordinator() throws Exception {
        return retry(admin -> admin.describeConsumerGroups(List.of(GROUP)).describedGroups().get(GROUP).get()
                .coordinator().id(), id -> id > 0);
    }

    private interface AdminCall {
        int call(Admin admin) throws InterruptedException, ExecutionException;
    }

    private int retry(AdminCall call, Predicate<Integer> ok) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (true) {
            try (Admin admin = cluster.admin()) {
                int answer = call.call(admin);
                if (ok.test(answer)) {
                    return answer;
                }
            } catch (ExecutionException e) {
                // a node restarting or an election under way
            }
            assertThat(System.nanoTime() - deadline).as("an answer within 60 s").isNegative();
            Thread.sleep(200);
        }
    }
}
