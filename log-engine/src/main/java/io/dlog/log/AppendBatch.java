package io.dlog.log;

import java.nio.ByteBuffer;
import java.util.concurrent.CompletableFuture;

/**
 * Appends to several partitions (one produce request's) with one hand-off per writer thread instead of
 * one per partition: {@link #append} validates and collects, {@link #submit} hands each writer all of
 * its appends at once, so a writer is woken at most once for the request and finds all its work.
 *
 * <p>Not thread-safe: one instance per request, on one thread. Futures complete as for
 * {@link PartitionLog#append}; an append not yet submitted never completes.
 */
public interface AppendBatch {

    static AppendBatch create() {
        return new io.dlog.log.internal.DefaultAppendBatch();
    }

    /** As {@link PartitionLog#append}, but queued until {@link #submit}. */
    CompletableFuture<AppendResult> append(PartitionLog log, ByteBuffer batches, int leaderEpoch);

    /**
     * As {@link PartitionLog#append(ByteBuffer, int, VerificationGuard)} (a checked transactional append), but
     * queued until {@link #submit}; the guard is checked when the writer runs it, as there.
     */
    CompletableFuture<AppendResult> append(PartitionLog log, ByteBuffer batches, int leaderEpoch, VerificationGuard guard);

    /** Hands every collected append to its writer thread. Call once. */
    void submit();
}
