package io.dlog.kafka.metrics;

import com.codahale.metrics.Histogram;
import com.codahale.metrics.Meter;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * Kafka's {@code kafka.network:type=RequestMetrics,...,request=X} for one request name: the request
 * rate per version and the time histograms, in milliseconds as Kafka records them (rounded).
 *
 * <p>What the times mean in DLog, whose handlers run on the Netty event loop that decoded the request
 * (there is no request queue and no separate handler pool):
 * RequestQueueTimeMs from the frame decoded to its handler called; LocalTimeMs the handler's own call on
 * the event loop; RemoteTimeMs from the handler's return to its answer being ready (log writer threads,
 * fsync, replication for acks=all, long-poll fetch waits, other brokers); ResponseQueueTimeMs from the
 * answer being ready until its turn in the connection's response order came; ResponseSendTimeMs from
 * encoding the response to the flush that handed it to the socket; TotalTimeMs end to end.
 *
 * <p>Thread-safety: any thread; the per-version meters are created once under a lock.
 */
public final class RequestTypeMetrics {
    private final BrokerMetrics metrics;
    private final String request;
    /** Request versions tracked; Kafka's highest is below 20, and higher ones are refused before dispatch. */
    private static final int MAX_VERSIONS = 64;

    private final AtomicReferenceArray<Meter> rates = new AtomicReferenceArray<>(MAX_VERSIONS);
    private final Histogram requestQueueTime;
    private final Histogram localTime;
    private final Histogram remoteTime;
    private final Histogram responseQueueTime;
    private final Histogram responseSendTime;
    private final Histogram totalTime;

    RequestTypeMetrics(BrokerMetrics metrics, String request) {
        this.metrics = metrics;
        this.request = request;
        requestQueueTime = histogram("RequestQueueTimeMs");
        localTime = histogram("LocalTimeMs");
        remoteTime = histogram("RemoteTimeMs");
        responseQueueTime = histogram("ResponseQueueTimeMs");
        responseSendTime = histogram("ResponseSendTimeMs");
        totalTime = histogram("TotalTimeMs");
    }

    private Histogram histogram(String name) {
        return metrics.histogram(MetricNames.name(MetricNames.NETWORK, "RequestMetrics", name, "request", request));
    }

    /** Marks RequestsPerSec of this request name at {@code version}. */
    public void onRequest(short version) {
        if (version < 0 || version >= MAX_VERSIONS) {
            return;
        }
        Meter rate = rates.get(version);
        if (rate == null) {
            rate = metrics.meter(MetricNames.name(MetricNames.NETWORK, "RequestMetrics", "RequestsPerSec",
                    "request", request, "version", Short.toString(version)));
            rates.compareAndSet(version, null, rate);
        }
        rate.mark();
    }

    /**
     * Records one request's times from its nanoTime stamps (each later or equal to the one before);
     * {@code sentNanos} is the send's end, or {@code readyNanos} for a request never answered (acks=0).
     */
    public void onCompleted(long decodedNanos, long dispatchedNanos, long handledNanos, long readyNanos,
                            long sendingNanos, long sentNanos) {
        requestQueueTime.update(millis(dispatchedNanos - decodedNanos));
        localTime.update(millis(handledNanos - dispatchedNanos));
        remoteTime.update(millis(readyNanos - handledNanos));
        responseQueueTime.update(millis(sendingNanos - readyNanos));
        responseSendTime.update(millis(sentNanos - sendingNanos));
        totalTime.update(millis(sentNanos - decodedNanos));
    }

    private static long millis(long nanos) {
        return Math.max(0, Math.round(nanos / 1_000_000.0));
    }
}
