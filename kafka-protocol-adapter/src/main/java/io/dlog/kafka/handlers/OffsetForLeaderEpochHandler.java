package io.dlog.kafka.handlers;

import io.dlog.kafka.BrokerContext;
import io.dlog.kafka.api.ApiHandler;
import io.dlog.kafka.api.RequestContext;
import io.dlog.kafka.common.LeaderEpochs;
import io.dlog.log.EpochEndOffset;
import io.dlog.log.PartitionLog;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.kafka.common.message.OffsetForLeaderEpochRequestData;
import org.apache.kafka.common.message.OffsetForLeaderEpochResponseData;
import org.apache.kafka.common.message.OffsetForLeaderEpochResponseData.OffsetForLeaderTopicResult;
import org.apache.kafka.common.protocol.Errors;

/**
 * OffsetForLeaderEpoch: where an epoch ended, from the partition's leader-epoch cache. Consumers use
 * it after a leader change to detect log truncation (KIP-320).
 */
public final class OffsetForLeaderEpochHandler implements ApiHandler<OffsetForLeaderEpochRequestData> {
    private final BrokerContext context;

    public OffsetForLeaderEpochHandler(BrokerContext context) {
        this.context = context;
    }

    @Override
    public CompletionStage<OffsetForLeaderEpochResponseData> handle(RequestContext request, OffsetForLeaderEpochRequestData data) {
        OffsetForLeaderEpochResponseData response = new OffsetForLeaderEpochResponseData();
        for (OffsetForLeaderEpochRequestData.OffsetForLeaderTopic topic : data.topics()) {
            OffsetForLeaderTopicResult result = new OffsetForLeaderTopicResult().setTopic(topic.topic());
            for (OffsetForLeaderEpochRequestData.OffsetForLeaderPartition partition : topic.partitions()) {
                result.partitions().add(answer(topic.topic(), partition));
            }
            response.topics().add(result);
        }
        return CompletableFuture.completedFuture(response);
    }

    private OffsetForLeaderEpochResponseData.EpochEndOffset answer(String topic,
                                                                   OffsetForLeaderEpochRequestData.OffsetForLeaderPartition partition) {
        var answer = new OffsetForLeaderEpochResponseData.EpochEndOffset().setPartition(partition.partition())
                .setLeaderEpoch(-1).setEndOffset(-1L);
        Optional<PartitionLog> found = context.topics().partition(topic, partition.partition());
        if (found.isEmpty()) {
            return answer.setErrorCode(context.topics().notServedError(topic, partition.partition()).code());
        }
        PartitionLog log = found.get();
        int epoch = LeaderEpochs.current(log);
        Optional<Errors> stale = LeaderEpochs.validate(partition.currentLeaderEpoch(), log);
        if (stale.isPresent()) {
            return answer.setErrorCode(stale.get().code());
        }
        EpochEndOffset end = log.latestLeaderEpoch() < 0 && partition.leaderEpoch() >= 0
                // An empty log has recorded no epoch yet, but the current epoch ends at the log end.
                ? new EpochEndOffset(epoch, log.logEndOffset())
                : log.endOffsetForEpoch(partition.leaderEpoch());
        return answer.setErrorCode(Errors.NONE.code()).setLeaderEpoch(end.leaderEpoch()).setEndOffset(end.endOffset());
    }
}
