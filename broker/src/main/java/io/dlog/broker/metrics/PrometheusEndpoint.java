package io.dlog.broker.metrics;

import com.codahale.metrics.MetricRegistry;
import io.prometheus.metrics.exporter.httpserver.HTTPServer;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.IOException;
import java.net.BindException;

/**
 * HTTP {@code GET /metrics} over a node's metric registry, on the JDK HTTP server (its own daemon
 * threads, not the Kafka event loops). The Prometheus client answers in the text format 0.0.4 unless the
 * scraper's Accept header asks for OpenMetrics; {@code /-/healthy} answers too.
 *
 * <p>Thread-safety: start and close from one thread; scrapes run on the server's threads.
 */
public final class PrometheusEndpoint implements AutoCloseable {
    private final HTTPServer server;

    private PrometheusEndpoint(HTTPServer server) {
        this.server = server;
    }

    /**
     * Binds {@code host:port} (port 0: any free one) and serves the registry.
     *
     * @throws IOException the address cannot be bound; the message names it
     */
    public static PrometheusEndpoint start(String host, int port, MetricRegistry registry) throws IOException {
        PrometheusRegistry prometheus = new PrometheusRegistry();
        prometheus.register(new KafkaMetricsCollector(registry));
        try {
            return new PrometheusEndpoint(HTTPServer.builder().hostname(host).port(port).registry(prometheus).buildAndStart());
        } catch (BindException e) {
            throw new IOException("cannot serve metrics on " + host + ":" + port + ": address already in use", e);
        }
    }

    /** The bound port. */
    public int port() {
        return server.getPort();
    }

    @Override
    public void close() {
        server.close();
    }
}
