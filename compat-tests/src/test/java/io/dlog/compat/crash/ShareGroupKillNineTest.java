package io.dlog.compat.crash;

import static io.dlog.compat.share.ShareClients.awaitInitialized;
import static io.dlog.compat.share.ShareClients.offsets;
import static io.dlog.compat.share.ShareClients.produce;
import static io.dlog.compat.share.ShareClients.shareConsumer;
import static io.dlog.compat.share.ShareClients.until;
import static org.assertj.core.api.Assertions.assertThat;

import io.dlog.compat.DLogBrokerExtension;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.AcknowledgeType;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaShareConsumer;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A share group across a {@code kill -9} of its broker: acknowledged records are in {@code __share_group_state}
 * and never come back; records acquired but not acknowledged when the broker died are delivered again, with
 * their delivery count carried over.
 */
@Timeout(180)
class ShareGroupKillNineTest {

    private static Admin admin(String bootstrap) {
        Properties props = new Properties();
        props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        return Admin.create(props);
    }

    @Test
    void shouldRedeliverOnlyUnacknowledgedRecordsAfterKillNine() throws Exception {
        Path dataDir = Files.createTempDirectory("dlog-share-kill-");
        int port = ChildBroker.freePort();
        String topic = "queue";
        String group = "kill-nine-share";
        try {
            KafkaShareConsumer<String, String> first;
            List<Long> heldAtKill = new ArrayList<>();
            try (ChildBroker broker = ChildBroker.start(port, dataDir)) {
                // Given: 20 records, a consumer that received all and acknowledged the first 10
                try (Admin admin = admin(broker.bootstrapServers())) {
                    admin.createTopics(List.of(new NewTopic(topic, 1, (short) 1))).all().get();
                    first = shareConsumer(broker.bootstrapServers(), group, Map.of("share.acknowledgement.mode", "explicit"));
                    first.subscribe(List.of(topic));
                    awaitInitialized(admin, group, topic, 1, List.of(first));
                }
                produce(broker.bootstrapServers(), topic, 1, "m", 20);
                // (explicit mode: a poll needs the previous one acknowledged, so the poll that brings offsets
                // from 10 on is the last; those stay acquired and unacknowledged)
                List<ConsumerRecord<String, String>> received = new ArrayList<>();
                until(() -> {
                    boolean reachedTen = false;
                    for (ConsumerRecord<String, String> r : first.poll(Duration.ofMillis(100))) {
                        received.add(r);
                        if (r.offset() < 10) {
                            first.acknowledge(r, AcknowledgeType.ACCEPT);
                        } else {
                            reachedTen = true;
                        }
                    }
                    return reachedTen;
                });
                first.commitSync(Duration.ofSeconds(30)); // the acknowledgements are durable once answered
                heldAtKill.addAll(received.stream().map(ConsumerRecord::offset).filter(o -> o >= 10).toList());

                // When: the broker is killed (no shutdown) and started again on the same folder
                broker.killHard();
            }
            try (ChildBroker broker = ChildBroker.start(port, dataDir);
                 Admin admin = admin(broker.bootstrapServers())) {
                first.close(Duration.ofSeconds(5));
                try (KafkaShareConsumer<String, String> second = shareConsumer(broker.bootstrapServers(), group, Map.of())) {
                    second.subscribe(List.of(topic));
                    List<ConsumerRecord<String, String>> again = new ArrayList<>();
                    until(() -> {
                        second.poll(Duration.ofMillis(100)).forEach(again::add);
                        return again.size() >= 10;
                    });
                    long quietUntil = System.nanoTime() + Duration.ofSeconds(2).toNanos();
                    while (System.nanoTime() < quietUntil) {
                        second.poll(Duration.ofMillis(100)).forEach(again::add);
                    }
                    second.commitSync(Duration.ofSeconds(30));

                    // Then: exactly the unacknowledged half, each on its second delivery; then the group is done
                    assertThat(again).extracting(ConsumerRecord::offset)
                            .containsExactlyInAnyOrder(10L, 11L, 12L, 13L, 14L, 15L, 16L, 17L, 18L, 19L);
                    assertThat(again).allSatisfy(r -> assertThat(r.deliveryCount())
                            .contains(heldAtKill.contains(r.offset()) ? (short) 2 : (short) 1));
                    until(() -> {
                        try {
                            return offsets(admin, group).get(new TopicPartition(topic, 0)).startOffset() == 20;
                        } catch (Exception e) {
                            return false;
                        }
                    });
                }
            }
        } finally {
            DLogBrokerExtension.deleteRecursively(dataDir);
        }
    }
}
