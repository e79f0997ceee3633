package io.dlog.log;

/**
 * Kafka's verification guard (KIP-890 part 1): a token that ties an append of a producer's first transactional
 * batch on a partition to the transaction check done for it. {@link PartitionLog#startTransactionVerification}
 * hands it out before the partition is checked with the transaction coordinator; a marker for the producer (its
 * transaction ended) or the start of its transaction on the partition withdraws it. An append carrying a guard
 * that was withdrawn meanwhile is refused (INVALID_TXN_STATE): its check answered for a transaction that has
 * since ended, and writing it would open a transaction no coordinator knows, which would hold the last stable
 * offset back forever (a hanging transaction).
 *
 * <p>{@link #SENTINEL} is the answer when the producer's transaction is already open on the partition at the
 * batch's epoch (Kafka's sentinel guard): nothing to check, and an append carrying it may not open a
 * transaction, so if that transaction ends before the append, the append is refused as well.
 *
 * <p>Compared by identity; immutable.
 */
public final class VerificationGuard {
    /** Handed out when the producer's transaction is open on the partition already; never held by a log. */
    public static final VerificationGuard SENTINEL = new VerificationGuard(-1, 0);

    private final long producerId;
    private final long createdMs;

    private VerificationGuard(long producerId, long createdMs) {
        this.producerId = producerId;
        this.createdMs = createdMs;
    }

    /** A new guard for {@code producerId}; the log engine makes them. */
    public static VerificationGuard forProducer(long producerId) {
        return new VerificationGuard(producerId, System.currentTimeMillis());
    }

    public long producerId() {
        return producerId;
    }

    /** Wall-clock creation time: a guard never used expires with producer.id.expiration.ms. */
    public long createdMs() {
        return createdMs;
    }

    @Override
    public String toString() {
        return "VerificationGuard(producer " + producerId + ", " + Integer.toHexString(System.identityHashCode(this)) + ")";
    }
}
