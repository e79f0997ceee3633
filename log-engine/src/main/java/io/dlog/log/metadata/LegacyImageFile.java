package io.dlog.log.metadata;

import java.io.IOException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.zip.CRC32C;

/**
 * Reads the cluster image of a single-node release (0.1), kept in {@code __dlog_metadata/metadata.image},
 * so that a data folder of that release opens under the metadata Raft group: the image is imported once
 * as the group's first change, then the file is renamed {@code metadata.image.imported}.
 *
 * <p>Format (UTF-8 lines; every string is URL-encoded with an {@code s:} prefix):
 * <pre>
 * dlog-metadata 1
 * version &lt;n&gt;
 * topic s:&lt;name&gt; &lt;uuid&gt; &lt;partitions&gt; &lt;config count&gt;
 * config s:&lt;key&gt; s:&lt;value&gt;          (config count lines after their topic)
 * broker-config s:&lt;key&gt; s:&lt;value&gt;
 * crc &lt;CRC32C of all bytes before this line&gt;
 * </pre>
 * Stateless; thread-safe.
 */
public final class LegacyImageFile {
    public static final String DIR = "__dlog_metadata";
    static final String FILE = "metadata.image";
    static final String IMPORTED = "metadata.image.imported";
    private static final String HEADER = "dlog-metadata 1";

    private LegacyImageFile() {
    }

    /**
     * The legacy image in {@code dataDir}, every partition placed on {@code node} (the only node then),
     * or empty when there is none or it was imported already.
     *
     * @throws IOException the file exists but is corrupt: refusing to start beats forgetting topics
     */
    public static Optional<MetadataImage> read(Path dataDir, int node) throws IOException {
        Path file = dataDir.resolve(DIR).resolve(FILE);
        if (!Files.exists(file)) {
            return Optional.empty();
        }
        return Optional.of(decode(Files.readString(file, StandardCharsets.UTF_8), node));
    }

    /** Marks the file imported (kept, renamed, for a downgrade by hand). */
    public static void markImported(Path dataDir) throws IOException {
        Path dir = dataDir.resolve(DIR);
        Files.move(dir.resolve(FILE), dir.resolve(IMPORTED), StandardCopyOption.REPLACE_EXISTING,
                StandardCopyOption.ATOMIC_MOVE);
    }

    static MetadataImage decode(String text, int node) throws IOException {
        int crcAt = text.lastIndexOf("\ncrc ") + 1;
        if (!text.startsWith(HEADER + "\n") || crcAt <= 0
                || !text.substring(crcAt + 4).trim().equals(Long.toString(crc(text.substring(0, crcAt))))) {
            throw new IOException("metadata image is corrupt (bad header or CRC)");
        }
        List<String> lines = text.substring(0, crcAt).lines().toList();
        try {
            long version = Long.parseLong(lines.get(1).substring("version ".length()));
            Map<String, TopicImage> topics = new HashMap<>();
            Map<String, String> broker = new HashMap<>();
            int i = 2;
            while (i < lines.size()) {
                String[] f = lines.get(i++).split(" ");
                if (f[0].equals("topic")) {
                    Map<String, String> configs = new HashMap<>();
                    int n = Integer.parseInt(f[4]);
                    for (int j = 0; j < n; j++) {
                        String[] c = lines.get(i++).split(" ");
                        configs.put(unstr(c[1]), unstr(c[2]));
                    }
                    String name = unstr(f[1]);
                    topics.put(name, TopicImage.onNode(name, UUID.fromString(f[2]), Integer.parseInt(f[3]), configs, node));
                } else if (f[0].equals("broker-config")) {
                    broker.put(unstr(f[1]), unstr(f[2]));
                } else {
                    throw new IOException("unexpected line: " + f[0]);
                }
            }
            return new MetadataImage(version, topics, broker);
        } catch (RuntimeException e) {
            throw new IOException("metadata image is malformed", e);
        }
    }

    private static String unstr(String token) {
        if (!token.startsWith("s:")) {
            throw new IllegalArgumentException("not a string token: " + token);
        }
        return URLDecoder.decode(token.substring(2), StandardCharsets.UTF_8);
    }

    static long crc(String s) {
        CRC32C crc = new CRC32C();
        crc.update(s.getBytes(StandardCharsets.UTF_8));
        return crc.getValue();
    }
}
