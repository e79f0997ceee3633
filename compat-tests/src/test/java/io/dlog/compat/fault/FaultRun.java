package io.dlog.compat.fault;

import io.dlog.compat.cluster.ProcessCluster;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.apache.kafka.clients.admin.NewTopic;

/**
 * One run of the fault suite: a fresh 3-node cluster of child JVMs (behind link proxies for the faults that cut links),
 * a topic with replication factor 3 and {@code min.insync.replicas=2}, the {@link Workload} (idempotent or
 * transactional) for {@code duration} while the {@link Nemesis} repeats {@code fault}, then every fault healed, the
 * final read, and the {@link HistoryChecker}. A failed run (every run with {@code -Dfault.keep=true}) leaves its
 * history and the nodes' logs in {@code target/fault-runs/}.
 */
final class FaultRun {
    /** The topic's replication factor, and the cluster's size in the combined layout. */
    static final int NODES = 3;
    static final int PARTITIONS = 3;
    /** In the isolated layout ({@code -Dfault.layout=isolated}): controllers 1-3 apart from brokers 4-6. */
    static final int CONTROLLERS_APART = 3;

    /**
     * What a run found. {@code problems} are failures outside the checker (the final read could not finish).
     * {@code rewrites} are the duplicates the client wrote itself, taken out of {@code result} (see
     * {@link #clientRewrites}): the stored batches of each, as evidence.
     */
    record Outcome(Fault fault, long seed, boolean transactional, HistoryChecker.Result result, List<Op> ops,
                   List<String> problems, List<String> rewrites, Path saved) {
        boolean passed() {
            return result.valid() && problems.isEmpty();
        }

        String report() {
            return (transactional ? "transactional " : "") + fault + " seed " + seed + ": "
                    + (passed() ? "ok" : "FAILED") + "; " + result.summary()
                    + (rewrites.isEmpty() ? "" : "\nduplicates the producer wrote again under a new epoch (Kafka's "
                            + "client, KAFKA-14034), not counted: " + rewrites.size()
                            + rewrites.stream().map(line -> "\n  " + line).reduce("", String::concat))
                    + (problems.isEmpty() ? "" : "\nproblems: " + problems)
                    + Recovery.afterStrikes(ops).stream().map(line -> "\n  " + line).reduce("", String::concat)
                    + (passed() ? "" : "\n" + result.report(ops, 10) + "history and node logs in " + saved);
        }
    }

    private FaultRun() {
    }

    static Outcome run(Fault fault, long seed, Duration duration) throws IOException, InterruptedException {
        return run(fault, seed, duration, false);
    }

    /** @param transactional transactional producers and read_committed consumers instead of idempotent ones */
    static Outcome run(Fault fault, long seed, Duration duration, boolean transactional)
            throws IOException, InterruptedException {
        // Transactions a replaced producer left open are aborted soon after their timeout, not up to a minute later.
        Map<String, String> config = new java.util.HashMap<>(Map.of("default.replication.factor", "3"));
        if (transactional) {
            config.put("transaction.abort.timed.out.transaction.cleanup.interval.ms", "1000");
        }
        boolean isolated = isolated();
        int size = isolated ? CONTROLLERS_APART + NODES : NODES;
        java.util.function.Consumer<ProcessCluster> roles = c -> {
            if (isolated) {
                c.separateControllers(CONTROLLERS_APART);
            }
        };
        if (fault == Fault.CLOCK) {
            // As the librdkafka tests skip without librdkafka: a machine without the library cannot move one JVM's clock.
            org.junit.jupiter.api.Assumptions.assumeTrue(ClockSkew.library().isPresent(),
                    "libfaketime is not installed (Debian: apt-get install faketime): CLOCK skipped");
            ClockSkew[] clocks = new ClockSkew[1];
            try (ProcessCluster cluster = ProcessCluster.start(size, config, c -> {
                roles.accept(c);
                clocks[0] = ClockSkew.install(c);
            });
                 ClockSkew skew = clocks[0]) {
                return run(cluster, fault, seed, duration, transactional, skew);
            }
        }
        try (ProcessCluster cluster = fault.cutsLinks() ? ProxiedProcessCluster.start(size, config, roles)
                : ProcessCluster.start(size, config, roles)) {
            return run(cluster, fault, seed, duration, transactional, null);
        }
    }

