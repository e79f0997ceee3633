package io.dlog.analytics.sql;

import java.sql.Connection;
import java.util.List;
import org.apache.arrow.c.ArrowArrayStream;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.vector.ipc.ArrowReader;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A running query: its result as Arrow batches, pulled from DuckDB (which pulls the topics' readers) as the
 * caller reads. Closing it stops the query and releases everything it holds: the DuckDB database, the
 * topic streams and the query's allocator (whose close fails loudly on a leak). Not thread-safe.
 */
public final class SqlQuery implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(SqlQuery.class);
    private final Connection connection;
    private final ArrowReader result;
    private final List<ArrowArrayStream> inputs;
    private final BufferAllocator allocator;

    SqlQuery(Connection connection, ArrowReader result, List<ArrowArrayStream> inputs, BufferAllocator allocator) {
        this.connection = connection;
        this.result = result;
        this.inputs = inputs;
        this.allocator = allocator;
    }

    /** The result, batch by batch. */
    public ArrowReader result() {
        return result;
    }

    @Override
    public void close() {
        try {
            result.close();
        } catch (Exception e) {
            LOG.warn("Closing a query result failed", e);
        }
        SqlEngine.closeAll(connection, inputs);
        allocator.close();
    }
}
