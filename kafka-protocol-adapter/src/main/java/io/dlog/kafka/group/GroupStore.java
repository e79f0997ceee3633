package io.dlog.kafka.group;

import java.io.IOException;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * Where the coordinator's records go: one partition of {@code __consumer_offsets} per group. The
 * seam that lets the state machine be tested without a log engine.
 *
 * <p>Implementations are thread-safe; {@link #append} never blocks the caller.
 */
interface GroupStore {

    /** Partitions of the offsets topic (fixed once created). */
    int partitions();

    /** Appends the records to one partition; completes once they are durable per the topic's flush mode. */
    CompletableFuture<Void> append(int partition, List<GroupRecords.Record> records);

    /** Replays every record of every partition in log order. Blocking; called once at start-up. */
    void replay(GroupRecords.Visitor visitor) throws IOException;
}
