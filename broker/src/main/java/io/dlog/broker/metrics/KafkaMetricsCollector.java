package io.dlog.broker.metrics;

import com.codahale.metrics.Counting;
import com.codahale.metrics.Gauge;
import com.codahale.metrics.Histogram;
import com.codahale.metrics.Meter;
import com.codahale.metrics.Metric;
import com.codahale.metrics.MetricRegistry;
import com.codahale.metrics.Sampling;
import com.codahale.metrics.Snapshot;
import com.codahale.metrics.Timer;
import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import io.prometheus.metrics.model.snapshots.Quantile;
import io.prometheus.metrics.model.snapshots.Quantiles;
import io.prometheus.metrics.model.snapshots.SummarySnapshot;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns the node's metric registry into Prometheus metric families on each scrape, named by
 * {@link JmxExporterNames}: meters become counters of their Count, gauges gauges of their Value (a
 * Percent meter a gauge of its MeanRate, as the exporter rules read it), histograms and timers summaries
 * with the quantiles Kafka's MBeans show (0.5, 0.75, 0.95, 0.98, 0.99, 0.999) and their count, timer
 * values in milliseconds as in JMX.
 *
 * <p>Thread-safety: a scrape may run on any thread, several at once; it only reads the registry.
 */
final class KafkaMetricsCollector implements MultiCollector {
    private static final Logger LOG = LoggerFactory.getLogger(KafkaMetricsCollector.class);
    private static final double[] QUANTILES = {0.5, 0.75, 0.95, 0.98, 0.99, 0.999};
    private static final double NANOS_PER_MILLI = 1_000_000.0;

    private final MetricRegistry registry;

    KafkaMetricsCollector(MetricRegistry registry) {
        this.registry = registry;
    }

    @Override
    public MetricSnapshots collect() {
        Map<String, Family> families = new LinkedHashMap<>();
        for (Map.Entry<String, Metric> entry : registry.getMetrics().entrySet()) {
            try {
                add(families, entry.getKey(), entry.getValue());
            } catch (RuntimeException e) {
                // One unreadable gauge must not fail the scrape of every other metric.
                LOG.debug("metric {} not exported: {}", entry.getKey(), e.toString());
            }
        }
        List<MetricSnapshot> snapshots = new ArrayList<>(families.size());
        for (Family family : families.values()) {
            snapshots.add(family.build());
        }
        return new MetricSnapshots(snapshots);
    }

    private static void add(Map<String, Family> families, String name, Metric metric) {
        JmxExporterNames.Kind kind = metric instanceof Meter ? JmxExporterNames.Kind.COUNTER
                : metric instanceof Gauge ? JmxExporterNames.Kind.GAUGE
                : metric instanceof Histogram || metric instanceof Timer ? JmxExporterNames.Kind.SUMMARY : null;
        if (kind == null) {
            return;
        }
        JmxExporterNames.Series series = JmxExporterNames.of(name, kind);
        Labels labels = Labels.of(series.labelNames(), series.labelValues());
        Family family = families.computeIfAbsent(series.family(), f -> new Family(f, series.kind(), name));
        if (family.kind != series.kind()) {
            return; // two MBeans mapped to one name with different types: the first wins, as in the exporter
        }
        switch (series.kind()) {
            case COUNTER -> family.counter.dataPoint(CounterSnapshot.CounterDataPointSnapshot.builder()
                    .value(((Counting) metric).getCount()).labels(labels).build());
            case GAUGE -> {
                double value = metric instanceof Meter meter ? meter.getMeanRate() : gaugeValue((Gauge<?>) metric);
                if (!Double.isNaN(value)) {
                    family.gauge.dataPoint(GaugeSnapshot.GaugeDataPointSnapshot.builder().value(value).labels(labels).build());
                }
            }
            case SUMMARY -> family.summary.dataPoint(summary((Sampling) metric, ((Counting) metric).getCount(),
                    metric instanceof Timer, labels));
        }
    }

    private static double gaugeValue(Gauge<?> gauge) {
        Object value = gauge.getValue();
        if (value instanceof Number number) {
            return number.doubleValue();
        }
        if (value instanceof Boolean flag) {
            return flag ? 1 : 0;
        }
        return Double.NaN;
    }

    private static SummarySnapshot.SummaryDataPointSnapshot summary(Sampling sampling, long count, boolean nanos,
                                                                   Labels labels) {
        Snapshot snapshot = sampling.getSnapshot();
        double scale = nanos ? 1 / NANOS_PER_MILLI : 1;
        Quantiles.Builder quantiles = Quantiles.builder();
        for (double q : QUANTILES) {
            quantiles.quantile(new Quantile(q, snapshot.getValue(q) * scale));
        }
        return SummarySnapshot.SummaryDataPointSnapshot.builder().count(count).quantiles(quantiles.build())
                .labels(labels).build();
    }

    /** The data points of one family, gathered over the registry. */
    private static final class Family {
        final JmxExporterNames.Kind kind;
        final CounterSnapshot.Builder counter;
        final GaugeSnapshot.Builder gauge;
        final SummarySnapshot.Builder summary;

        Family(String name, JmxExporterNames.Kind kind, String mbean) {
            this.kind = kind;
            // The MBean without its per-series tags (topic, partition, request...).
            int nameAt = mbean.indexOf(",name=");
            int tagsAt = nameAt < 0 ? -1 : mbean.indexOf(',', nameAt + 1);
            String help = "MBean " + (tagsAt < 0 ? mbean : mbean.substring(0, tagsAt)) + " (docs/metrics.md)";
            counter = kind == JmxExporterNames.Kind.COUNTER ? CounterSnapshot.builder().name(name).help(help) : null;
            gauge = kind == JmxExporterNames.Kind.GAUGE ? GaugeSnapshot.builder().name(name).help(help) : null;
            summary = kind == JmxExporterNames.Kind.SUMMARY ? SummarySnapshot.builder().name(name).help(help) : null;
        }

        MetricSnapshot build() {
            return switch (kind) {
                case COUNTER -> counter.build();
                case GAUGE -> gauge.build();
                case SUMMARY -> summary.build();
            };
        }
    }
}
