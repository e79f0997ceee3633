/**
 * The Prometheus endpoint: HTTP {@code GET /metrics} on {@code dlog.metrics.port}, serving the node's
 * metric registry (kafka-protocol-adapter's {@code io.dlog.kafka.metrics}) in the Prometheus text format
 * 0.0.4 (or OpenMetrics when the scraper asks for it), with the names the Prometheus JMX exporter's Kafka
 * rules give Kafka's MBeans ({@link io.dlog.broker.metrics.JmxExporterNames}; docs/metrics.md).
 *
 * <p>Library: the Prometheus Java client (its model, text writers and JDK-HttpServer-based exporter):
 * the endpoint runs on the JDK HTTP server's own small thread pool, never on the Kafka event loops.
 *
 * <p>Concurrency contract: a scrape reads the registry's metrics, which are safe to read from any thread;
 * nothing here holds state between scrapes.
 */
package io.dlog.broker.metrics;
