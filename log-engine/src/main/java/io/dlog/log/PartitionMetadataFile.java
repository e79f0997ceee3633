package io.dlog.log;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.Optional;
import java.util.UUID;

/**
 * The topic id a partition folder belongs to, in {@code partition.metadata} (Kafka's file and format:
 * {@code version: 0} and {@code topic_id: <base64>}). Topic names are reused after a delete; ids are
 * not, so a node that was away can tell data of a deleted topic from data of its namesake. Stateless.
 */
public final class PartitionMetadataFile {
    public static final String FILE = "partition.metadata";

    private PartitionMetadataFile() {
    }

    /** The id stamped in {@code partitionDir}, or empty when there is none (a 0.1 folder) or it is unreadable. */
    public static Optional<UUID> read(Path partitionDir) {
        Path file = partitionDir.resolve(FILE);
        try {
            if (!Files.exists(file)) {
                return Optional.empty();
            }
            for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
                if (line.startsWith("topic_id:")) {
                    ByteBuffer bytes = ByteBuffer.wrap(Base64.getUrlDecoder().decode(line.substring(9).trim()));
                    return Optional.of(new UUID(bytes.getLong(), bytes.getLong()));
                }
            }
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
        return Optional.empty();
    }

    /** Stamps {@code topicId} durably (temp file, fsync, rename, fsync of the folder). */
    public static void write(Path partitionDir, UUID topicId) throws IOException {
        ByteBuffer id = ByteBuffer.allocate(16).putLong(topicId.getMostSignificantBits()).putLong(topicId.getLeastSignificantBits());
        String text = "version: 0\ntopic_id: " + Base64.getUrlEncoder().withoutPadding().encodeToString(id.array()) + "\n";
        DurableFiles.writeAtomically(partitionDir.resolve(FILE),
                ByteBuffer.wrap(text.getBytes(StandardCharsets.UTF_8)));
    }
}
