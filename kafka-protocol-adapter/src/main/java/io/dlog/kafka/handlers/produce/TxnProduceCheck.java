package io.dlog.kafka.handlers.produce;

import io.dlog.kafka.txn.TxnVerifier;
import io.dlog.log.TopicPartition;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.common.protocol.Errors;

/**
 * The transaction check of one Produce request's transactional batches (KIP-890): the request's
 * partitions are collected while the request is read, then checked with the transaction coordinator in
 * one call ({@link TxnVerifier}: one AddPartitionsToTxn when the coordinator is another node), verify-only
 * for transaction version 1 and Produce below v12, adding the partitions for version 2. Each partition's
 * future completes with null when it may be written, else with the error the producer gets, translated
 * as Kafka's ReplicaManager translates coordinator errors for producers.
 *
 * <p>Adding (transaction version 2), a CONCURRENT_TRANSACTIONS answer (the producer's previous transaction is still
 * writing its markers) is retried here every add.partitions.to.txn.retry.backoff.ms (20) for up to
 * add.partitions.to.txn.retry.backoff.max.ms (100) before the producer gets it, as Kafka's ReplicaManager does:
 * the previous transaction usually completes within a few milliseconds, while the client would wait its
 * retry.backoff.ms (100 ms) and send the whole request again.
 *
 * <p>One per request; used by the event loop that reads the request, then completed by the verifier.
 */
final class TxnProduceCheck {
    /** Produce v11 is the first whose clients know TRANSACTION_ABORTABLE (KIP-890). */
    private static final short TRANSACTION_ABORTABLE_PRODUCE = 11;

    /**
     * When an adding check answered CONCURRENT_TRANSACTIONS is asked again.
     *
     * @param backoffMs add.partitions.to.txn.retry.backoff.ms: the wait before each new ask
     * @param maxMs     add.partitions.to.txn.retry.backoff.max.ms: no new ask once this long passed since the first
     */
    record Retry(long backoffMs, long maxMs) {
        /** Kafka's defaults. */
        static final Retry DEFAULTS = new Retry(20, 100);
    }

    /** The coordinator's check ({@link TxnVerifier#verify}): the partitions that failed, with their errors. */
    @FunctionalInterface
    interface Checker {
        CompletableFuture<Map<TopicPartition, Errors>> verify(String transactionalId, long producerId, short epoch,
                                                             List<TopicPartition> partitions, boolean add);
    }

    /** A refusal: the error and its message. */
    record Refusal(Errors error, String message) {
    }

    private final Checker verifier;
    private final String transactionalId;
    private final short version;
    private final boolean add;
    private final Retry retry;
    private final ScheduledExecutorService retries;
    private final Map<TopicPartition, CompletableFuture<Refusal>> partitions = new HashMap<>();
    private long producerId = -1;
    private short epoch = -1;

    /**
     * @param retries runs the asks again: the broker's scheduler (CompletableFuture's default pool would start a
     *                thread per retry on a machine with fewer than three cores)
     */
    TxnProduceCheck(Checker verifier, String transactionalId, short version, boolean add, Retry retry,
                    ScheduledExecutorService retries) {
        this.verifier = verifier;
        this.retry = retry;
        this.retries = retries;
        this.transactionalId = transactionalId;
        this.version = version;
        this.add = add;
    }

    /** Transaction version 2: the check adds the partition, and every transaction's end bumps the producer's epoch. */
    boolean bumpsEpochs() {
        return add;
    }

    /**
     * Registers a partition's transactional batch; its answer comes once {@link #send} has run, or at once when
     * {@code needsCheck} is false (its transaction is open on the partition already, so the coordinator has it:
     * Kafka does not ask either). Null answers mean it may be written.
     */
    CompletableFuture<Refusal> add(TopicPartition tp, long batchProducerId, short batchEpoch, boolean needsCheck) {
        if (producerId == -1) {
            producerId = batchProducerId;
            epoch = batchEpoch;
        } else if (producerId != batchProducerId || epoch != batchEpoch) {
            // Kafka: transactional records of one request carry one producer id
            return CompletableFuture.completedFuture(new Refusal(Errors.INVALID_PRODUCER_ID_MAPPING,
                    "Transactional records contained more than one producer ID"));
        }
        return needsCheck ? partitions.computeIfAbsent(tp, p -> new CompletableFuture<>())
                : CompletableFuture.completedFuture(null);
    }

    /** Checks every registered partition at once. */
    void send() {
        if (!partitions.isEmpty()) {
            check(new ArrayList<>(partitions.keySet()), System.nanoTime());
        }
    }

    private void check(List<TopicPartition> pending, long startNanos) {
        verifier.verify(transactionalId, producerId, epoch, pending, add).whenComplete((failed, failure) -> {
            boolean mayRetry = add && TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNanos) < retry.maxMs();
            List<TopicPartition> again = new ArrayList<>();
            for (TopicPartition tp : pending) {
                Errors error = failure != null ? Errors.NETWORK_EXCEPTION : failed.getOrDefault(tp, Errors.NONE);
                if (error == Errors.CONCURRENT_TRANSACTIONS && mayRetry) {
                    again.add(tp);
                } else {
                    partitions.get(tp).complete(error == Errors.NONE ? null : forProducer(error));
                }
            }
            if (!again.isEmpty()) {
                try {
                    retries.schedule(() -> check(again, startNanos), retry.backoffMs(), TimeUnit.MILLISECONDS);
                } catch (RejectedExecutionException e) { // the broker is stopping
                    again.forEach(tp -> partitions.get(tp).complete(forProducer(Errors.CONCURRENT_TRANSACTIONS)));
                }
            }
        });
    }

    /** Kafka's translation: retriable coordinator errors an older producer would mishandle become NOT_ENOUGH_REPLICAS. */
    private Refusal forProducer(Errors error) {
        switch (error) {
            case INVALID_TXN_STATE:
                return new Refusal(error, "Partition was not added to the transaction");
            case NETWORK_EXCEPTION, COORDINATOR_LOAD_IN_PROGRESS, COORDINATOR_NOT_AVAILABLE, NOT_COORDINATOR:
                return unverified(error);
            case CONCURRENT_TRANSACTIONS:
                // transaction version 2 clients expect it while the previous transaction completes
                return add ? new Refusal(error, null) : unverified(error);
            case TRANSACTION_ABORTABLE:
                return version < TRANSACTION_ABORTABLE_PRODUCE
                        ? new Refusal(Errors.INVALID_TXN_STATE, "Partition was not added to the transaction")
                        : new Refusal(error, null);
            default:
                return new Refusal(error, null);
        }
    }

    private static Refusal unverified(Errors error) {
        return new Refusal(Errors.NOT_ENOUGH_REPLICAS,
                "Unable to verify the partition has been added to the transaction. Underlying error: " + error);
    }
}
