package io.dlog.kafka.group;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/** A {@link GroupStore} in memory: records kept in append order, replayed as the log would be. */
final class InMemoryGroupStore implements GroupStore {
    record Entry(int partition, GroupRecords.Record record) {
    }

    final List<Entry> entries = new ArrayList<>();
    boolean failAppends;
    /** While set, appends fail with it (as a refused write of the log would). */
    Throwable failWith;

    @Override
    public int partitions() {
        return 4;
    }

    @Override
    public synchronized CompletableFuture<Void> append(int partition, List<GroupRecords.Record> records) {
        if (failWith != null) {
            return CompletableFuture.failedFuture(failWith);
        }
        if (failAppends) {
            return CompletableFuture.failedFuture(new IllegalStateException("disk full"));
        }
        records.forEach(r -> entries.add(new Entry(partition, r)));
        return CompletableFuture.completedFuture(null);
    }

    @Override
    public synchronized CompletableFuture<io.dlog.log.AppendResult> appendTransactional(int partition,
                                                                                    List<GroupRecords.Record> records,
                                                                                    long producerId, short producerEpoch,
                                                                                    io.dlog.log.VerificationGuard guard) {
        return CompletableFuture.failedFuture(new UnsupportedOperationException("transactions need the log"));
    }

    @Override
    public synchronized void replay(int partition, GroupRecords.Visitor visitor) {
        for (Entry e : entries) {
            if (e.partition() == partition) {
                GroupRecords.visit(ByteBuffer.wrap(e.record().key()),
                        e.record().value() == null ? null : ByteBuffer.wrap(e.record().value()), visitor);
            }
        }
    }

    @Override
    public synchronized void replay(GroupRecords.Visitor visitor) {
        for (Entry e : entries) {
            GroupRecords.visit(ByteBuffer.wrap(e.record().key()),
                    e.record().value() == null ? null : ByteBuffer.wrap(e.record().value()), visitor);
        }
    }
}
