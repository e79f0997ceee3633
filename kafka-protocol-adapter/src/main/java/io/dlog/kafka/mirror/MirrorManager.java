package io.dlog.kafka.mirror;

import io.dlog.kafka.topic.TopicService;
import io.dlog.log.metadata.MetadataImage;
import io.dlog.log.metadata.TopicImage;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs a {@link MirrorFetcher} for every mirror topic with a partition this node leads, and only for
 * those: reconciled against the metadata image and the node's leadership once a second, so a new mirror,
 * a cutover (its configs removed), a deleted topic or moved leadership take effect within a second
 * without a listener on every change.
 *
 * <p>Thread-safety: {@link #reconcile} runs on the manager's single thread (the fetcher map is confined
 * to it); {@link #close} stops that thread first, then the fetchers.
 */
public final class MirrorManager implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(MirrorManager.class);

    private final TopicService topics;
    private final ScheduledExecutorService executor;
    private final Map<String, MirrorFetcher> fetchers = new HashMap<>(); // manager thread only

    private MirrorManager(TopicService topics) {
        this.topics = topics;
        this.executor = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "dlog-mirror-manager");
            t.setDaemon(true);
            return t;
        });
    }

    /** Starts reconciling (call once the node has caught up with the metadata image). */
    public static MirrorManager start(TopicService topics) {
        MirrorManager manager = new MirrorManager(topics);
        manager.executor.scheduleWithFixedDelay(manager::reconcileQuietly, 0, 1, TimeUnit.SECONDS);
        return manager;
    }

    private void reconcileQuietly() {
        try {
            reconcile();
        } catch (RuntimeException e) {
            LOG.error("Reconciling mirror topics failed; trying again in a second", e);
        }
    }

    private void reconcile() {
        if (!topics.isCaughtUp()) {
            return;
        }
        MetadataImage image = topics.image();
        Set<String> wanted = new HashSet<>();
        for (TopicImage topic : image.topics().values()) {
            var bootstrap = MirrorTopics.sourceBootstrap(topic.configs());
            if (bootstrap.isEmpty()) {
                continue;
            }
            Set<Integer> led = new HashSet<>();
            for (int p = 0; p < topic.partitions(); p++) {
                if (topics.partition(topic.name(), p).isPresent()) {
                    led.add(p);
                }
            }
            if (led.isEmpty()) {
                continue;
            }
            wanted.add(topic.name());
            String sourceTopic = MirrorTopics.sourceTopic(topic.name(), topic.configs());
            MirrorFetcher fetcher = fetchers.get(topic.name());
            if (fetcher != null && (!fetcher.sourceBootstrap().equals(bootstrap.get())
                    || !fetcher.sourceTopic().equals(sourceTopic))) {
                fetcher.stop();
                fetcher = null;
            }
            if (fetcher == null) {
                fetcher = new MirrorFetcher(topic.name(), sourceTopic, bootstrap.get(),
                        topics.brokerConfig().mirrorSourceClientSettings(), topics.nodeId(), topics::partition,
                        this::onAppended);
                fetchers.put(topic.name(), fetcher);
                fetcher.assign(led);
                fetcher.start();
                LOG.info("Mirroring {} partitions {} from {} at {}", topic.name(), led, sourceTopic, bootstrap.get());
            } else {
                fetcher.assign(led);
            }
        }
        for (Iterator<Map.Entry<String, MirrorFetcher>> it = fetchers.entrySet().iterator(); it.hasNext(); ) {
            Map.Entry<String, MirrorFetcher> entry = it.next();
            if (!wanted.contains(entry.getKey())) {
                entry.getValue().stop();
                it.remove();
                LOG.info("Stopped mirroring {} on this node (cut over, deleted or led elsewhere)", entry.getKey());
            }
        }
    }

    /**
     * A mirror appended to a partition this node leads: the replication layer moves the high watermark if no
     * follower will (a leader alone in its ISR) and wakes parked fetches, which would otherwise learn of the
     * records only when their wait ends. Runs on a mirror's fetcher thread.
     */
    private void onAppended(io.dlog.log.TopicPartition tp) {
        io.dlog.kafka.replica.ReplicaManager replicas = topics.replicas();
        if (replicas != null) {
            replicas.onAppended(tp);
        }
    }

    @Override
    public void close() {
        executor.shutdown();
        try {
            if (!executor.awaitTermination(15, TimeUnit.SECONDS)) {
                executor.shutdownNow();
            }
        } catch (InterruptedException e) {
            executor.shutdownNow();
            Thread.currentThread().interrupt();
        }
        // The executor has ended: the map is ours now.
        fetchers.values().forEach(MirrorFetcher::stop);
        fetchers.clear();
    }
}
