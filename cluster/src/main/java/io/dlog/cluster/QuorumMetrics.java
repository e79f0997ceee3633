package io.dlog.cluster;

/**
 * What the metadata quorum reports to the broker's metrics as it happens (docs/metrics.md, {@code dlog:type=MetadataQuorum}),
 * so the cluster layer needs no metrics library. Called on Ratis and client threads: implementations must
 * be quick and must not block.
 */
@FunctionalInterface
public interface QuorumMetrics {
    QuorumMetrics NONE = nanos -> { };

    /** A proposal of this node was committed and applied here, {@code nanos} after it was sent. */
    void onCommit(long nanos);
}
