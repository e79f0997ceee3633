package io.dlog.compat.fault;

import io.dlog.compat.cluster.ProcessCluster;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;

/**
 * Injects one kind of {@link Fault} into a {@link ProcessCluster}, a cycle at a time (strike, hold, heal), and
 * writes each action into the {@link History} so that a reader of a failure sees what the cluster went through.
 * Targets and hold times come from the run's seeded Random. Driven by the test thread only.
 */
final class Nemesis {
    /** How long LOSE_UNFLUSHED waits for every replica to be in sync before it strikes. */
    private static final Duration IN_SYNC_PATIENCE = Duration.ofSeconds(60);
    private final ProcessCluster cluster;
    private final NetworkPartitioner network;
    private final ClusterView view;
    private final History history;
    private final Random random;
    private final String topic;
    private final String transactionalId;
    /** The nodes' wall clocks; null when the nodes run on the machine's clock (no CLOCK fault). */
    private ClockSkew clocks;
    private int cycles;

    /** @param network the cluster's link proxies; null when the cluster runs without them (no fault that cuts links) */
    Nemesis(ProcessCluster cluster, NetworkPartitioner network, History history, Random random, String topic) {
        this(cluster, network, history, random, topic, null);
    }

    /**
     * @param transactionalId in a transactional run, a producer's transactional id: KILL_LEADER then kills its
     *                        transaction coordinator every other cycle; null otherwise
     */
    Nemesis(ProcessCluster cluster, NetworkPartitioner network, History history, Random random, String topic,
            String transactionalId) {
        this.cluster = cluster;
        this.network = network;
        this.view = new ClusterView(cluster);
        this.history = history;
        this.random = random;
        this.topic = topic;
        this.transactionalId = transactionalId;
    }

    /** Lets CLOCK cycles set the nodes' wall clocks. */
    void useClocks(ClockSkew clocks) {
        this.clocks = clocks;
    }

