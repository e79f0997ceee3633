package io.dlog.kafka.handlers.fetch;

import io.dlog.log.TopicPartition;
import io.dlog.log.metadata.MetadataImage;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.protocol.Errors;

/**
 * An incremental fetch session (KIP-227): the partitions a client fetches, with what it was last
 * told about each, so later requests and responses carry only what changed.
 *
 * <p>Guarded by its own monitor: a session is used by one fetch at a time, but that fetch may
 * complete on the timer thread.
 */
final class FetchSession {
    /** Identifies a partition across requests: by topic id (v13+) or by name. */
    record Key(Uuid topicId, String topic, int partition) {
        // Written out, as TopicPartition's: the generated methods cost 7-10x a plain lookup in code the JIT has not
        // (re)compiled yet, and a fetch looks up each of its session's partitions.
        @Override
        public boolean equals(Object o) {
            return this == o || o instanceof Key other && partition == other.partition
                    && Objects.equals(topicId, other.topicId) && Objects.equals(topic, other.topic);
        }

        @Override
        public int hashCode() {
            return (Objects.hashCode(topicId) * 31 + Objects.hashCode(topic)) * 31 + partition;
        }
    }

    /**
     * What the session remembers of one partition: the fetch state the client sent last (a partition left out of
     * an incremental request is read with it, as Kafka's session does: its epoch still fences a stale client), and
     * what the client was told last.
     */
    static final class CachedPartition {
        final Key key;
        long fetchOffset;
        int maxBytes;
        int currentLeaderEpoch = -1;
        int lastFetchedEpoch = -1;
        /** A follower's log start offset, -1 when unknown. */
        long logStartOffset = -1;
        /** The partition's name as resolved in an image, kept until the image changes; null until first resolved. */
        volatile Resolved resolved;
        long lastHighWatermark = -1;
        long lastLastStableOffset = -1;
        long lastLogStartOffset = -1;
        /**
         * The plan item built from this entry by the last fetch that left the partition out, reused while the entry
         * and its resolution stay as they are (a follower's session leaves out every partition it is caught up on,
         * in every fetch).
         */
        volatile FetchPlan.Item planned;

        CachedPartition(Key key, long fetchOffset, int maxBytes) {
            this.key = key;
            this.fetchOffset = fetchOffset;
            this.maxBytes = maxBytes;
        }
    }

    /**
     * A session partition's topic name and log-layer partition as {@code image} resolves them: an incremental
     * fetch that leaves the partition out reuses them while the image is the same, instead of looking the topic id up
     * and building them again on every fetch.
     */
    record Resolved(MetadataImage image, String name, TopicPartition tp) {
    }

    final int id;
    /** A follower's session (Kafka's "privileged"): it outranks consumers' sessions for a cache slot. */
    final boolean privileged;
    /**
     * Whether the session was created by a Fetch v13+ (partitions keyed by topic id) or an older one
     * (keyed by name). Keys of one kind cannot be matched with the other, so a request of the other kind
     * is refused with FETCH_SESSION_TOPIC_ID_ERROR, as Kafka's FetchManager does: the client then closes
     * the session and opens a new one.
     */
    final boolean usesTopicIds;
    final long creationMs;
    /** Guarded by the {@link FetchSessionCache}'s monitor, which orders sessions by these. */
    long lastUsedMs;
    int cachedSize;
    private int nextEpoch = 1;
    final Map<Key, CachedPartition> partitions = new LinkedHashMap<>();

    FetchSession(int id, boolean privileged, boolean usesTopicIds, long creationMs) {
        this.id = id;
        this.privileged = privileged;
        this.usesTopicIds = usesTopicIds;
        this.creationMs = creationMs;
        this.lastUsedMs = creationMs;
    }

    synchronized int partitionCount() {
        return partitions.size();
    }

    /**
     * Kafka's checks of an incremental fetch against its session, in Kafka's order: the epoch, then
     * whether the request names topics the way the session does. Only a request that passes both moves
     * the epoch on.
     */
    synchronized Errors checkAndAdvanceEpoch(int epoch, boolean byTopicId) {
        if (epoch != nextEpoch) {
            return Errors.INVALID_FETCH_SESSION_EPOCH;
        }
        if (byTopicId != usesTopicIds) {
            return Errors.FETCH_SESSION_TOPIC_ID_ERROR;
        }
        nextEpoch = epoch == Integer.MAX_VALUE ? 1 : epoch + 1;
        return Errors.NONE;
    }

    /** Puts a partition that just returned data last, so partitions after it get their turn next time. */
    synchronized void moveToEnd(Key key) {
        CachedPartition partition = partitions.remove(key);
        if (partition != null) {
            partitions.put(key, partition);
        }
    }

    /**
     * Whether the client was last told these offsets for {@code key}: an incremental response would leave the
     * partition out unless it has records or an error.
     */
    synchronized boolean toldOffsets(Key key, long highWatermark, long lastStableOffset, long logStartOffset) {
        CachedPartition cached = partitions.get(key);
        return cached != null && cached.lastHighWatermark == highWatermark
                && cached.lastLastStableOffset == lastStableOffset && cached.lastLogStartOffset == logStartOffset;
    }

    synchronized void forget(Key key) {
        partitions.remove(key);
    }

    synchronized void upsert(FetchPlan.Item item) {
        CachedPartition cached = partitions.computeIfAbsent(item.key(),
                k -> new CachedPartition(k, item.fetchOffset(), item.maxBytes()));
        cached.fetchOffset = item.fetchOffset();
        cached.maxBytes = item.maxBytes();
        cached.currentLeaderEpoch = item.currentLeaderEpoch();
        cached.lastFetchedEpoch = item.lastFetchedEpoch();
        cached.logStartOffset = item.logStartOffset();
    }

    synchronized Iterator<CachedPartition> snapshot() {
        return new java.util.ArrayList<>(partitions.values()).iterator();
    }
}
