package io.dlog.broker;

import java.io.IOException;
import java.io.Reader;
import java.io.Writer;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Base64;
import java.util.Properties;
import java.util.UUID;

/**
 * The data folder's {@code meta.properties} (as Kafka's): the cluster id minted when the folder was
 * first used, and the node id it belongs to. A folder of another node is refused.
 */
final class ClusterIdentity {
    private static final String FILE = "meta.properties";

    private ClusterIdentity() {
    }

    /** Reads the cluster id, or mints and stores one for a new folder. */
    static String loadOrCreate(Path dataDir, int nodeId) throws IOException {
        Path file = dataDir.resolve(FILE);
        if (Files.exists(file)) {
            Properties props = new Properties();
            try (Reader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
                props.load(reader);
            }
            String storedNode = props.getProperty("node.id");
            if (storedNode != null && !storedNode.equals(Integer.toString(nodeId))) {
                throw new IOException(file + " belongs to node " + storedNode + ", not node " + nodeId);
            }
            String clusterId = props.getProperty("cluster.id");
            if (clusterId == null || clusterId.isBlank()) {
                throw new IOException(file + " has no cluster.id");
            }
            return clusterId;
        }
        String clusterId = newClusterId();
        Properties props = new Properties();
        props.setProperty("version", "1");
        props.setProperty("cluster.id", clusterId);
        props.setProperty("node.id", Integer.toString(nodeId));
        Path tmp = dataDir.resolve(FILE + ".tmp");
        try (Writer writer = Files.newBufferedWriter(tmp, StandardCharsets.UTF_8)) {
            props.store(writer, "DLog data folder identity");
        }
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE);
        return clusterId;
    }

    /** Kafka's cluster id shape: a random UUID as 22 URL-safe base64 characters. */
    private static String newClusterId() {
        UUID uuid = UUID.randomUUID();
        ByteBuffer bytes = ByteBuffer.allocate(16).putLong(uuid.getMostSignificantBits()).putLong(uuid.getLeastSignificantBits());
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes.array());
    }
}
