package io.dlog.kafka.share;

import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import java.util.function.BiConsumer;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.protocol.Errors;

/**
 * Share sessions (KIP-932's share-session epoch): per (group, member), the partitions a member fetches and
 * the epoch its next request must carry. Epoch 0 opens a session (replacing the member's previous one), -1
 * closes it, any other must be the session's next epoch (1, 2, ... wrapping to 1). Bounded by
 * {@code group.share.max.share.sessions}: the least recently used session is evicted and its member's
 * acquired records released.
 *
 * <p>Thread-safety: every method is {@code synchronized}; no I/O under the lock.
 */
final class ShareSessionCache {
    /** A session's key. */
    record Key(String groupId, String memberId) {
    }

    /** One fetched partition of a session. */
    record TopicIdPartition(Uuid topicId, int partition) {
    }

    static final class Session {
        final Key key;
        final Set<TopicIdPartition> partitions = new LinkedHashSet<>();
        int nextEpoch = 1;

        Session(Key key) {
            this.key = key;
        }
    }

    /** A request's session, or why it has none. */
    record Opened(Errors error, Session session) {
    }

    private final int maxSessions;
    private final BiConsumer<Key, Set<TopicIdPartition>> onEvict;
    private final LinkedHashMap<Key, Session> sessions = new LinkedHashMap<>(16, 0.75f, true);

    /** @param onEvict told of each evicted session, under this cache's lock (it must not call back into the cache) */
    ShareSessionCache(int maxSessions, BiConsumer<Key, Set<TopicIdPartition>> onEvict) {
        this.maxSessions = maxSessions;
        this.onEvict = onEvict;
    }

    /**
     * Finds or opens the session for a request with {@code epoch}: 0 opens a fresh one, -1 returns the
     * existing one for a last time (the caller closes it), others check and advance the epoch.
     */
    synchronized Opened open(Key key, int epoch) {
        if (epoch == 0) {
            Session replaced = sessions.remove(key);
            if (replaced == null && sessions.size() >= maxSessions) {
                Map.Entry<Key, Session> eldest = sessions.entrySet().iterator().next();
                sessions.remove(eldest.getKey());
                onEvict.accept(eldest.getKey(), Set.copyOf(eldest.getValue().partitions));
            }
            Session session = new Session(key);
            sessions.put(key, session);
            return new Opened(Errors.NONE, session);
        }
        Session session = sessions.get(key);
        if (session == null) {
            return new Opened(Errors.SHARE_SESSION_NOT_FOUND, null);
        }
        if (epoch == -1) {
            return new Opened(Errors.NONE, session);
        }
        if (epoch != session.nextEpoch) {
            return new Opened(Errors.INVALID_SHARE_SESSION_EPOCH, null);
        }
        session.nextEpoch = epoch == Integer.MAX_VALUE ? 1 : epoch + 1;
        return new Opened(Errors.NONE, session);
    }

    synchronized void close(Key key) {
        sessions.remove(key);
    }

    /** Drops every session of a member (it left its group). */
    synchronized void closeMember(String groupId, String memberId) {
        sessions.remove(new Key(groupId, memberId));
    }

    /** Adds and removes partitions of a session; returns the resulting set. */
    synchronized Set<TopicIdPartition> update(Session session, Set<TopicIdPartition> added, Set<TopicIdPartition> forgotten) {
        session.partitions.addAll(added);
        session.partitions.removeAll(forgotten);
        return new LinkedHashSet<>(session.partitions);
    }
}
