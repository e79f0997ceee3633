package io.dlog.log.metadata;

import java.io.IOException;
import java.util.Map;

/**
 * The durable cluster image and the only way to change it. Each change is validated against the
 * current image, persisted (fsync) and then published as a new {@link MetadataImage}; a crash keeps
 * either the old or the new image, never a mix. Later the same changes become Ratis proposals.
 *
 * <p>Thread-safe; changes are serialized. Changes do disk I/O: do not call them on an event loop.
 */
public interface MetadataStore extends AutoCloseable {

    /** Opens (or creates empty) the store kept in {@code dir}. */
    static MetadataStore open(java.nio.file.Path dir) throws IOException {
        return FileMetadataStore.open(dir);
    }

    /** The latest image; cheap (a volatile read). */
    MetadataImage image();

    /** @throws MetadataException TOPIC_ALREADY_EXISTS */
    TopicImage createTopic(String name, int partitions, Map<String, String> configs) throws MetadataException, IOException;

    /** @throws MetadataException UNKNOWN_TOPIC */
    TopicImage deleteTopic(String name) throws MetadataException, IOException;

    /** @throws MetadataException UNKNOWN_TOPIC, INVALID_PARTITIONS (new count not larger) */
    TopicImage increasePartitions(String name, int newCount) throws MetadataException, IOException;

    /** Replaces the topic's overrides with {@code configs}. @throws MetadataException UNKNOWN_TOPIC */
    TopicImage setTopicConfigs(String name, Map<String, String> configs) throws MetadataException, IOException;

    /** Replaces the dynamic broker overrides with {@code configs}. */
    void setBrokerConfigs(Map<String, String> configs) throws IOException;

    @Override
    void close() throws IOException;
}
