package io.dlog.kafka.group;

import java.util.List;
import java.util.function.Predicate;

/**
 * Another coordinator whose groups live in {@code __consumer_offsets} beside the group coordinator's (share
 * groups, KIP-932: Kafka keeps them in the same topic, under key types of their own). The group coordinator
 * owns the topic's partitions, their loading and unloading; it hands this listener the records of the key
 * types it does not read itself, in log order, whenever it loads partitions, and tells it when it unloads them.
 *
 * <p>It is also how the group coordinator learns that a group id is taken by a group it does not hold: a group id
 * is one kind of group, as in Kafka 4.x, so a consumer, streams or classic group may not take an id the listener's
 * coordinator holds ({@link #holdsGroup}).
 *
 * <p>Thread-safety: every method is called under the group coordinator's monitor (lock order: group
 * coordinator, then the listener's own monitor); they do in-memory work only and never call back into the
 * group coordinator.
 */
public interface GroupRecordsListener {

    /** One record as stored: its key (starting with the key type) and value (null: a tombstone). */
    record Record(byte[] key, byte[] value) {
    }

    /**
     * Partitions were (re)loaded: forget every group whose id {@code inPartitions} accepts, then restore them from
     * {@code records}, the loaded partitions' records of key types the group coordinator does not read.
     */
    void onLoad(Predicate<String> inPartitions, List<Record> records);

    /** Partitions were unloaded (another node leads them now): forget the groups whose id {@code inPartitions} accepts. */
    void onUnload(Predicate<String> inPartitions);

    /** Whether a group of the listener's coordinator (a share group) holds this id, empty or not. */
    default boolean holdsGroup(String groupId) {
        return false;
    }
}
