package io.dlog.log;

/**
 * What the log engine reports to the broker's metrics (docs/metrics.md, {@code dlog:type=Log}), so the
 * engine needs no metrics library. Called on the writer threads, once per append and once per group
 * commit: implementations must be quick and must not block.
 */
public interface StorageMetrics {
    /** Nobody listens. */
    StorageMetrics NONE = new StorageMetrics() {
        @Override
        public void onAppend(long nanos) {
        }

        @Override
        public void onGroupCommit(long fsyncNanos, int appends) {
        }
    };

    /**
     * A leader append completed: {@code nanos} from its submission to its answer (written to the page
     * cache, and under {@code flush=fsync} also synced).
     */
    void onAppend(long nanos);

    /** A group commit ran: its fsyncs took {@code fsyncNanos} and made {@code appends} appends durable. */
    void onGroupCommit(long fsyncNanos, int appends);
}
