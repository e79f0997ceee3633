package io.dlog.kafka.topic;

import io.dlog.log.metadata.MetadataImage;
import java.util.Map;
import java.util.TreeMap;

/**
 * Kafka's feature flags as DLog serves them (KIP-584): the features this node supports, and the levels
 * finalized for the cluster. A level set through UpdateFeatures lives in the metadata image; a feature
 * never set there is at the level the node's configuration gives it ({@code transaction.version}, so a
 * cluster formed before UpdateFeatures keeps its configured behaviour). Stateless; reads the image only.
 */
public final class FeatureLevels {
    /** Kafka's feature name for the transaction protocol version (KIP-890). */
    public static final String TRANSACTION_VERSION = "transaction.version";
    /** Features this node can run, each from level 0 to the level here. */
    public static final Map<String, Short> SUPPORTED = Map.of(TRANSACTION_VERSION, (short) 2);

    private FeatureLevels() {
    }

    /** The finalized level of every supported feature, level 0 (disabled) included. */
    public static Map<String, Short> levels(MetadataImage image, short configuredTransactionVersion) {
        Map<String, Short> levels = new TreeMap<>();
        levels.put(TRANSACTION_VERSION, configuredTransactionVersion);
        image.features().forEach((name, level) -> {
            if (SUPPORTED.containsKey(name)) {
                levels.put(name, level);
            }
        });
        return levels;
    }

    /** The transaction version the cluster runs now. */
    public static short transactionVersion(MetadataImage image, short configured) {
        return image.feature(TRANSACTION_VERSION).orElse(configured);
    }
}
