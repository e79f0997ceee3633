package io.dlog.kafka.topic;

import io.dlog.log.metadata.MetadataImage;
import java.util.Map;
import java.util.TreeMap;

/**
 * Kafka's feature flags as DLog serves them (KIP-584): the features this node supports, and the levels
 * finalized for the cluster. A level set through UpdateFeatures lives in the metadata image; a feature
 * never set there is at the level the node's configuration gives it ({@code transaction.version}, so a
 * cluster formed before UpdateFeatures keeps its configured behaviour) or at its default ({@code share.version} and {@code streams.version} 1). Stateless; reads the image only.
 */
public final class FeatureLevels {
    /** Kafka's feature name for the transaction protocol version (KIP-890). */
    public static final String TRANSACTION_VERSION = "transaction.version";
    /** Kafka's feature name for share groups (KIP-932): level 1 enables them. */
    public static final String SHARE_VERSION = "share.version";
    /**
     * Kafka's feature name for the Streams group protocol (KIP-1071): at level 1 StreamsGroupHeartbeat and
     * StreamsGroupDescribe are served, at 0 they answer UNSUPPORTED_VERSION, as on Kafka 4.2+. A new
     * cluster runs level 1 (Kafka 4.2's production level) until UpdateFeatures sets another.
     */
    public static final String STREAMS_VERSION = "streams.version";
    /** Features this node can run, each from level 0 to the level here. */
    public static final Map<String, Short> SUPPORTED = Map.of(TRANSACTION_VERSION, (short) 2, SHARE_VERSION, (short) 1,
            STREAMS_VERSION, (short) 1);

    private FeatureLevels() {
    }

    /** The finalized level of every supported feature, level 0 (disabled) included. */
    public static Map<String, Short> levels(MetadataImage image, short configuredTransactionVersion) {
        Map<String, Short> levels = new TreeMap<>();
        levels.put(TRANSACTION_VERSION, configuredTransactionVersion);
        // Share groups are on unless disabled (kafka-features disable --feature share.version), as on Kafka 4.2+.
        levels.put(SHARE_VERSION, (short) 1);
        levels.put(STREAMS_VERSION, (short) 1);
        image.features().forEach((name, level) -> {
            if (SUPPORTED.containsKey(name)) {
                levels.put(name, level);
            }
        });
        return levels;
    }

    /** The share version the cluster runs now (0: share group requests get UNSUPPORTED_VERSION). */
    public static short shareVersion(MetadataImage image) {
        return image.feature(SHARE_VERSION).orElse((short) 1);
    }

    /** The streams group protocol level the cluster runs now (1 unless UpdateFeatures set another). */
    public static short streamsVersion(MetadataImage image) {
        return image.feature(STREAMS_VERSION).orElse((short) 1);
    }

    /** The transaction version the cluster runs now. */
    public static short transactionVersion(MetadataImage image, short configured) {
        return image.feature(TRANSACTION_VERSION).orElse(configured);
    }
}