    /** One cycle of {@code fault}: inject, hold, heal. Returns when the cluster has every node running again. */
    void cycle(Fault fault) throws IOException, InterruptedException {
        cycles++;
        switch (fault) {
            case NONE -> sleep(1000, 1000);
            case KILL_LEADER -> {
                if (transactionalId != null && cycles % 2 == 0) {
                    int coordinator = view.transactionCoordinator(transactionalId);
                    killAndRestart(coordinator > 0 ? coordinator : anyNode(), "transaction coordinator of "
                            + transactionalId + (coordinator > 0 ? "" : " unknown: any"));
                } else {
                    killAndRestart(leaderOrAny(), "leader of p0");
                }
            }
            case KILL_FOLLOWER -> killAndRestart(follower(), "follower of p0");
            case KILL_METADATA_LEADER -> {
                int leader = view.metadataLeader();
                killAndRestart(leader > 0 ? leader : anyNode(), "metadata leader" + (leader > 0 ? "" : " unknown: any"));
            }
            case KILL_MAJORITY -> {
                // The survivor: a follower of p0 every other time, so that its leader dies with the other node.
                int survivor = cycles % 2 == 1 ? follower() : anyBroker();
                List<Integer> victims = new ArrayList<>(cluster.nodeIds());
                victims.remove(Integer.valueOf(survivor));
                String left = "node " + survivor;
                if (!cluster.isController(survivor)) {
                    // Controllers apart: one of them survives too, so that both the brokers and the quorum lose their
                    // majority.
                    List<Integer> controllers = cluster.nodeIds().stream().filter(cluster::isController).toList();
                    int controller = controllers.get(random.nextInt(controllers.size()));
                    victims.remove(Integer.valueOf(controller));
                    left += " and controller " + controller;
                }
                killAndRestartTogether(victims, "a majority, " + left + " left running");
            }
            case KILL_ALL -> killAndRestartTogether(cluster.nodeIds(), "every node");
            case KILL_DURING_RESTART -> {
                int node = cycles % 2 == 1 ? leaderOrAny() : anyNode();
                history.nemesis("kill -9 node " + node + " (to be killed again while it restarts)" + describe(node));
                cluster.kill(node);
                sleep(1_000, 5_000);
                int crashes = 1 + random.nextInt(2);
                for (int i = 0; i < crashes; i++) {
                    // A child node takes about 2-4 s to serve: 100-3,000 ms lands anywhere in its start.
                    long into = 100 + random.nextLong(2_901);
                    history.nemesis("start node " + node + ", kill -9 it " + into + " ms into its start");
                    cluster.killDuringStart(node, into);
                }
                history.nemesis("restart node " + node);
                cluster.restart(node);
            }
            case LOSE_UNFLUSHED -> {
                List<String> lagging = view.awaitFullIsr(IN_SYNC_PATIENCE);
                int node = cycles % 2 == 1 ? leaderOrAny() : anyNode();
                if (!lagging.isEmpty()) {
                    // A second loss before the first node caught up is not one node's loss any more (see Fault).
                    killAndRestart(node, "no loss: replicas out of sync after " + IN_SYNC_PATIENCE.toSeconds()
                            + " s: " + lagging);
                } else {
                    history.nemesis("kill -9 node " + node + " (to lose its unflushed writes)" + describe(node));
                    cluster.kill(node);
                    List<UnflushedLoss.Damage> lost = UnflushedLoss.apply(cluster.dataDir(node), random);
                    history.nemesis("node " + node + " lost the unflushed tails of " + lost.size() + " segments: "
                            + lost);
                    sleep(2_000, 15_000);
                    history.nemesis("restart node " + node);
                    cluster.restart(node);
                }
            }
            case PAUSE -> {
                int node = cycles % 2 == 1 ? leaderOrAny() : anyNode();
                history.nemesis("SIGSTOP node " + node + describe(node));
                cluster.pause(node);
                sleep(3_000, 15_000);
                history.nemesis("SIGCONT node " + node);
                cluster.resume(node);
            }
            case PARTITION -> {
                if (network == null) {
                    throw new IllegalStateException("PARTITION needs a cluster behind link proxies");
                }
                int node = cycles % 2 == 1 ? leaderOrAny() : anyNode();
                history.nemesis("isolate node " + node + " from the other nodes" + describe(node));
                network.isolate(node);
                sleep(3_000, 15_000);
                history.nemesis("heal the network around node " + node);
                network.healAll();
            }
            case BRIDGE -> {
                if (network == null) {
                    throw new IllegalStateException("BRIDGE needs a cluster behind link proxies");
                }
                List<Integer> pair = cycles % 2 == 1 ? List.of(leaderOrAny(), follower()) : anyTwoNodes();
                int a = pair.get(0);
                int b = pair.get(1).equals(a) ? otherThan(a) : pair.get(1);
                history.nemesis("cut nodes " + a + " and " + b + " off from each other, both still reaching the third"
                        + " (metadata leader " + view.metadataLeader() + ")" + describe(a));
                network.cut(a, b);
                // Up to past replica.lag.time.max.ms (30 s), so that a cut follower leaves the ISR while cut.
                sleep(3_000, 35_000);
                history.nemesis("heal the link between nodes " + a + " and " + b);
                network.healAll();
            }
            case ONE_WAY -> {
                if (network == null) {
                    throw new IllegalStateException("ONE_WAY needs a cluster behind link proxies");
                }
                int node = cycles % 2 == 1 ? leaderOrAny() : anyNode();
                history.nemesis("cut the connections node " + node + " opens to the other nodes (metadata leader "
                        + view.metadataLeader() + ")" + describe(node));
                network.cutOutbound(node);
                sleep(3_000, 35_000);
                history.nemesis("heal the network around node " + node);
                network.healAll();
            }
            case ROLLING_RESTART -> {
                for (int node : cluster.nodeIds()) {
                    history.nemesis("rolling restart: SIGTERM node " + node + describe(node));
                    cluster.stop(node);
                    cluster.restart(node);
                    history.nemesis("rolling restart: node " + node + " serving again");
                    cluster.awaitFormed();
                    sleep(2_000, 4_000);
                }
            }
            case CLOCK -> {
                if (clocks == null) {
                    throw new IllegalStateException("CLOCK needs nodes started under libfaketime");
                }
                if (cycles % 2 == 1) {
                    int leader = leaderOrAny();
                    long leaderOffset = 0;
                    for (int node : cluster.nodeIds()) {
                        if (node == leader || random.nextBoolean()) {
                            long offset = clockOffset();
                            history.nemesis("wall clock of node " + node + " bumped " + offset + " s" + describe(node));
                            clocks.set(node, offset);
                            leaderOffset = node == leader ? offset : leaderOffset;
                        }
                    }
                    if (cycles == 1) {
                        ClockSkew.confirm(cluster.pid(leader), leaderOffset);
                    }
                    sleep(3_000, 20_000);
                } else {
                    int node = anyNode();
                    long a = clockOffset();
                    long b = clockOffset();
                    history.nemesis("wall clock of node " + node + " strobing between " + a + " s and " + b + " s"
                            + describe(node));
                    long until = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(5_000 + random.nextInt(10_001));
                    for (boolean first = true; System.nanoTime() - until < 0; first = !first) {
                        clocks.set(node, first ? a : b);
                        sleep(1_000, 2_000);
                    }
                }
                history.nemesis("every wall clock set back to the machine's");
                clocks.resetAll(cluster.nodeIds());
            }
            case REASSIGN -> new ReassignNemesis(cluster, history, random, topic).cycle(cycles);
            case MIXED -> new MixedNemesis(cluster, network, history, random, topic).cycle(cycles);
            default -> throw new IllegalStateException("unknown fault " + fault);
        }
    }

