package io.dlog.kafka.metrics;

import com.codahale.metrics.Meter;

/**
 * Kafka's {@code kafka.server:type=BrokerTopicMetrics} meters of one topic, each also marking the
 * all-topics meter of the same name (Kafka's aggregate without a topic tag). Resolved once per topic
 * and held by the caller for the request, so marking builds no names and looks nothing up.
 *
 * <p>Thread-safety: marking is safe from any thread and allocation-free (LongAdder-backed meters).
 */
public final class TopicMetrics {
    static final String MESSAGES_IN = "MessagesInPerSec";
    static final String BYTES_IN = "BytesInPerSec";
    static final String BYTES_OUT = "BytesOutPerSec";
    static final String TOTAL_PRODUCE = "TotalProduceRequestsPerSec";
    static final String TOTAL_FETCH = "TotalFetchRequestsPerSec";
    static final String FAILED_PRODUCE = "FailedProduceRequestsPerSec";
    static final String FAILED_FETCH = "FailedFetchRequestsPerSec";
    static final String[] NAMES = {MESSAGES_IN, BYTES_IN, BYTES_OUT, TOTAL_PRODUCE, TOTAL_FETCH, FAILED_PRODUCE, FAILED_FETCH};

    private final TopicMetrics all;
    private final Meter messagesIn;
    private final Meter bytesIn;
    private final Meter bytesOut;
    private final Meter totalProduce;
    private final Meter totalFetch;
    private final Meter failedProduce;
    private final Meter failedFetch;

    /** @param topic null for the all-topics meters; {@code all} is null then */
    TopicMetrics(BrokerMetrics metrics, String topic, TopicMetrics all) {
        this.all = all;
        this.messagesIn = metrics.meter(name(MESSAGES_IN, topic));
        this.bytesIn = metrics.meter(name(BYTES_IN, topic));
        this.bytesOut = metrics.meter(name(BYTES_OUT, topic));
        this.totalProduce = metrics.meter(name(TOTAL_PRODUCE, topic));
        this.totalFetch = metrics.meter(name(TOTAL_FETCH, topic));
        this.failedProduce = metrics.meter(name(FAILED_PRODUCE, topic));
        this.failedFetch = metrics.meter(name(FAILED_FETCH, topic));
    }

    static String name(String metric, String topic) {
        return topic == null ? MetricNames.name(MetricNames.SERVER, "BrokerTopicMetrics", metric)
                : MetricNames.name(MetricNames.SERVER, "BrokerTopicMetrics", metric, "topic", topic);
    }

    /** A produce request's partition of this topic (Kafka marks per partition, before the append). */
    public void onProduceRequest() {
        totalProduce.mark();
        all.totalProduce.mark();
    }

    /** An append to this topic succeeded: {@code messages} records in {@code bytes} of batches. */
    public void onAppended(long messages, long bytes) {
        messagesIn.mark(messages);
        bytesIn.mark(bytes);
        all.messagesIn.mark(messages);
        all.bytesIn.mark(bytes);
    }

    /** A produce to one partition of this topic failed (Kafka's FailedProduceRequestsPerSec). */
    public void onProduceFailed() {
        failedProduce.mark();
        all.failedProduce.mark();
    }

    /** A consumer's fetch of one partition of this topic (followers' fetches are replication, not counted). */
    public void onFetchRequest() {
        totalFetch.mark();
        all.totalFetch.mark();
    }

    public void onFetchFailed() {
        failedFetch.mark();
        all.failedFetch.mark();
    }

    /** Record bytes sent to a consumer from this topic. */
    public void onBytesOut(long bytes) {
        bytesOut.mark(bytes);
        all.bytesOut.mark(bytes);
    }
}
