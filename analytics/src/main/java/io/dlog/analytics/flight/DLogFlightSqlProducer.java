package io.dlog.analytics.flight;

import com.google.protobuf.Any;
import com.google.protobuf.ByteString;
import io.dlog.analytics.Isolation;
import io.dlog.analytics.TopicTables;
import io.dlog.analytics.sql.SqlEngine;
import io.dlog.analytics.sql.SqlException;
import io.dlog.analytics.sql.SqlQuery;
import java.nio.channels.Channels;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.apache.arrow.flight.CallStatus;
import org.apache.arrow.flight.FlightDescriptor;
import org.apache.arrow.flight.FlightEndpoint;
import org.apache.arrow.flight.FlightInfo;
import org.apache.arrow.flight.FlightStream;
import org.apache.arrow.flight.PutResult;
import org.apache.arrow.flight.Result;
import org.apache.arrow.flight.SchemaResult;
import org.apache.arrow.flight.Ticket;
import org.apache.arrow.flight.sql.impl.FlightSql;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.vector.ipc.WriteChannel;
import org.apache.arrow.vector.ipc.message.MessageSerializer;
import org.apache.arrow.vector.types.pojo.Schema;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The endpoint's producer: topics over Flight ({@link TopicFlightProducer}) and, on the same port, Arrow
 * Flight SQL statements ({@code CommandStatementQuery}) run by the {@link SqlEngine}: GetFlightInfo checks
 * the query and answers its result schema (a dry run) with one endpoint whose ticket carries the query;
 * DoGet runs it and streams the result. SQL reads topics read_uncommitted, as a Kafka consumer does by
 * default. Prepared statements without parameters ({@code CreatePreparedStatement}, execute, close: what the
 * Flight SQL JDBC driver does for every statement) run the same way. Catalogs and updates are not offered
 * (UNIMPLEMENTED, from the superclass).
 *
 * <p>Thread-safe: as its superclass; each query is confined to the gRPC thread that serves it.
 */
final class DLogFlightSqlProducer extends TopicFlightProducer {
    private static final Logger LOG = LoggerFactory.getLogger(DLogFlightSqlProducer.class);
    private final SqlEngine sql;

    DLogFlightSqlProducer(TopicTables tables, BufferAllocator allocator, int maxStreams, long streamMemory, SqlEngine sql,
                          FlightAccess access) {
        super(tables, allocator, maxStreams, streamMemory, access);
        this.sql = sql;
    }

    @Override
    public FlightInfo getFlightInfoStatement(FlightSql.CommandStatementQuery command, CallContext context,
                                             FlightDescriptor descriptor) {
        if (command.hasTransactionId()) {
            throw CallStatus.INVALID_ARGUMENT.withDescription("transactions are not supported").toRuntimeException();
        }
        Schema schema = schema(command.getQuery(), context);
        FlightSql.TicketStatementQuery handle = FlightSql.TicketStatementQuery.newBuilder()
                .setStatementHandle(ByteString.copyFrom(command.getQuery(), StandardCharsets.UTF_8)).build();
        Ticket ticket = new Ticket(Any.pack(handle).toByteArray());
        return new FlightInfo(schema, descriptor, List.of(new FlightEndpoint(ticket)), -1, -1);
    }

    @Override
    public SchemaResult getSchemaStatement(FlightSql.CommandStatementQuery command, CallContext context,
                                           FlightDescriptor descriptor) {
        return new SchemaResult(schema(command.getQuery(), context));
    }

    @Override
    public void getStreamStatement(FlightSql.TicketStatementQuery ticket, CallContext context, ServerStreamListener listener) {
        stream(ticket.getStatementHandle().toStringUtf8(), context, listener);
    }

    /** Runs the query and streams its result. */
    private void stream(String query, CallContext context, ServerStreamListener listener) {
        if (!tryAcquireStream(listener)) {
            return;
        }
        try (SqlQuery running = sql.run(query, Isolation.READ_UNCOMMITTED, topic -> allowed(context, FlightAccess.Operation.READ, topic))) {
            sendAll(running.result(), listener);
        } catch (SqlException e) {
            listener.error(asFlightError(e));
        } catch (Exception e) {
            LOG.debug("Flight SQL query failed: {}", query, e);
            listener.error(asFlightError(e));
        } finally {
            releaseStream();
        }
    }

