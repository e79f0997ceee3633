package io.dlog.kafka.api;

import java.util.concurrent.CompletionStage;
import org.apache.kafka.common.protocol.ApiMessage;

/**
 * Serves one Kafka API. Called on a Netty event loop: must not block (no disk sync, no lock held
 * across I/O); slow work goes to an executor and comes back as the returned stage.
 *
 * <p>A handler answers every failure it can foresee with Kafka error codes inside the response. An
 * exception (thrown or completing the stage) becomes Kafka's generic error response for the request
 * ({@code AbstractRequest.getErrorResponse}); the connection stays open.
 *
 * @param <Q> the generated request data class
 */
@FunctionalInterface
public interface ApiHandler<Q extends ApiMessage> {
    CompletionStage<? extends ApiMessage> handle(RequestContext context, Q request);
}
