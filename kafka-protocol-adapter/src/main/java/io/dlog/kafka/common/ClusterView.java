package io.dlog.kafka.common;

import io.dlog.kafka.BrokerContext;
import io.dlog.kafka.config.BrokerConfig;
import io.dlog.log.metadata.BrokerImage;
import io.dlog.log.metadata.MetadataImage;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * The brokers as clients see them (Metadata, DescribeCluster, FindCoordinator): registered brokers
 * from the cluster image at their client listener. Stateless; reads the image only.
 */
public final class ClusterView {
    /** A broker's client endpoint. @param rack null when the broker has none */
    public record Broker(int id, String host, int port, String rack, boolean fenced) {
    }

    private ClusterView() {
    }

    /** Live (unfenced) brokers by id; this node is always among them, even before its registration applied. */
    public static List<Broker> liveBrokers(BrokerContext context) {
        return brokers(context, false);
    }

    /** Live brokers at their endpoints of {@code listener} (Kafka answers with the listener the request came on). */
    public static List<Broker> liveBrokers(BrokerContext context, String listener) {
        return brokers(context, listener, false);
    }

    /** Every registered broker, fenced ones included (DescribeCluster v2 can show them). */
    public static List<Broker> brokers(BrokerContext context, boolean includeFenced) {
        return brokers(context, context.config().listener().name(), includeFenced);
    }

    /**
     * Every registered broker that has an endpoint for {@code listener} (fenced ones too if asked);
     * this node always, even before its registration applied.
     */
    public static List<Broker> brokers(BrokerContext context, String listener, boolean includeFenced) {
        MetadataImage image = context.topics().image();
        List<Broker> brokers = new ArrayList<>();
        boolean self = false;
        for (BrokerImage b : image.brokers().values()) {
            if (b.fenced() && !includeFenced) {
                continue;
            }
            Optional<BrokerImage.Endpoint> endpoint = b.endpoint(listener);
            if (endpoint.isPresent()) {
                brokers.add(new Broker(b.id(), endpoint.get().host(), endpoint.get().port(), b.rack(), b.fenced()));
                self |= b.id() == context.nodeId();
            }
        }
        if (!self) {
            BrokerConfig.Listener own = context.advertisedListener(listener).orElse(context.advertisedListener());
            brokers.add(new Broker(context.nodeId(), own.host(), own.port(), context.config().rack().orElse(null), false));
        }
        brokers.sort(Comparator.comparingInt(Broker::id));
        return brokers;
    }

    /** One live broker's endpoint. */
    public static Optional<Broker> liveBroker(BrokerContext context, int id) {
        return liveBrokers(context).stream().filter(b -> b.id() == id).findFirst();
    }

    /** One live broker's endpoint on {@code listener}. */
    public static Optional<Broker> liveBroker(BrokerContext context, String listener, int id) {
        return liveBrokers(context, listener).stream().filter(b -> b.id() == id).findFirst();
    }

    /**
     * The id clients are given as the controller: the metadata group's leader when it is a live broker (a
     * broker,controller node), else this node. Clients send the controller's requests to that id, so it must be
     * a broker they can reach: Kafka's brokers name a live broker too when the controllers are apart
     * (process.roles=controller), and any DLog broker serves those requests.
     */
    public static int controllerId(BrokerContext context) {
        java.util.OptionalInt leader = context.topics().quorum().leaderId();
        if (leader.isPresent() && liveBroker(context, leader.getAsInt()).isPresent()) {
            return leader.getAsInt();
        }
        return context.nodeId();
    }
}