    /**
     * Prepares a statement: checks it and answers its result schema (a dry run). The handle is the query text
     * itself, so the server keeps nothing per prepared statement and closing one releases nothing. Parameters
     * ({@code ?}) are not supported: such a query fails to bind in the dry run (INVALID_ARGUMENT).
     */
    @Override
    public void createPreparedStatement(FlightSql.ActionCreatePreparedStatementRequest request, CallContext context,
                                        StreamListener<Result> listener) {
        if (request.hasTransactionId()) {
            listener.onError(CallStatus.INVALID_ARGUMENT.withDescription("transactions are not supported").toRuntimeException());
            return;
        }
        try {
            Schema schema = schema(request.getQuery(), context);
            FlightSql.ActionCreatePreparedStatementResult result = FlightSql.ActionCreatePreparedStatementResult.newBuilder()
                    .setPreparedStatementHandle(ByteString.copyFrom(request.getQuery(), StandardCharsets.UTF_8))
                    .setDatasetSchema(serialize(schema))
                    .setParameterSchema(serialize(new Schema(List.of())))
                    .build();
            listener.onNext(new Result(Any.pack(result).toByteArray()));
            listener.onCompleted();
        } catch (RuntimeException e) {
            listener.onError(asFlightError(e));
        }
    }

    @Override
    public FlightInfo getFlightInfoPreparedStatement(FlightSql.CommandPreparedStatementQuery command, CallContext context,
                                                     FlightDescriptor descriptor) {
        Schema schema = schema(command.getPreparedStatementHandle().toStringUtf8(), context);
        Ticket ticket = new Ticket(Any.pack(command).toByteArray());
        return new FlightInfo(schema, descriptor, List.of(new FlightEndpoint(ticket)), -1, -1);
    }

    @Override
    public SchemaResult getSchemaPreparedStatement(FlightSql.CommandPreparedStatementQuery command, CallContext context,
                                                   FlightDescriptor descriptor) {
        return new SchemaResult(schema(command.getPreparedStatementHandle().toStringUtf8(), context));
    }

    @Override
    public void getStreamPreparedStatement(FlightSql.CommandPreparedStatementQuery command, CallContext context,
                                           ServerStreamListener listener) {
        stream(command.getPreparedStatementHandle().toStringUtf8(), context, listener);
    }

    /** Binding parameters: refused unless the client sends none (the prepared statements here take none). */
    @Override
    public Runnable acceptPutPreparedStatementQuery(FlightSql.CommandPreparedStatementQuery command, CallContext context,
                                                    FlightStream parameters, StreamListener<PutResult> ackStream) {
        return () -> {
            try {
                boolean any = false;
                while (parameters.next()) {
                    any |= parameters.getRoot().getRowCount() > 0 && !parameters.getRoot().getFieldVectors().isEmpty();
                }
                if (any) {
                    ackStream.onError(CallStatus.INVALID_ARGUMENT.withDescription("statement parameters are not supported")
                            .toRuntimeException());
                    return;
                }
                ackStream.onCompleted();
            } catch (RuntimeException e) {
                ackStream.onError(asFlightError(e));
            }
        };
    }

    /** Nothing to release: the handle is the query text (see {@link #createPreparedStatement}). */
    @Override
    public void closePreparedStatement(FlightSql.ActionClosePreparedStatementRequest request, CallContext context,
                                       StreamListener<Result> listener) {
        listener.onCompleted();
    }

    private static ByteString serialize(Schema schema) {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        try {
            MessageSerializer.serialize(new WriteChannel(Channels.newChannel(out)), schema);
        } catch (java.io.IOException e) {
            throw new IllegalStateException("writing to memory cannot fail", e);
        }
        return ByteString.copyFrom(out.toByteArray());
    }

    private Schema schema(String query, CallContext context) {
        try {
            return sql.schema(query, Isolation.READ_UNCOMMITTED, topic -> allowed(context, FlightAccess.Operation.READ, topic));
        } catch (SqlException e) {
            throw asFlightError(e);
        }
    }

    /** A query that cannot run: UNAUTHORIZED for a topic the user may not read, INVALID_ARGUMENT otherwise. */
    private static org.apache.arrow.flight.FlightRuntimeException asFlightError(SqlException e) {
        return (e.unauthorized() ? CallStatus.UNAUTHORIZED : CallStatus.INVALID_ARGUMENT).withDescription(e.getMessage())
                .toRuntimeException();
    }
}
