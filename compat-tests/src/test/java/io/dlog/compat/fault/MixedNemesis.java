package io.dlog.compat.fault;

import io.dlog.compat.cluster.ProcessCluster;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;

/**
 * {@link Fault#MIXED}: faults of different kinds overlapping, as Jepsen's composed nemesis makes them. A cycle strikes
 * once or twice; a second strike lands 0-5 s after the first, while the first still holds, on nodes the first left
 * alone. A strike is a kill -9, a SIGSTOP, the isolation of a node, a cut of the connections a node opens, or the link
 * between two nodes cut both ways. The first strike of every other cycle targets partition 0's leader; in the other
 * cycles a first strike that kills targets the metadata Raft leader one time in three. The strikes hold 3-15 s, then
 * are healed one at a time in a seeded random order, 0-3 s apart, so the cluster also sees a partition healed while a
 * node is still paused and a node restarted into a network that still has a cut in it. Two strikes can take two
 * nodes out at once (the majority gone for a while): nothing acknowledged may be lost either way. Two killed nodes
 * are restarted together. Driven by the test thread only.
 */
final class MixedNemesis {
    private enum Kind { KILL, PAUSE, ISOLATE, ONE_WAY, CUT }

    /** What a strike did: its kind, the nodes it hit, and for network strikes the directed links it cut. */
    private record Strike(Kind kind, List<Integer> nodes, Set<Long> links) {
        String describe() {
            return switch (kind) {
                case KILL -> "kill -9 node " + nodes.get(0);
                case PAUSE -> "SIGSTOP node " + nodes.get(0);
                case ISOLATE -> "isolate node " + nodes.get(0) + " from the other nodes";
                case ONE_WAY -> "cut the connections node " + nodes.get(0) + " opens to the other nodes";
                case CUT -> "cut nodes " + nodes.get(0) + " and " + nodes.get(1) + " off from each other";
            };
        }
    }

    private final ProcessCluster cluster;
    private final NetworkPartitioner network;
    private final ClusterView view;
    private final History history;
    private final Random random;
    private final String topic;
    /** The directed links the network strikes in force cut, together. */
    private final Set<Long> cutLinks = new HashSet<>();

    MixedNemesis(ProcessCluster cluster, NetworkPartitioner network, History history, Random random, String topic) {
        if (network == null) {
            throw new IllegalStateException("MIXED needs a cluster behind link proxies");
        }
        this.cluster = cluster;
        this.network = network;
        this.view = new ClusterView(cluster);
        this.history = history;
        this.random = random;
        this.topic = topic;
    }

    void cycle(int cycle) throws IOException, InterruptedException {
        List<Strike> active = new ArrayList<>();
        Set<Integer> hit = new HashSet<>();
        int strikes = 1 + random.nextInt(2);
        for (int i = 0; i < strikes; i++) {
            if (i > 0) {
                sleep(0, 5_000);
            }
            Strike strike = plan(i == 0 && cycle % 2 == 1 ? leaderOfPartition0() : -1, hit);
            // The cluster's view only before the first strike: once a node is out, asking can take the view's whole
            // patience, and the second strike would no longer land while the first holds.
            history.nemesis(strike.describe() + (active.isEmpty()
                    ? " [p0 replicas " + view.replicas(topic, 0) + ", isr " + view.isr(topic, 0) + "]"
                    : " (while " + active.get(0).describe() + ")"));
            apply(strike);
            hit.addAll(strike.nodes());
            active.add(strike);
        }
        sleep(3_000, 15_000);
        List<Strike> order = new ArrayList<>(active);
        Collections.shuffle(order, random);
        for (int i = 0; i < order.size(); i++) {
            if (i > 0) {
                sleep(0, 3_000);
            }
            Strike strike = order.get(i);
            if (!active.contains(strike)) {
                continue; // restarted together with the other kill
            }
            heal(strike, active);
        }
    }

