package io.dlog.log.metadata;

import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The client quotas of the cluster image (Kafka's {@code ClientQuotasImage}): for each entity its quota
 * values by key ({@code producer_byte_rate}, {@code consumer_byte_rate}, {@code request_percentage},
 * ...). An entity without any value is not kept. Immutable.
 */
public record ClientQuotasImage(Map<QuotaEntity, Map<String, Double>> entities) {
    public static final ClientQuotasImage EMPTY = new ClientQuotasImage(Map.of());

    public ClientQuotasImage {
        Map<QuotaEntity, Map<String, Double>> copy = new HashMap<>();
        entities.forEach((entity, values) -> {
            if (!values.isEmpty()) {
                copy.put(entity, Map.copyOf(values));
            }
        });
        entities = Map.copyOf(copy);
    }

    /** The value of {@code key} set on exactly this entity. */
    public Optional<Double> value(QuotaEntity entity, String key) {
        return Optional.ofNullable(entities.getOrDefault(entity, Map.of()).get(key));
    }

    public boolean isEmpty() {
        return entities.isEmpty();
    }
}
