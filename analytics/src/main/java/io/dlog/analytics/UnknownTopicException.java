package io.dlog.analytics;

/** A table names a topic this node holds no partition of. */
public final class UnknownTopicException extends Exception {
    public UnknownTopicException(String topic) {
        super("unknown topic '" + topic + "' (or none of its partitions is on this node)");
    }
}
