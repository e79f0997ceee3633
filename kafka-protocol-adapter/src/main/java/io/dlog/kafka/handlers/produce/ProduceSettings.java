package io.dlog.kafka.handlers.produce;

import io.dlog.kafka.config.BrokerConfig;
import io.dlog.kafka.config.TopicConfigs;
import io.dlog.log.metadata.TopicImage;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.record.internal.CompressionType;

/**
 * What the produce path needs from a topic's configs: its compression.type and the codec (with level)
 * to recompress with, min.insync.replicas and max.decompressed.message.bytes. Resolved once per topic
 * image and broker config, not per request: both are immutable and replaced on every change, so an
 * entry is valid while both are the same instances.
 * A plain map by topic name (one entry per topic, replaced on change): a cache library's read
 * bookkeeping cost more than the lookup it saved on this per-partition path.
 */
final class ProduceSettings {
    /** compression.type=producer: the producer's codec is kept, nothing is recompressed. */
    static final String PRODUCER = "producer";

    /**
     * @param codec the topic's compression.type, lower case; {@code recompression} used when it names a codec
     * @param minInsyncReplicas the topic's min.insync.replicas, for acks=all
     * @param maxDecompressedRecordBytes the topic's max.decompressed.message.bytes, checked in compressed batches
     */
    record Settings(String codec, Compression recompression, int minInsyncReplicas, int maxDecompressedRecordBytes) {
        /** Whether a compressed batch must be decompressed to check its records' sizes. */
        boolean limitsDecompressedRecords() {
            return maxDecompressedRecordBytes < TopicConfigs.NO_DECOMPRESSED_LIMIT;
        }
    }

    private record Entry(TopicImage topic, BrokerConfig broker, Settings settings) {
    }

    private static final int MAX_ENTRIES = 100_000;
    private final ConcurrentHashMap<String, Entry> byTopic = new ConcurrentHashMap<>();

    Settings of(TopicImage topic, BrokerConfig broker) {
        Entry cached = byTopic.get(topic.name());
        if (cached != null && cached.topic() == topic && cached.broker() == broker) {
            return cached.settings();
        }
        if (byTopic.size() >= MAX_ENTRIES) {
            byTopic.clear(); // deleted topics' entries would otherwise stay forever
        }
        Settings resolved = resolve(topic.configs(), broker);
        byTopic.put(topic.name(), new Entry(topic, broker, resolved));
        return resolved;
    }

    static Settings resolve(Map<String, String> overrides, BrokerConfig broker) {
        String codec = TopicConfigs.compressionType(overrides, broker);
        return new Settings(codec, compression(codec, overrides, broker),
                TopicConfigs.minInsyncReplicas(overrides, broker),
                TopicConfigs.maxDecompressedMessageBytes(overrides, broker));
    }

    private static Compression compression(String codec, Map<String, String> overrides, BrokerConfig broker) {
        if (codec.equals("producer") || codec.equals("uncompressed")) {
            return Compression.NONE;
        }
        CompressionType type = CompressionType.forName(codec);
        var definition = TopicConfigs.definitions().get("compression." + codec + ".level");
        if (definition == null) {
            return Compression.of(type).build();
        }
        int level = Integer.parseInt(TopicConfigs.effectiveValue(definition, overrides, broker).value());
        return switch (type) {
            case GZIP -> Compression.gzip().level(level).build();
            case LZ4 -> Compression.lz4().level(level).build();
            case ZSTD -> Compression.zstd().level(level).build();
            default -> Compression.of(type).build();
        };
    }
}
