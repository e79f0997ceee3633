package io.dlog.kafka.common;

import java.util.UUID;
import org.apache.kafka.common.Uuid;

/** Converts between the engine's {@link UUID} topic ids and Kafka's {@link Uuid}. */
public final class Uuids {
    private Uuids() {
    }

    public static Uuid toKafka(UUID id) {
        return new Uuid(id.getMostSignificantBits(), id.getLeastSignificantBits());
    }

    public static UUID fromKafka(Uuid id) {
        return new UUID(id.getMostSignificantBits(), id.getLeastSignificantBits());
    }
}
