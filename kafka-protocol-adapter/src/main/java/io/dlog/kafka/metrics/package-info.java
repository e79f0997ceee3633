/**
 * The broker's metrics, named and shaped as Kafka's (docs/metrics.md).
 *
 * <p>Library: Dropwizard Metrics ({@code io.dropwizard.metrics}) for the meters, histograms and gauges, and
 * its {@code JmxReporter} for the MBeans. Dropwizard is the continuation of the Yammer library whose
 * MBeans Kafka registers, so each MBean has exactly the attributes operators and the Prometheus JMX
 * exporter rules expect (a meter: Count, MeanRate, OneMinuteRate, FiveMinuteRate, FifteenMinuteRate; a
 * histogram: Count, Min, Max, Mean, StdDev, 50thPercentile ... 999thPercentile; a gauge: Value) without
 * hand-written MBean classes; its meters count into {@code LongAdder}s, so marking one allocates
 * nothing. Micrometer was the other candidate: its JMX registry wraps the same Dropwizard library but
 * names MBeans from dimensional ids, which would need a name mapper to get back to Kafka's ObjectNames,
 * and its Prometheus registry would name series by Micrometer's conventions, not the JMX exporter's. The
 * Prometheus endpoint (broker module) reads this registry through the Prometheus Java client.
 *
 * <p>Names: a metric's registry name is its JMX ObjectName ({@link io.dlog.kafka.metrics.MetricNames}),
 * so the MBean and the Prometheus series are derived from one string.
 *
 * <p>Concurrency contract: every meter, histogram and counter here is safe to update from any thread
 * without locks (LongAdder and lock-free reservoirs). Per-topic metrics are created on first use under a lock;
 * per-request-type ones once at start for every API served (created on first use for any other); both are then read
 * through plain or volatile fields; hot paths hold the resolved
 * objects ({@link io.dlog.kafka.metrics.TopicMetrics}, {@link io.dlog.kafka.metrics.RequestTypeMetrics})
 * and never build names. Gauges are read on the JMX or scrape thread and must only read volatile state.
 */
package io.dlog.kafka.metrics;
