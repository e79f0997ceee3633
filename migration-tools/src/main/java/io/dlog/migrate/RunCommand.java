package io.dlog.migrate;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.LogDirDescription;
import org.apache.kafka.clients.admin.NewPartitions;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.ReplicaInfo;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.TopicPartition;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code run}: creates the mirrors on the target (or resumes them), watches them copy every partition from its
 * log start to the source's end, then copies the groups' committed offsets. With {@code --follow} it goes on
 * (new records, new commits) until Ctrl-C / SIGTERM or until the topics are cut over.
 *
 * <p>The copying is done by the target's partition leaders, which keep following the source until
 * {@code cutover}: killing this command loses nothing, and running it again resumes at the target's end.
 */
@Command(name = "run", mixinStandardHelpOptions = true,
        description = "Creates the topics on DLog as read-only mirrors of the source topics (partitions, the configs set on the source, replication factor capped by the target's brokers), copies every partition from its log start with offsets preserved, then the matching groups' committed offsets. The target keeps following the source until cutover. Exit 0 once the copy reached the source's end offsets.")
final class RunCommand implements Callable<Integer> {
    @CommandLine.Mixin
    Clusters.Source source;

    @CommandLine.Mixin
    Clusters.Target target;

    @CommandLine.Mixin
    Selection selection;

    @Option(names = "--follow", description = "Keep copying new records and offset commits until stopped or cut over.")
    boolean follow;

