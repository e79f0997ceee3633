package io.dlog.compat.replication;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.function.Predicate;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.common.TopicPartitionInfo;

/** Waits for a partition's leader and ISR, as DescribeTopics shows them, to reach a state. */
final class PartitionStates {
    private PartitionStates() {
    }

    static TopicPartitionInfo describe(Admin admin, String topic) throws Exception {
        return admin.describeTopics(List.of(topic)).allTopicNames().get().get(topic).partitions().get(0);
    }

    /** Partition 0 of {@code topic} once {@code condition} holds; fails after 60 s with what was last seen. */
    static TopicPartitionInfo await(Admin admin, String topic, Predicate<TopicPartitionInfo> condition)
            throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        TopicPartitionInfo last = null;
        while (System.nanoTime() - deadline < 0) {
            try {
                last = describe(admin, topic);
                if (condition.test(last)) {
                    return last;
                }
            } catch (ExecutionException e) {
                // a node still joining: ask again
            }
            Thread.sleep(100);
        }
        throw new AssertionError(topic + "-0 never reached the state awaited; last seen: " + last);
    }
}