    /** A clock step as Jepsen's bump makes them: 1-300 s, either way. */
    private long clockOffset() {
        long seconds = 1 + random.nextInt(300);
        return random.nextBoolean() ? seconds : -seconds;
    }

    private void killAndRestart(int node, String role) throws IOException, InterruptedException {
        history.nemesis("kill -9 node " + node + " (" + role + ")" + describe(node));
        cluster.kill(node);
        // Sometimes back before broker.session.timeout.ms fences it, sometimes well after.
        sleep(2_000, 15_000);
        history.nemesis("restart node " + node);
        cluster.restart(node);
    }

    /**
     * kill -9 of {@code nodes} at once, then all of them started together (a node alone cannot join a quorum whose
     * majority is down) and the cluster left to re-form before the next cycle.
     */
    private void killAndRestartTogether(List<Integer> nodes, String role) throws IOException, InterruptedException {
        history.nemesis("kill -9 nodes " + nodes + " (" + role + ")" + describe(nodes.get(0)));
        cluster.killTogether(nodes);
        sleep(2_000, 15_000);
        history.nemesis("restart nodes " + nodes);
        cluster.restartTogether(nodes);
        cluster.awaitFormed();
        history.nemesis("nodes " + nodes + " serving again");
    }

    /** Ends every fault still in force: resumes paused nodes, heals the network, starts stopped nodes. */
    void healAll() throws IOException {
        if (network != null) {
            network.healAll();
        }
        if (clocks != null) {
            clocks.resetAll(cluster.nodeIds());
        }
        for (int node : cluster.nodeIds()) {
            if (cluster.isPaused(node)) {
                cluster.resume(node);
            }
            if (!cluster.isRunning(node)) {
                cluster.restart(node);
            }
        }
        history.nemesis("healed: every node running and reachable");
    }

    private String describe(int node) {
        return " [p0 replicas " + view.replicas(topic, 0) + ", isr " + view.isr(topic, 0) + "]";
    }

    private int leaderOrAny() {
        int leader = view.leader(topic, 0);
        return leader > 0 ? leader : anyNode();
    }

    private int follower() {
        int leader = view.leader(topic, 0);
        List<Integer> followers = new ArrayList<>(view.replicas(topic, 0));
        followers.remove(Integer.valueOf(leader));
        return followers.isEmpty() ? anyBroker() : followers.get(random.nextInt(followers.size()));
    }

    private List<Integer> anyTwoNodes() {
        List<Integer> nodes = new ArrayList<>(cluster.nodeIds());
        java.util.Collections.shuffle(nodes, random);
        return nodes.subList(0, 2);
    }

    private int otherThan(int node) {
        List<Integer> others = new ArrayList<>(cluster.nodeIds());
        others.remove(Integer.valueOf(node));
        return others.get(random.nextInt(others.size()));
    }

    private int anyBroker() {
        List<Integer> brokers = cluster.brokerIds();
        return brokers.get(random.nextInt(brokers.size()));
    }

    private int anyNode() {
        List<Integer> nodes = cluster.nodeIds();
        return nodes.get(random.nextInt(nodes.size()));
    }

    /** Sleeps a seeded random time in [min, max] milliseconds. */
    void sleep(long minMillis, long maxMillis) throws InterruptedException {
        sleep(random, minMillis, maxMillis);
    }

    /** Sleeps a time drawn from {@code random} in [min, max] milliseconds. */
    static void sleep(Random random, long minMillis, long maxMillis) throws InterruptedException {
        TimeUnit.MILLISECONDS.sleep(minMillis + (maxMillis > minMillis ? random.nextLong(maxMillis - minMillis + 1) : 0));
    }
}
