package io.dlog.kafka.handlers;

import io.dlog.kafka.BrokerContext;
import io.dlog.kafka.common.ClusterView;
import io.dlog.kafka.interbroker.InterBrokerClient;
import java.util.Optional;
import org.apache.kafka.common.Node;

/**
 * Where inter-broker requests go: a live broker's client endpoint from the metadata image, and this node
 * at the address it is bound to (its advertised address may only resolve outside, as behind a container's
 * port mapping). Stateless; reads the image only.
 */
public final class InterBrokerNodes {
    private InterBrokerNodes() {
    }

    public static InterBrokerClient.NodeResolver of(BrokerContext context) {
        return id -> {
            if (id == context.nodeId()) {
                int port = context.boundPort().get();
                if (port == 0) {
                    return Optional.empty(); // not listening yet
                }
                String host = context.config().listener().host();
                boolean wildcard = host == null || host.isEmpty() || host.equals("0.0.0.0") || host.equals("::");
                return Optional.of(new Node(id, wildcard ? "127.0.0.1" : host, port));
            }
            return ClusterView.liveBroker(context, id).map(b -> new Node(b.id(), b.host(), b.port(), b.rack()));
        };
    }
}
