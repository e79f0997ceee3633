package io.dlog.idcoord;

import java.io.Closeable;
import java.io.IOException;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A durable, monotonic counter whose value is the length of a sparse file.
 *
 * <p>Taking values: {@link #increment()} takes one value, {@link #reserve(long)} takes a block of
 * {@code n} in one step, and {@link #sequence(int)} hands values out from memory, reserving a
 * block at a time (a lease). Growing the file is {@code ftruncate}, which on a sparse filesystem
 * allocates no data blocks, followed by {@code fsync}; recovery is opening the file and reading
 * its length. The counter starts at 0 (an empty file) and the first value is 1.
 *
 * <p>Invariants:
 * <ul>
 *   <li>A value is returned only after the file's length is durably at least that value, and
 *       values are taken above the length found at open. So no value is ever returned twice,
 *       neither within one process nor across a crash ({@code kill -9}, power loss): a crash
 *       only skips values (the unused rest of a lease, values whose commit failed).</li>
 *   <li>The file never shrinks. {@link #get()} is a length known to be durable; every value ever
 *       returned is at most {@code get()}.</li>
 *   <li>An I/O error (disk full, EIO) fails the callers whose values it covered, with an
 *       {@link IOException}, and leaves the counter usable: a later call retries, and after a
 *       failure the retry always grows the file to a fresh length so that a successful
 *       {@code fsync} can't be one that merely forgot an earlier error.</li>
 *   <li>At the filesystem's maximum file size the counter throws
 *       {@link CounterExhaustedException}, for good.</li>
 * </ul>
 *
 * <p>Thread-safety: safe for any number of threads. Concurrent callers share one commit (group
 * commit): the first thread to find the file too short grows it to the highest length anyone is
 * waiting for and syncs once; the others wait on a condition and return when it is done. A thread
 * waiting for a commit does not react to interrupts (the wait is one {@code fsync}). One file can
 * be open by only one counter at a time; it is locked against other processes.
 */
public final class SparseAppendCounter implements Closeable {
    private final CounterFile file;
    private final long maxValue;
    /** The highest value handed to any caller; may run ahead of {@link #durable}. */
    private final AtomicLong claimed;
    /** A file length known durable; only grows. */
    private volatile long durable;
    private volatile boolean closed;

    private final ReentrantLock lock = new ReentrantLock();
    private final Condition commitDone = lock.newCondition();
    // Guarded by lock.
    private long wanted;
    private boolean committing;
    private boolean freshLengthNeeded;
    private long failedCommits;
    private long lastFailedGoal;
    private IOException lastFailure;

    SparseAppendCounter(CounterFile file, long maxValue) throws IOException {
        this.file = file;
        this.maxValue = maxValue;
        long length = file.size();
        // The length we found may come from a commit whose fsync never ran: make it durable, so
        // that get() tells the truth from the start.
        file.force();
        this.durable = length;
        this.wanted = length;
        this.claimed = new AtomicLong(length);
    }

    /**
     * Opens (creating if missing) the counter kept in {@code path}. The parent directory must
     * exist; a newly created file is made durable in its directory before this returns.
     *
     * @throws IOException if the file can't be opened or locked, is used by another process, or
     *     lives on a filesystem known not to support sparse files
     */
    public static SparseAppendCounter open(Path path) throws IOException {
        return open(path, Long.MAX_VALUE);
    }

    static SparseAppendCounter open(Path path, long maxValue) throws IOException {
        Path parent = path.toAbsolutePath().getParent();
        FileStore store = Files.getFileStore(parent);
        FileSystemSupport.requireSparse(store);
        long limit = Math.min(maxValue, FileSystemSupport.maxFileSize(store));
        FileCounterFile counterFile = FileCounterFile.open(path);
        try {
            return new SparseAppendCounter(counterFile, limit);
        } catch (IOException | RuntimeException e) {
            try {
                counterFile.close();
            } catch (IOException suppressed) {
                e.addSuppressed(suppressed);
            }
            throw e;
        }
    }

    /** The durable value: the highest value that may have been handed out, by this or an earlier process. */
    public long get() {
        return durable;
    }

    /**
     * Takes one new value and returns it once it is durable.
     *
     * @return a value greater than every value taken before the last restart, never returned before
     * @throws CounterExhaustedException at the filesystem's maximum file size
     * @throws IOException if the commit failed; the value is then skipped, and a later call may succeed
     */
    public long increment() throws IOException {
        return reserve(1);
    }

    /**
     * Takes {@code n} consecutive new values in one commit and returns the first; the caller owns
     * {@code first .. first + n - 1}.
     *
     * @param n how many values, at least 1
     * @throws CounterExhaustedException if fewer than {@code n} values are left
     * @throws IOException if the commit failed; the block is then skipped
     */
    public long reserve(long n) throws IOException {
        if (n < 1) {
            throw new IllegalArgumentException("n must be at least 1, was " + n);
        }
        ensureOpen();
        long last = claim(n);
        awaitDurable(last);
        return last - n + 1;
    }

    /**
     * A sequence that hands this counter's values out from memory, reserving {@code leaseSize}
     * at a time; a crash skips at most {@code leaseSize - 1} values per sequence.
     */
    public LeasedSequence sequence(int leaseSize) {
        return new LeasedSequence(this, leaseSize);
    }

    /**
     * Closes the file. Writes nothing: on-disk state after {@code close} is the same as after a
     * crash, so a clean shutdown is not needed for correctness.
     */
    @Override
    public void close() throws IOException {
        closed = true;
        file.close();
    }

    /** Makes the counter durably at least {@code value} (for layers that keep a floor in it). */
    void advanceTo(long value) throws IOException {
        ensureOpen();
        if (value > maxValue) {
            throw exhausted(value);
        }
        claimed.accumulateAndGet(value, Math::max);
        awaitDurable(value);
    }

    long maxValue() {
        return maxValue;
    }

    private long claim(long n) throws CounterExhaustedException {
        for (;;) {
            long current = claimed.get();
            if (n > maxValue - current) {
                throw exhausted(current + n);
            }
            if (claimed.compareAndSet(current, current + n)) {
                return current + n;
            }
        }
    }

    private CounterExhaustedException exhausted(long wantedValue) {
        return new CounterExhaustedException("sparse append counter exhausted: value " + wantedValue
                + " is above the maximum " + maxValue + " (the filesystem's largest file)");
    }

    private void awaitDurable(long target) throws IOException {
        if (durable >= target) {
            return;
        }
        lock.lock();
        try {
            wanted = Math.max(wanted, target);
            while (durable < target) {
                if (committing) {
                    long failuresBefore = failedCommits;
                    commitDone.awaitUninterruptibly();
                    if (failedCommits != failuresBefore && durable < target && target <= lastFailedGoal) {
                        throw followerFailure(target);
                    }
                } else {
                    commit();
                }
            }
        } finally {
            lock.unlock();
        }
    }

    /** Leads one group commit. Called with the lock held; releases it for the I/O. */
    private void commit() throws IOException {
        final long goal = wanted;
        final boolean fresh = freshLengthNeeded;
        committing = true;
        long length = -1;
        IOException failure = null;
        lock.unlock();
        try {
            ensureOpen();
            length = extendAndSync(goal, fresh);
        } catch (IOException e) {
            failure = e;
        } finally {
            lock.lock();
            committing = false;
            if (length >= 0) {
                durable = length;
                freshLengthNeeded = false;
            } else {
                failedCommits++;
                lastFailedGoal = goal;
                freshLengthNeeded = true;
                lastFailure = failure != null ? failure : new IOException("group commit aborted");
            }
            commitDone.signalAll();
        }
        if (failure != null) {
            throw failure;
        }
    }

    private long extendAndSync(long goal, boolean fresh) throws IOException {
        long onDisk = file.size();
        long target = Math.max(goal, onDisk);
        if (fresh && target == onDisk && onDisk < maxValue) {
            // After a failed fsync the kernel may have dropped the error; dirty the inode anew so
            // that this sync really writes the length.
            target = onDisk + 1;
        }
        if (target > onDisk) {
            file.extendTo(target);
        }
        file.force();
        return target;
    }

    private IOException followerFailure(long target) {
        String message = "group commit covering value " + target + " failed: " + lastFailure.getMessage();
        return lastFailure instanceof CounterExhaustedException
                ? new CounterExhaustedException(message, lastFailure)
                : new IOException(message, lastFailure);
    }

    private void ensureOpen() {
        if (closed) {
            throw new IllegalStateException("sparse append counter is closed");
        }
    }
}
