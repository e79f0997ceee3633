package io.dlog.kafka.share;

import static org.assertj.core.api.Assertions.assertThat;

import io.dlog.log.metadata.BrokerImage;
import io.dlog.log.metadata.TopicImage;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.metadata.PartitionRecord;
import org.apache.kafka.common.metadata.RegisterBrokerRecord;
import org.apache.kafka.common.metadata.TopicRecord;
import org.apache.kafka.coordinator.common.runtime.CoordinatorMetadataImage;
import org.apache.kafka.coordinator.common.runtime.KRaftCoordinatorMetadataImage;
import org.apache.kafka.coordinator.group.Utils;
import org.apache.kafka.image.MetadataDelta;
import org.apache.kafka.image.MetadataImage;
import org.apache.kafka.image.MetadataProvenance;
import org.junit.jupiter.api.Test;

/**
 * DLog's share group metadata hash (KIP-1101) against Kafka 4.3.1's own: the same brokers (with and without racks)
 * and topics in a DLog image and in a Kafka KRaft image, hashed by {@link MetadataHash} and by Kafka's
 * {@code org.apache.kafka.coordinator.group.Utils} over {@code KRaftCoordinatorMetadataImage}, give the same
 * numbers. Here rather than in the adapter, whose classpath has no Kafka server jars.
 */
class MetadataHashKafkaTest {
    /** Broker 3 has no rack; 1 and 2 have. */
    private static final Map<Integer, String> RACKS = new HashMap<>(Map.of(1, "rack-b", 2, "rack-a"));

    static {
        RACKS.put(3, null);
    }

    private final Map<String, TopicImage> dlogTopics = new TreeMap<>();
    private final MetadataDelta kafka = new MetadataDelta.Builder().setImage(MetadataImage.EMPTY).build();

    MetadataHashKafkaTest() {
        RACKS.forEach((id, rack) -> kafka.replay(new RegisterBrokerRecord().setBrokerId(id).setRack(rack)
                .setIncarnationId(Uuid.randomUuid()).setFenced(false)));
        topic("orders", List.of(List.of(1, 2), List.of(2, 3), List.of(3), List.of(1, 2, 3)));
        // 300 partitions: the topic hash's input is longer than XXH3's short-input paths (240 bytes)
        List<List<Integer>> many = new ArrayList<>();
        for (int p = 0; p < 300; p++) {
            many.add(List.of(1 + p % 3, 1 + (p + 1) % 3));
        }
        topic("payments-événements-\u4e2d\u6587", many);
        topic("unracked", List.of(List.of(3), List.of(3)));
    }

    private void topic(String name, List<List<Integer>> replicas) {
        UUID id = UUID.nameUUIDFromBytes(name.getBytes(java.nio.charset.StandardCharsets.UTF_8));
        dlogTopics.put(name, new TopicImage(name, id, replicas.size(), Map.of(), replicas));
        Uuid kafkaId = new Uuid(id.getMostSignificantBits(), id.getLeastSignificantBits());
        kafka.replay(new TopicRecord().setName(name).setTopicId(kafkaId));
        for (int p = 0; p < replicas.size(); p++) {
            kafka.replay(new PartitionRecord().setTopicId(kafkaId).setPartitionId(p).setReplicas(replicas.get(p))
                    .setIsr(replicas.get(p)).setLeader(replicas.get(p).get(0)));
        }
    }

    private io.dlog.log.metadata.MetadataImage dlogImage() {
        Map<Integer, BrokerImage> brokers = new HashMap<>();
        RACKS.forEach((id, rack) -> brokers.put(id, new BrokerImage(id, 1, List.of(), rack, false)));
        return new io.dlog.log.metadata.MetadataImage(1, "cluster", brokers, dlogTopics, Map.of(), Map.of());
    }

    private CoordinatorMetadataImage kafkaImage() {
        return new KRaftCoordinatorMetadataImage(kafka.apply(MetadataProvenance.EMPTY));
    }

    @Test
    void shouldHashEveryTopicAsKafka() {
        io.dlog.log.metadata.MetadataImage dlog = dlogImage();
        CoordinatorMetadataImage image = kafkaImage();
        for (TopicImage topic : dlogTopics.values()) {
            assertThat(MetadataHash.topic(topic, dlog)).as(topic.name())
                    .isEqualTo(Utils.computeTopicHash(topic.name(), image));
        }
    }

    @Test
    void shouldHashAGroupsSubscribedTopicsAsKafkaLeavingOutMissingOnes() {
        io.dlog.log.metadata.MetadataImage dlog = dlogImage();
        CoordinatorMetadataImage image = kafkaImage();
        for (Set<String> subscribed : List.of(Set.of("orders"), Set.of("orders", "unracked", "missing"),
                Set.copyOf(dlogTopics.keySet()))) {
            Map<String, Long> topicHashes = new HashMap<>();
            subscribed.stream().filter(name -> image.topicMetadata(name).isPresent())
                    .forEach(name -> topicHashes.put(name, Utils.computeTopicHash(name, image)));
            assertThat(MetadataHash.of(subscribed, dlog)).as(subscribed.toString())
                    .isEqualTo(Utils.computeGroupHash(topicHashes));
        }
        assertThat(MetadataHash.of(Set.of(), dlog)).isZero().isEqualTo(Utils.computeGroupHash(Map.of()));
        assertThat(MetadataHash.of(Set.of("missing"), dlog)).isZero();
    }
}
