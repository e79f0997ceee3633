package io.dlog.analytics.sql;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.dlog.analytics.Isolation;
import io.dlog.analytics.ScanRange;
import io.dlog.analytics.TableSchema;
import io.dlog.analytics.TopicArrowReader;
import io.dlog.analytics.TopicTables;
import io.dlog.analytics.UnknownTopicException;
import io.dlog.log.PartitionLog;
import java.io.IOException;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.arrow.c.ArrowArrayStream;
import org.apache.arrow.c.Data;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.vector.ipc.ArrowReader;
import org.apache.arrow.vector.types.pojo.Field;
import org.duckdb.DuckDBConnection;
import org.duckdb.DuckDBResultSet;

/**
 * SQL over topics with DuckDB in-process (docs/architecture.md says why DuckDB). Each query gets its own
 * in-memory DuckDB database with external access off (no files, no extensions, no network: the SQL runs
 * inside the broker) and its configuration locked. The query is parsed by DuckDB itself
 * ({@code json_serialize_sql}, which also refuses anything but SELECT statements); {@link QueryAnalysis} finds
 * the topics it names and what it needs from each; each topic becomes an Arrow stream (a
 * {@link TopicArrowReader} with the projection and ranges pushed down) handed to DuckDB over the Arrow C Data
 * interface, without a copy. A topic the query reads more than once is materialized once in a temporary
 * table (an Arrow stream can be read only once).
 *
 * <p>Thread-safe: nothing is shared between queries but the tables and the parent allocator.
 */
public final class SqlEngine {
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final int RESULT_BATCH_ROWS = 64 * 1024;

    private final TopicTables tables;
    private final BufferAllocator allocator;
    private final int threads;
    private final String memoryLimit;
    /**
     * Reads (decodes) partitions for every query's {@link ParallelArrowReader}: {@code threads} daemon threads,
     * never a Netty event loop, ended after 30 s idle. A task reads one batch and ends, so queries share them fairly.
     */
    private final ThreadPoolExecutor scanThreads;

