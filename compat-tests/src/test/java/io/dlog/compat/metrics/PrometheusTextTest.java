package io.dlog.compat.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.Gauge;
import io.prometheus.metrics.core.metrics.Summary;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The strict text-format parser the metrics tests use, checked against the Prometheus Java client's own writer. */
class PrometheusTextTest {

    @Test
    void shouldReadBackWhatThePrometheusClientWrites() throws IOException {
        // Given a registry with a labelled counter, a gauge and a summary, label values needing escapes
        PrometheusRegistry registry = new PrometheusRegistry();
        Counter counter = Counter.builder().name("requests").help("Requests \\ served\nso far").labelNames("topic", "path")
                .register(registry);
        counter.labelValues("t-1", "a\"b\\c\nd").inc(3);
        counter.labelValues("t-2", "x").inc(0.5);
        Gauge.builder().name("queue_size").help("Queued").register(registry).set(-2.25);
        Summary summary = Summary.builder().name("latency_ms").help("Latency").quantile(0.5).quantile(0.99)
                .register(registry);
        for (int i = 1; i <= 100; i++) {
            summary.observe(i);
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        PrometheusTextFormatWriter.create().write(out, registry.scrape());
        String text = out.toString(StandardCharsets.UTF_8);

        // When parsed
        PrometheusText parsed = PrometheusText.parse(text);

        // Then every value and label comes back
        assertThat(parsed.families()).containsKeys("requests_total", "queue_size", "latency_ms");
        assertThat(parsed.families().get("requests_total").type()).isEqualTo("counter");
        assertThat(parsed.families().get("requests_total").help()).isEqualTo("Requests \\ served\nso far");
        assertThat(parsed.value("requests_total", Map.of("topic", "t-1", "path", "a\"b\\c\nd"))).contains(3.0);
        assertThat(parsed.value("requests_total", Map.of("topic", "t-2", "path", "x"))).contains(0.5);
        assertThat(parsed.value("queue_size", Map.of())).contains(-2.25);
        assertThat(parsed.families().get("latency_ms").type()).isEqualTo("summary");
        assertThat(parsed.value("latency_ms_count", Map.of())).contains(100.0);
        assertThat(parsed.value("latency_ms_sum", Map.of())).contains(5050.0);
        assertThat(parsed.value("latency_ms", Map.of("quantile", "0.99")).orElseThrow()).isBetween(95.0, 100.0);
    }

    @Test
    void shouldRejectWhatTheFormatForbids() {
        assertThatThrownBy(() -> PrometheusText.parse("a 1")).hasMessageContaining("line feed");
        assertThatThrownBy(() -> PrometheusText.parse("a{b=\"c} 1\n")).hasMessageContaining("line 1");
        assertThatThrownBy(() -> PrometheusText.parse("a{b=c} 1\n")).hasMessageContaining("not quoted");
        assertThatThrownBy(() -> PrometheusText.parse("a 1x\n")).hasMessageContaining("bad value");
        assertThatThrownBy(() -> PrometheusText.parse("9a 1\n")).hasMessageContaining("bad metric name");
        assertThatThrownBy(() -> PrometheusText.parse("a 1\nb 1\na 2\n")).hasMessageContaining("not contiguous");
        assertThatThrownBy(() -> PrometheusText.parse("a 1\n# TYPE a gauge\n")).hasMessageContaining("after the samples");
        assertThatThrownBy(() -> PrometheusText.parse("# TYPE a counter\na -1\n")).hasMessageContaining("below zero");
        assertThatThrownBy(() -> PrometheusText.parse("# TYPE a summary\na 1\n")).hasMessageContaining("not a summary");
        assertThatThrownBy(() -> PrometheusText.parse("# TYPE a widget\n")).hasMessageContaining("unknown type");
        assertThatThrownBy(() -> PrometheusText.parse("a{b=\"\\x\"} 1\n")).hasMessageContaining("bad escape");
    }
}
