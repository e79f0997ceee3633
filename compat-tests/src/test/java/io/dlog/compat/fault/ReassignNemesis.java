package io.dlog.compat.fault;

import io.dlog.compat.cluster.DLogCluster;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Random;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewPartitionReassignment;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.TopicPartitionInfo;
import org.apache.kafka.common.errors.NoReassignmentInProgressException;
import org.apache.kafka.common.errors.RetriableException;

/**
 * {@link Fault#REASSIGN}: moves a replica of partition 0 out (its leader every other cycle) and back in while the
 * workload writes with acks=all, through Kafka's Admin client (AlterPartitionReassignments, watched with
 * ListPartitionReassignments and DescribeTopics). The replica coming back starts from an empty log (the one moved out
 * was deleted), so the move in covers catch-up, joining the ISR and completion; every third cycle cancels the move
 * in and starts it again. A move that does not complete within 90 s fails the run. Driven by the test thread only.
 */
final class ReassignNemesis {
    private static final Duration MOVE_TIMEOUT = Duration.ofSeconds(90);

    private final DLogCluster cluster;
    private final ClusterView view;
    private final History history;
    private final Random random;
    private final TopicPartition tp;

    ReassignNemesis(DLogCluster cluster, History history, Random random, String topic) {
        this.cluster = cluster;
        this.view = new ClusterView(cluster);
        this.history = history;
        this.random = random;
        this.tp = new TopicPartition(topic, 0);
    }

    void cycle(int cycle) throws InterruptedException {
        List<Integer> replicas = view.replicas(tp.topic(), 0);
        int leader = view.leader(tp.topic(), 0);
        int out = cycle % 2 == 1 && replicas.contains(leader) ? leader : replicas.get(random.nextInt(replicas.size()));
        List<Integer> smaller = new ArrayList<>(replicas);
        smaller.remove(Integer.valueOf(out));
        history.nemesis("reassign p0 from " + replicas + " to " + smaller + ": node " + out + " out"
                + (out == leader ? " (the leader)" : ""));
        alter(Optional.of(smaller));
        awaitMoved(smaller);
        sleep(2_000, 5_000);

        List<Integer> back = new ArrayList<>(smaller);
        back.add(random.nextInt(back.size() + 1), out);
        history.nemesis("reassign p0 to " + back + ": node " + out + " back in, from an empty log");
        alter(Optional.of(back));
        if (cycle % 3 == 0) {
            sleep(0, 1_000);
            try {
                alter(Optional.empty());
                history.nemesis("cancelled the move of p0 to " + back + "; starting it again");
            } catch (NoReassignmentInProgressException e) {
                history.nemesis("cancel of p0's move: already complete");
            }
            alter(Optional.of(back));
        }
        awaitMoved(back);
    }

    private Admin admin() {
        Properties props = cluster.clientProps();
        props.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, "5000");
        props.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, "10000");
        return Admin.create(props);
    }

    /** Starts (or, with an empty target, cancels) the move, retrying retriable errors; others are thrown. */
    private void alter(Optional<List<Integer>> target) throws InterruptedException {
        long deadline = System.nanoTime() + MOVE_TIMEOUT.toNanos();
        Optional<NewPartitionReassignment> move = target.map(NewPartitionReassignment::new);
        while (true) {
            try (Admin admin = admin()) {
                admin.alterPartitionReassignments(Map.of(tp, move)).all().get(30, TimeUnit.SECONDS);
                return;
            } catch (ExecutionException e) {
                if (e.getCause() instanceof NoReassignmentInProgressException cause) {
                    throw cause;
                }
                if (!(e.getCause() instanceof RetriableException) || System.nanoTime() - deadline > 0) {
                    throw new AssertionError("reassigning " + tp + " to " + target + " failed", e.getCause());
                }
            } catch (java.util.concurrent.TimeoutException e) {
                if (System.nanoTime() - deadline > 0) {
                    throw new AssertionError("reassigning " + tp + " to " + target + " timed out", e);
                }
            }
            TimeUnit.MILLISECONDS.sleep(500);
        }
    }

    /** Waits until no move of p0 is listed and its replicas are {@code target}, all in sync. */
    private void awaitMoved(List<Integer> target) throws InterruptedException {
        long start = System.nanoTime();
        String last = "nothing answered";
        while (System.nanoTime() - start < MOVE_TIMEOUT.toNanos()) {
            try (Admin admin = admin()) {
                boolean listed = admin.listPartitionReassignments().reassignments().get(10, TimeUnit.SECONDS).containsKey(tp);
                TopicPartitionInfo info = admin.describeTopics(List.of(tp.topic())).allTopicNames().get(10, TimeUnit.SECONDS)
                        .get(tp.topic()).partitions().get(0);
                List<Integer> replicas = info.replicas().stream().map(Node::id).toList();
                List<Integer> isr = info.isr().stream().map(Node::id).toList();
                last = "listed " + listed + ", replicas " + replicas + ", isr " + isr;
                if (!listed && replicas.equals(target) && isr.containsAll(target)) {
                    history.nemesis("p0 moved to " + target + " in " + (System.nanoTime() - start) / 1_000_000 + " ms");
                    return;
                }
            } catch (ExecutionException | java.util.concurrent.TimeoutException e) {
                last = e.toString();
            }
            TimeUnit.MILLISECONDS.sleep(200);
        }
        history.nemesis("p0 did not move to " + target + " within " + MOVE_TIMEOUT + ": " + last);
        throw new AssertionError(tp + " did not move to " + target + " within " + MOVE_TIMEOUT + ": " + last);
    }

    private void sleep(long minMillis, long maxMillis) throws InterruptedException {
        TimeUnit.MILLISECONDS.sleep(minMillis + (maxMillis > minMillis ? random.nextLong(maxMillis - minMillis + 1) : 0));
    }
}
