package io.dlog.kafka.config;

import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.apache.kafka.common.config.ConfigException;

/**
 * The partitions of one topic whose replicas on one broker are throttled, as a topic's
 * {@code leader.replication.throttled.replicas} or {@code follower.replication.throttled.replicas} names them:
 * {@code "*"} (every replica), or {@code partition:broker} pairs of which only this broker's count (Kafka's
 * {@code ThrottledReplicaListValidator} and {@code TopicConfigHandler.parseThrottledPartitions}). Immutable.
 *
 * @param all        every partition of the topic ("*")
 * @param partitions the partitions named with this broker, when not {@code all}
 */
public record ThrottledReplicas(boolean all, Set<Integer> partitions) {
    public static final String LEADER_KEY = "leader.replication.throttled.replicas";
    public static final String FOLLOWER_KEY = "follower.replication.throttled.replicas";
    static final String FORMAT = "[partitionId]:[brokerId],[partitionId]:[brokerId],...";
    public static final ThrottledReplicas NONE = new ThrottledReplicas(false, Set.of());
    public static final ThrottledReplicas ALL = new ThrottledReplicas(true, Set.of());

    public ThrottledReplicas {
        partitions = Set.copyOf(partitions);
    }

    /** Whether the replica of {@code partition} on this broker is throttled. */
    public boolean contains(int partition) {
        return all || partitions.contains(partition);
    }

    public boolean isEmpty() {
        return !all && partitions.isEmpty();
    }

    /**
     * Kafka's rule for the list (elements trimmed): all of them {@code partition:broker} (empty elements allowed), or
     * exactly {@code "*"}.
     *
     * @throws ConfigException with Kafka's message otherwise
     */
    static void validate(String name, List<?> entries) {
        StringBuilder joined = new StringBuilder();
        boolean pairs = true;
        for (Object entry : entries) {
            String trimmed = entry.toString().trim();
            joined.append(trimmed);
            pairs &= trimmed.matches("([0-9]+:[0-9]+)?");
        }
        if (!pairs && !joined.toString().equals("*")) {
            throw new ConfigException(name, entries, name + " must be the literal '*' or a list of replicas in the "
                    + "following format: " + FORMAT);
        }
    }

    /**
     * The replicas of broker {@code brokerId} that a topic's value of {@code key} throttles; {@link #NONE} for a null
     * or blank value.
     *
     * @throws ConfigException the value breaks Kafka's rule (see {@link #validate})
     */
    public static ThrottledReplicas parse(String key, String value, int brokerId) {
        if (value == null || value.isBlank()) {
            return NONE;
        }
        List<String> entries = List.of(value.trim().split(","));
        validate(key, entries);
        if (value.trim().equals("*")) {
            return ALL;
        }
        Set<Integer> partitions = new HashSet<>();
        for (String entry : entries) {
            String[] pair = entry.trim().split(":");
            if (pair.length != 2) {
                continue; // an empty element, which Kafka's rule allows
            }
            try {
                if (Integer.parseInt(pair[1]) == brokerId) {
                    partitions.add(Integer.parseInt(pair[0]));
                }
            } catch (NumberFormatException e) {
                // digits beyond an int: no partition or broker has that id
            }
        }
        return partitions.isEmpty() ? NONE : new ThrottledReplicas(false, partitions);
    }
}
