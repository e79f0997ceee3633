package io.dlog.log.metadata;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class FileMetadataStoreTest {
    @TempDir
    Path dir;

    @Test
    void shouldRoundTripTopicsAndConfigsAcrossReopen() throws Exception {
        String longName = "a.b_c-" + "x".repeat(243);
        TopicImage orders;
        try (MetadataStore store = MetadataStore.open(dir)) {
            assertThat(store.image()).isEqualTo(MetadataImage.EMPTY);
            orders = store.createTopic("orders", 3, Map.of("retention.ms", "1000", "odd key", "va lue\n%s:"));
            store.createTopic(longName, 1, Map.of());
            store.increasePartitions("orders", 5);
            store.setTopicConfigs(longName, Map.of("cleanup.policy", "compact,delete", "empty", ""));
            store.setBrokerConfigs(Map.of("log.retention.ms", "5"));
            store.createTopic("gone", 1, Map.of());
            store.deleteTopic("gone");
            assertThat(store.image().version()).isEqualTo(7);
        }
        try (MetadataStore store = MetadataStore.open(dir)) {
            MetadataImage image = store.image();
            assertThat(image.version()).isEqualTo(7);
            assertThat(image.topics()).containsOnlyKeys("orders", longName);
            TopicImage t = image.topic("orders").orElseThrow();
            assertThat(t.topicId()).isEqualTo(orders.topicId());
            assertThat(t.partitions()).isEqualTo(5);
            assertThat(t.configs()).containsEntry("odd key", "va lue\n%s:").containsEntry("retention.ms", "1000");
            assertThat(image.topic(longName).orElseThrow().configs())
                    .isEqualTo(Map.of("cleanup.policy", "compact,delete", "empty", ""));
            assertThat(image.brokerConfigs()).isEqualTo(Map.of("log.retention.ms", "5"));
            assertThat(image.topic(orders.topicId())).contains(t);
        }
    }

    @Test
    void shouldRefuseInvalidChanges() throws Exception {
        try (MetadataStore store = MetadataStore.open(dir)) {
            store.createTopic("t", 2, Map.of());
            assertThatThrownBy(() -> store.createTopic("t", 1, Map.of()))
                    .isInstanceOfSatisfying(MetadataException.class,
                            e -> assertThat(e.reason()).isEqualTo(MetadataException.Reason.TOPIC_ALREADY_EXISTS));
            assertThatThrownBy(() -> store.deleteTopic("nope")).isInstanceOfSatisfying(MetadataException.class,
                    e -> assertThat(e.reason()).isEqualTo(MetadataException.Reason.UNKNOWN_TOPIC));
            assertThatThrownBy(() -> store.increasePartitions("t", 2)).isInstanceOfSatisfying(MetadataException.class,
                    e -> assertThat(e.reason()).isEqualTo(MetadataException.Reason.INVALID_PARTITIONS));
            assertThatThrownBy(() -> store.createTopic("bad name", 1, Map.of()))
                    .isInstanceOf(IllegalArgumentException.class);
            assertThat(store.image().version()).isEqualTo(1);
        }
    }

    @Test
    void shouldKeepTheOldImageWhenACrashLeftOnlyATempFile() throws Exception {
        try (MetadataStore store = MetadataStore.open(dir)) {
            store.createTopic("kept", 1, Map.of());
        }
        // a crash between writing the temp file and the rename: half a new image in the temp file
        Files.writeString(dir.resolve(FileMetadataStore.FILE + ".tmp"), "dlog-metadata 1\nversion 2\ntopic s:ha",
                StandardCharsets.UTF_8);
        try (MetadataStore store = MetadataStore.open(dir)) {
            assertThat(store.image().version()).isEqualTo(1);
            assertThat(store.image().topics()).containsOnlyKeys("kept");
            store.createTopic("next", 1, Map.of());
        }
        assertThat(Files.exists(dir.resolve(FileMetadataStore.FILE + ".tmp"))).isFalse();
    }

    @Test
    void shouldRefuseACorruptImageInsteadOfStartingEmpty() throws Exception {
        try (MetadataStore store = MetadataStore.open(dir)) {
            store.createTopic("t", 1, Map.of());
        }
        Path file = dir.resolve(FileMetadataStore.FILE);
        String text = Files.readString(file).replace("topic s:t ", "topic s:u ");
        Files.writeString(file, text);
        assertThatThrownBy(() -> MetadataStore.open(dir)).isInstanceOf(IOException.class);
    }
}
