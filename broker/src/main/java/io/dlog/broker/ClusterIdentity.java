package io.dlog.broker;

import io.dlog.log.DurableFiles;
import java.io.IOException;
import java.io.Reader;
import java.io.StringWriter;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.Properties;
import java.util.UUID;

/**
 * The data folder's {@code meta.properties} (as Kafka's): the cluster id of the cluster the folder
 * belongs to, its node id, and the folder's own id ({@code directory.id}), which tells the cluster when a node
 * comes back with another folder. A folder of another node, or of another cluster, is refused. The
 * cluster's id itself lives in the metadata image: the first node proposes the id of its folder (or a
 * new one), and a fresh folder takes the id the image holds.
 */
public final class ClusterIdentity {
    private static final String FILE = "meta.properties";

    private ClusterIdentity() {
    }

    /** The folder's cluster id, or empty for a new folder. */
    static java.util.Optional<String> load(Path dataDir, int nodeId) throws IOException {
        Path file = dataDir.resolve(FILE);
        if (!Files.exists(file)) {
            return java.util.Optional.empty();
        }
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
        return java.util.Optional.of(clusterId);
    }

    /** Records that the folder belongs to {@code clusterId} (atomically). */
    static void store(Path dataDir, int nodeId, String clusterId) throws IOException {
        store(dataDir, nodeId, clusterId, null);
    }

    /**
     * The same, with Kafka's {@code directory.id} (as {@code dlog format} and Kafka's formatter write it; DLog reads
     * only the cluster and node ids), when not null.
     */
    public static void store(Path dataDir, int nodeId, String clusterId, String directoryId) throws IOException {
        Properties props = new Properties();
        props.setProperty("version", "1");
        props.setProperty("cluster.id", clusterId);
        props.setProperty("node.id", Integer.toString(nodeId));
        if (directoryId != null) {
            props.setProperty("directory.id", directoryId);
        }
        StringWriter text = new StringWriter();
        props.store(text, "DLog data folder identity");
        // Crash-atomic: a power cut must not leave an empty identity file, which would stop the node at its next start.
        DurableFiles.writeAtomically(dataDir.resolve(FILE), StandardCharsets.UTF_8.encode(text.toString()));
    }

    /**
     * The folder's {@code directory.id} (Kafka's), given to it now if it has none (a folder DLog created before it
     * wrote one, or a new folder): written before the node registers with it, so one folder keeps one id across
     * restarts and a replaced folder gets another. Call once {@code meta.properties} exists.
     */
    static String directoryId(Path dataDir, int nodeId) throws IOException {
        Properties props = new Properties();
        try (Reader reader = Files.newBufferedReader(dataDir.resolve(FILE), StandardCharsets.UTF_8)) {
            props.load(reader);
        }
        String existing = props.getProperty("directory.id");
        if (existing != null && !existing.isBlank()) {
            return existing.trim();
        }
        String created = newClusterId(); // the same shape: a random Kafka Uuid
        store(dataDir, nodeId, props.getProperty("cluster.id"), created);
        return created;
    }

    /** Kafka's cluster id shape: a random UUID as 22 URL-safe base64 characters. */
    static String newClusterId() {
        UUID uuid = UUID.randomUUID();
        ByteBuffer bytes = ByteBuffer.allocate(16).putLong(uuid.getMostSignificantBits()).putLong(uuid.getLeastSignificantBits());
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes.array());
    }
}
