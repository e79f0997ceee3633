package io.dlog.kafka.mirror;

import io.dlog.log.PartitionLog;
import java.io.IOException;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.BiFunction;
import java.util.function.Consumer;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.message.FetchResponseData;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.Records;
import org.apache.kafka.common.requests.FetchRequest;
import org.apache.kafka.common.requests.FetchResponse;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One mirror topic's copy loop on this node: fetches the partitions this node leads from their source
 * leaders and appends what comes back ({@link PartitionMirror}), until stopped.
 *
 * <p>Thread-safety: the loop runs on the fetcher's own thread and owns the source connection and the
 * partition mirrors; {@link #assign} and {@link #stop} may be called from any thread (a volatile
 * assignment, read at the top of each round). Errors never end the loop: it logs, drops the connection,
 * waits a backoff and starts again from each local log end, so nothing is copied twice or skipped.
 */
final class MirrorFetcher implements Runnable {
    private static final Logger LOG = LoggerFactory.getLogger(MirrorFetcher.class);
    private static final int MAX_WAIT_MS = 500;
    private static final long BACKOFF_MS = 1_000;

    private final String topic;
    private final String sourceTopic;
    private final String sourceBootstrap;
    private final String clientId;
    /** The local log of a partition while this node leads it. */
    private final BiFunction<String, Integer, Optional<PartitionLog>> localLog;
    /** Told of each local partition a fetch appended to: its followers' and consumers' parked fetches wake. */
    private final Consumer<io.dlog.log.TopicPartition> appended;
    private final Thread thread;
    private final Map<String, Object> clientSettings;
    private final Map<Integer, PartitionMirror> mirrors = new HashMap<>(); // fetcher thread only
    private volatile Set<Integer> assigned = Set.of();
    private volatile boolean running = true;
    private volatile SourceLink link;

    /** @param clientSettings security and other client settings of the connection to the source (may be empty) */
    MirrorFetcher(String topic, String sourceTopic, String sourceBootstrap, Map<String, Object> clientSettings, int nodeId,
                  BiFunction<String, Integer, Optional<PartitionLog>> localLog, Consumer<io.dlog.log.TopicPartition> appended) {
        this.appended = appended;
        this.topic = topic;
        this.sourceTopic = sourceTopic;
        this.sourceBootstrap = sourceBootstrap;
        this.clientSettings = Map.copyOf(clientSettings);
        this.clientId = "dlog-mirror-" + nodeId + "-" + topic;
        this.localLog = localLog;
        this.thread = new Thread(this, "dlog-mirror-" + topic);
        this.thread.setDaemon(true);
    }

    void start() {
        thread.start();
    }

    String sourceBootstrap() {
        return sourceBootstrap;
    }

    String sourceTopic() {
        return sourceTopic;
    }

    /** The partitions to copy from now on (those this node leads). */
    void assign(Set<Integer> partitions) {
        assigned = Set.copyOf(partitions);
    }

