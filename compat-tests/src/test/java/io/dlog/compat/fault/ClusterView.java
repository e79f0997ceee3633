package io.dlog.compat.fault;

import io.dlog.compat.cluster.DLogCluster;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ListTopicsOptions;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.TopicPartitionInfo;

/**
 * What the nemesis asks the cluster before it strikes: a partition's leader and replicas (Metadata through
 * DescribeTopics), the metadata Raft leader (DescribeQuorum) and a transactional id's coordinator
 * (DescribeTransactions). Asks every node's address with short timeouts
 * and retries, because some node is usually down when it asks. One short-lived Admin per question.
 */
final class ClusterView {
    private static final Duration PATIENCE = Duration.ofSeconds(30);

    private final DLogCluster cluster;

    ClusterView(DLogCluster cluster) {
        this.cluster = cluster;
    }

    private Admin admin() {
        Properties props = cluster.clientProps();
        props.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, "3000");
        props.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, "5000");
        return Admin.create(props);
    }

    /** The partition's leader as the cluster reports it, or -1 if none answered within the patience. */
    int leader(String topic, int partition) {
        TopicPartitionInfo info = partitionInfo(topic, partition);
        return info == null || info.leader() == null || info.leader().isEmpty() ? -1 : info.leader().id();
    }

    /** The partition's replica ids, or an empty list if no node answered. */
    List<Integer> replicas(String topic, int partition) {
        TopicPartitionInfo info = partitionInfo(topic, partition);
        return info == null ? List.of() : info.replicas().stream().map(Node::id).toList();
    }

    /** The partition's in-sync replica ids as reported (context for the history), or an empty list. */
    List<Integer> isr(String topic, int partition) {
        TopicPartitionInfo info = partitionInfo(topic, partition);
        return info == null ? List.of() : info.isr().stream().map(Node::id).toList();
    }

    private TopicPartitionInfo partitionInfo(String topic, int partition) {
        long deadline = System.nanoTime() + PATIENCE.toNanos();
        try (Admin admin = admin()) {
            while (System.nanoTime() - deadline < 0) {
                try {
                    TopicDescription description = admin.describeTopics(List.of(topic)).allTopicNames()
                            .get(10, TimeUnit.SECONDS).get(topic);
                    TopicPartitionInfo info = description.partitions().get(partition);
                    if (info.leader() != null && !info.leader().isEmpty()) {
                        return info;
                    }
                } catch (ExecutionException | java.util.concurrent.TimeoutException e) {
                    // no node answered yet
                }
                sleep(200);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return null;
    }

    /** The node coordinating {@code transactionalId}'s transactions (DescribeTransactions), or -1 if none answered. */
    int transactionCoordinator(String transactionalId) {
        long deadline = System.nanoTime() + PATIENCE.toNanos();
        try (Admin admin = admin()) {
            while (System.nanoTime() - deadline < 0) {
                try {
                    return admin.describeTransactions(List.of(transactionalId)).description(transactionalId)
                            .get(10, TimeUnit.SECONDS).coordinatorId();
                } catch (ExecutionException | java.util.concurrent.TimeoutException e) {
                    // the coordinator is moving, or the producer has not started a transaction yet
                }
                sleep(200);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return -1;
    }

    /** The metadata Raft leader's node id, or -1. */
    int metadataLeader() {
        long deadline = System.nanoTime() + PATIENCE.toNanos();
        try (Admin admin = admin()) {
            while (System.nanoTime() - deadline < 0) {
                try {
                    int leader = admin.describeMetadataQuorum().quorumInfo().get(10, TimeUnit.SECONDS).leaderId();
                    if (leader >= 0) {
                        return leader;
                    }
                } catch (ExecutionException | java.util.concurrent.TimeoutException e) {
                    // no leader answered yet
                }
                sleep(200);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return -1;
    }

    /**
     * Waits up to {@code patience} for every partition of every topic, internal ones included, to have all its
     * replicas in sync; returns the partitions still short (as {@code topic-N isr [..] of [..]}), or none.
     */
    List<String> awaitFullIsr(Duration patience) throws InterruptedException {
        long deadline = System.nanoTime() + patience.toNanos();
        List<String> lagging = List.of("no node answered");
        try (Admin admin = admin()) {
            while (System.nanoTime() - deadline < 0) {
                try {
                    Set<String> topics = admin.listTopics(new ListTopicsOptions().listInternal(true)).names()
                            .get(10, TimeUnit.SECONDS);
                    List<String> found = new ArrayList<>();
                    for (TopicDescription description : admin.describeTopics(topics).allTopicNames()
                            .get(10, TimeUnit.SECONDS).values()) {
                        for (TopicPartitionInfo info : description.partitions()) {
                            if (info.isr().size() < info.replicas().size()) {
                                found.add(description.name() + "-" + info.partition() + " isr "
                                        + info.isr().stream().map(Node::id).toList() + " of "
                                        + info.replicas().stream().map(Node::id).toList());
                            }
                        }
                    }
                    lagging = found;
                    if (found.isEmpty()) {
                        return found;
                    }
                } catch (ExecutionException | java.util.concurrent.TimeoutException e) {
                    // a node is still starting; ask again
                }
                sleep(500);
            }
        }
        return lagging;
    }

    private static void sleep(long millis) throws InterruptedException {
        Thread.sleep(millis);
    }
}
