package io.dlog.log.metadata;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * A client quota entity, as Kafka's {@code ClientQuotaEntity}: one to three parts, each an entity type
 * ({@code user}, {@code client-id}, {@code ip}) with a name, or with no name for the type's default
 * entity ({@code <default>}). Parts are kept in type order, so equal entities are equal records.
 * Immutable.
 */
public record QuotaEntity(List<Part> parts) {
    public static final String USER = "user";
    public static final String CLIENT_ID = "client-id";
    public static final String IP = "ip";

    /** @param name the entity's name, or null for the default entity of its type */
    public record Part(String type, String name) {
        public boolean isDefault() {
            return name == null;
        }
    }

    public QuotaEntity {
        List<Part> sorted = new ArrayList<>(parts);
        sorted.sort(Comparator.comparing(Part::type));
        parts = List.copyOf(sorted);
    }

    /** Whether the entity has a part of this type. */
    public boolean has(String type) {
        return part(type).isPresent();
    }

    public Optional<Part> part(String type) {
        return parts.stream().filter(p -> p.type().equals(type)).findFirst();
    }

    /** A short form for messages, as Kafka prints entities: {@code user=alice, client-id=<default>}. */
    @Override
    public String toString() {
        StringBuilder text = new StringBuilder();
        for (Part part : parts) {
            if (text.length() > 0) {
                text.append(", ");
            }
            text.append(part.type()).append('=').append(part.isDefault() ? "<default>" : part.name());
        }
        return text.toString();
    }
}
