package io.dlog.kafka.handlers;

import io.dlog.kafka.BrokerContext;
import io.dlog.kafka.api.ApiHandler;
import io.dlog.kafka.api.RequestContext;
import io.dlog.kafka.txn.TransactionCoordinator;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.kafka.common.message.InitProducerIdRequestData;
import org.apache.kafka.common.message.InitProducerIdResponseData;
import org.apache.kafka.common.protocol.Errors;

/**
 * InitProducerId. Without a transactional id: a fresh producer id minted locally by the node's durable
 * id generator (no controller round trip), epoch 0 — as Kafka answers an idempotent producer, including
 * one that asks for an epoch bump (KIP-360). With one: the transaction coordinator's answer (new id,
 * epoch bump, or fencing of an open transaction). PRODUCER_FENCED exists from v4 (KIP-588).
 */
public final class InitProducerIdHandler implements ApiHandler<InitProducerIdRequestData> {
    private static final short FENCED_VERSION = 4;

    private final BrokerContext context;
    private final TransactionCoordinator transactions;

    public InitProducerIdHandler(BrokerContext context, TransactionCoordinator transactions) {
        this.context = context;
        this.transactions = transactions;
    }

    @Override
    public CompletionStage<InitProducerIdResponseData> handle(RequestContext request, InitProducerIdRequestData data) {
        InitProducerIdResponseData response = new InitProducerIdResponseData().setProducerId(-1L).setProducerEpoch((short) -1);
        if (data.transactionalId() != null) {
            if (data.transactionalId().isEmpty()) {
                return CompletableFuture.completedFuture(response.setErrorCode(Errors.INVALID_REQUEST.code()));
            }
            return transactions.initProducerId(data.transactionalId(), data.transactionTimeoutMs(), data.producerId(),
                    data.producerEpoch(), request.apiVersion() >= FENCED_VERSION).thenApply(result ->
                    response.setErrorCode(result.error().code()).setProducerId(result.producerId())
                            .setProducerEpoch(result.producerEpoch()));
        }
        // The id generator may fsync when its lease runs out: keep that off the event loop.
        return CompletableFuture.supplyAsync(() -> response.setErrorCode(Errors.NONE.code())
                .setProducerId(context.idGenerator().getAsLong()).setProducerEpoch((short) 0), context.scheduler());
    }
}
