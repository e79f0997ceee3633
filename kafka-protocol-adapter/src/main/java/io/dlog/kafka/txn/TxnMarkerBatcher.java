package io.dlog.kafka.txn;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.message.WriteTxnMarkersRequestData;
import org.apache.kafka.common.message.WriteTxnMarkersRequestData.WritableTxnMarker;
import org.apache.kafka.common.message.WriteTxnMarkersResponseData;

/**
 * The coordinator's WriteTxnMarkers requests per destination node, batched as Kafka's
 * TransactionMarkerChannelManager batches them: one request in flight per node, and what queued up for
 * the node while it was out leaves together in the next one. So the markers of transactions ending at
 * the same time share requests (and the leader's hand-off to its writer threads), while an idle
 * coordinator's marker leaves at once. Two markers of one producer never share a request (answers are
 * keyed by producer id): the later one waits for the next. A request carries at most
 * {@value #MAX_MARKERS} markers.
 *
 * <p>Each part's future completes with the whole response of the request it went in (the caller picks its
 * own producers' results), or with the request's failure. Thread-safe: the queues are guarded by this
 * object's monitor, held for queue work only; requests are sent and answered outside it.
 */
final class TxnMarkerBatcher {
    static final int MAX_MARKERS = 1_000;

    /** Sends one request to a node. */
    interface Transport {
        CompletableFuture<WriteTxnMarkersResponseData> send(int node, WriteTxnMarkersRequestData request);
    }

    private record Part(WriteTxnMarkersRequestData markers, CompletableFuture<WriteTxnMarkersResponseData> answer) {
    }

    /** A node's parts not sent yet, and whether a request to it is out. */
    private static final class NodeQueue {
        final ArrayDeque<Part> waiting = new ArrayDeque<>();
        boolean inFlight;
    }

    private final Transport transport;
    private final Map<Integer, NodeQueue> nodes = new HashMap<>();

    TxnMarkerBatcher(Transport transport) {
        this.transport = transport;
    }

    /** Queues {@code markers} for {@code node}; the answer is that of the request they go in. */
    CompletableFuture<WriteTxnMarkersResponseData> send(int node, WriteTxnMarkersRequestData markers) {
        Part part = new Part(markers, new CompletableFuture<>());
        List<Part> batch;
        synchronized (this) {
            NodeQueue queue = nodes.computeIfAbsent(node, n -> new NodeQueue());
            queue.waiting.add(part);
            batch = queue.inFlight ? null : take(queue);
        }
        if (batch != null) {
            dispatch(node, batch);
        }
        return part.answer();
    }

    /** Takes the next request's parts off the queue (marking the node busy), or null when none wait. Under the monitor. */
    private static List<Part> take(NodeQueue queue) {
        List<Part> batch = new ArrayList<>();
        Set<Long> producers = new HashSet<>();
        int markers = 0;
        for (Iterator<Part> it = queue.waiting.iterator(); it.hasNext() && markers < MAX_MARKERS; ) {
            Part part = it.next();
            List<Long> ids = part.markers().markers().stream().map(WritableTxnMarker::producerId).toList();
            if (!batch.isEmpty() && (ids.stream().anyMatch(producers::contains) || markers + ids.size() > MAX_MARKERS)) {
                continue; // a later request takes it
            }
            it.remove();
            batch.add(part);
            producers.addAll(ids);
            markers += ids.size();
        }
        queue.inFlight = !batch.isEmpty();
        return batch.isEmpty() ? null : batch;
    }

    private void dispatch(int node, List<Part> batch) {
        WriteTxnMarkersRequestData request = new WriteTxnMarkersRequestData();
        for (Part part : batch) {
            for (WritableTxnMarker marker : part.markers().markers()) {
                request.markers().add(marker.duplicate());
            }
        }
        CompletableFuture<WriteTxnMarkersResponseData> sent;
        try {
            sent = transport.send(node, request);
        } catch (RuntimeException e) {
            sent = CompletableFuture.failedFuture(e);
        }
        sent.whenComplete((response, failure) -> {
            // Answered first: the callers' retries queue up and go in the next request.
            for (Part part : batch) {
                if (failure != null) {
                    part.answer().completeExceptionally(failure);
                } else {
                    part.answer().complete(response);
                }
            }
            List<Part> next;
            synchronized (this) {
                NodeQueue queue = nodes.get(node);
                queue.inFlight = false;
                next = take(queue);
                if (next == null) {
                    nodes.remove(node);
                }
            }
            if (next != null) {
                dispatch(node, next);
            }
        });
    }
}
