package io.dlog.kafka.metrics;

import com.codahale.metrics.Gauge;
import io.dlog.log.LogManager;
import io.dlog.log.PartitionLog;
import io.dlog.log.TopicPartition;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * Kafka's per-partition {@code kafka.log:type=Log,name=Size|NumLogSegments|LogEndOffset|LogStartOffset,topic=T,partition=P}
 * for every partition log on this node, leader or follower, as Kafka registers them. {@link #reconcile}
 * (every few seconds on the node's timer) registers the gauges of new logs and removes those of logs
 * gone (deleted topics, moved replicas); the gauges read the log's volatile offsets and segment map.
 *
 * <p>Thread-safety: {@link #reconcile} from one thread at a time.
 */
public final class LogGauges {
    private static final String[] NAMES = {"Size", "NumLogSegments", "LogEndOffset", "LogStartOffset"};

    private final BrokerMetrics metrics;
    private final LogManager logs;
    private final Map<TopicPartition, PartitionLog> registered = new HashMap<>();

    public LogGauges(BrokerMetrics metrics, LogManager logs) {
        this.metrics = metrics;
        this.logs = logs;
    }

    public synchronized void reconcile() {
        Set<TopicPartition> present = new HashSet<>();
        for (PartitionLog log : logs.all()) {
            TopicPartition tp = log.topicPartition();
            present.add(tp);
            if (registered.get(tp) != log) {
                register(tp, log);
                registered.put(tp, log);
            }
        }
        registered.keySet().removeIf(tp -> {
            if (present.contains(tp)) {
                return false;
            }
            for (String name : NAMES) {
                metrics.remove(name(name, tp));
            }
            return true;
        });
    }

    private void register(TopicPartition tp, PartitionLog log) {
        metrics.gauge(name("Size", tp), (Gauge<Long>) log::sizeInBytes);
        metrics.gauge(name("NumLogSegments", tp), (Gauge<Integer>) log::segmentCount);
        metrics.gauge(name("LogEndOffset", tp), (Gauge<Long>) log::logEndOffset);
        metrics.gauge(name("LogStartOffset", tp), (Gauge<Long>) log::logStartOffset);
    }

    private static String name(String metric, TopicPartition tp) {
        return MetricNames.name(MetricNames.LOG, "Log", metric, "topic", tp.topic(), "partition",
                Integer.toString(tp.partition()));
    }
}
