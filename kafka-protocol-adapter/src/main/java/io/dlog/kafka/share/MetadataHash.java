package io.dlog.kafka.share;

import com.dynatrace.hash4j.hashing.HashStream64;
import com.dynatrace.hash4j.hashing.Hashing;
import io.dlog.log.metadata.BrokerImage;
import io.dlog.log.metadata.MetadataImage;
import io.dlog.log.metadata.TopicImage;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A group's metadata hash (KIP-1101), as Kafka 4.3.1's group coordinator computes it and stores it in
 * ShareGroupMetadataValue.metadata_hash: XXH3-64 (hash4j) over each subscribed topic's id, name, partition count
 * and, per partition, the sorted racks of its replicas' brokers; the group hash is XXH3-64 over those topic
 * hashes ordered by topic name, 0 with no topic. Subscribed topics missing from the image are left out. A change
 * of the hash (a topic created, deleted, recreated or given partitions) bumps the group epoch, as on Kafka.
 * Checked against Kafka's own {@code org.apache.kafka.coordinator.group.Utils} in compat-tests'
 * {@code MetadataHashKafkaTest}. Stateless.
 */
final class MetadataHash {
    /** Kafka's TOPIC_HASH_MAGIC_BYTE: the version of the topic hash's layout. */
    private static final byte TOPIC_HASH_MAGIC = 0;

    private MetadataHash() {
    }

    /** The group hash of the topics named {@code subscribed} that exist in {@code image}. */
    static long of(Collection<String> subscribed, MetadataImage image) {
        Map<String, Long> hashes = new TreeMap<>();
        for (String name : subscribed) {
            image.topic(name).ifPresent(topic -> hashes.put(name, topic(topic, image)));
        }
        return group(hashes);
    }

    /** Kafka's computeGroupHash: the topic hashes in topic name order; 0 for none. */
    static long group(Map<String, Long> topicHashes) {
        if (topicHashes.isEmpty()) {
            return 0;
        }
        HashStream64 stream = Hashing.xxh3_64().hashStream();
        new TreeMap<>(topicHashes).values().forEach(stream::putLong);
        return stream.getAsLong();
    }

    /** Kafka's computeTopicHash. */
    static long topic(TopicImage topic, MetadataImage image) {
        HashStream64 stream = Hashing.xxh3_64().hashStream().putByte(TOPIC_HASH_MAGIC)
                .putLong(topic.topicId().getMostSignificantBits()).putLong(topic.topicId().getLeastSignificantBits())
                .putString(topic.name()).putInt(topic.partitions());
        for (int p = 0; p < topic.partitions(); p++) {
            stream.putInt(p);
            for (String rack : racks(topic.replicas(p), image.brokers())) {
                stream.putInt(rack.length()).putString(rack);
            }
        }
        return stream.getAsLong();
    }

    /** The racks of the replicas' brokers that have one, sorted (a rack appears once per replica on it). */
    private static List<String> racks(List<Integer> replicas, Map<Integer, BrokerImage> brokers) {
        List<String> racks = new ArrayList<>(replicas.size());
        for (int replica : replicas) {
            BrokerImage broker = brokers.get(replica);
            if (broker != null && broker.rack() != null) {
                racks.add(broker.rack());
            }
        }
        Collections.sort(racks);
        return racks;
    }
}
