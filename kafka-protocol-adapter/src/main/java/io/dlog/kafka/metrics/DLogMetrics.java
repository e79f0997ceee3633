package io.dlog.kafka.metrics;

import com.codahale.metrics.Gauge;
import com.codahale.metrics.Histogram;
import io.dlog.cluster.MetadataQuorum;
import io.dlog.cluster.QuorumMetrics;
import io.dlog.log.StorageMetrics;
import java.util.function.LongConsumer;

/**
 * DLog's own metrics, without a Kafka counterpart, under the {@code dlog} JMX domain: the log engine's
 * append and fsync times and group-commit sizes, the metadata Raft group's commit times and leader
 * changes (a count the quorum keeps, read as a gauge), the id generator's lease refills. Each is fed by
 * a small interface of the module that measures it ({@link StorageMetrics}, {@link QuorumMetrics}, a
 * {@link LongConsumer} for the id generator), so those modules need no metrics library.
 *
 * <p>Times are histograms in microseconds (suffix Us: appends take tens of microseconds, which Kafka's
 * whole-millisecond histograms would show as 0); a histogram's Count is the number of events.
 *
 * <p>Thread-safety: any thread.
 */
public final class DLogMetrics implements StorageMetrics, QuorumMetrics {
    private static final long NANOS_PER_MICRO = 1_000;

    private final Histogram appendTime;
    private final Histogram fsyncTime;
    private final Histogram groupCommitAppends;
    private final Histogram commitTime;
    private final Histogram leaseRefillTime;

    public DLogMetrics(BrokerMetrics metrics) {
        appendTime = histogram(metrics, "Log", "AppendTimeUs");
        fsyncTime = histogram(metrics, "Log", "FsyncTimeUs");
        groupCommitAppends = histogram(metrics, "Log", "GroupCommitAppends");
        commitTime = histogram(metrics, "MetadataQuorum", "CommitTimeUs");
        leaseRefillTime = histogram(metrics, "IdGenerator", "LeaseRefillTimeUs");
    }

    private static Histogram histogram(BrokerMetrics metrics, String type, String name) {
        return metrics.histogram(MetricNames.name(MetricNames.DLOG, type, name));
    }

    @Override
    public void onAppend(long nanos) {
        appendTime.update(nanos / NANOS_PER_MICRO);
    }

    @Override
    public void onGroupCommit(long fsyncNanos, int appends) {
        fsyncTime.update(fsyncNanos / NANOS_PER_MICRO);
        groupCommitAppends.update(appends);
    }

    @Override
    public void onCommit(long nanos) {
        commitTime.update(nanos / NANOS_PER_MICRO);
    }

    /** The metadata group's leader changes seen by this node, a count the quorum keeps from its start. */
    public static void registerLeaderChanges(BrokerMetrics metrics, MetadataQuorum quorum) {
        metrics.gauge(MetricNames.name(MetricNames.DLOG, "MetadataQuorum", "LeaderChanges"), (Gauge<Long>) quorum::leaderChanges);
    }

    /** 1 while this node's metadata image has stopped following the group and it fenced itself, else 0. */
    public static void registerImageStalled(BrokerMetrics metrics, java.util.function.BooleanSupplier stalled) {
        metrics.gauge(MetricNames.name(MetricNames.DLOG, "MetadataQuorum", "ImageStalled"),
                (Gauge<Integer>) () -> stalled.getAsBoolean() ? 1 : 0);
    }

    /** The id generator's lease-refill listener. */
    public LongConsumer leaseRefills() {
        return nanos -> leaseRefillTime.update(nanos / NANOS_PER_MICRO);
    }
}
