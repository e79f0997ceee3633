package io.dlog.kafka.handlers.admin;

import io.dlog.kafka.BrokerContext;
import io.dlog.kafka.api.ApiHandler;
import java.time.Duration;
import org.apache.kafka.common.protocol.ApiMessage;

/**
 * Runs an admin handler once this node has applied every metadata change the metadata leader had
 * applied when the request arrived. Kafka forwards admin requests to its active controller, which sees
 * every committed change; without this, a topic created through one node and altered a moment later
 * through another could be "unknown" on the second. One leader round trip per admin request; nothing
 * on a single node. Stateless.
 */
public final class MetadataBarrier {
    private static final Duration WAIT = Duration.ofSeconds(5);

    private MetadataBarrier() {
    }

    public static <Q extends ApiMessage> ApiHandler<Q> around(BrokerContext context, ApiHandler<Q> handler) {
        return (request, data) -> context.topics().quorum().latestImage(WAIT)
                .thenCompose(image -> handler.handle(request, data));
    }
}
