package io.dlog.log.metadata;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;

/** Skeleton; filled in shortly. */
final class FileMetadataStore implements MetadataStore {
    private volatile MetadataImage image = MetadataImage.EMPTY;

    static MetadataStore open(Path dir) throws IOException {
        return new FileMetadataStore();
    }

    @Override
    public MetadataImage image() {
        return image;
    }

    @Override
    public TopicImage createTopic(String name, int partitions, Map<String, String> configs) {
        throw new UnsupportedOperationException("not yet");
    }

    @Override
    public TopicImage deleteTopic(String name) {
        throw new UnsupportedOperationException("not yet");
    }

    @Override
    public TopicImage increasePartitions(String name, int newCount) {
        throw new UnsupportedOperationException("not yet");
    }

    @Override
    public TopicImage setTopicConfigs(String name, Map<String, String> configs) {
        throw new UnsupportedOperationException("not yet");
    }

    @Override
    public void setBrokerConfigs(Map<String, String> configs) {
        throw new UnsupportedOperationException("not yet");
    }

    @Override
    public void close() {
    }
}
