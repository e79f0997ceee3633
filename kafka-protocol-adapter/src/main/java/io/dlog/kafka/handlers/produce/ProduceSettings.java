package io.dlog.kafka.handlers.produce;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.dlog.kafka.config.BrokerConfig;
import io.dlog.kafka.config.TopicConfigs;
import io.dlog.log.metadata.TopicImage;
import java.util.Map;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.record.internal.CompressionType;

/**
 * What the produce path needs from a topic's configs: its compression.type and the codec (with level)
 * to recompress with. Resolved once per topic image and broker config, not per request: both are
 * immutable and replaced on every change, so identity is the cache key.
 */
final class ProduceSettings {

    /** @param codec the topic's compression.type, lower case; {@code recompression} used when it names a codec */
    record Settings(String codec, Compression recompression, BrokerConfig resolvedWith) {
    }

    private final Cache<TopicImage, Settings> cache = Caffeine.newBuilder().weakKeys().maximumSize(100_000).build();

    Settings of(TopicImage topic, BrokerConfig broker) {
        Settings cached = cache.getIfPresent(topic);
        if (cached != null && cached.resolvedWith() == broker) {
            return cached;
        }
        Settings resolved = resolve(topic.configs(), broker);
        cache.put(topic, resolved);
        return resolved;
    }

    static Settings resolve(Map<String, String> overrides, BrokerConfig broker) {
        String codec = TopicConfigs.compressionType(overrides, broker);
        return new Settings(codec, compression(codec, overrides, broker), broker);
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
