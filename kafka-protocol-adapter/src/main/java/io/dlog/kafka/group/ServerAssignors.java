package io.dlog.kafka.group;

import io.dlog.kafka.group.ConsumerGroup.Tp;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.apache.kafka.common.Uuid;

/**
 * KIP-848 server-side assignors: {@code uniform} (Kafka's default: balanced and sticky, keeps what a
 * member already has where balance allows) and {@code range} (per topic, contiguous ranges over the
 * subscribers sorted by member id, as the classic RangeAssignor). Pure functions; thread-safe.
 */
final class ServerAssignors {
    static final String UNIFORM = "uniform";
    static final String RANGE = "range";
    static final String DEFAULT = UNIFORM;
    static final Set<String> NAMES = Set.of(UNIFORM, RANGE);

    private ServerAssignors() {
    }

    /** A member's input: the topic ids it subscribes to, and its current target (for stickiness). */
    record MemberSpec(Set<Uuid> topics, Set<Tp> current) {
    }

    /**
     * @param members    member id -> spec (iteration order = tie-break order)
     * @param partitions topic id -> partition count, for every subscribed topic that exists
     */
    static Map<String, TreeSet<Tp>> assign(String assignor, Map<String, MemberSpec> members, Map<Uuid, Integer> partitions) {
        return RANGE.equals(assignor) ? range(members, partitions) : uniform(members, partitions);
    }

    static Map<String, TreeSet<Tp>> range(Map<String, MemberSpec> members, Map<Uuid, Integer> partitions) {
        Map<String, TreeSet<Tp>> result = empty(members);
        for (Map.Entry<Uuid, Integer> topic : new TreeMap<>(partitions).entrySet()) {
            List<String> subscribers = new ArrayList<>();
            members.forEach((id, spec) -> {
                if (spec.topics().contains(topic.getKey())) {
                    subscribers.add(id);
                }
            });
            if (subscribers.isEmpty()) {
                continue;
            }
            subscribers.sort(Comparator.naturalOrder());
            int count = topic.getValue();
            int per = count / subscribers.size();
            int extra = count % subscribers.size();
            int next = 0;
            for (int i = 0; i < subscribers.size(); i++) {
                int n = per + (i < extra ? 1 : 0);
                for (int j = 0; j < n; j++) {
                    result.get(subscribers.get(i)).add(new Tp(topic.getKey(), next++));
                }
            }
        }
        return result;
    }

    static Map<String, TreeSet<Tp>> uniform(Map<String, MemberSpec> members, Map<Uuid, Integer> partitions) {
        Map<String, TreeSet<Tp>> result = empty(members);
        Map<Tp, String> owner = new HashMap<>();
        // 1. Stickiness: keep every current partition that still exists and is still subscribed.
        members.forEach((id, spec) -> {
            for (Tp tp : spec.current()) {
                Integer count = partitions.get(tp.topicId());
                if (count != null && tp.partition() < count && spec.topics().contains(tp.topicId()) && !owner.containsKey(tp)) {
                    owner.put(tp, id);
                    result.get(id).add(tp);
                }
            }
        });
        // 2. Every unowned partition goes to the least loaded subscriber.
        for (Map.Entry<Uuid, Integer> topic : new TreeMap<>(partitions).entrySet()) {
            for (int p = 0; p < topic.getValue(); p++) {
                Tp tp = new Tp(topic.getKey(), p);
                if (!owner.containsKey(tp)) {
                    String target = leastLoaded(members, result, topic.getKey(), null);
                    if (target != null) {
                        owner.put(tp, target);
                        result.get(target).add(tp);
                    }
                }
            }
        }
        // 3. Balance: move from the most to the least loaded eligible member while they differ by 2+.
        boolean moved = true;
        int guard = owner.size() * Math.max(1, members.size());
        while (moved && guard-- > 0) {
            moved = false;
            List<String> byLoad = new ArrayList<>(members.keySet());
            byLoad.sort(Comparator.comparingInt((String id) -> result.get(id).size()).reversed());
            for (String from : byLoad) {
                for (Tp tp : result.get(from).descendingSet()) {
                    String to = leastLoaded(members, result, tp.topicId(), from);
                    if (to != null && result.get(to).size() + 1 < result.get(from).size()) {
                        result.get(from).remove(tp);
                        result.get(to).add(tp);
                        moved = true;
                        break;
                    }
                }
                if (moved) {
                    break;
                }
            }
        }
        return result;
    }

    private static String leastLoaded(Map<String, MemberSpec> members, Map<String, TreeSet<Tp>> result, Uuid topic,
                                      String excluded) {
        String best = null;
        for (Map.Entry<String, MemberSpec> e : members.entrySet()) {
            if (e.getKey().equals(excluded) || !e.getValue().topics().contains(topic)) {
                continue;
            }
            if (best == null || result.get(e.getKey()).size() < result.get(best).size()) {
                best = e.getKey();
            }
        }
        return best;
    }

    private static Map<String, TreeSet<Tp>> empty(Map<String, MemberSpec> members) {
        Map<String, TreeSet<Tp>> result = new HashMap<>();
        members.keySet().forEach(id -> result.put(id, new TreeSet<>()));
        return result;
    }
}
