package io.dlog.kafka.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.common.record.internal.ControlRecordType;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.Record;
import org.apache.kafka.common.record.internal.RecordBatch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class KraftBootstrapSnapshotTest {
    /** Written by Kafka 4.3.1's {@code kafka-storage format --initial-controllers} for three voters (node 1's folder). */
    private static final String KAFKA_FILE = "/kraft/kafka-4.3.1-initial-controllers.checkpoint";

    @TempDir
    Path dir;

    @Test
    void shouldReadTheVotersKafkasFormatterWrote() throws IOException {
        // Given
        copyKafkaFile(dir);

        // When
        List<KraftBootstrapSnapshot.Voter> voters = KraftBootstrapSnapshot.read(dir, "CONTROLLER").orElseThrow();

        // Then
        assertThat(voters).containsExactly(
                new KraftBootstrapSnapshot.Voter(1, "A-STU-AqDhuaHQwf_29dCg", "127.0.0.1", 38101),
                new KraftBootstrapSnapshot.Voter(2, "e9EVwd_sj1MmQToMLT1-dw", "127.0.0.1", 38102),
                new KraftBootstrapSnapshot.Voter(3, "fZlVQXst8zUdCMXXedvoBA", "127.0.0.1", 38103));
    }

    @Test
    void shouldWriteWhatItReadsInTheBatchesKafkasFormatterWrites() throws IOException {
        // Given
        List<KraftBootstrapSnapshot.Voter> voters = List.of(
                new KraftBootstrapSnapshot.Voter(1, "A-STU-AqDhuaHQwf_29dCg", "127.0.0.1", 38101),
                new KraftBootstrapSnapshot.Voter(2, "e9EVwd_sj1MmQToMLT1-dw", "127.0.0.1", 38102),
                new KraftBootstrapSnapshot.Voter(3, "fZlVQXst8zUdCMXXedvoBA", "127.0.0.1", 38103));
        Path kafka = Files.createDirectory(dir.resolve("kafka"));
        copyKafkaFile(kafka);

        // When
        KraftBootstrapSnapshot.write(dir, voters, "CONTROLLER", 1_796_567_319_048L);

        // Then
        assertThat(KraftBootstrapSnapshot.read(dir, "CONTROLLER")).contains(voters);
        assertThat(layout(KraftBootstrapSnapshot.file(dir))).isEqualTo(layout(KraftBootstrapSnapshot.file(kafka)))
                .containsExactly("0-2 control SNAPSHOT_HEADER,KRAFT_VERSION,KRAFT_VOTERS", "3-3 control SNAPSHOT_FOOTER");
        assertThat(Files.size(KraftBootstrapSnapshot.file(dir))).isEqualTo(Files.size(KraftBootstrapSnapshot.file(kafka)));
    }

    @Test
    void shouldFindNothingInAFolderNeverFormattedSo() throws IOException {
        assertThat(KraftBootstrapSnapshot.read(dir, "CONTROLLER")).isEmpty();
    }

    @Test
    void shouldRefuseADamagedFileNamingIt() throws IOException {
        // Given: Kafka's file with one byte of the voters record changed, so its batch's CRC no longer matches
        copyKafkaFile(dir);
        Path file = KraftBootstrapSnapshot.file(dir);
        byte[] bytes = Files.readAllBytes(file);
        bytes[200] ^= 0x5a;
        Files.write(file, bytes);

        // When / Then
        assertThatThrownBy(() -> KraftBootstrapSnapshot.read(dir, "CONTROLLER")).isInstanceOf(IOException.class)
                .hasMessageContaining(file.toString());
    }

    private static void copyKafkaFile(Path metadataDir) throws IOException {
        Path file = KraftBootstrapSnapshot.file(metadataDir);
        Files.createDirectories(file.getParent());
        try (InputStream in = KraftBootstrapSnapshotTest.class.getResourceAsStream(KAFKA_FILE)) {
            Files.copy(in, file);
        }
    }

    /** Each batch's offsets, kind and records' control types, in order. */
    private static List<String> layout(Path file) throws IOException {
        List<String> batches = new ArrayList<>();
        for (RecordBatch batch : MemoryRecords.readableRecords(ByteBuffer.wrap(Files.readAllBytes(file))).batches()) {
            List<String> types = new ArrayList<>();
            for (Record record : batch) {
                types.add(ControlRecordType.parse(record.key()).name());
            }
            batches.add(batch.baseOffset() + "-" + batch.lastOffset() + (batch.isControlBatch() ? " control " : " data ")
                    + String.join(",", types));
        }
        return batches;
    }
}
