package io.dlog.kafka.handlers;

import io.dlog.kafka.BrokerContext;
import io.dlog.kafka.api.ApiHandler;
import io.dlog.kafka.api.RequestContext;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.kafka.common.message.InitProducerIdRequestData;
import org.apache.kafka.common.message.InitProducerIdResponseData;
import org.apache.kafka.common.protocol.Errors;

/**
 * InitProducerId for idempotent producers: a fresh producer id minted locally by the node's durable
 * id generator (no controller round trip), epoch 0 — as Kafka answers a producer without a
 * transactional id, including one that asks for an epoch bump (KIP-360). Transactional ids are refused
 * until the transaction coordinator exists.
 */
public final class InitProducerIdHandler implements ApiHandler<InitProducerIdRequestData> {
    private final BrokerContext context;

    public InitProducerIdHandler(BrokerContext context) {
        this.context = context;
    }

    @Override
    public CompletionStage<InitProducerIdResponseData> handle(RequestContext request, InitProducerIdRequestData data) {
        InitProducerIdResponseData response = new InitProducerIdResponseData().setProducerId(-1L).setProducerEpoch((short) -1);
        if (data.transactionalId() != null) {
            return CompletableFuture.completedFuture(response.setErrorCode(Errors.TRANSACTIONAL_ID_AUTHORIZATION_FAILED.code()));
        }
        // The id generator may fsync when its lease runs out: keep that off the event loop.
        return CompletableFuture.supplyAsync(() -> response.setErrorCode(Errors.NONE.code())
                .setProducerId(context.idGenerator().getAsLong()).setProducerEpoch((short) 0), context.scheduler());
    }
}
