package io.dlog.kafka.handlers.fetch;

import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
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
    }

    /** What the session remembers of one partition. */
    static final class CachedPartition {
        final Key key;
        long fetchOffset;
        int maxBytes;
        long lastHighWatermark = -1;
        long lastLastStableOffset = -1;
        long lastLogStartOffset = -1;

        CachedPartition(Key key, long fetchOffset, int maxBytes) {
            this.key = key;
            this.fetchOffset = fetchOffset;
            this.maxBytes = maxBytes;
        }
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

    synchronized void forget(Key key) {
        partitions.remove(key);
    }

    synchronized void upsert(Key key, long fetchOffset, int maxBytes) {
        CachedPartition existing = partitions.get(key);
        if (existing == null) {
            partitions.put(key, new CachedPartition(key, fetchOffset, maxBytes));
        } else {
            existing.fetchOffset = fetchOffset;
            existing.maxBytes = maxBytes;
        }
    }

    synchronized Iterator<CachedPartition> snapshot() {
        return new java.util.ArrayList<>(partitions.values()).iterator();
    }
}
