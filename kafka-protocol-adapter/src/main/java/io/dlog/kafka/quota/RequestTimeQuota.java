package io.dlog.kafka.quota;

import java.util.concurrent.TimeUnit;
import org.apache.kafka.common.protocol.ApiKeys;

/**
 * The request_percentage quota, as Kafka's {@code ClientRequestQuotaManager}: the time the broker's
 * threads spend on a client's requests, in percent of one thread (100 = one thread busy all the time),
 * over Kafka's quota windows. A request that puts its quota entity over the bound earns a throttle of at
 * most one window.
 *
 * <p>What counts, since DLog has no request-handler pool: the request's handler on the event loop (the
 * synchronous part of {@code handle}, Kafka's request-thread time), the work handed to other threads for
 * it and charged to its {@link io.dlog.kafka.api.RequestCost} (a writer thread's append, the codec
 * thread's decompression), and the event loop's decoding and encoding of the request and its response
 * (Kafka's network-thread time: recorded without throttling the request itself, so the next ones pay).
 * Elapsed time, as Kafka measures it, not CPU time. Not counted: waits (fsync, replication, long polls),
 * TLS, and the completions that run on other threads.
 *
 * <p>Exempt, as on Kafka: cluster actions (WriteTxnMarkers), followers' fetches and acks=0 produces;
 * SASL authentication exchanges are not requests of Kafka's request channel either.
 *
 * <p>Thread-safe.
 */
public final class RequestTimeQuota {
    /** Kafka's NanosToPercentagePerSecond. */
    static final double PERCENT_PER_NANO = 100.0 / TimeUnit.SECONDS.toNanos(1);

    private final ClientQuotaManager quota;

    public RequestTimeQuota(ClientQuotaManager quota) {
        this.quota = quota;
    }

    /** Whether some entity has a request_percentage quota: without one nothing is measured. */
    public boolean enabled() {
        return quota.enabled();
    }

    /** Whether requests of this kind are not counted against the quota (Kafka's maybeRecordExempt). */
    public static boolean isExempt(ApiKeys apiKey, boolean followerFetch, boolean acksZero) {
        return apiKey.clusterAction || followerFetch || acksZero;
    }

    /** Records a request's handler and worker time; the throttle time it earned, 0 when within the quota. */
    public int recordAndGetThrottleTimeMs(String user, String clientId, long nanos) {
        return quota.recordAndGetThrottleTimeMs(user, clientId, nanos * PERCENT_PER_NANO);
    }

    /** Records the network (decode and encode) time of a request whose response was sent. */
    public void recordNetworkTime(String user, String clientId, long nanos) {
        quota.record(user, clientId, nanos * PERCENT_PER_NANO);
    }

    /** The longest throttle a request may earn (one quota window). */
    public long maxThrottleTimeMs() {
        return quota.maxThrottleTimeMs();
    }
}
