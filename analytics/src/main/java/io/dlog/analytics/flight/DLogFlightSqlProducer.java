package io.dlog.analytics.flight;

import io.dlog.analytics.TopicTables;
import org.apache.arrow.memory.BufferAllocator;

/** The endpoint's producer: topics over Flight ({@link TopicFlightProducer}) and, on the same port, Flight SQL. */
final class DLogFlightSqlProducer extends TopicFlightProducer {

    DLogFlightSqlProducer(TopicTables tables, BufferAllocator allocator, int maxStreams, long streamMemory) {
        super(tables, allocator, maxStreams, streamMemory);
    }

    @Override
    public void close() {
        // Nothing of its own to release yet: the allocator belongs to the service.
    }
}
