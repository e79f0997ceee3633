package io.dlog.kafka.group.streams;

/**
 * A Streams task: one partition of a subtopology (the same partition of each of its source topics).
 * Ordered by subtopology id, then partition.
 */
public record TaskId(String subtopologyId, int partition) implements Comparable<TaskId> {
    @Override
    public int compareTo(TaskId o) {
        int c = subtopologyId.compareTo(o.subtopologyId);
        return c != 0 ? c : Integer.compare(partition, o.partition);
    }
}
