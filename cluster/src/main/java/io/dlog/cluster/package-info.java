/**
 * The cluster's metadata: the image every node holds (brokers, topics, partition leaders, replicas and ISR,
 * configs, security), the commands that change it ({@link io.dlog.cluster.MetadataCommand}), the pure rules that
 * apply them ({@link io.dlog.cluster.MetadataApplier} with leader election, ISR and reassignment rules), and a
 * broker's life in the cluster ({@link io.dlog.cluster.BrokerLifecycle}: registration, heartbeats, fencing of
 * silent brokers by the metadata leader, with {@link io.dlog.cluster.ListenerProbe} to fence a dead one early), and
 * the metadata leader's unclean elections ({@link io.dlog.cluster.UncleanLeaderElector}).
 * The image is changed only through the metadata Raft group ({@link io.dlog.cluster.MetadataQuorum}); record
 * batches never pass through it. {@link io.dlog.cluster.PortPicker} chooses the ports of a local cluster's nodes
 * ({@code dlog}'s local layouts, tests) below the kernel's ephemeral range.
 *
 * <p>Concurrency contract:
 * <ul>
 *   <li>The applier, the leadership, reassignment and placement rules are pure functions of the image and a
 *       command: no state, no clock, no I/O, so every node that applies the same log derives the same image.</li>
 *   <li>{@link io.dlog.cluster.MetadataQuorum} is thread-safe. {@code image()} is a volatile read, safe on an
 *       event loop; proposals never block their caller, and their futures complete on the thread that applied
 *       the change (continuations must not block it).</li>
 *   <li>{@link io.dlog.cluster.ImageListener}s run on that applier thread, one change at a time in log order, and
 *       must not throw or block: they hand slow work (opening logs, loading coordinators) to other threads.</li>
 *   <li>{@link io.dlog.cluster.BrokerLifecycle} runs its heartbeats and fencing on the scheduler it is given
 *       (its stalled flag is written there and read by a metrics gauge through a volatile field);
 *       {@link io.dlog.cluster.ListenerProbe}'s TCP connects run on a daemon thread of its own, because a connect
 *       may wait for its timeout and the scheduler must not.</li>
 *   <li>{@link io.dlog.cluster.UncleanLeaderElector} looks and proposes on the scheduler it is given; its observers,
 *       on the applier thread, only queue a look there.</li>
 *   <li>{@link io.dlog.cluster.QuorumMetrics} is called on Ratis's and clients' threads: quick, never blocking.</li>
 *   <li>{@link io.dlog.cluster.VoterDiscovery} blocks its caller (a starting broker-only node's start thread) while
 *       it asks the controllers for the voters: never call it from an event loop or the applier.</li>
 * </ul>
 */
package io.dlog.cluster;
