package io.dlog.kafka.handlers.produce;

import io.dlog.log.TopicPartition;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BiFunction;

/**
 * Keeps a transactional producer's appends to a partition in the order its Produce requests arrived, although
 * each append waits for its own transaction check (KIP-890), and checks can answer out of order (one adds the
 * partition to the transaction, a later one finds it already there). Kafka gets this order for free: it
 * handles one request of a connection at a time. DLog reads a connection's requests while earlier ones are
 * still being checked, so without this a producer's later batch could reach the log first, be refused as out
 * of sequence after the client had been told the earlier one succeeded, and the client would fail for good
 * (OutOfOrderSequenceException with a sequence it thinks is next).
 *
 * <p>Thread-safe: {@link #after} is called by the event loop reading the request (so calls for one producer and
 * partition come in the connection's order); the steps run on whichever thread completes a check.
 */
final class CheckedAppendOrder {
    private record Key(TopicPartition partition, long producerId) {
    }

    /** The last append handed out per producer and partition, done once it reached its writer (or was refused). */
    private final ConcurrentHashMap<Key, CompletableFuture<Void>> last = new ConcurrentHashMap<>();

    /**
     * Runs {@code append} with the check's outcome (value or failure) once the check is done and the previous
     * call's append for the same producer and partition has run: at once, on the caller's thread, when the check
     * is done and none of the producer's appends to the partition waits. {@code append} must hand its write to
     * the partition's writer before it returns (or, run at once, to the calling request's batch, submitted
     * before the connection's next request is read), so the writer sees the appends in call order.
     */
    <T, R> CompletableFuture<R> after(TopicPartition partition, long producerId, CompletableFuture<T> check,
                                      BiFunction<T, Throwable, CompletableFuture<R>> append) {
        Key key = new Key(partition, producerId);
        if (check.isDone() && !last.containsKey(key)) {
            // The common case (the transaction is open on the partition, nothing to ask): nothing to wait for,
            // and the append reaches its writer before this returns, so no later call can overtake it.
            return runNow(check, append);
        }
        CompletableFuture<Void> mine = new CompletableFuture<>();
        CompletableFuture<Void> previous = last.put(key, mine);
        CompletableFuture<Void> turn = previous == null ? CompletableFuture.completedFuture(null) : previous;
        return CompletableFuture.allOf(turn, check).handle((ignored, failure) -> (Void) null).thenCompose(ignored -> {
            try {
                return runNow(check, append);
            } finally {
                mine.complete(null);
                last.remove(key, mine);
            }
        });
    }

    /** Runs {@code append} with the finished check's value or failure. */
    private static <T, R> CompletableFuture<R> runNow(CompletableFuture<T> check,
                                                      BiFunction<T, Throwable, CompletableFuture<R>> append) {
        T value = null;
        Throwable failure = null;
        try {
            value = check.join();
        } catch (CompletionException e) {
            failure = e.getCause();
        } catch (CancellationException e) {
            failure = e;
        }
        try {
            return append.apply(value, failure);
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e); // as from the waiting path's thenCompose
        }
    }

    /** Producer-partition pairs with an append still waiting (for tests: the map does not grow). */
    int waiting() {
        return last.size();
    }
}
