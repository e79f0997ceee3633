package io.dlog.kafka.handlers.fetch;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Bounded cache of fetch sessions (Kafka: max.incremental.fetch.session.cache.slots = 1000). The
 * least recently used session goes first; its client gets FETCH_SESSION_ID_NOT_FOUND and starts over
 * with a full fetch, as against Kafka.
 */
public final class FetchSessionCache {
    private final Cache<Integer, FetchSession> sessions;

    public FetchSessionCache(int maxSessions, Duration idleTimeout) {
        this.sessions = Caffeine.newBuilder().maximumSize(maxSessions).expireAfterAccess(idleTimeout).build();
    }

    FetchSession create() {
        while (true) {
            int id = ThreadLocalRandom.current().nextInt(1, Integer.MAX_VALUE);
            FetchSession session = new FetchSession(id);
            if (sessions.asMap().putIfAbsent(id, session) == null) {
                return session;
            }
        }
    }

    Optional<FetchSession> get(int id) {
        return Optional.ofNullable(sessions.getIfPresent(id));
    }

    void remove(int id) {
        sessions.invalidate(id);
    }
}
