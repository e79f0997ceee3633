package io.dlog.analytics.flight;

import io.dlog.analytics.TopicTables;
import io.dlog.analytics.sql.SqlEngine;
import java.io.IOException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.arrow.flight.CallStatus;
import org.apache.arrow.flight.FlightServer;
import org.apache.arrow.flight.auth2.BasicCallHeaderAuthenticator;
import org.apache.arrow.flight.auth2.CallHeaderAuthenticator;
import org.apache.arrow.flight.auth2.GeneratedBearerTokenAuthenticator;
import org.apache.arrow.flight.Location;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The broker's Arrow Flight (and Flight SQL) endpoint: a gRPC server on its own port with its own threads
 * and its own Arrow root allocator, capped at {@code memoryLimit} bytes. Closing it stops the server,
 * waits briefly for streams in flight and releases the allocator.
 */
public final class FlightService implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(FlightService.class);
    /** Streams decoding at once, and the memory each may hold. */
    static final int MAX_STREAMS = 16;
    static final long STREAM_MEMORY = 256L << 20;
    /** DuckDB's own memory per query (hash tables, sorts), beside the Arrow memory above. */
    static final String SQL_MEMORY = "1GB";

    private final FlightServer server;
    private final ExecutorService executor;
    private final BufferAllocator allocator;
    private final AutoCloseable producer;

    private FlightService(FlightServer server, ExecutorService executor, BufferAllocator allocator, AutoCloseable producer) {
        this.server = server;
        this.executor = executor;
        this.allocator = allocator;
        this.producer = producer;
    }

    /**
     * Listens on {@code host:port} (port 0: a free one; host empty: every interface).
     *
     * @throws IOException the port cannot be bound
     */
    public static FlightService start(String host, int port, TopicTables tables, long memoryLimit) throws IOException {
        return start(host, port, tables, memoryLimit, null);
    }

    /**
     * Listens on {@code host:port}; with {@code access}, every call must authenticate (Flight basic authentication:
     * an {@code Authorization: Basic} header, answered with a bearer token the client then sends instead; wrong or
     * missing credentials: UNAUTHENTICATED) and is authorized with the broker's ACLs.
     *
     * @param access the users and ACLs, or null for an endpoint open to everyone
     * @throws IOException the port cannot be bound
     */
    public static FlightService start(String host, int port, TopicTables tables, long memoryLimit, FlightAccess access)
            throws IOException {
        BufferAllocator allocator = new RootAllocator(memoryLimit);
        ExecutorService executor = Executors.newCachedThreadPool(daemonThreads());
        SqlEngine sql = new SqlEngine(tables, allocator, Math.max(1, Runtime.getRuntime().availableProcessors()), SQL_MEMORY);
        DLogFlightSqlProducer producer = new DLogFlightSqlProducer(tables, allocator, MAX_STREAMS, STREAM_MEMORY, sql, access);
        Location location = Location.forGrpcInsecure(host.isEmpty() ? "0.0.0.0" : host, port);
        FlightServer.Builder builder = FlightServer.builder(allocator, location, producer).executor(executor)
                // The client's address, for ACLs that name hosts (Flight's CallContext has none).
                .transportHint("grpc.builderConsumer", (java.util.function.Consumer<io.grpc.netty.NettyServerBuilder>)
                        netty -> netty.intercept(new PeerHost()));
        if (access != null) {
            builder.headerAuthenticator(new GeneratedBearerTokenAuthenticator(new BasicCallHeaderAuthenticator((user, password) ->
                    access.authenticate(user, password).<CallHeaderAuthenticator.AuthResult>map(name -> () -> name)
                            .orElseThrow(() -> CallStatus.UNAUTHENTICATED.withDescription("invalid user name or password")
                                    .toRuntimeException()))));
        }
        FlightServer server = builder.build();
        try {
            server.start();
        } catch (IOException | RuntimeException e) {
            closeQuietly(server, executor, allocator, producer);
            throw new IOException("cannot start the Flight endpoint on " + location.getUri() + ": " + e.getMessage(), e);
        }
        LOG.info("Arrow Flight endpoint listening on port {}", server.getPort());
        return new FlightService(server, executor, allocator, producer);
    }

    public int port() {
        return server.getPort();
    }

    private static ThreadFactory daemonThreads() {
        AtomicInteger n = new AtomicInteger();
        return runnable -> {
            Thread thread = new Thread(runnable, "dlog-flight-" + n.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        };
    }

    @Override
    public void close() {
        closeQuietly(server, executor, allocator, producer);
    }

    private static void closeQuietly(FlightServer server, ExecutorService executor, BufferAllocator allocator, AutoCloseable producer) {
        server.shutdown();
        try {
            if (!server.awaitTermination(5, TimeUnit.SECONDS)) {
                server.close();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Exception e) {
            LOG.warn("Closing the Flight server failed", e);
        }
        executor.shutdown();
        try {
            producer.close();
        } catch (Exception e) {
            LOG.warn("Closing the Flight producer failed", e);
        }
        try {
            allocator.close();
        } catch (IllegalStateException e) {
            // A stream still holds memory (a client that did not finish): say so, do not fail the shutdown.
            LOG.warn("Arrow memory still held when the Flight endpoint closed: {}", e.getMessage());
        }
    }
}