    @Option(names = "--interval-ms", defaultValue = "1000", paramLabel = "MS",
            description = "How often progress is polled (default: ${DEFAULT-VALUE}).")
    long intervalMs;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    private final CountDownLatch stopRequested = new CountDownLatch(1);
    private final CountDownLatch stopped = new CountDownLatch(1);

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        Thread hook = new Thread(() -> {
            stopRequested.countDown();
            try {
                stopped.await(15, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "dlog-migrate-stop");
        Runtime.getRuntime().addShutdownHook(hook);
        try (Admin src = Clusters.admin(source.properties()); Admin dst = Clusters.admin(target.properties())) {
            return migrate(out, src, dst);
        } finally {
            stopped.countDown();
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException e) {
                // the JVM is already shutting down: the hook is running
            }
        }
    }

    private int migrate(PrintWriter out, Admin src, Admin dst) throws Exception {
        Optional<Pattern> groupPattern = selection.groupPattern();
        MigrationPlan plan = MigrationPlan.build(source.bootstrap, src, dst, selection.topicPattern(), groupPattern);
        plan.print(out);
        if (plan.hasConflicts()) {
            out.println("Refusing to start: resolve the topics marked CANNOT first.");
            out.flush();
            return DLogMigrate.EXIT_ERROR;
        }
        if (plan.topics.isEmpty()) {
            out.flush();
            return DLogMigrate.EXIT_ERROR;
        }
        createMirrors(plan, dst);
        Set<String> names = new TreeSet<>();
        plan.topics.forEach(t -> names.add(t.name()));
        List<TopicPartition> partitions = Offsets.partitions(src, names);
        boolean terminal = System.console() != null;
        ProgressReporter progress = new ProgressReporter(out, terminal, 10_000);
        Map<TopicPartition, Offsets.Range> goal = Offsets.ranges(src, partitions);
        Map<TopicPartition, Long> ends = awaitCopy(out, dst, partitions, goal, progress);
        if (ends == null) {
            return 130; // stopped by a signal before the copy caught up; the target keeps copying
        }
        GroupOffsetCopier copier = groupPattern.map(p -> new GroupOffsetCopier(src, dst, p, names, out)).orElse(null);
        while (copier != null && copier.copy(ends) > 0) {
            if (stopRequested.await(intervalMs, TimeUnit.MILLISECONDS)) {
                return 130;
            }
            ends = Offsets.ends(dst, partitions);
        }
        out.printf("Copy caught up with the source's end offsets on %d partitions of %d topics.%n", partitions.size(),
                names.size());
        if (follow) {
            followUntilStopped(out, src, dst, names, partitions, progress, copier);
        } else {
            out.println("The target keeps following the source until 'dlog-migrate cutover'; "
                    + "check with 'dlog-migrate verify'.");
        }
        out.flush();
        return 0;
    }

    private void createMirrors(MigrationPlan plan, Admin dst) throws Exception {
        List<NewTopic> created = new ArrayList<>();
        Map<String, NewPartitions> grown = new HashMap<>();
        for (MigrationPlan.TopicPlan t : plan.topics) {
            if (t.action() == MigrationPlan.Action.CREATE) {
                created.add(new NewTopic(t.name(), t.partitions(), t.replicationFactor())
                        .configs(MigrationPlan.withMirror(t.configs(), plan.sourceBootstrap)));
            } else if (t.targetPartitions() < t.partitions()) {
                grown.put(t.name(), NewPartitions.increaseTo(t.partitions()));
            }
        }
        if (!created.isEmpty()) {
            Clusters.get(dst.createTopics(created).all());
        }
        if (!grown.isEmpty()) {
            Clusters.get(dst.createPartitions(grown).all());
        }
    }

    /** Polls until every target partition reached the goal; null when a stop was requested first. */
    private Map<TopicPartition, Long> awaitCopy(PrintWriter out, Admin dst, List<TopicPartition> partitions,
                                                Map<TopicPartition, Offsets.Range> goal, ProgressReporter progress)
            throws Exception {
        long lastChangeMs = System.currentTimeMillis();
        Map<TopicPartition, Long> last = Map.of();
        while (true) {
            Map<TopicPartition, Long> ends = Offsets.ends(dst, partitions);
            long now = System.currentTimeMillis();
            boolean done = partitions.stream().allMatch(tp -> ends.getOrDefault(tp, -1L) >= goal.get(tp).end());
            progress.report(goal, ends, targetBytes(dst), now, done);
            if (done) {
                return ends;
            }
            if (!ends.equals(last)) {
                last = ends;
                lastChangeMs = now;
            } else if (now - lastChangeMs >= 60_000) {
                out.println("No progress for 60 s: the target's partition leaders log why they cannot copy "
                        + "(is the source reachable from the DLog brokers at " + source.bootstrap + "?)");
                out.flush();
                lastChangeMs = now;
            }
            if (stopRequested.await(intervalMs, TimeUnit.MILLISECONDS)) {
                return null;
            }
        }
    }

    private void followUntilStopped(PrintWriter out, Admin src, Admin dst, Set<String> names,
                                    List<TopicPartition> partitions, ProgressReporter progress,
                                    GroupOffsetCopier copier) throws Exception {
        out.println("Following the source (Ctrl-C to stop; 'dlog-migrate cutover' ends it too).");
        out.flush();
        while (!stopRequested.await(intervalMs, TimeUnit.MILLISECONDS)) {
            Map<TopicPartition, Offsets.Range> sourceNow = Offsets.ranges(src, partitions);
            Map<TopicPartition, Long> ends = Offsets.ends(dst, partitions);
            progress.report(sourceNow, ends, targetBytes(dst), System.currentTimeMillis(), false);
            if (copier != null) {
                copier.copy(ends);
            }
            Map<String, Map<String, String>> configs = MigrationPlan.setConfigs(dst, names);
            if (configs.values().stream().noneMatch(c -> c.containsKey(MigrationPlan.MIRROR_SOURCE))) {
                out.println("The topics were cut over: stopping.");
                return;
            }
        }
        out.println("Stopped. The target keeps following the source until cutover.");
    }

    /** Bytes per topic on the target (every replica counted once per broker), or empty when not available. */
    private static Map<String, Long> targetBytes(Admin dst) {
        Map<String, Long> bytes = new HashMap<>();
        try {
            List<Integer> brokers = Clusters.get(dst.describeCluster().nodes()).stream().map(Node::id).toList();
            Map<Integer, Map<String, LogDirDescription>> dirs = Clusters.get(dst.describeLogDirs(brokers).allDescriptions());
            for (Map<String, LogDirDescription> perBroker : dirs.values()) {
                for (LogDirDescription dir : perBroker.values()) {
                    for (Map.Entry<TopicPartition, ReplicaInfo> replica : dir.replicaInfos().entrySet()) {
                        bytes.merge(replica.getKey().topic(), replica.getValue().size(), Long::sum);
                    }
                }
            }
        } catch (Exception e) {
            return Map.of();
        }
        return bytes;
    }
}
