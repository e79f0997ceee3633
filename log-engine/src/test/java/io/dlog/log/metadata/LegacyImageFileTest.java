package io.dlog.log.metadata;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LegacyImageFileTest {
    /** Written by DLog 0.1 (single node): __consumer_offsets and one topic with a config override. */
    private static final String RELEASE_0_1 = "dlog-metadata 1\nversion 2\n"
            + "topic s:__consumer_offsets 68984746-87e0-40d2-bcc3-23c8f377db62 16 1\n"
            + "config s:cleanup.policy s:compact\n"
            + "topic s:legacy-topic 9a1c03fd-d46e-421f-849b-c8f6a8e5795a 2 1\n"
            + "config s:retention.ms s:86400000\n";

    @Test
    void shouldReadAReleaseZeroOneImagePlacingEveryPartitionOnTheNode(@TempDir Path dir) throws IOException {
        write(dir, RELEASE_0_1 + "crc " + LegacyImageFile.crc(RELEASE_0_1) + "\n");

        MetadataImage image = LegacyImageFile.read(dir, 7).orElseThrow();

        TopicImage topic = image.topic("legacy-topic").orElseThrow();
        assertThat(topic.topicId()).hasToString("9a1c03fd-d46e-421f-849b-c8f6a8e5795a");
        assertThat(topic.configs()).isEqualTo(Map.of("retention.ms", "86400000"));
        assertThat(topic.assignment()).isEqualTo(List.of(List.of(7), List.of(7)));
        assertThat(image.topic("__consumer_offsets").orElseThrow().partitions()).isEqualTo(16);
    }

    @Test
    void shouldRefuseACorruptImageInsteadOfForgettingTopics(@TempDir Path dir) throws IOException {
        write(dir, RELEASE_0_1 + "crc 12345\n");

        assertThatThrownBy(() -> LegacyImageFile.read(dir, 1)).isInstanceOf(IOException.class).hasMessageContaining("corrupt");
    }

    @Test
    void shouldReadNothingOnceImported(@TempDir Path dir) throws IOException {
        write(dir, RELEASE_0_1 + "crc " + LegacyImageFile.crc(RELEASE_0_1) + "\n");
        LegacyImageFile.markImported(dir);

        assertThat(LegacyImageFile.read(dir, 1)).isEmpty();
        assertThat(dir.resolve(LegacyImageFile.DIR).resolve(LegacyImageFile.IMPORTED)).exists();
    }

    private static void write(Path dataDir, String text) throws IOException {
        Files.createDirectories(dataDir.resolve(LegacyImageFile.DIR));
        Files.writeString(dataDir.resolve(LegacyImageFile.DIR).resolve(LegacyImageFile.FILE), text, StandardCharsets.UTF_8);
    }
}