    /**
     * The next strike: a node not in {@code hit} ({@code target} if it is one), and a kind drawn at random among those
     * that fit (a cut needs two free nodes).
     */
    private Strike plan(int target, Set<Integer> hit) {
        List<Integer> free = new ArrayList<>(cluster.nodeIds());
        free.removeAll(hit);
        Collections.shuffle(free, random);
        int node = target > 0 && free.contains(target) ? target : free.get(0);
        List<Kind> kinds = new ArrayList<>(List.of(Kind.KILL, Kind.PAUSE, Kind.ISOLATE, Kind.ONE_WAY));
        if (free.size() >= 2) {
            kinds.add(Kind.CUT);
        }
        Kind kind = kinds.get(random.nextInt(kinds.size()));
        switch (kind) {
            case KILL, PAUSE -> {
                if (kind == Kind.KILL && target <= 0 && hit.isEmpty() && random.nextInt(3) == 0) {
                    int metadataLeader = view.metadataLeader();
                    node = free.contains(metadataLeader) ? metadataLeader : node;
                }
                return new Strike(kind, List.of(node), Set.of());
            }
            case ISOLATE, ONE_WAY -> {
                Set<Long> links = new HashSet<>();
                for (int other : cluster.nodeIds()) {
                    if (other != node) {
                        links.add(NetworkPartitioner.link(node, other));
                        if (kind == Kind.ISOLATE) {
                            links.add(NetworkPartitioner.link(other, node));
                        }
                    }
                }
                return new Strike(kind, List.of(node), links);
            }
            case CUT -> {
                int other = free.get(free.get(0) == node ? 1 : 0);
                return new Strike(kind, List.of(node, other),
                        Set.of(NetworkPartitioner.link(node, other), NetworkPartitioner.link(other, node)));
            }
            default -> throw new IllegalStateException("unknown strike " + kind);
        }
    }

    private void apply(Strike strike) {
        switch (strike.kind()) {
            case KILL -> cluster.kill(strike.nodes().get(0));
            case PAUSE -> cluster.pause(strike.nodes().get(0));
            case ISOLATE, ONE_WAY, CUT -> {
                // on top of the links cut already
                cutLinks.addAll(strike.links());
                network.cutExactly(Set.copyOf(cutLinks));
            }
            default -> throw new IllegalStateException("unknown strike " + strike.kind());
        }
    }

    private void heal(Strike strike, List<Strike> active) throws IOException {
        active.remove(strike);
        switch (strike.kind()) {
            case KILL -> {
                List<Integer> killed = new ArrayList<>(strike.nodes());
                for (Strike other : List.copyOf(active)) {
                    if (other.kind() == Kind.KILL) {
                        killed.addAll(other.nodes());
                        active.remove(other);
                    }
                }
                history.nemesis("restart node" + (killed.size() > 1 ? "s " + killed : " " + killed.get(0)));
                if (killed.size() > 1) {
                    cluster.restartTogether(killed);
                } else {
                    cluster.restart(killed.get(0));
                }
            }
            case PAUSE -> {
                history.nemesis("SIGCONT node " + strike.nodes().get(0));
                cluster.resume(strike.nodes().get(0));
            }
            case ISOLATE, ONE_WAY, CUT -> {
                cutLinks.clear();
                active.stream().filter(s -> !s.links().isEmpty()).forEach(s -> cutLinks.addAll(s.links()));
                history.nemesis("heal: " + strike.describe() + " undone" + (cutLinks.isEmpty() ? ""
                        : " (" + cutLinks.size() + " links still cut)"));
                network.cutExactly(Set.copyOf(cutLinks));
            }
            default -> throw new IllegalStateException("unknown strike " + strike.kind());
        }
    }

    /** Partition 0's leader, or -1 when the cluster names none (the strike then picks any node). */
    private int leaderOfPartition0() {
        int leader = view.leader(topic, 0);
        return leader > 0 ? leader : -1;
    }

    private void sleep(long minMillis, long maxMillis) throws InterruptedException {
        Nemesis.sleep(random, minMillis, maxMillis);
    }
}