    /**
     * @param threads     DuckDB worker threads per query
     * @param memoryLimit DuckDB's memory_limit per query (e.g. {@code 1GB})
     */
    public SqlEngine(TopicTables tables, BufferAllocator allocator, int threads, String memoryLimit) {
        this.tables = tables;
        this.allocator = allocator;
        this.threads = threads;
        this.memoryLimit = memoryLimit;
        AtomicInteger scanThreadCount = new AtomicInteger();
        this.scanThreads = new ThreadPoolExecutor(threads, threads, 30, TimeUnit.SECONDS, new LinkedBlockingQueue<>(), task -> {
            Thread thread = new Thread(task, "dlog-sql-scan-" + scanThreadCount.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        });
        this.scanThreads.allowCoreThreadTimeOut(true);
        try {
            Class.forName("org.duckdb.DuckDBDriver");
        } catch (ClassNotFoundException e) {
            throw new IllegalStateException("DuckDB's JDBC driver is missing from the classpath", e);
        }
    }

    /** Starts the query; the caller reads and closes the result. */
    public SqlQuery run(String sql, Isolation isolation) throws SqlException {
        return run(sql, isolation, topic -> true, false);
    }

    /**
     * Starts the query for a caller who may read only the topics {@code mayRead} accepts (a query naming another
     * fails with {@link SqlException#unauthorized()}); the caller reads and closes the result.
     */
    public SqlQuery run(String sql, Isolation isolation, java.util.function.Predicate<String> mayRead) throws SqlException {
        return run(sql, isolation, mayRead, false);
    }

    private SqlQuery run(String sql, Isolation isolation, java.util.function.Predicate<String> mayRead, boolean emptyTopics)
            throws SqlException {
        BufferAllocator queryAllocator = allocator.newChildAllocator("sql", 0, allocator.getLimit());
        Connection connection = null;
        List<ArrowArrayStream> inputs = new ArrayList<>();
        try {
            connection = open();
            QueryAnalysis analysis = analyse(connection, sql);
            int scan = 0;
            for (Map.Entry<String, QueryAnalysis.TableUse> use : analysis.tables().entrySet()) {
                Optional<String> topic = topicNamed(use.getKey());
                if (topic.isEmpty()) {
                    continue; // DuckDB reports the unknown table with its own message.
                }
                if (!mayRead.test(topic.get())) {
                    throw new SqlException("not authorized to read topic '" + topic.get() + "'", true);
                }
                ArrowArrayStream stream = ArrowArrayStream.allocateNew(queryAllocator);
                inputs.add(stream);
                Data.exportArrayStream(queryAllocator, reader(queryAllocator, topic.get(), use.getValue(), isolation, emptyTopics), stream);
                if (use.getValue().references() == 1) {
                    ((DuckDBConnection) connection).registerArrowStream(topic.get(), stream);
                } else {
                    String hidden = "__dlog_scan_" + scan++;
                    ((DuckDBConnection) connection).registerArrowStream(hidden, stream);
                    try (Statement statement = connection.createStatement()) {
                        statement.execute("CREATE TEMP TABLE " + quote(topic.get()) + " AS SELECT * FROM " + quote(hidden));
                    }
                }
            }
            Statement statement = connection.createStatement();
            ResultSet resultSet = statement.executeQuery(sql);
            ArrowReader result = (ArrowReader) ((DuckDBResultSet) resultSet).arrowExportStream(queryAllocator, RESULT_BATCH_ROWS);
            return new SqlQuery(connection, result, inputs, queryAllocator);
        } catch (SQLException e) {
            closeAll(connection, inputs);
            queryAllocator.close();
            throw new SqlException(e.getMessage(), e);
        } catch (SqlException | RuntimeException e) {
            closeAll(connection, inputs);
            queryAllocator.close();
            throw e;
        } catch (IOException e) {
            closeAll(connection, inputs);
            queryAllocator.close();
            throw new SqlException("reading a topic failed: " + e.getMessage(), e);
        }
    }

    /**
     * The result's schema, from a dry run over empty topics: the query is bound and run exactly as it would
     * be, only every topic stream ends at once (a LIMIT 0 around it would still run an aggregate in full).
     */
    public org.apache.arrow.vector.types.pojo.Schema schema(String sql, Isolation isolation) throws SqlException {
        return schema(sql, isolation, topic -> true);
    }

    /** The result's schema (a dry run) for a caller who may read only the topics {@code mayRead} accepts. */
    public org.apache.arrow.vector.types.pojo.Schema schema(String sql, Isolation isolation,
                                                           java.util.function.Predicate<String> mayRead) throws SqlException {
        try (SqlQuery query = run(sql, isolation, mayRead, true)) {
            return query.result().getVectorSchemaRoot().getSchema();
        } catch (IOException e) {
            throw new SqlException(e.getMessage(), e);
        }
    }

    private Connection open() throws SQLException {
        Connection connection = DriverManager.getConnection("jdbc:duckdb:");
        try (Statement statement = connection.createStatement()) {
            statement.execute("SET threads = " + threads);
            statement.execute("SET memory_limit = '" + memoryLimit.replace("'", "") + "'");
            statement.execute("SET TimeZone = 'UTC'");
            statement.execute("SET enable_external_access = false");
            statement.execute("SET lock_configuration = true");
        } catch (SQLException e) {
            connection.close();
            throw e;
        }
        return connection;
    }

    private static QueryAnalysis analyse(Connection connection, String sql) throws SQLException, SqlException {
        JsonNode parsed;
        try (PreparedStatement statement = connection.prepareStatement("SELECT json_serialize_sql(?::VARCHAR)")) {
            statement.setString(1, sql);
            try (ResultSet rs = statement.executeQuery()) {
                rs.next();
                parsed = MAPPER.readTree(rs.getString(1));
            }
        } catch (IOException e) {
            throw new SqlException("cannot read DuckDB's parse of the query: " + e.getMessage(), e);
        }
        if (parsed.path("error").asBoolean(false)) {
            throw new SqlException(parsed.path("error_type").asText("error") + ": " + parsed.path("error_message").asText());
        }
        JsonNode statements = parsed.path("statements");
        if (statements.size() != 1) {
            throw new SqlException("one SELECT statement per query");
        }
        return QueryAnalysis.of(statements);
    }

    private Optional<String> topicNamed(String lowerCaseName) {
        return tables.catalog().topics().stream().filter(t -> t.toLowerCase(Locale.ROOT).equals(lowerCaseName)).findFirst();
    }

    /**
     * The topic's scan: one reader per partition read, behind a {@link ParallelArrowReader} that reads (decodes)
     * them on the engine's scan threads at once, or the one reader when there is one partition (or none: a reader
     * over no partition is an empty table with the topic's columns).
     */
    private ArrowReader reader(BufferAllocator queryAllocator, String topic, QueryAnalysis.TableUse use,
                               Isolation isolation, boolean empty) throws IOException, SqlException {
        List<TopicArrowReader> readers = readers(queryAllocator, topic, use, isolation, empty);
        if (readers.size() == 1) {
            return readers.get(0);
        }
        try {
            return new ParallelArrowReader(queryAllocator, readers, scanThreads, threads);
        } catch (IOException | RuntimeException e) {
            closeQuietly(readers);
            throw e;
        }
    }

    private List<TopicArrowReader> readers(BufferAllocator queryAllocator, String topic, QueryAnalysis.TableUse use,
                                           Isolation isolation, boolean empty) throws IOException, SqlException {
        try {
            TableSchema table = tables.schema(topic, Optional.empty(), isolation);
            Set<String> projection = null;
            if (use.columns() != null) {
                projection = new HashSet<>();
                for (Field field : table.schema().getFields()) {
                    if (use.columns().contains(field.getName().toLowerCase(Locale.ROOT))) {
                        projection.add(field.getName());
                    }
                }
                if (projection.isEmpty()) {
                    projection.add(TableSchema.OFFSET); // count(*): rows, no values
                }
            }
            QueryAnalysis.Bounds bounds = use.bounds();
            Set<Integer> partitions = new HashSet<>();
            for (PartitionLog log : tables.partitions(topic)) {
                if (bounds.includesPartition(log.topicPartition().partition())) {
                    partitions.add(log.topicPartition().partition());
                }
            }
            ScanRange range = empty ? new ScanRange(0, 0, Long.MIN_VALUE, Long.MAX_VALUE, isolation)
                    : new ScanRange(bounds.minOffset(), bounds.maxOffsetExclusive(), bounds.minTimestamp(), Long.MAX_VALUE, isolation);
            List<TopicArrowReader> readers = new ArrayList<>();
            try {
                for (int partition : new java.util.TreeSet<>(partitions)) {
                    readers.add(tables.open(queryAllocator, topic, table, projection, Set.of(partition), range));
                }
                if (readers.isEmpty()) {
                    readers.add(tables.open(queryAllocator, topic, table, projection, Set.of(), range));
                }
            } catch (IOException | RuntimeException e) {
                closeQuietly(readers);
                throw e;
            }
            return readers;
        } catch (UnknownTopicException e) {
            throw new SqlException(e.getMessage(), e);
        }
    }

    private static void closeQuietly(List<TopicArrowReader> readers) {
        for (TopicArrowReader reader : readers) {
            try {
                reader.close();
            } catch (IOException | RuntimeException e) {
                // Releasing a reader that never produced a batch: nothing to report beyond the query's own failure.
            }
        }
    }

    private static String quote(String identifier) {
        return '"' + identifier.replace("\"", "\"\"") + '"';
    }

    static void closeAll(Connection connection, List<ArrowArrayStream> inputs) {
        try {
            if (connection != null) {
                connection.close();
            }
        } catch (SQLException e) {
            // Closing an in-memory database: nothing on disk to lose.
        }
        for (ArrowArrayStream stream : inputs) {
            stream.release(); // no-op when DuckDB already released it (the exporter's reader closes then)
            stream.close();
        }
    }
}
