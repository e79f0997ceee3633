/**
 * The metadata quorum's implementations and encoding: {@link io.dlog.cluster.internal.RatisMetadataQuorum} (a voter
 * of the Apache Ratis group that holds the metadata log), {@link io.dlog.cluster.internal.ObserverMetadataQuorum} (a
 * broker-only node, which follows the image without a vote), the Ratis state machine that applies the log
 * ({@link io.dlog.cluster.internal.MetadataStateMachine}, snapshots included), and the deterministic binary encoding
 * of commands and images ({@link io.dlog.cluster.internal.MetadataCodec}, {@code SecurityCodec}: equal images have
 * equal bytes). Outside {@code io.dlog.cluster}, only the node's wiring ({@code DLogBroker}) names the two
 * quorums, to start one; everything else sees {@link io.dlog.cluster.MetadataQuorum}.
 *
 * <p>Concurrency contract: Ratis calls the state machine's apply, snapshot and reinitialize on its updater thread,
 * one at a time; the image and the applied index are published through volatile fields after the image listener
 * ran, so a waiter woken for index i sees every local action of the changes up to i. Proposals are asynchronous on
 * Ratis's threads and complete on the updater thread. The observer applies images and completes waiters on one
 * poller thread of its own. The codecs are stateless and thread-safe. {@code ApplyStallWatch} (whether this node's
 * image still follows what the group commits) is synchronized: proposals' reply threads tell it committed indexes,
 * the broker's scheduler asks it.
 */
package io.dlog.cluster.internal;
