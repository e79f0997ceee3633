package io.dlog.compat.share;

import static io.dlog.compat.share.ShareClients.awaitInitialized;
import static io.dlog.compat.share.ShareClients.offsets;
import static io.dlog.compat.share.ShareClients.until;
import static io.dlog.compat.share.ShareClients.produce;
import static io.dlog.compat.share.ShareClients.shareConsumer;
import static io.dlog.compat.share.ShareClients.startAtTheEarliest;
import static org.assertj.core.api.Assertions.assertThat;

import io.dlog.compat.DLogBrokerExtension;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.AcknowledgeType;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaShareConsumer;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Share groups (KIP-932) with Kafka 4.3.1's KafkaShareConsumer: several consumers on one topic share its
 * partitions record by record; released records, expired acquisition locks and the delivery limit behave
 * as on Kafka. The broker's lock duration is 2 s so expiry is observable quickly (the exactly-once tests set
 * Kafka's 30 s for their groups, so a stall cannot expire a lock), and members heartbeat every
 * 500 ms so a new member gets its share of the partitions sooner.
 */
@Timeout(180)
class ShareConsumersTest {
    @RegisterExtension
    static final DLogBrokerExtension DLOG = new DLogBrokerExtension()
            .with("group.share.record.lock.duration.ms", "2000")
            .with("group.share.delivery.count.limit", "3")
            .with("group.share.heartbeat.interval.ms", "500");

    private static Map<String, Integer> counts(List<ConsumerRecord<String, String>> records) {
        Map<String, Integer> counts = new HashMap<>();
        records.forEach(r -> counts.merge(r.key(), 1, Integer::sum));
        return counts;
    }

    private void shouldDeliverEveryRecordExactlyOnce(int consumerCount) throws Exception {
        // Given: share consumers on a 2-partition topic (with three, two of them share a partition)
        String topic = DLOG.newTopic(2);
        String group = "share-" + consumerCount + "-" + topic;
        List<KafkaShareConsumer<String, String>> consumers = new ArrayList<>();
        try (Admin admin = DLOG.admin()) {
            // Kafka's default lock (30 s), not the class's 2 s. A CI run once saw every record of one partition
            // twice: the mark of its 200 locks expiring before the implicit acknowledgement came, most likely in a
            // 2 s stall of the loaded 2-core machine, after which redelivery is right, on Kafka too. Not reproduced
            // in 25 runs under load; with 30 s a stall cannot do it, and a lost acknowledgement still would.
            ShareClients.setGroupConfig(admin, group, "share.record.lock.duration.ms", "30000");
            for (int i = 0; i < consumerCount; i++) {
                KafkaShareConsumer<String, String> c = shareConsumer(DLOG.bootstrapServers(), group, Map.of());
                c.subscribe(List.of(topic));
                consumers.add(c);
            }
            awaitInitialized(admin, group, topic, 2, consumers);
            ShareClients.awaitAssigned(admin, group, consumerCount, consumers);

            // When: 400 records are produced and every consumer acknowledges what it gets
            List<String> keys = produce(DLOG.bootstrapServers(), topic, 2, "k", 400);
            List<ConsumerRecord<String, String>> received = new ArrayList<>();
            until(() -> {
                for (KafkaShareConsumer<String, String> c : consumers) {
                    ConsumerRecords<String, String> got = c.poll(Duration.ofMillis(50));
                    got.forEach(received::add);
                }
                return received.size() >= keys.size();
            });
            // a few more polls: nothing is delivered twice (each poll acknowledges the previous one)
            long quietUntil = System.nanoTime() + Duration.ofSeconds(3).toNanos();
            while (System.nanoTime() < quietUntil) {
                consumers.forEach(c -> c.poll(Duration.ofMillis(100)).forEach(received::add));
            }
            consumers.forEach(KafkaShareConsumer::commitSync);

            // Then: each record exactly once, and the share-partition start offsets reached the end
            assertThat(counts(received)).hasSize(keys.size()).allSatisfy((k, n) -> assertThat(n).as(k).isEqualTo(1));
            assertThat(received.stream().map(ConsumerRecord::key).collect(Collectors.toSet())).isEqualTo(Set.copyOf(keys));
            // (How the records spread over the members is timing: assignment is advice, and a member whose fetch
            // session still names a partition it no longer holds may take its records, on Kafka as here.)
            assertThat(offsets(admin, group)).containsOnlyKeys(new TopicPartition(topic, 0), new TopicPartition(topic, 1))
                    .allSatisfy((tp, info) -> assertThat(info.startOffset()).as("%s", tp).isEqualTo(200));
        } finally {
            consumers.forEach(KafkaShareConsumer::close);
        }
    }

    @Test
    void shouldDeliverEveryRecordExactlyOnceToTwoShareConsumers() throws Exception {
        shouldDeliverEveryRecordExactlyOnce(2);
    }

    @Test
    void shouldDeliverEveryRecordExactlyOnceToThreeShareConsumers() throws Exception {
        shouldDeliverEveryRecordExactlyOnce(3);
    }

