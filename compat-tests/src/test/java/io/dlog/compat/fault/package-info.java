/**
 * The fault suite of issue 10: a Jepsen-style workload, nemesis and checker in Java against 3-node clusters of
 * child JVMs ({@link io.dlog.compat.cluster.ProcessCluster}).
 *
 * <ul>
 *   <li>{@link io.dlog.compat.fault.Workload}: idempotent acks=all producers sending unique values per partition,
 *       consumers polling every partition from the beginning ({@code assign}) and group consumers ({@code subscribe},
 *       committing after each poll), all recorded in a {@link io.dlog.compat.fault.History}; after the run, a full
 *       read from the beginning. Its transactional form ({@link io.dlog.compat.fault.TransactionalSender}):
 *       transactions of one to three values, committed or aborted, read_committed consumers.</li>
 *   <li>{@link io.dlog.compat.fault.Nemesis}: kill -9 of a partition leader, of a follower, of the metadata Raft
 *       leader (DescribeQuorum), of two nodes at once, of every node at once, of a node that then loses its
 *       unflushed page cache ({@link io.dlog.compat.fault.UnflushedLoss}), SIGSTOP/SIGCONT, a network partition
 *       of one node, a rolling restart; and
 *       {@link io.dlog.compat.fault.ReassignNemesis}: a replica of partition 0 moved out and back in through
 *       AlterPartitionReassignments (with -Pfault only).</li>
 *   <li>{@link io.dlog.compat.fault.HistoryChecker}: pure; lost acknowledged (or read) writes, duplicates, one
 *       offset with two values, reads of failed (or never committed) writes, phantom reads, consumers going back or
 *       skipping a stored record, one producer's writes stored out of its order, a group member starting below a
 *       returned commit, transactions seen in part. {@link io.dlog.compat.fault.BatchInspector} reads the nodes'
 *       segment files, so that {@code FaultRun} can tell a duplicate Kafka's producer wrote itself under a bumped
 *       epoch from one the brokers stored twice.</li>
 * </ul>
 *
 * <p><b>Network partitions.</b> There is no iptables or netem here, so links are cut in user space:
 * {@link io.dlog.compat.fault.ProxiedProcessCluster} puts a {@link io.dlog.compat.fault.LinkProxy} in front of
 * every node's client port and Raft port. Nodes bind their real ports ({@code listeners}); they advertise the
 * client proxy ({@code advertised.listeners}, which brokers and clients use) and all list the Raft proxies as
 * {@code controller.quorum.voters}. Per-node outbound proxies would need different voter addresses per node, and
 * Ratis copies the leader's peer addresses into its configuration log entry, so a node would soon dial its peers
 * directly; with inbound proxies every node holds the same addresses and every connection still crosses exactly
 * one proxy that knows its target. The proxy learns the source node from {@code /proc} (connecting port to socket
 * inode to child JVM), so it can cut node-to-node links both ways while clients still reach every node. That the
 * Raft server binds its CONTROLLER listener and dials the voters (Kafka's split) is what makes this possible.
 * Network namespaces ({@code unshare -rn}) were rejected: joining the namespaces needs veth pairs, that is
 * CAP_NET_ADMIN in a namespace shared by all nodes, which would mean running the whole test JVM inside one.
 *
 * <p>How to run: {@code HistoryCheckerTest} and {@code RecoveryTest} are in the default build; the tests that start
 * clusters ({@code HealthyClusterWorkloadTest}, {@code NetworkPartitionTest}, {@code FaultSuiteTest}) are tagged
 * {@code fault} and run with {@code -Pfault} (docs/reliability.md).
 *
 * <p>Concurrency: the History is the only object producer callbacks, consumer threads and the nemesis share
 * (appends synchronized on it; a group consumer's rebalance callbacks run on its own thread, inside poll); the cluster, the nemesis and the checker are driven by the test thread; the
 * partitioner's cut set is concurrent, read by the proxies' acceptor and pump threads.
 */
package io.dlog.compat.fault;
