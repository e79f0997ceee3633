package io.dlog.analytics.flight;

import io.dlog.analytics.ScanRange;
import io.dlog.analytics.TableSchema;
import io.dlog.analytics.TopicArrowReader;
import io.dlog.analytics.TopicTables;
import io.dlog.analytics.UnknownTopicException;
import io.dlog.analytics.Isolation;
import io.dlog.log.PartitionLog;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Semaphore;
import org.apache.arrow.flight.CallStatus;
import org.apache.arrow.flight.Criteria;
import org.apache.arrow.flight.FlightDescriptor;
import org.apache.arrow.flight.FlightEndpoint;
import org.apache.arrow.flight.FlightInfo;
import org.apache.arrow.flight.FlightRuntimeException;
import org.apache.arrow.flight.SchemaResult;
import org.apache.arrow.flight.Ticket;
import org.apache.arrow.flight.sql.NoOpFlightSqlProducer;
import org.apache.arrow.memory.BufferAllocator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Topics over Arrow Flight. {@code ListFlights} lists the topics; {@code GetFlightInfo} for a path
 * descriptor ({@link TopicPath}) returns the topic's schema and one endpoint per partition, each with the
 * partition's offset range in its ticket and app metadata (no location: redeem it on this server);
 * {@code DoGet} streams that partition's Arrow record batches. Command descriptors and tickets that are not
 * ours go to the Flight SQL handling of the superclass.
 *
 * <p>With a {@link FlightAccess} (the broker has SASL users), every call is authenticated before it gets here
 * (see {@link FlightService}) and {@code context.peerIdentity()} is the user: ListFlights lists only the topics
 * the user may DESCRIBE, and GetFlightInfo, GetSchema and DoGet of a topic need READ on it (UNAUTHORIZED
 * otherwise), with the broker's ACLs.
 *
 * <p>Thread-safe: gRPC calls the producer from its executor threads (never a Netty event loop); each
 * stream's state lives on the thread that serves it. At most {@code maxStreams} streams decode at once
 * (RESOURCE_EXHAUSTED beyond), each in its own child allocator capped at {@code streamMemory} bytes, and a
 * stream waits for a slow client (gRPC back-pressure) instead of queueing batches.
 */
public class TopicFlightProducer extends NoOpFlightSqlProducer {
    private static final Logger LOG = LoggerFactory.getLogger(TopicFlightProducer.class);
    /** How long a stream waits for a client that reads nothing before giving up. */
    private static final long CLIENT_WAIT_MS = 5 * 60_000L;

    protected final TopicTables tables;
    protected final BufferAllocator allocator;
    private final long streamMemory;
    private final Semaphore streams;
    /** Who may read what; null when the endpoint is open to everyone. */
    private final FlightAccess access;

    public TopicFlightProducer(TopicTables tables, BufferAllocator allocator, int maxStreams, long streamMemory) {
        this(tables, allocator, maxStreams, streamMemory, null);
    }

    /** @param access the users and ACLs calls are checked against, or null for an open endpoint */
    public TopicFlightProducer(TopicTables tables, BufferAllocator allocator, int maxStreams, long streamMemory,
                               FlightAccess access) {
        this.access = access;
        this.tables = tables;
        this.allocator = allocator;
        this.streamMemory = streamMemory;
        this.streams = new Semaphore(maxStreams);
    }

    @Override
    public void listFlights(CallContext context, Criteria criteria, StreamListener<FlightInfo> listener) {
        try {
            for (String topic : tables.catalog().topics()) {
                if (!allowed(context, FlightAccess.Operation.DESCRIBE, topic)) {
                    continue;
                }
                try {
                    listener.onNext(topicInfo(TopicPath.parse(List.of(topic))));
                } catch (FlightRuntimeException e) {
                    if (e.status().code() != CallStatus.NOT_FOUND.code()) {
                        throw e;
                    }
                    // Deleted while we listed: not a topic any more.
                }
            }
            listener.onCompleted();
        } catch (RuntimeException e) {
            listener.onError(asFlightError(e));
        }
    }

    @Override
    public FlightInfo getFlightInfo(CallContext context, FlightDescriptor descriptor) {
        if (descriptor.isCommand()) {
            return super.getFlightInfo(context, descriptor);
        }
        TopicPath path = path(descriptor);
        checkRead(context, path.topic());
        return topicInfo(path);
    }

