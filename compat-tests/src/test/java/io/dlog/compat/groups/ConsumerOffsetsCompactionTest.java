package io.dlog.compat.groups;

import static org.assertj.core.api.Assertions.assertThat;

import io.dlog.compat.DLogBrokerExtension;
import io.dlog.compat.clients.Clients;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.LogDirDescription;
import org.apache.kafka.clients.admin.ReplicaInfo;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@code __consumer_offsets} is compacted: after 100,000 offset commits of one group for one partition it
 * shrinks to a few segments (offsets.topic.segment.bytes lowered to 1 MiB), and after a restart the group
 * coordinator, replaying only what the cleaner left, still knows the last committed offset.
 */
@Timeout(240)
class ConsumerOffsetsCompactionTest {
    private static final int COMMITS = 100_000;
    private static final long SEGMENT = 1024 * 1024;

    @RegisterExtension
    static final DLogBrokerExtension DLOG = new DLogBrokerExtension()
            .with("offsets.topic.num.partitions", "1")
            .with("offsets.topic.segment.bytes", Long.toString(SEGMENT))
            .with("log.cleaner.backoff.ms", "100");

    @Test
    void shouldStayBoundedAfterOneHundredThousandCommitsOfOneGroup() throws Exception {
        String topic = DLOG.newTopic(1);
        TopicPartition tp = new TopicPartition(topic, 0);
        try (KafkaConsumer<String, String> consumer = Clients.stringConsumer(DLOG.bootstrapServers(),
                Map.of(ConsumerConfig.GROUP_ID_CONFIG, "bounded-group"))) {
            consumer.assign(List.of(tp));
            for (int i = 1; i <= COMMITS; i++) {
                consumer.commitAsync(Map.of(tp, new OffsetAndMetadata(i)), null);
                if (i % 500 == 0) {
                    consumer.commitSync(Map.of(tp, new OffsetAndMetadata(i)));
                }
            }
            consumer.commitSync(Map.of(tp, new OffsetAndMetadata(COMMITS)));
        }

        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        long size = offsetsTopicSize();
        while (size > 3 * SEGMENT && System.nanoTime() - deadline < 0) {
            Thread.sleep(200);
            size = offsetsTopicSize();
        }
        // written: about 100 bytes per commit (10 MB); what stays: the active segment, at most one dirty
        // segment the ratio has not yet chosen, and the cleaned rest of a few hundred bytes
        assertThat(size).as("bytes of __consumer_offsets-0").isLessThanOrEqualTo(3 * SEGMENT);

        DLOG.restart();

        try (KafkaConsumer<String, String> consumer = Clients.stringConsumer(DLOG.bootstrapServers(),
                Map.of(ConsumerConfig.GROUP_ID_CONFIG, "bounded-group"))) {
            Map<TopicPartition, OffsetAndMetadata> committed = consumer.committed(Set.of(tp), Duration.ofSeconds(30));
            assertThat(committed.get(tp).offset()).isEqualTo(COMMITS);
        }
    }

    private static long offsetsTopicSize() throws Exception {
        try (Admin admin = DLOG.admin()) {
            Map<Integer, Map<String, LogDirDescription>> dirs = admin.describeLogDirs(List.of(DLOG.broker().config().nodeId()))
                    .allDescriptions().get(30, TimeUnit.SECONDS);
            long size = 0;
            for (LogDirDescription dir : dirs.values().iterator().next().values()) {
                for (Map.Entry<TopicPartition, ReplicaInfo> e : dir.replicaInfos().entrySet()) {
                    if (e.getKey().topic().equals("__consumer_offsets")) {
                        size += e.getValue().size();
                    }
                }
            }
            return size;
        }
    }
}
