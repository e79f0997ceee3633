package io.dlog.kafka.group;

import io.dlog.kafka.common.Uuids;
import io.dlog.kafka.coordinator.InternalTopics;
import io.dlog.kafka.topic.TopicService;
import io.dlog.log.metadata.TopicImage;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.apache.kafka.common.Uuid;

/**
 * What the coordinator needs to know about topics: existence, partition counts and ids. A seam so the
 * state machine can be tested without a metadata store. Implementations are thread-safe and fast.
 */
interface TopicMetadata {

    /** Partition count, or -1 when the topic does not exist. */
    int partitions(String topic);

    Optional<String> name(Uuid topicId);

    /** The topic's id, or {@link Uuid#ZERO_UUID} when it does not exist. */
    Uuid id(String topic);

    /** Every topic clients may subscribe to (internal topics excluded, as Kafka's regex matching does). */
    List<String> names();

    /** Changes (by equals) whenever the topic list may have changed: what regex resolutions are keyed on. */
    default Object version() {
        return names();
    }

    /**
     * Whether this node leads partition {@code p} of {@code __consumer_offsets}, and so coordinates the
     * groups that hash to it. Always true where there is one node (and in tests without a cluster).
     */
    default boolean leadsOffsetsPartition(int p) {
        return offsetsPartitionEpoch(p) >= 0;
    }

    /**
     * The leader epoch at which this node leads partition {@code p} of {@code __consumer_offsets}, or -1 when
     * it does not lead it. Always 0 where there is no cluster (tests).
     */
    default int offsetsPartitionEpoch(int p) {
        return 0;
    }

    /**
     * Whether this node's log of partition {@code p} of {@code __consumer_offsets} holds nothing above its high
     * watermark (see {@link io.dlog.kafka.coordinator.InternalTopicLog#caughtUp}): loading it before would miss
     * offsets and group changes its previous leader committed. Always true without a cluster (tests).
     */
    default boolean offsetsPartitionCaughtUp(int p) {
        return true;
    }

    /** The group's config overrides (GROUP config resource); none in tests without a metadata image. */
    default java.util.Map<String, String> groupConfigs(String groupId) {
        return java.util.Map.of();
    }

    static TopicMetadata of(TopicService topics) {
        return new TopicMetadata() {
            @Override
            public java.util.Map<String, String> groupConfigs(String groupId) {
                return topics.image().groupConfigs(groupId);
            }

            @Override
            public boolean offsetsPartitionCaughtUp(int p) {
                return topics.partition(InternalTopics.CONSUMER_OFFSETS, p)
                        .map(io.dlog.kafka.coordinator.InternalTopicLog::caughtUp).orElse(false);
            }

            @Override
            public int offsetsPartitionEpoch(int p) {
                if (topics.partition(InternalTopics.CONSUMER_OFFSETS, p).isEmpty()) {
                    return -1;
                }
                var replicas = topics.replicas();
                return replicas == null ? 0
                        : replicas.leaderEpoch(new io.dlog.log.TopicPartition(InternalTopics.CONSUMER_OFFSETS, p));
            }

            @Override
            public int partitions(String topic) {
                return topics.image().topic(topic).map(TopicImage::partitions).orElse(-1);
            }

            @Override
            public Optional<String> name(Uuid topicId) {
                return topics.image().topic(Uuids.fromKafka(topicId)).map(TopicImage::name);
            }

            @Override
            public Uuid id(String topic) {
                return topics.image().topic(topic).map(t -> Uuids.toKafka(t.topicId())).orElse(Uuid.ZERO_UUID);
            }

            @Override
            public Object version() {
                // The image is immutable and replaced on every metadata change.
                return new IdentityKey(topics.image());
            }

            @Override
            public List<String> names() {
                List<String> names = new ArrayList<>();
                for (String name : topics.image().topics().keySet()) {
                    if (!InternalTopics.isInternal(name)) {
                        names.add(name);
                    }
                }
                return names;
            }
        };
    }

    /** Equal only to a key of the very same object. */
    record IdentityKey(Object of) {
        @Override
        public boolean equals(Object other) {
            return other instanceof IdentityKey key && key.of == of;
        }

        @Override
        public int hashCode() {
            return System.identityHashCode(of);
        }
    }
}
