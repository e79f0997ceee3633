/**
 * Test harness for DLog clusters on one machine: {@link io.dlog.compat.cluster.InProcessCluster} (nodes in
 * this JVM), {@link io.dlog.compat.cluster.ProcessCluster} (child JVMs, for kill -9 and SIGSTOP) and
 * {@link io.dlog.compat.cluster.DLogClusterExtension} (a formed cluster per test class). Both clusters write
 * their nodes' configuration with {@link io.dlog.broker.cli.ClusterLayout}, as {@code dlog start --cluster} does.
 *
 * <p>Concurrency: a cluster object is driven by one test thread; only the start of several in-process nodes
 * runs on threads of its own, joined before {@code start} returns. The JVM-exit hook that kills child nodes
 * reads a concurrent set.
 */
package io.dlog.compat.cluster;
