package io.dlog.kafka.txn;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.message.WriteTxnMarkersRequestData;
import org.apache.kafka.common.message.WriteTxnMarkersRequestData.WritableTxnMarker;
import org.apache.kafka.common.message.WriteTxnMarkersResponseData;
import org.junit.jupiter.api.Test;

/** Markers of several transactions share one request per node, one request in flight per node. */
class TxnMarkerBatcherTest {
    private record Sent(int node, WriteTxnMarkersRequestData request, CompletableFuture<WriteTxnMarkersResponseData> answer) {
        List<Long> producers() {
            return request.markers().stream().map(WritableTxnMarker::producerId).toList();
        }
    }

    private final List<Sent> sent = new ArrayList<>();
    private final TxnMarkerBatcher batcher = new TxnMarkerBatcher((node, request) -> {
        CompletableFuture<WriteTxnMarkersResponseData> answer = new CompletableFuture<>();
        sent.add(new Sent(node, request, answer));
        return answer;
    });

    private static WriteTxnMarkersRequestData marker(long producerId) {
        return new WriteTxnMarkersRequestData().setMarkers(List.of(new WritableTxnMarker().setProducerId(producerId)
                .setProducerEpoch((short) 0).setTransactionResult(true)));
    }

    @Test
    void shouldSendAtOnceWhenIdleAndBatchWhatQueuesWhileARequestIsOut() {
        // Given: a first marker for node 1 goes out at once
        CompletableFuture<WriteTxnMarkersResponseData> first = batcher.send(1, marker(10));
        assertThat(sent).hasSize(1);

        // When: more markers come meanwhile: two of producer 11, one of 12, one for another node
        CompletableFuture<WriteTxnMarkersResponseData> second = batcher.send(1, marker(11));
        CompletableFuture<WriteTxnMarkersResponseData> third = batcher.send(1, marker(12));
        CompletableFuture<WriteTxnMarkersResponseData> again = batcher.send(1, marker(11));
        batcher.send(2, marker(20));

        // Then: node 2 is idle, so its marker leaves at once; node 1's wait for the first answer
        assertThat(sent).extracting(Sent::node).containsExactly(1, 2);
        WriteTxnMarkersResponseData answer = new WriteTxnMarkersResponseData();
        sent.get(0).answer().complete(answer);
        assertThat(first).isCompletedWithValue(answer);
        // the waiting ones share one request, producer 11's second marker apart (answers are keyed by producer)
        assertThat(sent).hasSize(3);
        assertThat(sent.get(2).node()).isEqualTo(1);
        assertThat(sent.get(2).producers()).containsExactly(11L, 12L);
        sent.get(2).answer().completeExceptionally(new IllegalStateException("node 1 went away"));
        assertThat(second).isCompletedExceptionally();
        assertThat(third).isCompletedExceptionally();
        assertThat(sent.get(3).producers()).containsExactly(11L);
        sent.get(3).answer().complete(answer);
        assertThat(again).isCompletedWithValue(answer);
        assertThat(sent).hasSize(4);
    }
}
