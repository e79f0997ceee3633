package io.dlog.kafka.handlers.fetch;

import io.dlog.kafka.coordinator.DeadlineClock;
import java.time.Clock;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.LongSupplier;

/**
 * The incremental fetch sessions (KIP-227), with Kafka's slot rule ({@code FetchSessionCache}): at most
 * {@code max.incremental.fetch.session.cache.slots} sessions. When a full fetch asks for a new session
 * and every slot is taken:
 * <ol>
 *   <li>the least recently used session is evicted if it went unused for the eviction time (Kafka's
 *       {@code MIN_INCREMENTAL_FETCH_SESSION_EVICTION_MS}, 2 minutes);</li>
 *   <li>otherwise the least valuable evictable session is evicted if the new one is worth at least as
 *       much: a follower's (privileged) session outranks a consumer's, then more partitions outrank
 *       fewer. A session becomes evictable this way only once it is older than the eviction time, except
 *       that a consumer's session is always evictable by a follower's;</li>
 *   <li>otherwise no session is created: the client gets a sessionless full response (session id 0)
 *       and keeps fetching in full.</li>
 * </ol>
 * A small consumer cannot push out a big one, and a flood of new sessions cannot push out sessions that
 * are in use: unlike a frequency or LRU cache, where every new client evicts somebody's session.
 *
 * <p>Thread-safety: every method synchronizes on the cache (short, O(log n) operations; fetches run on
 * the event loops).
 */
public final class FetchSessionCache {
    /** Kafka's KafkaBroker.MIN_INCREMENTAL_FETCH_SESSION_EVICTION_MS. */
    public static final long EVICTION_MS = 120_000;

    private final int maxSessions;
    private final long evictionMs;
    /** Milliseconds for last use and staleness: monotonic, so a wall-clock step neither ages nor freshens sessions. */
    private final LongSupplier clock;
    private final Map<Integer, FetchSession> sessions = new HashMap<>();
    /** By last use, then id: the stale-eviction order. */
    private final TreeSet<FetchSession> byLastUsed = new TreeSet<>(
            Comparator.<FetchSession>comparingLong(s -> s.lastUsedMs).thenComparingInt(s -> s.id));
    /** Sessions any new session may evict (older than the eviction time), least valuable first. */
    private final TreeSet<FetchSession> evictableByAll = new TreeSet<>(FetchSessionCache::byValue);
    /** Sessions a follower's new session may evict: those above plus every consumer session. */
    private final TreeSet<FetchSession> evictableByPrivileged = new TreeSet<>(FetchSessionCache::byValue);
    private long evictions;

    public FetchSessionCache(int maxSessions, Clock clock) {
        this(maxSessions, EVICTION_MS, clock);
    }

    FetchSessionCache(int maxSessions, long evictionMs, Clock clock) {
        this.maxSessions = maxSessions;
        this.evictionMs = evictionMs;
        this.clock = DeadlineClock.of(clock);
    }

    /** Kafka's EvictableKey order: unprivileged before privileged, then fewer partitions, then id. */
    private static int byValue(FetchSession a, FetchSession b) {
        int c = Boolean.compare(a.privileged, b.privileged);
        if (c == 0) {
            c = Integer.compare(a.cachedSize, b.cachedSize);
        }
        return c != 0 ? c : Integer.compare(a.id, b.id);
    }

    /**
     * A new session for a full fetch of {@code size} partitions, keyed by topic id or by name as the
     * fetch's version says, or empty when no slot can be had (the fetch is then answered without a session).
     */
    synchronized Optional<FetchSession> maybeCreate(boolean privileged, boolean usesTopicIds, int size) {
        long now = clock.getAsLong();
        if (maxSessions <= 0 || sessions.size() >= maxSessions && !tryEvict(privileged, size, now)) {
            return Optional.empty();
        }
        int id;
        do {
            id = ThreadLocalRandom.current().nextInt(1, Integer.MAX_VALUE);
        } while (sessions.containsKey(id));
        FetchSession session = new FetchSession(id, privileged, usesTopicIds, now);
        sessions.put(id, session);
        index(session, size, now);
        return Optional.of(session);
    }

    private boolean tryEvict(boolean privileged, int size, long now) {
        FetchSession oldest = byLastUsed.isEmpty() ? null : byLastUsed.first();
        if (oldest == null) {
            return false;
        }
        if (now - oldest.lastUsedMs > evictionMs) {
            removeSession(oldest);
            evictions++;
            return true;
        }
        TreeSet<FetchSession> candidates = privileged ? evictableByPrivileged : evictableByAll;
        if (candidates.isEmpty()) {
            return false;
        }
        FetchSession cheapest = candidates.first();
        // Kafka compares the new session's key (id 0) with the cheapest: evict only if not worth more.
        int c = Boolean.compare(privileged, cheapest.privileged);
        if (c == 0) {
            c = Integer.compare(size, cheapest.cachedSize);
        }
        if (c == 0) {
            c = Integer.compare(0, cheapest.id);
        }
        if (c < 0) {
            return false;
        }
        removeSession(cheapest);
        evictions++;
        return true;
    }

    /** The session, marked used now. */
    synchronized Optional<FetchSession> get(int id) {
        FetchSession session = sessions.get(id);
        if (session != null) {
            touch(session, session.cachedSize);
        }
        return Optional.ofNullable(session);
    }

    /** Records the session's use and its partition count after an incremental fetch changed it. */
    synchronized void touch(FetchSession session, int size) {
        if (sessions.get(session.id) != session) {
            return; // evicted meanwhile
        }
        unindex(session);
        index(session, size, clock.getAsLong());
    }

    synchronized void remove(int id) {
        FetchSession session = sessions.get(id);
        if (session != null) {
            removeSession(session);
        }
    }

    synchronized int size() {
        return sessions.size();
    }

    /** Sessions evicted to make room so far. */
    synchronized long evictions() {
        return evictions;
    }

    private void removeSession(FetchSession session) {
        unindex(session);
        sessions.remove(session.id);
    }

    private void unindex(FetchSession session) {
        byLastUsed.remove(session);
        evictableByAll.remove(session);
        evictableByPrivileged.remove(session);
    }

    private void index(FetchSession session, int size, long now) {
        session.lastUsedMs = now;
        session.cachedSize = size;
        byLastUsed.add(session);
        boolean old = now - session.creationMs > evictionMs;
        if (!session.privileged || old) {
            evictableByPrivileged.add(session);
        }
        if (old) {
            evictableByAll.add(session);
        }
    }
}
