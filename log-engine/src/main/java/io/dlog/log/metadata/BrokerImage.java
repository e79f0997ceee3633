package io.dlog.log.metadata;

import java.util.List;
import java.util.Optional;

/**
 * A registered broker as the cluster image knows it. Immutable.
 *
 * @param id          the node id ({@code node.id})
 * @param incarnation a value the node picks afresh at each start; a registration with a new
 *                    incarnation replaces the old one, and heartbeats or fencing that name an older
 *                    incarnation are ignored (Kafka's broker epoch plays this part)
 * @param endpoints   the listeners clients and other brokers connect to, by listener name
 * @param rack        {@code broker.rack}, or null
 * @param fenced      true while the broker is not heartbeating: it leads nothing and is not shown to clients
 * @param directoryId the {@code directory.id} of the data folder it registered with (Kafka's, in
 *                    {@code meta.properties}), or null when not known (a registration before DLog sent it): a new
 *                    one means the folder, and every replica in it, was replaced
 */
public record BrokerImage(int id, long incarnation, List<Endpoint> endpoints, String rack, boolean fenced,
                          String directoryId) {

    /** One advertised listener. */
    public record Endpoint(String listener, String host, int port) {
    }

    public BrokerImage {
        endpoints = List.copyOf(endpoints);
    }

    public BrokerImage(int id, long incarnation, List<Endpoint> endpoints, String rack, boolean fenced) {
        this(id, incarnation, endpoints, rack, fenced, null);
    }

    public Optional<Endpoint> endpoint(String listener) {
        return endpoints.stream().filter(e -> e.listener().equals(listener)).findFirst();
    }

    public BrokerImage withDirectoryId(String id) {
        return new BrokerImage(this.id, incarnation, endpoints, rack, fenced, id);
    }

    public BrokerImage withFenced(boolean nowFenced) {
        return new BrokerImage(id, incarnation, endpoints, rack, nowFenced, directoryId);
    }
}
