package io.dlog.migrate;

import java.io.PrintWriter;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.GroupState;
import org.apache.kafka.common.TopicPartition;

/**
 * Copies consumer groups' committed offsets from the source to the target unchanged (offset, leader epoch,
 * metadata): offsets are the same on both sides, so nothing is translated. An offset is copied only once the
 * target's copy of the partition reaches it, so a consumer switched to DLog never starts beyond the data. A
 * group that has members on the target has moved there: its offsets are DLog's own from then on.
 *
 * <p>Not thread-safe; remembers what it copied so that {@code --follow} copies only changes.
 */
final class GroupOffsetCopier {
    private final Admin source;
    private final Admin target;
    private final Pattern groups;
    private final Set<String> topics;
    private final PrintWriter out;
    private final Map<String, Map<TopicPartition, OffsetAndMetadata>> copied = new HashMap<>();

    GroupOffsetCopier(Admin source, Admin target, Pattern groups, Set<String> topics, PrintWriter out) {
        this.source = source;
        this.target = target;
        this.groups = groups;
        this.topics = topics;
        this.out = out;
    }

    /**
     * One pass over the source's groups.
     *
     * @param targetEnds the target's end offset per partition
     * @return the number of group offsets that could not be copied yet (their data has not arrived)
     */
    int copy(Map<TopicPartition, Long> targetEnds) throws Exception {
        int waiting = 0;
        for (MigrationPlan.GroupPlan group : MigrationPlan.groups(source, groups, topics)) {
            Map<TopicPartition, OffsetAndMetadata> done = copied.computeIfAbsent(group.groupId(), g -> new HashMap<>());
            Map<TopicPartition, OffsetAndMetadata> ready = new HashMap<>();
            for (Map.Entry<TopicPartition, OffsetAndMetadata> entry : group.offsets().entrySet()) {
                if (entry.getValue().equals(done.get(entry.getKey()))) {
                    continue;
                }
                Long end = targetEnds.get(entry.getKey());
                if (end == null || entry.getValue().offset() > end) {
                    waiting++;
                } else {
                    ready.put(entry.getKey(), entry.getValue());
                }
            }
            if (ready.isEmpty()) {
                continue;
            }
            if (hasMembersOnTarget(group.groupId())) {
                out.printf("group %s: has members on the target, so it has moved there; its offsets are no longer copied%n",
                        group.groupId());
                done.putAll(group.offsets());
                continue;
            }
            Clusters.get(target.alterConsumerGroupOffsets(group.groupId(), ready).all());
            done.putAll(ready);
            out.printf("group %s: copied %d committed offsets%n", group.groupId(), ready.size());
        }
        out.flush();
        return waiting;
    }

    private boolean hasMembersOnTarget(String groupId) throws Exception {
        Map<String, ConsumerGroupDescription> described;
        try {
            described = Clusters.get(target.describeConsumerGroups(List.of(groupId)).all());
        } catch (org.apache.kafka.common.errors.GroupIdNotFoundException e) {
            return false;
        }
        ConsumerGroupDescription d = described.get(groupId);
        return d != null && !d.members().isEmpty() && d.groupState() != GroupState.DEAD;
    }
}