    @Override
    public SchemaResult getSchema(CallContext context, FlightDescriptor descriptor) {
        if (descriptor.isCommand()) {
            return super.getSchema(context, descriptor);
        }
        TopicPath path = path(descriptor);
        checkRead(context, path.topic());
        return new SchemaResult(table(path).project(path.columns()));
    }

    @Override
    public void getStream(CallContext context, Ticket ticket, ServerStreamListener listener) {
        if (!PartitionTicket.isPartitionTicket(ticket.getBytes())) {
            super.getStream(context, ticket, listener);
            return;
        }
        PartitionTicket decoded;
        try {
            decoded = PartitionTicket.decode(ticket.getBytes());
        } catch (IOException | RuntimeException e) {
            listener.error(CallStatus.INVALID_ARGUMENT.withDescription("bad ticket: " + e.getMessage()).toRuntimeException());
            return;
        }
        if (!allowed(context, FlightAccess.Operation.READ, decoded.topic())) {
            listener.error(notAuthorized(decoded.topic()));
            return;
        }
        PartitionLog log = tables.catalog().partitions(decoded.topic()).stream()
                .filter(p -> p.topicPartition().partition() == decoded.partition()).findFirst().orElse(null);
        if (log == null) {
            listener.error(CallStatus.NOT_FOUND.withDescription("partition " + decoded.partition() + " of topic '"
                    + decoded.topic() + "' is not on this node").toRuntimeException());
            return;
        }
        ScanRange range = ScanRange.ALL.withOffsets(decoded.startOffset(), decoded.endOffset()).withIsolation(decoded.isolation());
        streamPartition(log, decoded.table(), decoded.columns(), range, listener);
    }

    private void streamPartition(PartitionLog log, TableSchema table, Set<String> columns, ScanRange range,
                                 ServerStreamListener listener) {
        if (!tryAcquireStream(listener)) {
            return;
        }
        try (BufferAllocator child = allocator.newChildAllocator("doget-" + log.topicPartition(), 0, streamMemory);
             TopicArrowReader reader = tables.open(child, log, table, columns, range)) {
            sendAll(reader, listener);
        } catch (IOException | RuntimeException e) {
            LOG.debug("DoGet of {} failed", log.topicPartition(), e);
            listener.error(asFlightError(e));
        } finally {
            releaseStream();
        }
    }

    /** Whether the call's user may do {@code operation} on the topic (always, on an open endpoint). */
    protected boolean allowed(CallContext context, FlightAccess.Operation operation, String topic) {
        return access == null || access.allowed(context.peerIdentity(), PeerHost.current(), operation, topic);
    }

    private void checkRead(CallContext context, String topic) {
        if (!allowed(context, FlightAccess.Operation.READ, topic)) {
            throw notAuthorized(topic);
        }
    }

    protected static FlightRuntimeException notAuthorized(String topic) {
        return CallStatus.UNAUTHORIZED.withDescription("not authorized to read topic '" + topic + "'").toRuntimeException();
    }

    /** Takes one of the stream slots, or answers RESOURCE_EXHAUSTED and returns false. */
    protected boolean tryAcquireStream(ServerStreamListener listener) {
        if (streams.tryAcquire()) {
            return true;
        }
        listener.error(CallStatus.RESOURCE_EXHAUSTED.withDescription("too many Flight streams at once; retry later")
                .toRuntimeException());
        return false;
    }

    protected void releaseStream() {
        streams.release();
    }

    /**
     * Sends every batch, waiting for the client between batches (bounded memory, no queue). The wait polls
     * {@code isReady}: Flight runs this producer inside the call's gRPC callback, so an on-ready callback (Flight's
     * CallbackBackpressureStrategy) could only arrive after it returns, and a client slower than the reader
     * would hang the stream.
     */
    protected static void sendAll(org.apache.arrow.vector.ipc.ArrowReader reader, ServerStreamListener listener) throws IOException {
        listener.start(reader.getVectorSchemaRoot());
        while (reader.loadNextBatch()) {
            long deadline = System.nanoTime() + CLIENT_WAIT_MS * 1_000_000L;
            long pause = 10_000;
            while (!listener.isReady()) {
                if (listener.isCancelled()) {
                    return;
                }
                if (System.nanoTime() - deadline > 0) {
                    throw CallStatus.TIMED_OUT.withDescription("client read nothing for " + CLIENT_WAIT_MS + " ms").toRuntimeException();
                }
                java.util.concurrent.locks.LockSupport.parkNanos(pause);
                pause = Math.min(pause * 2, 5_000_000); // 10 us up to 5 ms
            }
            if (listener.isCancelled()) {
                return;
            }
            listener.putNext();
        }
        listener.completed();
    }

