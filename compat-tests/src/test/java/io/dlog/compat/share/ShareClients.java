package io.dlog.compat.share;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.ListShareGroupOffsetsSpec;
import org.apache.kafka.clients.admin.SharePartitionOffsetInfo;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaShareConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/** Kafka 4.3.1 share consumers, producers and admin calls shared by the share group tests. */
public final class ShareClients {
    public static final Duration WAIT = Duration.ofSeconds(60);

    private ShareClients() {
    }

    public static KafkaShareConsumer<String, String> shareConsumer(String bootstrap, String groupId, Map<String, Object> overrides) {
        Map<String, Object> props = new HashMap<>();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        props.put(ConsumerConfig.GROUP_ID_CONFIG, groupId);
        props.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        props.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        props.putAll(overrides);
        return new KafkaShareConsumer<>(props);
    }

    /** Produces keys {@code prefix-0 .. prefix-(count-1)} round robin over the partitions; waits for every ack. */
    public static List<String> produce(String bootstrap, String topic, int partitions, String prefix, int count) throws Exception {
        Map<String, Object> props = new HashMap<>();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        props.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        props.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        props.put(ProducerConfig.LINGER_MS_CONFIG, 5);
        List<String> keys = new ArrayList<>();
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(props)) {
            List<java.util.concurrent.Future<?>> sent = new ArrayList<>();
            for (int i = 0; i < count; i++) {
                String key = prefix + "-" + i;
                keys.add(key);
                sent.add(producer.send(new ProducerRecord<>(topic, i % partitions, key, "v" + i)));
            }
            for (java.util.concurrent.Future<?> f : sent) {
                f.get(30, TimeUnit.SECONDS);
            }
        }
        return keys;
    }

    /** The group's share-partition offsets (DescribeShareGroupOffsets), empty for partitions never initialized. */
    public static Map<TopicPartition, SharePartitionOffsetInfo> offsets(Admin admin, String groupId) throws Exception {
        Map<TopicPartition, SharePartitionOffsetInfo> all = admin.listShareGroupOffsets(Map.of(groupId,
                new ListShareGroupOffsetsSpec())).partitionsToOffsetInfo(groupId).get(30, TimeUnit.SECONDS);
        Map<TopicPartition, SharePartitionOffsetInfo> initialized = new HashMap<>();
        all.forEach((tp, info) -> {
            if (info != null && info.startOffset() >= 0) {
                initialized.put(tp, info);
            }
        });
        return initialized;
    }

    /** Sets the group's share.auto.offset.reset to earliest (a GROUP config), before its first fetch. */
    public static void startAtTheEarliest(Admin admin, String groupId) throws Exception {
        setGroupConfig(admin, groupId, "share.auto.offset.reset", "earliest");
    }

    /** Sets one of the group's share configs (a GROUP config, KIP-932), before its first fetch. */
    public static void setGroupConfig(Admin admin, String groupId, String name, String value) throws Exception {
        admin.incrementalAlterConfigs(Map.of(new ConfigResource(ConfigResource.Type.GROUP, groupId), List.of(
                new AlterConfigOp(new ConfigEntry(name, value), AlterConfigOp.OpType.SET))))
                .all().get(30, TimeUnit.SECONDS);
    }

    /** Waits until {@code done}, failing after {@link #WAIT}. */
    public static void until(BooleanSupplier done) {
        pollUntil(done, List.of());
    }

    /**
     * Polls the consumers until the group has initialized share-partitions, all at start offset {@code expected},
     * and checks that they receive nothing meanwhile. The polls matter: an acknowledgement the 4.3 client queued
     * to ride on its next ShareFetch (a poll's implicit acknowledgement of the previous poll, made while a fetch
     * was in flight) leaves only with a later poll or the consumer's close, not with {@code commitSync}. On
     * timeout the failure names the offsets (or the error) the last look saw.
     */
    public static void awaitStartOffsets(Admin admin, String groupId, long expected, List<KafkaShareConsumer<String, String>> consumers) {
        Object last = "nothing yet";
        List<ConsumerRecord<String, String>> received = new ArrayList<>();
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (true) {
            try {
                Map<TopicPartition, SharePartitionOffsetInfo> seen = offsets(admin, groupId);
                last = seen;
                if (!seen.isEmpty() && seen.values().stream().allMatch(o -> o.startOffset() == expected)) {
                    break;
                }
            } catch (Exception e) {
                last = e;
            }
            assertThat(System.nanoTime()).as("start offsets of %s still not %d: last seen %s", groupId, expected, last)
                    .isLessThan(deadline);
            for (KafkaShareConsumer<String, String> c : consumers) {
                c.poll(Duration.ofMillis(100)).forEach(received::add);
            }
        }
        assertThat(received).as("records delivered again after all were acknowledged").isEmpty();
    }

    /**
     * Polls the consumers (records acknowledged implicitly by the next poll) until {@code done} or the wait
     * runs out; returns what they received.
     */
    public static List<ConsumerRecord<String, String>> pollUntil(BooleanSupplier done, List<KafkaShareConsumer<String, String>> consumers) {
        List<ConsumerRecord<String, String>> received = new ArrayList<>();
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (!done.getAsBoolean()) {
            assertThat(System.nanoTime()).as("timed out polling share consumers").isLessThan(deadline);
            for (KafkaShareConsumer<String, String> c : consumers) {
                c.poll(Duration.ofMillis(100)).forEach(received::add);
            }
        }
        return received;
    }

    /** Polls until the group's share-partitions of {@code topic} are initialized (their start offsets fixed). */
    public static void awaitInitialized(Admin admin, String groupId, String topic, int partitions,
                                 List<KafkaShareConsumer<String, String>> consumers) {
        List<ConsumerRecord<String, String>> early = pollUntil(() -> {
            try {
                return offsets(admin, groupId).keySet().stream().filter(tp -> tp.topic().equals(topic)).count() == partitions;
            } catch (Exception e) {
                return false;
            }
        }, consumers);
        assertThat(early).as("records before anything was produced").isEmpty();
    }

    /**
     * Polls until the group has {@code members} members, each holding the group's current assignment (member
     * epoch = group epoch, partitions assigned): a member that joined late has then taken its share.
     */
    public static void awaitAssigned(Admin admin, String groupId, int members, List<KafkaShareConsumer<String, String>> consumers) {
        List<ConsumerRecord<String, String>> early = pollUntil(() -> {
            try {
                org.apache.kafka.clients.admin.ShareGroupDescription d = admin.describeShareGroups(List.of(groupId))
                        .describedGroups().get(groupId).get(30, TimeUnit.SECONDS);
                return d.members().size() == members && d.members().stream().allMatch(m -> m.memberEpoch() == d.groupEpoch()
                        && !m.assignment().topicPartitions().isEmpty());
            } catch (Exception e) {
                return false;
            }
        }, consumers);
        assertThat(early).as("records before anything was produced").isEmpty();
    }
}