    @Test
    void shouldRedeliverReleasedRecordsAndArchiveAPoisonRecordAtTheDeliveryLimit() throws Exception {
        // Given: one explicit-acknowledgement consumer on a 1-partition topic with 10 records
        String topic = DLOG.newTopic(1);
        String group = "release-" + topic;
        try (Admin admin = DLOG.admin();
             KafkaShareConsumer<String, String> c = shareConsumer(DLOG.bootstrapServers(), group,
                     Map.of("share.acknowledgement.mode", "explicit"))) {
            c.subscribe(List.of(topic));
            awaitInitialized(admin, group, topic, 1, List.of(c));
            produce(DLOG.bootstrapServers(), topic, 1, "r", 10);

            // When: it accepts every record but k-3, which it releases each time, and rejects nothing
            Map<String, Integer> deliveries = new HashMap<>();
            Map<String, Short> lastDeliveryCount = new HashMap<>();
            until(() -> {
                for (ConsumerRecord<String, String> r : c.poll(Duration.ofMillis(100))) {
                    deliveries.merge(r.key(), 1, Integer::sum);
                    r.deliveryCount().ifPresent(n -> lastDeliveryCount.put(r.key(), n));
                    c.acknowledge(r, r.key().equals("r-3") ? AcknowledgeType.RELEASE : AcknowledgeType.ACCEPT);
                }
                c.commitSync();
                return deliveries.getOrDefault("r-3", 0) >= 3 && deliveries.size() == 10;
            });
            // a little longer: the poison record is not delivered a fourth time
            long until = System.nanoTime() + Duration.ofSeconds(2).toNanos();
            while (System.nanoTime() < until) {
                for (ConsumerRecord<String, String> r : c.poll(Duration.ofMillis(100))) {
                    deliveries.merge(r.key(), 1, Integer::sum);
                    c.acknowledge(r, AcknowledgeType.ACCEPT);
                }
                c.commitSync();
            }

            // Then: k-3 came 3 times (delivery counts 1..3) and was archived; the others once
            assertThat(deliveries.get("r-3")).isEqualTo(3);
            assertThat(lastDeliveryCount.get("r-3")).isEqualTo((short) 3);
            deliveries.forEach((k, n) -> assertThat(n).as(k).isEqualTo(k.equals("r-3") ? 3 : 1));
            assertThat(offsets(admin, group).get(new TopicPartition(topic, 0)).startOffset()).isEqualTo(10);
        }
    }

    @Test
    void shouldRedeliverRecordsWhoseAcquisitionLockExpiredToAnotherConsumer() throws Exception {
        // Given: a consumer that takes records and never acknowledges them. The records are in the log before its
        // first fetch, which takes them all at once: in explicit acknowledgement mode a second poll would refuse to
        // run while the first one's records are unacknowledged (records appended while it waits could come in two)
        String topic = DLOG.newTopic(1);
        String group = "expiry-" + topic;
        try (Admin admin = DLOG.admin();
             KafkaShareConsumer<String, String> stuck = shareConsumer(DLOG.bootstrapServers(), group,
                     Map.of("share.acknowledgement.mode", "explicit"))) {
            startAtTheEarliest(admin, group);
            List<String> keys = produce(DLOG.bootstrapServers(), topic, 1, "e", 5);
            stuck.subscribe(List.of(topic));
            List<ConsumerRecord<String, String>> taken = new ArrayList<>();
            until(() -> {
                stuck.poll(Duration.ofMillis(100)).forEach(taken::add);
                return taken.size() >= keys.size();
            });
            assertThat(taken).allSatisfy(r -> assertThat(r.deliveryCount()).contains((short) 1));

            // When: another member of the group polls past the 2 s lock
            try (KafkaShareConsumer<String, String> other = shareConsumer(DLOG.bootstrapServers(), group, Map.of())) {
                other.subscribe(List.of(topic));
                List<ConsumerRecord<String, String>> redelivered = new ArrayList<>();
                until(() -> {
                    other.poll(Duration.ofMillis(100)).forEach(redelivered::add);
                    return redelivered.size() >= keys.size();
                });

                // Then: the same records, delivered again (the second time, or a later one when the stuck
                // consumer's fetch still in flight took them back once before this consumer asked)
                assertThat(redelivered).extracting(ConsumerRecord::key).containsExactlyInAnyOrderElementsOf(keys);
                assertThat(redelivered).allSatisfy(r -> assertThat(r.deliveryCount().orElseThrow()).isBetween((short) 2, (short) 3));
            }
        }
    }

    @Test
    void shouldAdvertiseShareVersionAndRefuseShareGroupsWhenItIsDisabled() throws Exception {
        try (Admin admin = DLOG.admin()) {
            // Given: share.version finalized at 1, as on a new Kafka 4.2+ cluster
            var features = admin.describeFeatures().featureMetadata().get();
            assertThat(features.finalizedFeatures().get("share.version").maxVersionLevel()).isEqualTo((short) 1);
            assertThat(features.supportedFeatures().get("share.version").maxVersion()).isEqualTo((short) 1);
            String topic = DLOG.newTopic(1);
            admin.updateFeatures(Map.of("share.version", new org.apache.kafka.clients.admin.FeatureUpdate((short) 0,
                    org.apache.kafka.clients.admin.FeatureUpdate.UpgradeType.SAFE_DOWNGRADE)),
                    new org.apache.kafka.clients.admin.UpdateFeaturesOptions()).all().get();
            try (KafkaShareConsumer<String, String> c = shareConsumer(DLOG.bootstrapServers(), "disabled-" + topic, Map.of())) {
                // When: a share consumer joins while share.version is 0
                c.subscribe(List.of(topic));
                // Then: its heartbeat is refused with UNSUPPORTED_VERSION, which the client raises from poll
                org.assertj.core.api.Assertions.assertThatThrownBy(() -> until(() -> {
                    c.poll(Duration.ofMillis(100));
                    return false;
                })).isInstanceOf(org.apache.kafka.common.errors.UnsupportedVersionException.class);
            } finally {
                admin.updateFeatures(Map.of("share.version", new org.apache.kafka.clients.admin.FeatureUpdate((short) 1,
                        org.apache.kafka.clients.admin.FeatureUpdate.UpgradeType.UPGRADE)),
                        new org.apache.kafka.clients.admin.UpdateFeaturesOptions()).all().get();
            }
        }
    }
}
