package io.dlog.kafka.metrics;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The BrokerTopicMetrics of every topic this node served, and their all-topics aggregate. A topic's
 * meters are created on its first request and dropped by {@link #retainOnly} once the topic is gone
 * (Kafka removes them when the topic is deleted).
 *
 * <p>Thread-safety: any thread. {@link #topic} is one lookup in a concurrent map keyed by the topic name
 * the caller already holds (no allocation once the topic's meters exist); callers resolve it once per
 * topic of a request, not per batch.
 */
public final class BrokerTopicStats {
    private final BrokerMetrics metrics;
    private final TopicMetrics all;
    private final ConcurrentHashMap<String, TopicMetrics> topics = new ConcurrentHashMap<>();

    BrokerTopicStats(BrokerMetrics metrics) {
        this.metrics = metrics;
        this.all = new TopicMetrics(metrics, null, null);
    }

    /** The meters of {@code topic} (also marking the all-topics ones). */
    public TopicMetrics topic(String topic) {
        TopicMetrics found = topics.get(topic);
        return found != null ? found : topics.computeIfAbsent(topic, name -> new TopicMetrics(metrics, name, all));
    }

    /** Drops the meters of topics not in {@code existing} (deleted topics). */
    public void retainOnly(Set<String> existing) {
        for (String topic : topics.keySet()) {
            if (!existing.contains(topic) && topics.remove(topic) != null) {
                for (String metric : TopicMetrics.NAMES) {
                    metrics.remove(TopicMetrics.name(metric, topic));
                }
            }
        }
    }
}