    /** @param clocks the nodes' wall clocks, for CLOCK; null otherwise */
    private static Outcome run(ProcessCluster cluster, Fault fault, long seed, Duration duration, boolean transactional,
                               ClockSkew clocks) throws IOException, InterruptedException {
        String name = (cluster.brokerIds().size() < cluster.size() ? "iso-" : "") + (transactional ? "txn-" : "")
                + fault.name().toLowerCase(java.util.Locale.ROOT) + "-" + seed;
        String topic = "fault-" + name;
        createTopic(cluster, topic);
        History history = new History();
        Random random = new Random(seed);
        NetworkPartitioner network = cluster instanceof ProxiedProcessCluster proxied ? proxied.network() : null;
        Nemesis nemesis = new Nemesis(cluster, network, history, random, topic,
                transactional ? TransactionalSender.transactionalId("w0") : null);
        if (clocks != null) {
            nemesis.useClocks(clocks);
        }
        // Two producers, one consumer reading every partition from the beginning and two group members: a second
        // reader from the beginning checked the same things again, and the default build has a time budget.
        Workload workload = new Workload(cluster.bootstrapServers(), history,
                transactional ? new Workload.Settings(topic, PARTITIONS, 2, 1, 50, 1, seed, true, 2)
                        : new Workload.Settings(topic, PARTITIONS, 2, 1, 200, 100, seed, false, 2));
        List<String> problems = new ArrayList<>();
        long start = System.nanoTime();
        workload.start();
        try {
            nemesis.sleep(3_000, 3_000);
            do {
                nemesis.cycle(fault);
                nemesis.sleep(2_000, 5_000);
            } while (System.nanoTime() - start < duration.toNanos());
        } finally {
            nemesis.healAll();
            workload.stopProducers();
            nemesis.sleep(2_000, 2_000);
            workload.stopConsumers();
        }
        cluster.awaitFormed();
        problems.addAll(workload.finalRead(Duration.ofSeconds(90)));
        List<Op> ops = history.ops();
        HistoryChecker.Result checked = HistoryChecker.check(ops);
        List<String> rewrites = new ArrayList<>();
        HistoryChecker.Result result = clientRewrites(cluster, topic, checked, rewrites);
        Path saved = Path.of("target", "fault-runs", name);
        Outcome outcome = new Outcome(fault, seed, transactional, result, ops, problems, rewrites, saved);
        if (!outcome.passed() || !rewrites.isEmpty() || Boolean.getBoolean("fault.keep")) {
            save(cluster, outcome);
        }
        return outcome;
    }

    /**
     * Takes out of {@code checked} the duplicates that Kafka's producer wrote twice itself, adding the evidence of
     * each to {@code evidence}. Kafka's idempotent producer (4.3.1), when a batch fails after its delivery timeout,
     * bumps its epoch and gives the batches still in flight to that partition new sequence numbers under the new
     * epoch (KAFKA-14034); one of them that a broker had already written is then written again, and no broker can
     * tell: a new epoch's sequences start afresh. So a duplicate is the client's when, on a node that stores both
     * copies, the later copy carries the same producer id and a higher producer epoch than the earlier; any other
     * duplicate (the same epoch twice: the broker's deduplication failed) stays.
     */
    private static HistoryChecker.Result clientRewrites(ProcessCluster cluster, String topic, HistoryChecker.Result checked,
                                                        List<String> evidence) throws IOException {
        List<HistoryChecker.Anomaly> kept = new ArrayList<>();
        for (HistoryChecker.Anomaly anomaly : checked.anomalies()) {
            Copies copies = anomaly.kind() == HistoryChecker.Kind.DUPLICATE ? copies(cluster, topic, anomaly) : null;
            if (copies != null && copies.rewritten()) {
                evidence.add(anomaly.description() + ": " + copies.text());
                continue;
            }
            kept.add(copies == null ? anomaly : new HistoryChecker.Anomaly(anomaly.kind(), anomaly.description() + "; "
                    + copies.text(), anomaly.values(), anomaly.offsets()));
        }
        return new HistoryChecker.Result(kept, checked.acknowledged(), checked.failed(), checked.unknown());
    }

