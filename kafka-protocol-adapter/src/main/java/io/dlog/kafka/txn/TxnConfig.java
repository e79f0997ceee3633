package io.dlog.kafka.txn;

import io.dlog.kafka.config.BrokerConfig;

/**
 * Transaction coordinator settings, Kafka's broker keys and defaults. Immutable.
 *
 * @param stateLogPartitions       transaction.state.log.num.partitions (50)
 * @param maxTimeoutMs             transaction.max.timeout.ms (900000): larger client timeouts get
 *                                 INVALID_TRANSACTION_TIMEOUT
 * @param idExpirationMs           transactional.id.expiration.ms (604800000)
 * @param abortTimedOutIntervalMs  transaction.abort.timed.out.transaction.cleanup.interval.ms (10000)
 * @param removeExpiredIntervalMs  transaction.remove.expired.transaction.cleanup.interval.ms (3600000)
 * @param transactionVersion       transaction.version (2, as new Kafka 4 clusters): 1 keeps clients on
 *                                 KIP-890 part 1 semantics
 * @param addPartitionsRetryBackoffMs    add.partitions.to.txn.retry.backoff.ms (20): how often a Produce's adding
 *                                       check (transaction version 2) asks again after CONCURRENT_TRANSACTIONS
 * @param addPartitionsRetryBackoffMaxMs add.partitions.to.txn.retry.backoff.max.ms (100): how long it keeps asking
 *                                       before the producer gets the error (0: never asks again)
 */
public record TxnConfig(int stateLogPartitions, int maxTimeoutMs, long idExpirationMs, long abortTimedOutIntervalMs,
                        long removeExpiredIntervalMs, short transactionVersion, int addPartitionsRetryBackoffMs,
                        int addPartitionsRetryBackoffMaxMs) {

    public static final TxnConfig DEFAULTS = new TxnConfig(50, 900_000, 604_800_000L, 10_000L, 3_600_000L, (short) 2,
            20, 100);

    public static TxnConfig from(BrokerConfig config) {
        TxnConfig d = DEFAULTS;
        return new TxnConfig(
                (int) longValue(config, "transaction.state.log.num.partitions", d.stateLogPartitions),
                (int) longValue(config, "transaction.max.timeout.ms", d.maxTimeoutMs),
                longValue(config, "transactional.id.expiration.ms", d.idExpirationMs),
                longValue(config, "transaction.abort.timed.out.transaction.cleanup.interval.ms", d.abortTimedOutIntervalMs),
                longValue(config, "transaction.remove.expired.transaction.cleanup.interval.ms", d.removeExpiredIntervalMs),
                (short) longValue(config, "transaction.version", d.transactionVersion),
                (int) longValue(config, "add.partitions.to.txn.retry.backoff.ms", d.addPartitionsRetryBackoffMs),
                (int) longValue(config, "add.partitions.to.txn.retry.backoff.max.ms", d.addPartitionsRetryBackoffMaxMs));
    }

    private static long longValue(BrokerConfig config, String key, long fallback) {
        Object value = BrokerConfig.names().contains(key) ? config.value(key) : null;
        return value instanceof Number n ? n.longValue() : fallback;
    }
}