    /** Ends the loop and waits for it (at most a few seconds: a fetch in flight is woken). */
    void stop() {
        running = false;
        SourceLink current = link;
        if (current != null) {
            current.wakeup();
        }
        try {
            thread.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void run() {
        Map<Integer, SourceLink.Leader> leaders = Map.of();
        long failures = 0;
        while (running) {
            try {
                syncMirrors();
                if (mirrors.isEmpty()) {
                    Thread.sleep(200);
                    continue;
                }
                if (link == null) {
                    link = SourceLink.open(sourceBootstrap, clientSettings, clientId);
                    leaders = Map.of();
                }
                if (leaders.isEmpty() || !leaders.keySet().containsAll(mirrors.keySet())) {
                    leaders = link.leaders(sourceTopic);
                }
                if (!fetchOnce(leaders)) {
                    leaders = Map.of();
                    Thread.sleep(100); // a source election takes a moment; do not spin on it
                }
                failures = 0;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (IOException | RuntimeException e) {
                if (!running) {
                    break;
                }
                // A warning the first time and then every minute of a persisting failure, not every second.
                if (failures++ % 60 == 0) {
                    LOG.warn("Mirror of {} from {} ({}): {}; retrying", topic, sourceBootstrap, sourceTopic, e.toString());
                }
                closeLink();
                leaders = Map.of();
                try {
                    Thread.sleep(BACKOFF_MS);
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }
        closeLink();
    }

    /** Mirrors for the assigned partitions this node still leads; the log instance is re-read each round. */
    private void syncMirrors() {
        Set<Integer> wanted = assigned;
        mirrors.keySet().removeIf(p -> !wanted.contains(p));
        for (int p : wanted) {
            Optional<PartitionLog> log = localLog.apply(topic, p);
            PartitionMirror current = mirrors.get(p);
            if (log.isEmpty()) {
                mirrors.remove(p);
            } else if (current == null || current.log() != log.get()) {
                mirrors.put(p, new PartitionMirror(log.get()));
            }
        }
    }

    /**
     * One round: a Fetch to every source leader, then the appends.
     *
     * @return false when the source's leadership changed and must be looked up again
     */
    private boolean fetchOnce(Map<Integer, SourceLink.Leader> leaders) throws IOException {
        Map<Node, Map<TopicPartition, FetchRequest.PartitionData>> byNode = new HashMap<>();
        Map<Uuid, String> names = new HashMap<>();
        for (Map.Entry<Integer, PartitionMirror> entry : mirrors.entrySet()) {
            SourceLink.Leader leader = leaders.get(entry.getKey());
            if (leader == null || leader.node() == null) {
                return false;
            }
            names.put(leader.topicId(), sourceTopic);
            byNode.computeIfAbsent(leader.node(), n -> new HashMap<>()).put(new TopicPartition(sourceTopic, entry.getKey()),
                    new FetchRequest.PartitionData(leader.topicId(), entry.getValue().fetchOffset(), -1L,
                            SourceLink.PARTITION_MAX_BYTES, Optional.empty()));
        }
        boolean leadersValid = true;
        for (Map.Entry<TopicPartition, FetchResponseData.PartitionData> entry : link.fetch(byNode, names, MAX_WAIT_MS).entrySet()) {
            PartitionMirror mirror = mirrors.get(entry.getKey().partition());
            FetchResponseData.PartitionData data = entry.getValue();
            Errors error = Errors.forCode(data.errorCode());
            if (mirror == null) {
                continue;
            }
            if (error == Errors.NONE) {
                Records records = FetchResponse.recordsOrFail(data);
                if (records instanceof MemoryRecords memory && mirror.onRecords(memory, data.logStartOffset()) > 0) {
                    appended.accept(new io.dlog.log.TopicPartition(topic, entry.getKey().partition()));
                }
            } else if (error == Errors.OFFSET_OUT_OF_RANGE) {
                long[] range = link.logRange(entry.getKey());
                mirror.onOffsetOutOfRange(range[0], range[1]);
            } else if (error == Errors.NOT_LEADER_OR_FOLLOWER || error == Errors.UNKNOWN_TOPIC_OR_PARTITION
                    || error == Errors.UNKNOWN_TOPIC_ID || error == Errors.FENCED_LEADER_EPOCH
                    || error == Errors.LEADER_NOT_AVAILABLE || error == Errors.REPLICA_NOT_AVAILABLE
                    || error == Errors.INCONSISTENT_TOPIC_ID || error == Errors.OFFSET_NOT_AVAILABLE) {
                leadersValid = false;
            } else {
                throw new IOException("source partition " + entry.getKey() + ": " + error.name());
            }
        }
        return leadersValid;
    }

    private void closeLink() {
        SourceLink current = link;
        link = null;
        if (current != null) {
            current.close();
        }
    }
}
