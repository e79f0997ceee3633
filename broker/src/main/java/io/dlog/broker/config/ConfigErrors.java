package io.dlog.broker.config;

import java.util.Collection;
import java.util.Optional;

/**
 * Turns a configuration error into the one line an operator needs: Kafka's (or DLog's) message, where the bad
 * value was set (the file, the environment variable or the option), and for an unknown key the known key it
 * most likely misspells. Stateless.
 */
public final class ConfigErrors {
    private static final String UNKNOWN = "unknown config '";
    /** Edits (insert, delete, replace a character) within which a known key counts as the one meant. */
    private static final int MAX_TYPO_DISTANCE = 2;

    private ConfigErrors() {
    }

    /**
     * @param message   the ConfigException's message
     * @param config    the settings that failed, to find where the named key was set
     * @param knownKeys every key the broker accepts, for a suggestion when the key is unknown
     */
    public static String explain(String message, EffectiveConfig config, Collection<String> knownKeys) {
        StringBuilder line = new StringBuilder(message.replace('\n', ' ').strip());
        Optional<EffectiveConfig.Value> blamed = config.blamedBy(message);
        blamed.filter(value -> value.source() != EffectiveConfig.Source.DEFAULT)
                .ifPresent(value -> line.append(" (set by ").append(value.describeSource()).append(')'));
        if (message.startsWith(UNKNOWN) && message.indexOf('\'', UNKNOWN.length()) > 0) {
            String key = message.substring(UNKNOWN.length(), message.indexOf('\'', UNKNOWN.length()));
            closest(key, knownKeys).ifPresent(known -> line.append("; did you mean '").append(known).append("'?"));
        }
        return line.toString();
    }

    /** The known key nearest to {@code key} within {@link #MAX_TYPO_DISTANCE} edits, if exactly one is nearest. */
    static Optional<String> closest(String key, Collection<String> knownKeys) {
        String best = null;
        int bestDistance = MAX_TYPO_DISTANCE + 1;
        boolean tie = false;
        for (String known : knownKeys) {
            if (Math.abs(known.length() - key.length()) > MAX_TYPO_DISTANCE) {
                continue;
            }
            int distance = distance(key, known);
            if (distance < bestDistance) {
                best = known;
                bestDistance = distance;
                tie = false;
            } else if (distance == bestDistance) {
                tie = true;
            }
        }
        return tie || best == null ? Optional.empty() : Optional.of(best);
    }

    /** Whether {@code key} is within {@link #MAX_TYPO_DISTANCE} edits of a known key, a tie included. */
    public static boolean nearAny(String key, Collection<String> knownKeys) {
        for (String known : knownKeys) {
            if (Math.abs(known.length() - key.length()) <= MAX_TYPO_DISTANCE && distance(key, known) <= MAX_TYPO_DISTANCE) {
                return true;
            }
        }
        return false;
    }

    /** Levenshtein distance, two rows. */
    private static int distance(String a, String b) {
        int[] previous = new int[b.length() + 1];
        int[] current = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            previous[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            current[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int replace = previous[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
                current[j] = Math.min(replace, Math.min(previous[j] + 1, current[j - 1] + 1));
            }
            int[] swap = previous;
            previous = current;
            current = swap;
        }
        return previous[b.length()];
    }
}
