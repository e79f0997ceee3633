package io.dlog.log.internal;

import io.dlog.log.AppendBatch;
import io.dlog.log.AppendResult;
import io.dlog.log.PartitionLog;
import io.dlog.log.VerificationGuard;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/** Collects append tasks by writer thread; see {@link AppendBatch}. */
public final class DefaultAppendBatch implements AppendBatch {
    private final Map<WriterThread, List<WriterThread.Task>> byWriter = new IdentityHashMap<>(4);

    @Override
    public CompletableFuture<AppendResult> append(PartitionLog log, ByteBuffer batches, int leaderEpoch) {
        return ((DefaultPartitionLog) log).append(batches, leaderEpoch, null, this);
    }

    @Override
    public CompletableFuture<AppendResult> append(PartitionLog log, ByteBuffer batches, int leaderEpoch,
                                                  VerificationGuard guard) {
        return ((DefaultPartitionLog) log).append(batches, leaderEpoch, guard, this);
    }

    void add(WriterThread writer, WriterThread.Task task) {
        byWriter.computeIfAbsent(writer, w -> new ArrayList<>(4)).add(task);
    }

    @Override
    public void submit() {
        byWriter.forEach(WriterThread::submitAll);
        byWriter.clear();
    }
}
