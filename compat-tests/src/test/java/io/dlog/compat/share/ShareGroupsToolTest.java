package io.dlog.compat.share;

import static io.dlog.compat.share.ShareClients.awaitInitialized;
import static io.dlog.compat.share.ShareClients.awaitStartOffsets;
import static io.dlog.compat.share.ShareClients.offsets;
import static io.dlog.compat.share.ShareClients.produce;
import static io.dlog.compat.share.ShareClients.shareConsumer;
import static io.dlog.compat.share.ShareClients.until;
import static org.assertj.core.api.Assertions.assertThat;

import io.dlog.compat.DLogBrokerExtension;
import io.dlog.compat.tools.ChildJvm;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaShareConsumer;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * kafka-share-groups (ShareGroupCommand from the 4.3.1 tools, in a child JVM since it exits the JVM) against
 * DLog: list, describe offsets, members and state, reset offsets to the earliest (after which the group
 * receives everything again), delete offsets, delete.
 */
@Timeout(180)
class ShareGroupsToolTest {
    @RegisterExtension
    static final DLogBrokerExtension DLOG = new DLogBrokerExtension();

    private static ChildJvm.Result shareGroups(String... args) throws Exception {
        List<String> all = new ArrayList<>(List.of("--bootstrap-server", DLOG.bootstrapServers()));
        all.addAll(List.of(args));
        return ChildJvm.run(Duration.ofSeconds(60), "org.apache.kafka.tools.consumer.group.ShareGroupCommand",
                all.toArray(String[]::new));
    }

    /** Polls until {@code count} records came, commits, and checks that every acknowledgement was taken. */
    private static List<ConsumerRecord<String, String>> consumeAll(KafkaShareConsumer<String, String> consumer, int count) {
        List<ConsumerRecord<String, String>> received = new ArrayList<>();
        List<String> refused = new ArrayList<>();
        consumer.setAcknowledgementCommitCallback((acked, failure) -> {
            if (failure != null) {
                refused.add(acked + ": " + failure);
            }
        });
        until(() -> {
            consumer.poll(Duration.ofMillis(100)).forEach(received::add);
            return received.size() >= count;
        });
        consumer.commitSync(Duration.ofSeconds(30)).forEach((tp, failure) ->
                failure.ifPresent(e -> refused.add(tp + ": " + e)));
        assertThat(refused).as("acknowledgements refused").isEmpty();
        return received;
    }

    @Test
    void shouldListDescribeResetAndDeleteAShareGroup() throws Exception {
        String topic = DLOG.newTopic(2);
        String group = "tool-share-group";
        try (Admin admin = DLOG.admin()) {
            try (KafkaShareConsumer<String, String> consumer = shareConsumer(DLOG.bootstrapServers(), group, Map.of())) {
                consumer.subscribe(List.of(topic));
                awaitInitialized(admin, group, topic, 2, List.of(consumer));
                produce(DLOG.bootstrapServers(), topic, 2, "t", 10);
                consumeAll(consumer, 10);
                awaitStartOffsets(admin, group, 5, List.of(consumer));

                ChildJvm.Result listed = shareGroups("--list");
                assertThat(listed.exitCode()).as("%s", listed).isZero();
                assertThat(listed.stdoutLines()).contains(group);
                ChildJvm.Result described = shareGroups("--describe", "--group", group);
                assertThat(described.exitCode()).as("%s", described).isZero();
                assertThat(described.stdout()).as("%s", described)
                        .containsPattern(group + "\\s+" + topic + "\\s+0\\s+5\\s+0")
                        .containsPattern(group + "\\s+" + topic + "\\s+1\\s+5\\s+0");
                ChildJvm.Result members = shareGroups("--describe", "--group", group, "--members");
                assertThat(members.exitCode()).as("%s", members).isZero();
                assertThat(members.stdout()).as("%s", members).contains(topic + ":0,1");
                ChildJvm.Result state = shareGroups("--describe", "--group", group, "--state");
                assertThat(state.stdout()).as("%s", state).containsPattern(group + "\\s+\\S+\\s+\\(1\\)\\s+Stable\\s+1");
            }

            // reset needs an inactive group: the consumer has left
            ChildJvm.Result reset = shareGroups("--reset-offsets", "--to-earliest", "--execute", "--group", group, "--topic", topic);
            assertThat(reset.exitCode()).as("%s", reset).isZero();
            assertThat(offsets(admin, group)).containsOnlyKeys(new TopicPartition(topic, 0), new TopicPartition(topic, 1))
                    .allSatisfy((tp, info) -> assertThat(info.startOffset()).isZero());
            try (KafkaShareConsumer<String, String> again = shareConsumer(DLOG.bootstrapServers(), group, Map.of())) {
                again.subscribe(List.of(topic));
                assertThat(consumeAll(again, 10)).extracting(ConsumerRecord::key).hasSize(10).doesNotHaveDuplicates();
            }

            ChildJvm.Result deletedOffsets = shareGroups("--delete-offsets", "--group", group, "--topic", topic);
            assertThat(deletedOffsets.exitCode()).as("%s", deletedOffsets).isZero();
            assertThat(offsets(admin, group)).isEmpty();

            ChildJvm.Result deleted = shareGroups("--delete", "--group", group);
            assertThat(deleted.exitCode()).as("%s", deleted).isZero();
            assertThat(shareGroups("--list").stdoutLines()).doesNotContain(group);
        }
    }
}