    private FlightInfo topicInfo(TopicPath path) {
        TableSchema table = table(path);
        List<FlightEndpoint> endpoints = new ArrayList<>();
        try {
            for (PartitionLog log : tables.partitions(path.topic())) {
                long start = log.logStartOffset();
                long end = path.isolation() == Isolation.READ_COMMITTED ? log.lastStableOffset() : log.highWatermark();
                PartitionTicket ticket = new PartitionTicket(path.topic(), log.topicPartition().partition(), start,
                        Math.max(start, end), path.isolation(), table, path.columns());
                endpoints.add(FlightEndpoint.builder(new Ticket(ticket.encode())).setAppMetadata(ticket.appMetadata()).build());
            }
        } catch (UnknownTopicException e) {
            throw CallStatus.NOT_FOUND.withDescription(e.getMessage()).toRuntimeException();
        }
        return new FlightInfo(table.project(path.columns()), FlightDescriptor.path(pathOf(path)), endpoints, -1, -1);
    }

    private static List<String> pathOf(TopicPath path) {
        List<String> segments = new ArrayList<>();
        segments.add(path.topic());
        path.format().ifPresent(f -> segments.add("format=" + f.name().toLowerCase(java.util.Locale.ROOT)));
        if (path.isolation() != Isolation.READ_UNCOMMITTED) {
            segments.add("isolation=" + path.isolation().name().toLowerCase(java.util.Locale.ROOT));
        }
        if (path.columns() != null) {
            segments.add("columns=" + String.join(",", path.columns()));
        }
        return segments;
    }

    private TableSchema table(TopicPath path) {
        try {
            TableSchema table = tables.schema(path.topic(), path.format(), path.isolation());
            if (path.columns() != null) {
                for (String column : path.columns()) {
                    if (table.schema().getFields().stream().noneMatch(f -> f.getName().equals(column))) {
                        throw CallStatus.INVALID_ARGUMENT.withDescription("topic '" + path.topic() + "' has no column '"
                                + column + "'").toRuntimeException();
                    }
                }
            }
            return table;
        } catch (UnknownTopicException e) {
            throw CallStatus.NOT_FOUND.withDescription(e.getMessage()).toRuntimeException();
        } catch (IllegalArgumentException e) {
            throw CallStatus.INVALID_ARGUMENT.withDescription(e.getMessage()).toRuntimeException();
        } catch (IOException e) {
            throw CallStatus.INTERNAL.withDescription("reading topic '" + path.topic() + "': " + e.getMessage())
                    .withCause(e).toRuntimeException();
        }
    }

    private static TopicPath path(FlightDescriptor descriptor) {
        try {
            return TopicPath.parse(descriptor.getPath());
        } catch (IllegalArgumentException e) {
            throw CallStatus.INVALID_ARGUMENT.withDescription(e.getMessage()).toRuntimeException();
        }
    }

    /** Nothing to release: the allocator belongs to the endpoint. Subclasses close what they add. */
    @Override
    public void close() {
    }

    protected static FlightRuntimeException asFlightError(Throwable e) {
        if (e instanceof FlightRuntimeException flight) {
            return flight;
        }
        if (e instanceof IllegalArgumentException) {
            return CallStatus.INVALID_ARGUMENT.withDescription(e.getMessage()).toRuntimeException();
        }
        if (e instanceof org.apache.arrow.memory.OutOfMemoryException) {
            return CallStatus.RESOURCE_EXHAUSTED.withDescription("stream memory limit reached: " + e.getMessage()).toRuntimeException();
        }
        return CallStatus.INTERNAL.withDescription(String.valueOf(e.getMessage())).withCause(e).toRuntimeException();
    }
}
