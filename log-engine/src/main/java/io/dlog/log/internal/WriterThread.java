package io.dlog.log.internal;

import io.dlog.log.AppendError;
import io.dlog.log.AppendResult;
import io.dlog.log.StorageMetrics;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * One owner thread for a set of partitions: the only thread that writes their files and changes their
 * state. Other threads talk to it through a FIFO queue of {@link Task}s, drained up to
 * {@link #DRAIN_LIMIT} per pass.
 *
 * <p>The queue has no count limit on purpose: a full queue could only refuse an append, and refusing is
 * not back-pressure (it was answered as KAFKA_STORAGE_ERROR, which Kafka reserves for a failed disk).
 * What bounds it is upstream: every request's bytes stay counted against {@code queued.max.request.bytes}
 * until its append is answered, and above that budget the network layer stops reading from sockets.
 * Internal writers (group coordinator, transaction markers, replica fetcher) have one request in flight
 * per partition or per client request. FIFO order matters: appends of one producer must run in order.
 *
 * <p>Group commit (FSYNC partitions): an append written to the page cache waits in {@code pending};
 * one {@code fsync} per dirty partition then covers every waiting append. The commit happens when the
 * queue has no further task, when {@link #MAX_PENDING} appends wait, or when the oldest has waited
 * {@code groupCommitMaxWait} (measured with {@link System#nanoTime()}: a scheduling interval, not a
 * timestamp, so the injected clock is not involved). Futures complete on this thread after the fsync.
 *
 * <p>Thread-safety: {@link #submit} from any thread; everything else runs on the owner thread.
 */
final class WriterThread implements Runnable {
    static final int DRAIN_LIMIT = 256;
    static final int MAX_PENDING = 1_024;
    private static final Logger LOG = LoggerFactory.getLogger(WriterThread.class);

    /** Work for the owner thread. {@link #abort} runs instead of {@link #run} when the thread stops. */
    interface Task {
        void run(WriterThread writer);

        void abort(AppendError error);
    }

    /** @param submittedNanos when the append was submitted, or -1 for one not measured (a follower's) */
    private record Pending(DefaultPartitionLog partition, CompletableFuture<AppendResult> future,
                           AppendResult result, long submittedNanos) {
    }

    private final BlockingQueue<Task> queue = new LinkedBlockingQueue<>();
    private final List<Pending> pending = new ArrayList<>();
    private final Set<DefaultPartitionLog> dirty = Collections.newSetFromMap(new IdentityHashMap<>());
    private final long maxWaitNanos;
    private final Thread thread;
    private long oldestPendingNanos;
    private volatile boolean running = true;
    private volatile StorageMetrics metrics = StorageMetrics.NONE;

    WriterThread(String name, Duration groupCommitMaxWait) {
        this.maxWaitNanos = groupCommitMaxWait.toNanos();
        this.thread = new Thread(this, name);
        this.thread.setDaemon(true);
    }

    void setMetrics(StorageMetrics metrics) {
        this.metrics = metrics;
    }

    /** Reports a leader append answered at {@code nowNanos} (submittedNanos -1: not measured). Owner thread. */
    void onAppendAnswered(long submittedNanos, long nowNanos) {
        if (submittedNanos >= 0) {
            metrics.onAppend(nowNanos - submittedNanos);
        }
    }

    void start() {
        thread.start();
    }

    /** Enqueues without blocking; false only once the thread stopped (the partition is closing). */
    boolean submit(Task task) {
        return running && queue.offer(task);
    }

    /** Tasks waiting for this thread (for tests and metrics). */
    int queued() {
        return queue.size();
    }

    /** Enqueues the tasks as one (a single wake-up); each that cannot be queued is aborted. Takes the list. */
    void submitAll(List<Task> tasks) {
        Task task = tasks.size() == 1 ? tasks.get(0) : new TaskGroup(tasks);
        if (!submit(task)) {
            task.abort(AppendError.NOT_LEADER_OR_FOLLOWER);
        }
    }

    /** Several tasks run in order as one queue entry; a failing one does not stop the others. */
    private record TaskGroup(List<Task> tasks) implements Task {
        @Override
        public void run(WriterThread writer) {
            tasks.forEach(writer::runSafely);
        }

        @Override
        public void abort(AppendError error) {
            tasks.forEach(task -> task.abort(error));
        }
    }

    boolean isOwnerThread() {
        return Thread.currentThread() == thread;
    }

    /** Called on this thread by an FSYNC append: completes after the next group commit. */
    void awaitFsync(DefaultPartitionLog partition, CompletableFuture<AppendResult> future, AppendResult result,
                    long submittedNanos) {
        if (pending.isEmpty()) {
            oldestPendingNanos = System.nanoTime();
        }
        pending.add(new Pending(partition, future, result, submittedNanos));
        dirty.add(partition);
    }

    @Override
    public void run() {
        try {
            while (running) {
                Task task = pending.isEmpty()
                        ? queue.poll(50, TimeUnit.MILLISECONDS)
                        : queue.poll(Math.max(0, oldestPendingNanos + maxWaitNanos - System.nanoTime()),
                        TimeUnit.NANOSECONDS);
                drain(task);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        // shutting down: finish what was accepted, then make it durable
        drain(queue.poll());
        while (!queue.isEmpty()) {
            drain(queue.poll());
        }
        commit();
    }

    private void drain(Task first) {
        Task task = first;
        int drained = 0;
        while (task != null) {
            runSafely(task);
            if (++drained >= DRAIN_LIMIT || pending.size() >= MAX_PENDING) {
                break;
            }
            task = queue.poll();
        }
        if (!pending.isEmpty() && (queue.isEmpty() || pending.size() >= MAX_PENDING
                || System.nanoTime() - oldestPendingNanos >= maxWaitNanos)) {
            commit();
        }
    }

    private void runSafely(Task task) {
        try {
            task.run(this);
        } catch (RuntimeException e) {
            LOG.error("writer task failed", e);
            task.abort(AppendError.KAFKA_STORAGE_ERROR);
        }
    }

    /**
     * Runs the group commit now, on this thread: a change that rewrites a log (replica truncation) first
     * makes the appends waiting for an fsync durable and answers them, so none is acknowledged after its
     * bytes were removed.
     */
    void commitNow() {
        if (!pending.isEmpty()) {
            commit();
        }
    }

    /** One fsync per dirty partition, then every waiting append completes. */
    private void commit() {
        long start = System.nanoTime();
        for (DefaultPartitionLog p : dirty) {
            p.flushOnWriter();
        }
        dirty.clear();
        long end = System.nanoTime();
        if (!pending.isEmpty()) {
            metrics.onGroupCommit(end - start, pending.size());
        }
        for (Pending p : pending) {
            onAppendAnswered(p.submittedNanos(), end);
            p.future().complete(p.partition().isOffline()
                    ? AppendResult.failure(AppendError.KAFKA_STORAGE_ERROR, "fsync failed", p.result().logStartOffset())
                    : p.result());
        }
        pending.clear();
    }

    /** Stops after finishing queued tasks and the last group commit. */
    void shutdown() throws InterruptedException {
        running = false;
        thread.join(30_000);
        Task t;
        while ((t = queue.poll()) != null) {
            t.abort(AppendError.NOT_LEADER_OR_FOLLOWER);
        }
    }
}
