package io.dlog.kafka.group;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.google.re2j.Pattern;
import com.google.re2j.PatternSyntaxException;
import java.util.HashSet;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;

/**
 * KIP-848 {@code subscribedTopicRegex}: client input, so it is handled as Kafka's group coordinator
 * handles it. Patterns are RE2/J ({@code com.google.re2j}), which matches in time linear in the
 * input, never backtracking; a pattern RE2/J refuses is an INVALID_REGULAR_EXPRESSION. Patterns are
 * compiled before the coordinator's lock is taken ({@link #compile}) and matched against topic names
 * only on {@code executor}, never on the caller's thread: {@link #matching} answers from the last
 * resolution and starts a new one when the topics changed since, so a member's regex subscription
 * takes effect at its next heartbeat after the resolution ends, as in Kafka.
 *
 * <p>Both caches are bounded (they are keyed by client input). Thread-safe.
 */
final class TopicRegexResolver {
    private static final int MAX_PATTERNS = 1000;

    private final TopicMetadata topics;
    private final Executor executor;
    /** Compiled pattern, or why the regex is invalid. */
    private final Cache<String, Compiled> compiled = Caffeine.newBuilder().maximumSize(MAX_PATTERNS).build();
    private final Cache<String, Resolution> resolved = Caffeine.newBuilder().maximumSize(MAX_PATTERNS).build();
    private final Set<String> resolving = ConcurrentHashMap.newKeySet();

    private record Compiled(Pattern pattern, String invalidReason) {
    }

    /** What a regex matched in one version of the topic list. */
    private record Resolution(Object topicsVersion, Set<String> topics) {
    }

    TopicRegexResolver(TopicMetadata topics, Executor executor) {
        this.topics = topics;
        this.executor = executor;
    }

    /** Compiles (and caches) the regex; cheap for one seen before. Call before taking the coordinator's lock. */
    void compile(String regex) {
        if (regex != null && !regex.isEmpty()) {
            compiled(regex);
        }
    }

    /** Why RE2/J refuses the regex, with Kafka's wording after the colon; empty when it is valid. */
    Optional<String> invalidReason(String regex) {
        return Optional.ofNullable(compiled(regex).invalidReason());
    }

    private Compiled compiled(String regex) {
        return compiled.get(regex, key -> {
            try {
                return new Compiled(Pattern.compile(key), null);
            } catch (PatternSyntaxException e) {
                return new Compiled(null, e.getDescription());
            }
        });
    }

    /**
     * The topics the regex matched when last resolved (empty before the first resolution ends); if the
     * topic list changed since, a new resolution is started on the executor.
     */
    Set<String> matching(String regex) {
        Object version = topics.version();
        Resolution last = resolved.getIfPresent(regex);
        if ((last == null || !last.topicsVersion().equals(version)) && resolving.add(regex)) {
            try {
                executor.execute(() -> resolve(regex, version));
            } catch (RejectedExecutionException e) {
                resolving.remove(regex); // shutting down: the last resolution stands
            }
            last = resolved.getIfPresent(regex);
        }
        return last == null ? Set.of() : last.topics();
    }

    private void resolve(String regex, Object version) {
        try {
            Pattern pattern = compiled(regex).pattern();
            Set<String> matched = new HashSet<>();
            if (pattern != null) {
                for (String name : topics.names()) {
                    if (pattern.matches(name)) {
                        matched.add(name);
                    }
                }
            }
            resolved.put(regex, new Resolution(version, Set.copyOf(matched)));
        } finally {
            resolving.remove(regex);
        }
    }
}
