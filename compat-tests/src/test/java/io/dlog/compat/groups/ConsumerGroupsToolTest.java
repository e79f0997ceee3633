package io.dlog.compat.groups;

import static io.dlog.compat.groups.GroupClients.consumer;
import static io.dlog.compat.groups.GroupClients.partitioned;
import static io.dlog.compat.groups.GroupClients.pollUntil;
import static org.assertj.core.api.Assertions.assertThat;

import io.dlog.compat.DLogBrokerExtension;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * kafka-consumer-groups (ConsumerGroupCommand from kafka-tools, run as a child JVM since it exits the
 * JVM) and a librdkafka consumer (kcat, when installed) against DLog.
 */
@Timeout(180)
class ConsumerGroupsToolTest {
    @RegisterExtension
    static final DLogBrokerExtension DLOG = new DLogBrokerExtension();

    private record Result(int exitCode, String output) {
    }

    private static Result run(List<String> command) throws Exception {
        Path out = Files.createTempFile("tool-", ".out");
        try {
            Process process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(out.toFile()).start();
            if (!process.waitFor(60, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new AssertionError("timed out: " + command + "\n" + Files.readString(out, StandardCharsets.UTF_8));
            }
            return new Result(process.exitValue(), Files.readString(out, StandardCharsets.UTF_8));
        } finally {
            Files.deleteIfExists(out);
        }
    }

    private static Result consumerGroups(String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), "org.apache.kafka.tools.consumer.group.ConsumerGroupCommand",
                "--bootstrap-server", DLOG.bootstrapServers()));
        command.addAll(List.of(args));
        return run(command);
    }

    @Test
    void shouldDescribeResetAndDeleteGroupWithKafkaConsumerGroups() throws Exception {
        String topic = DLOG.newTopic(2);
        String group = "tool-group";
        GroupClients.produce(DLOG.bootstrapServers(), topic, 2, 5);
        TopicPartition p0 = new TopicPartition(topic, 0);
        TopicPartition p1 = new TopicPartition(topic, 1);
        try (KafkaConsumer<String, String> c = consumer(DLOG.bootstrapServers(), group, Map.of())) {
            c.subscribe(List.of(topic));
            pollUntil(() -> partitioned(2, 2, c), c);
            c.commitSync(Map.of(p0, new OffsetAndMetadata(2), p1, new OffsetAndMetadata(5)));

            Result listed = consumerGroups("--list");
            assertThat(listed.output()).contains(group);
            Result active = consumerGroups("--describe", "--group", group);
            assertThat(active.exitCode()).as(active.output()).isZero();
            assertThat(active.output()).containsPattern(topic + "\\s+0\\s+2\\s+5\\s+3\\s+\\S+")
                    .containsPattern(topic + "\\s+1\\s+5\\s+5\\s+0\\s+\\S+");
        }

        Result reset = consumerGroups("--reset-offsets", "--to-earliest", "--execute", "--group", group, "--topic", topic);
        assertThat(reset.exitCode()).as(reset.output()).isZero();
        try (KafkaConsumer<String, String> c = consumer(DLOG.bootstrapServers(), group, Map.of())) {
            Map<TopicPartition, OffsetAndMetadata> committed = c.committed(Set.of(p0, p1), GroupClients.WAIT);
            assertThat(committed.get(p0).offset()).isZero();
            assertThat(committed.get(p1).offset()).isZero();
        }
        Result described = consumerGroups("--describe", "--group", group);
        assertThat(described.output()).containsPattern(topic + "\\s+0\\s+0\\s+5\\s+5");

        Result deleted = consumerGroups("--delete", "--group", group);
        assertThat(deleted.exitCode()).as(deleted.output()).isZero();
        assertThat(deleted.output()).contains("Deletion of requested consumer groups ('" + group + "') was successful");
        assertThat(consumerGroups("--list").output()).doesNotContain(group);
    }

    @Test
    void shouldConsumeInGroupWithLibrdkafka() throws Exception {
        String kcat = findOnPath("kcat");
        Assumptions.assumeTrue(kcat != null, "kcat not installed");
        String topic = DLOG.newTopic(2);
        GroupClients.produce(DLOG.bootstrapServers(), topic, 2, 3);
        // Start from committed offsets so the run needs no ListOffsets (librdkafka asks v2 for
        // auto.offset.reset; see docs/compatibility.md).
        try (org.apache.kafka.clients.admin.Admin admin = DLOG.admin()) {
            admin.alterConsumerGroupOffsets("kcat-group", Map.of(new TopicPartition(topic, 0), new OffsetAndMetadata(0),
                    new TopicPartition(topic, 1), new OffsetAndMetadata(0))).all().get();
        }

        Result result = run(List.of(kcat, "-b", DLOG.bootstrapServers(), "-G", "kcat-group", "-X",
                "auto.offset.reset=earliest", "-c", "6", "-f", "%p:%o\\n", topic));

        assertThat(result.exitCode()).as(result.output()).isZero();
        assertThat(result.output().lines().filter(l -> l.matches("\\d:\\d"))).hasSize(6);
        Result described = consumerGroups("--describe", "--group", "kcat-group", "--offsets");
        assertThat(described.output()).contains(topic);
    }

    private static String findOnPath(String name) {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
            File file = new File(dir, name);
            if (file.canExecute()) {
                return file.getPath();
            }
        }
        return null;
    }
}
