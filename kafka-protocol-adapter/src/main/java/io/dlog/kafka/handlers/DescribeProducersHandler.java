package io.dlog.kafka.handlers;

import io.dlog.kafka.BrokerContext;
import io.dlog.kafka.api.ApiHandler;
import io.dlog.kafka.api.RequestContext;
import io.dlog.log.PartitionLog;
import io.dlog.log.ProducerSnapshot;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.kafka.common.message.DescribeProducersRequestData;
import org.apache.kafka.common.message.DescribeProducersResponseData;
import org.apache.kafka.common.message.DescribeProducersResponseData.PartitionResponse;
import org.apache.kafka.common.message.DescribeProducersResponseData.ProducerState;
import org.apache.kafka.common.message.DescribeProducersResponseData.TopicResponse;
import org.apache.kafka.common.protocol.Errors;

/** DescribeProducers: the idempotent producers each partition tracks (KIP-664). */
public final class DescribeProducersHandler implements ApiHandler<DescribeProducersRequestData> {
    private final BrokerContext context;

    public DescribeProducersHandler(BrokerContext context) {
        this.context = context;
    }

    @Override
    public CompletionStage<DescribeProducersResponseData> handle(RequestContext request, DescribeProducersRequestData data) {
        DescribeProducersResponseData response = new DescribeProducersResponseData();
        for (DescribeProducersRequestData.TopicRequest topic : data.topics()) {
            TopicResponse topicResponse = new TopicResponse().setName(topic.name());
            for (int index : topic.partitionIndexes()) {
                topicResponse.partitions().add(describe(topic.name(), index));
            }
            response.topics().add(topicResponse);
        }
        return CompletableFuture.completedFuture(response);
    }

    private PartitionResponse describe(String topic, int index) {
        PartitionResponse answer = new PartitionResponse().setPartitionIndex(index);
        Optional<PartitionLog> log = context.topics().partition(topic, index);
        if (log.isEmpty()) {
            return answer.setErrorCode(context.topics().notServedError(topic, index).code());
        }
        for (ProducerSnapshot producer : log.get().activeProducers()) {
            answer.activeProducers().add(new ProducerState()
                    .setProducerId(producer.producerId())
                    .setProducerEpoch(producer.producerEpoch())
                    .setLastSequence(producer.lastSequence())
                    .setLastTimestamp(producer.lastTimestamp())
                    .setCoordinatorEpoch(producer.coordinatorEpoch())
                    .setCurrentTxnStartOffset(producer.currentTxnStartOffset()));
        }
        return answer.setErrorCode(Errors.NONE.code());
    }
}
