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
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.ReentrantLock;

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
 * <p>Caller runs when idle ({@link #submitAll}): handing a task over costs a wake-up of this thread and
 * another of the submitter's for the answer, about 100-150 µs of a 100-byte acks=1 produce's 150-200 µs on
 * these VMs (docs/benchmarks.md, issue 19). So when no task is queued or running, a task that says it
 * {@linkplain Task#inlineBytes may} (a small page-cache write: no fsync, no segment roll, no new epoch, at
 * most {@link #INLINE_MAX_BYTES})
 * runs on the submitting thread instead. Whoever runs tasks holds {@code owner}, so partition state still
 * has one writer at a time and every change happens-before the next; {@code outstanding} counts tasks
 * submitted and not yet run, so a task runs inline only with none ahead of it and FIFO order holds.
 *
 * <p>Thread-safety: {@link #submit} and {@link #submitAll} from any thread; everything else runs under
 * {@code owner}, on the owner thread or, for an inline task, on its submitter's.
 */
final class WriterThread implements Runnable {
    static final int DRAIN_LIMIT = 256;
    static final int MAX_PENDING = 1_024;
    /**
     * Largest write run on a submitter's thread: a client's default {@code max.request.size}, so every
     * ordinary produce request qualifies. Handing a throughput producer's request (one or two 64 KiB batches
     * in the benchmarks) to this thread let the event loop decode the next one meanwhile, but its two
     * wake-ups cost more CPU than that overlap saved: the 1 MiB limit took about 15% off a single node's CPU
     * per GB of 100-byte acks=all produce (docs/benchmarks.md, session 12). The price is that the event loop
     * is held for the write: about 1 ms of CPU per MiB on a single node of the 2-core VM, up to about 4 ms in
     * a profiled three-node run; it is the kernel's copy, of the same order as the receive that brought
     * the bytes in.
     */
    static final long INLINE_MAX_BYTES = 1024 * 1024;
    private static final Logger LOG = LoggerFactory.getLogger(WriterThread.class);

    /** Work for the owner thread. {@link #abort} runs instead of {@link #run} when the thread stops. */
    interface Task {
        void run(WriterThread writer);

        void abort(AppendError error);

        /**
         * The bytes this task writes if it may run on its submitter's thread (a network event loop, which must
         * never block: only a page-cache write qualifies), or -1 if it may not. Called with the writer's lock
         * held, just before running.
         */
        default long inlineBytes() {
            return -1;
        }
    }

    /** @param submittedNanos when the append was submitted, or -1 for one not measured (a follower's) */
    private record Pending(DefaultPartitionLog partition, CompletableFuture<AppendResult> future,
                           AppendResult result, long submittedNanos) {
    }

    private final BlockingQueue<Task> queue = new LinkedBlockingQueue<>();
    /** Held while running tasks or a group commit: by the owner thread, or by a submitter running one inline. */
    private final ReentrantLock owner = new ReentrantLock();
    /** Tasks submitted and not yet run (queued, or taken and running). */
    private final AtomicInteger outstanding = new AtomicInteger();
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
        outstanding.incrementAndGet();
        return enqueueCounted(task);
    }

    /** Enqueues a task already counted in {@code outstanding}; false (and uncounted) once stopped. */
    private boolean enqueueCounted(Task task) {
        if (running && queue.offer(task)) {
            return true;
        }
        outstanding.decrementAndGet();
        return false;
    }

    /** Whether no task is queued or running (for tests). */
    boolean idle() {
        return outstanding.get() == 0 && !owner.isLocked();
    }

    /** Tasks waiting for this thread (for tests and metrics). */
    int queued() {
        return queue.size();
    }

    /**
     * Runs the tasks as one: on the calling thread when this writer is idle and they all {@linkplain
     * Task#inlineBytes may} and write at most {@link #INLINE_MAX_BYTES}, else enqueued (a single wake-up);
     * each that cannot be queued is aborted.
     * Takes the list.
     */
    void submitAll(List<Task> tasks) {
        runOrSubmit(tasks.size() == 1 ? tasks.get(0) : new TaskGroup(tasks), INLINE_MAX_BYTES);
    }

    /**
     * Runs {@code task} on the calling thread when this writer is idle and the task {@linkplain
     * Task#inlineBytes may} with at most {@code maxInlineBytes}, else enqueues it; aborts it if it cannot
     * be queued. A caller that may block (a replica fetcher thread) passes {@link Long#MAX_VALUE}.
     */
    void runOrSubmit(Task task, long maxInlineBytes) {
        if (!running || !outstanding.compareAndSet(0, 1)) {
            if (!submit(task)) {
                task.abort(AppendError.NOT_LEADER_OR_FOLLOWER);
            }
            return;
        }
        // Nothing is queued or running, so nothing can go ahead of this task: run it here if the owner
        // thread is not in a group commit and the task qualifies.
        if (owner.tryLock()) {
            try {
                long bytes = task.inlineBytes();
                if (bytes >= 0 && bytes <= maxInlineBytes) {
                    runSafely(task);
                    outstanding.decrementAndGet();
                    return;
                }
            } finally {
                owner.unlock();
            }
        }
        if (!enqueueCounted(task)) {
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

        @Override
        public long inlineBytes() {
            long total = 0;
            for (Task task : tasks) {
                long bytes = task.inlineBytes();
                if (bytes < 0) {
                    return -1;
                }
                total += bytes;
            }
            return total;
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
                if (task != null || !pending.isEmpty()) {
                    owner.lock();
                    try {
                        drain(task);
                    } finally {
                        owner.unlock();
                    }
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        // shutting down: finish what was accepted, then make it durable
        owner.lock();
        try {
            drain(queue.poll());
            while (!queue.isEmpty()) {
                drain(queue.poll());
            }
            commit();
        } finally {
            owner.unlock();
        }
    }

    private void drain(Task first) {
        Task task = first;
        int drained = 0;
        while (task != null) {
            runSafely(task);
            outstanding.decrementAndGet();
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
