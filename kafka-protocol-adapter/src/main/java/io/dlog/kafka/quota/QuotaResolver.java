package io.dlog.kafka.quota;

import io.dlog.log.metadata.ClientQuotasImage;
import io.dlog.log.metadata.QuotaEntity;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Which quota of one kind (one key, e.g. {@code producer_byte_rate}) a (user, client-id) pair falls
 * under, by Kafka's {@code DefaultQuotaCallback}: the quota entity the pair's usage is counted against
 * (its "metric tags": the pairs that share it share one rate), then that entity's bound. With quotas of
 * several entity kinds configured the most specific entity configured wins, in Kafka's order:
 * users/&lt;user&gt;/clients/&lt;client-id&gt;, users/&lt;user&gt;/clients/&lt;default&gt;,
 * users/&lt;user&gt;, users/&lt;default&gt;/clients/&lt;client-id&gt;,
 * users/&lt;default&gt;/clients/&lt;default&gt;, users/&lt;default&gt;, clients/&lt;client-id&gt;,
 * clients/&lt;default&gt;.
 *
 * <p>Thread-safe: the index derived from the last quotas image seen is published through a volatile
 * field; a race recomputes it, which is harmless.
 */
final class QuotaResolver {
    private static final int USER = 1;
    private static final int CLIENT_ID = 2;
    private static final int USER_CLIENT_ID = 4;

    /**
     * The quota entity usage is counted against, as Kafka's metric tags: "" for a part the entity
     * does not have.
     */
    record Tags(String user, String clientId) {
    }

    /** @param bound the quota, or NaN when the entity has none (usage is counted, never throttled) */
    record Resolution(Tags tags, double bound) {
        boolean bounded() {
            return !Double.isNaN(bound);
        }
    }

    /** This kind's values by entity, and which entity kinds have one (Kafka's quotaTypesEnabled). */
    private record Index(ClientQuotasImage source, Map<QuotaEntity, Double> values, int kinds) {
    }

    private final String key;
    private volatile Index index = new Index(ClientQuotasImage.EMPTY, Map.of(), 0);

    QuotaResolver(String key) {
        this.key = key;
    }

    /** Null when no entity has a quota of this kind: Kafka then neither measures nor throttles. */
    Resolution resolve(ClientQuotasImage quotas, String user, String clientId) {
        Index current = index(quotas);
        if (current.kinds() == 0) {
            return null;
        }
        Tags tags = tags(current, user, clientId);
        return new Resolution(tags, bound(current, tags));
    }

    /** Whether some entity has a quota of this kind. */
    boolean enabled(ClientQuotasImage quotas) {
        return index(quotas).kinds() != 0;
    }

    private Index index(ClientQuotasImage quotas) {
        Index current = index;
        if (current.source() == quotas) {
            return current;
        }
        Map<QuotaEntity, Double> values = new HashMap<>();
        int kinds = 0;
        for (Map.Entry<QuotaEntity, Map<String, Double>> entity : quotas.entities().entrySet()) {
            Double value = entity.getValue().get(key);
            if (value == null || entity.getKey().has(QuotaEntity.IP)) {
                continue;
            }
            values.put(entity.getKey(), value);
            boolean user = entity.getKey().has(QuotaEntity.USER);
            boolean client = entity.getKey().has(QuotaEntity.CLIENT_ID);
            kinds |= user && client ? USER_CLIENT_ID : user ? USER : CLIENT_ID;
        }
        Index built = new Index(quotas, values, kinds);
        index = built;
        return built;
    }

    private static Tags tags(Index index, String user, String clientId) {
        switch (index.kinds()) {
            case CLIENT_ID:
                return new Tags("", clientId);
            case USER:
                return new Tags(user, "");
            case USER_CLIENT_ID:
                return new Tags(user, clientId);
            default:
                break;
        }
        Map<QuotaEntity, Double> values = index.values();
        if (values.containsKey(entity(user, clientId)) || values.containsKey(entity(user, null))) {
            return new Tags(user, clientId);
        }
        if (values.containsKey(userOnly(user))) {
            return new Tags(user, "");
        }
        if (values.containsKey(entity(null, clientId)) || values.containsKey(entity(null, null))) {
            return new Tags(user, clientId);
        }
        if (values.containsKey(userOnly(null))) {
            return new Tags(user, "");
        }
        return new Tags("", clientId);
    }

    private static double bound(Index index, Tags tags) {
        Map<QuotaEntity, Double> values = index.values();
        List<QuotaEntity> candidates = new ArrayList<>(4);
        if (!tags.user().isEmpty() && !tags.clientId().isEmpty()) {
            candidates.add(entity(tags.user(), tags.clientId()));
            candidates.add(entity(tags.user(), null));
            candidates.add(entity(null, tags.clientId()));
            candidates.add(entity(null, null));
        } else if (!tags.user().isEmpty()) {
            candidates.add(userOnly(tags.user()));
            candidates.add(userOnly(null));
        } else if (!tags.clientId().isEmpty()) {
            candidates.add(clientOnly(tags.clientId()));
            candidates.add(clientOnly(null));
        }
        for (QuotaEntity candidate : candidates) {
            Double value = values.get(candidate);
            if (value != null) {
                return value;
            }
        }
        return Double.NaN;
    }

    /** users/&lt;user&gt;/clients/&lt;client-id&gt;; a null name is the default entity. */
    private static QuotaEntity entity(String user, String clientId) {
        return new QuotaEntity(List.of(new QuotaEntity.Part(QuotaEntity.CLIENT_ID, clientId),
                new QuotaEntity.Part(QuotaEntity.USER, user)));
    }

    private static QuotaEntity userOnly(String user) {
        return new QuotaEntity(List.of(new QuotaEntity.Part(QuotaEntity.USER, user)));
    }

    private static QuotaEntity clientOnly(String clientId) {
        return new QuotaEntity(List.of(new QuotaEntity.Part(QuotaEntity.CLIENT_ID, clientId)));
    }
}
