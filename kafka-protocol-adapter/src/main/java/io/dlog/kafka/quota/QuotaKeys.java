package io.dlog.kafka.quota;

import io.dlog.log.metadata.QuotaEntity;
import java.util.Map;

/**
 * The client quota keys Kafka accepts (its {@code QuotaConfig}), by the entity combination they are
 * valid for, with their value types: a LONG key takes only whole numbers. Stateless.
 */
public final class QuotaKeys {
    public static final String PRODUCER_BYTE_RATE = "producer_byte_rate";
    public static final String CONSUMER_BYTE_RATE = "consumer_byte_rate";
    public static final String REQUEST_PERCENTAGE = "request_percentage";
    public static final String CONTROLLER_MUTATION_RATE = "controller_mutation_rate";
    public static final String CONNECTION_CREATION_RATE = "connection_creation_rate";

    /** A key's value type, as Kafka's ConfigDef declares it. */
    public enum Type { LONG, DOUBLE, INT }

    /** Users, clients and users' clients take the same keys. */
    private static final Map<String, Type> USER_AND_CLIENT = Map.of(
            PRODUCER_BYTE_RATE, Type.LONG,
            CONSUMER_BYTE_RATE, Type.LONG,
            REQUEST_PERCENTAGE, Type.DOUBLE,
            CONTROLLER_MUTATION_RATE, Type.DOUBLE);
    private static final Map<String, Type> IP = Map.of(CONNECTION_CREATION_RATE, Type.INT);

    private QuotaKeys() {
    }

    /** The keys valid for the entity (which has a valid combination of parts: see the quotas handler). */
    public static Map<String, Type> validFor(QuotaEntity entity) {
        return entity.has(QuotaEntity.IP) ? IP : USER_AND_CLIENT;
    }
}
