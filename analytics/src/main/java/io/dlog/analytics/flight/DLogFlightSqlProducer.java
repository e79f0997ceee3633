package io.dlog.analytics.flight;

import com.google.protobuf.Any;
import com.google.protobuf.ByteString;
import io.dlog.analytics.Isolation;
import io.dlog.analytics.TopicTables;
import io.dlog.analytics.sql.SqlEngine;
import io.dlog.analytics.sql.SqlException;
import io.dlog.analytics.sql.SqlQuery;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.apache.arrow.flight.CallStatus;
import org.apache.arrow.flight.FlightDescriptor;
import org.apache.arrow.flight.FlightEndpoint;
import org.apache.arrow.flight.FlightInfo;
import org.apache.arrow.flight.SchemaResult;
import org.apache.arrow.flight.Ticket;
import org.apache.arrow.flight.sql.impl.FlightSql;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.vector.types.pojo.Schema;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The endpoint's producer: topics over Flight ({@link TopicFlightProducer}) and, on the same port, Arrow
 * Flight SQL statements ({@code CommandStatementQuery}) run by the {@link SqlEngine}: GetFlightInfo checks
 * the query and answers its result schema (a dry run) with one endpoint whose ticket carries the query;
 * DoGet runs it and streams the result. SQL reads topics read_uncommitted, as a Kafka consumer does by
 * default. Prepared statements, catalogs and updates are not offered (UNIMPLEMENTED, from the superclass).
 *
 * <p>Thread-safe: as its superclass; each query is confined to the gRPC thread that serves it.
 */
final class DLogFlightSqlProducer extends TopicFlightProducer {
    private static final Logger LOG = LoggerFactory.getLogger(DLogFlightSqlProducer.class);
    private final SqlEngine sql;

    DLogFlightSqlProducer(TopicTables tables, BufferAllocator allocator, int maxStreams, long streamMemory, SqlEngine sql) {
        super(tables, allocator, maxStreams, streamMemory);
        this.sql = sql;
    }

    @Override
    public FlightInfo getFlightInfoStatement(FlightSql.CommandStatementQuery command, CallContext context,
                                             FlightDescriptor descriptor) {
        if (command.hasTransactionId()) {
            throw CallStatus.INVALID_ARGUMENT.withDescription("transactions are not supported").toRuntimeException();
        }
        Schema schema = schema(command.getQuery());
        FlightSql.TicketStatementQuery handle = FlightSql.TicketStatementQuery.newBuilder()
                .setStatementHandle(ByteString.copyFrom(command.getQuery(), StandardCharsets.UTF_8)).build();
        Ticket ticket = new Ticket(Any.pack(handle).toByteArray());
        return new FlightInfo(schema, descriptor, List.of(new FlightEndpoint(ticket)), -1, -1);
    }

    @Override
    public SchemaResult getSchemaStatement(FlightSql.CommandStatementQuery command, CallContext context,
                                           FlightDescriptor descriptor) {
        return new SchemaResult(schema(command.getQuery()));
    }

    @Override
    public void getStreamStatement(FlightSql.TicketStatementQuery ticket, CallContext context, ServerStreamListener listener) {
        String query = ticket.getStatementHandle().toStringUtf8();
        if (!tryAcquireStream(listener)) {
            return;
        }
        try (SqlQuery running = sql.run(query, Isolation.READ_UNCOMMITTED)) {
            sendAll(running.result(), listener);
        } catch (SqlException e) {
            listener.error(CallStatus.INVALID_ARGUMENT.withDescription(e.getMessage()).toRuntimeException());
        } catch (Exception e) {
            LOG.debug("Flight SQL query failed: {}", query, e);
            listener.error(asFlightError(e));
        } finally {
            releaseStream();
        }
    }

    private Schema schema(String query) {
        try {
            return sql.schema(query, Isolation.READ_UNCOMMITTED);
        } catch (SqlException e) {
            throw CallStatus.INVALID_ARGUMENT.withDescription(e.getMessage()).toRuntimeException();
        }
    }
}