    /** The stored batches of a duplicate's copies on one node, and whether the later ones are the client's rewrites. */
    private record Copies(String text, boolean rewritten) {
    }

    /** How the copies of one duplicated value were stored, from the first node that has them all; else null. */
    private static Copies copies(ProcessCluster cluster, String topic, HistoryChecker.Anomaly duplicate) throws IOException {
        if (duplicate.offsets().size() != 1) {
            return null; // copies in two partitions: no client rewrite does that
        }
        int partition = duplicate.offsets().keySet().iterator().next();
        List<Long> offsets = new ArrayList<>(new java.util.TreeSet<>(duplicate.offsets().get(partition)));
        if (offsets.size() < 2) {
            return null;
        }
        for (int node : cluster.brokerIds()) {
            List<BatchInspector.StoredBatch> copies = new ArrayList<>();
            for (long offset : offsets) {
                BatchInspector.batchAt(cluster.dataDir(node), topic, partition, offset).ifPresent(copies::add);
            }
            if (copies.size() == offsets.size()) {
                BatchInspector.StoredBatch first = copies.get(0);
                boolean rewritten = copies.stream().skip(1).allMatch(copy -> copy.producerId() == first.producerId()
                        && copy.producerEpoch() > first.producerEpoch());
                return new Copies("node " + node + " stores " + copies, rewritten);
            }
        }
        return null;
    }

    /**
     * {@code fault.layout}: {@code combined} (the default: three nodes, each a broker and a controller) or
     * {@code isolated} (Kafka's isolated mode: three controllers apart from three brokers, six child JVMs).
     */
    static boolean isolated() {
        String layout = System.getProperty("fault.layout", "combined").trim().toLowerCase(java.util.Locale.ROOT);
        return switch (layout) {
            case "", "combined" -> false;
            case "isolated" -> true;
            default -> throw new IllegalArgumentException("fault.layout is combined or isolated, not " + layout);
        };
    }

    /**
     * Creates the topic, retrying while fewer than 3 brokers are live: on a loaded machine a node that just
     * formed the cluster may miss a heartbeat deadline and be fenced for a moment.
     */
    private static void createTopic(ProcessCluster cluster, String topic) throws InterruptedException {
        cluster.createTopic(new NewTopic(topic, PARTITIONS, (short) NODES).configs(Map.of("min.insync.replicas", "2")));
        ClusterView view = new ClusterView(cluster);
        for (int p = 0; p < PARTITIONS; p++) {
            if (view.leader(topic, p) < 0) {
                throw new AssertionError(topic + "-" + p + " has no leader" + cluster.logTail(1));
            }
        }
    }

    /** The whole history and each node's log, copied out before the cluster's folder is deleted. */
    private static void save(ProcessCluster cluster, Outcome outcome) throws IOException {
        Files.createDirectories(outcome.saved());
        StringBuilder text = new StringBuilder(outcome.report()).append("\n\n== history\n");
        outcome.ops().forEach(op -> text.append(op).append('\n'));
        Files.writeString(outcome.saved().resolve("history.txt"), text, StandardCharsets.UTF_8);
        for (int node : cluster.nodeIds()) {
            if (Files.exists(cluster.logFile(node))) {
                Files.copy(cluster.logFile(node), outcome.saved().resolve("node-" + node + ".log"),
                        java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            }
        }
    }
}
