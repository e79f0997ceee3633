package io.dlog.kafka.replica;

import io.dlog.kafka.config.BrokerConfig;
import io.dlog.kafka.quota.ReplicationQuotaManager;
import io.dlog.log.PartitionLog;
import io.dlog.log.TopicPartition;
import io.dlog.log.metadata.MetadataImage;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * The fetcher threads of this node: one per leader it follows partitions of (Kafka's
 * num.replica.fetchers=1 per source broker), created when the first partition is added, stopped when the
 * last one leaves. They share this node's follower replication quota.
 *
 * <p>Thread-safe: every method is synchronized on this object; the threads read their partition sets
 * concurrently.
 */
final class ReplicaFetchers implements AutoCloseable {
    /** A followed partition as the fetcher sees it; re-read before each use, as the image may have moved on. */
    record Followed(TopicPartition tp, UUID topicId, PartitionLog log, int leader, int leaderEpoch) {
    }

    private final int self;
    private final Supplier<BrokerConfig> config;
    private final Supplier<MetadataImage> image;
    private final Function<TopicPartition, Followed> followed;
    private final java.util.function.Consumer<TopicPartition> highWatermarkMoved;
    private final ReplicationQuotaManager quota;
    private final java.util.function.LongConsumer bytesIn;
    private final Map<Integer, ReplicaFetcherThread> threads = new HashMap<>();
    private final Map<TopicPartition, Integer> sourceOf = new HashMap<>();
    private boolean closed;

    ReplicaFetchers(int self, Supplier<BrokerConfig> config, Supplier<MetadataImage> image,
                    Function<TopicPartition, Followed> followed,
                    java.util.function.Consumer<TopicPartition> highWatermarkMoved, ReplicationQuotaManager quota,
                    java.util.function.LongConsumer bytesIn) {
        this.self = self;
        this.config = config;
        this.image = image;
        this.followed = followed;
        this.highWatermarkMoved = highWatermarkMoved;
        this.quota = quota;
        this.bytesIn = bytesIn;
    }

    synchronized void add(TopicPartition tp, int leader) {
        if (closed) {
            return;
        }
        Integer current = sourceOf.get(tp);
        if (current != null && current != leader) {
            remove(tp);
        }
        sourceOf.put(tp, leader);
        threads.computeIfAbsent(leader, l -> {
            ReplicaFetcherThread thread = new ReplicaFetcherThread(self, l, config, image, followed, highWatermarkMoved,
                    quota, bytesIn);
            thread.start();
            return thread;
        }).add(tp);
    }

    synchronized void remove(TopicPartition tp) {
        Integer leader = sourceOf.remove(tp);
        if (leader == null) {
            return;
        }
        ReplicaFetcherThread thread = threads.get(leader);
        if (thread != null && thread.remove(tp)) {
            threads.remove(leader);
            thread.shutdown();
        }
    }

    @Override
    public synchronized void close() {
        closed = true;
        threads.values().forEach(ReplicaFetcherThread::shutdown);
        threads.values().forEach(ReplicaFetcherThread::awaitStop);
        threads.clear();
        sourceOf.clear();
    }
}
