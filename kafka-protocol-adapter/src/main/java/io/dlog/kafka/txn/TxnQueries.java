package io.dlog.kafka.txn;

import io.dlog.log.TopicPartition;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;
import org.apache.kafka.common.message.DescribeTransactionsRequestData;
import org.apache.kafka.common.message.DescribeTransactionsResponseData;
import org.apache.kafka.common.message.ListTransactionsRequestData;
import org.apache.kafka.common.message.ListTransactionsResponseData;
import org.apache.kafka.common.protocol.Errors;

/**
 * DescribeTransactions and ListTransactions (KIP-664; v1 duration filter, KIP-994; v2 pattern filter,
 * KIP-1152), answered from the coordinator's loaded state. Stateless; thread-safe.
 */
public final class TxnQueries {
    private final TransactionCoordinator coordinator;

    public TxnQueries(TransactionCoordinator coordinator) {
        this.coordinator = coordinator;
    }

    public DescribeTransactionsResponseData describe(DescribeTransactionsRequestData request) {
        DescribeTransactionsResponseData response = new DescribeTransactionsResponseData();
        for (String id : request.transactionalIds()) {
            DescribeTransactionsResponseData.TransactionState state = new DescribeTransactionsResponseData.TransactionState()
                    .setTransactionalId(id).setTransactionState("").setProducerId(-1L).setProducerEpoch((short) -1)
                    .setTransactionStartTimeMs(-1L);
            response.transactionStates().add(state);
            Errors owner = id == null || id.isEmpty() ? Errors.TRANSACTIONAL_ID_NOT_FOUND : coordinator.ownership(id);
            TxnMetadata m = owner == Errors.NONE ? coordinator.get(id) : null;
            if (owner != Errors.NONE || m == null || m.state() == TxnState.DEAD) {
                state.setErrorCode((owner == Errors.NONE ? Errors.TRANSACTIONAL_ID_NOT_FOUND : owner).code());
                continue;
            }
            state.setErrorCode(Errors.NONE.code()).setTransactionState(m.state().displayName())
                    .setTransactionTimeoutMs(m.timeoutMs()).setTransactionStartTimeMs(m.startTimestamp())
                    .setProducerId(m.producerId()).setProducerEpoch(m.producerEpoch());
            Map<String, List<Integer>> byTopic = new LinkedHashMap<>();
            for (TopicPartition tp : m.partitions()) {
                byTopic.computeIfAbsent(tp.topic(), t -> new ArrayList<>()).add(tp.partition());
            }
            byTopic.forEach((topic, partitions) -> state.topics().add(new DescribeTransactionsResponseData.TopicData()
                    .setTopic(topic).setPartitions(partitions)));
        }
        return response;
    }

    public ListTransactionsResponseData list(short version, ListTransactionsRequestData request) {
        ListTransactionsResponseData response = new ListTransactionsResponseData().setErrorCode(Errors.NONE.code());
        Set<TxnState> states = new HashSet<>();
        for (String name : request.stateFilters()) {
            TxnState state = TxnState.fromName(name);
            if (state == null) {
                response.unknownStateFilters().add(name);
            } else {
                states.add(state);
            }
        }
        Pattern pattern = null;
        String regex = version >= 2 ? request.transactionalIdPattern() : null;
        if (regex != null && !regex.isEmpty()) {
            try {
                pattern = Pattern.compile(regex);
            } catch (PatternSyntaxException e) {
                return response.setErrorCode(Errors.INVALID_REGULAR_EXPRESSION.code());
            }
        }
        // Kafka: unknown state filters alone match nothing
        if (!request.stateFilters().isEmpty() && states.isEmpty()) {
            return response;
        }
        Set<Long> producerIds = new HashSet<>(request.producerIdFilters());
        long duration = version >= 1 ? request.durationFilter() : -1;
        long now = coordinator.now();
        List<TxnMetadata> all = new ArrayList<>(coordinator.all());
        all.sort(Comparator.comparing(TxnMetadata::transactionalId));
        for (TxnMetadata m : all) {
            if (m.state() == TxnState.DEAD || (!states.isEmpty() && !states.contains(m.state()))
                    || (!producerIds.isEmpty() && !producerIds.contains(m.producerId()))
                    || (duration >= 0 && now - m.startTimestamp() < duration)
                    || (pattern != null && !pattern.matcher(m.transactionalId()).matches())) {
                continue;
            }
            response.transactionStates().add(new ListTransactionsResponseData.TransactionState()
                    .setTransactionalId(m.transactionalId()).setProducerId(m.producerId())
                    .setTransactionState(m.state().displayName()));
        }
        return response;
    }
}
