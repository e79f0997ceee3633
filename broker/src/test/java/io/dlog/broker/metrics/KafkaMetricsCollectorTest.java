package io.dlog.broker.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import com.codahale.metrics.Gauge;
import com.codahale.metrics.MetricRegistry;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** What /metrics shows for Kafka-named Dropwizard metrics, in the text format 0.0.4. */
class KafkaMetricsCollectorTest {

    @Test
    void shouldExposeMetersGaugesAndHistogramsUnderTheExporterNames() throws IOException {
        // Given a registry holding metrics named by their MBeans
        MetricRegistry registry = new MetricRegistry();
        registry.meter("kafka.server:type=BrokerTopicMetrics,name=MessagesInPerSec").mark(7);
        registry.meter("kafka.server:type=BrokerTopicMetrics,name=MessagesInPerSec,topic=orders").mark(5);
        registry.register("kafka.log:type=Log,name=Size,topic=orders,partition=0", (Gauge<Long>) () -> 1234L);
        registry.register("kafka.server:type=ReplicaManager,name=BrokenGauge", (Gauge<Long>) () -> {
            throw new IllegalStateException("unreadable");
        });
        for (int i = 1; i <= 10; i++) {
            registry.histogram("kafka.network:type=RequestMetrics,name=TotalTimeMs,request=Produce").update(i);
        }

        // When scraped
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        PrometheusTextFormatWriter.create().write(out, new KafkaMetricsCollector(registry).collect());
        String text = out.toString(StandardCharsets.UTF_8);

        // Then the series carry the JMX exporter's names; a gauge that throws is left out, not the scrape
        assertThat(text).contains("# TYPE kafka_server_brokertopicmetrics_messagesin_total counter\n")
                .contains("kafka_server_brokertopicmetrics_messagesin_total 7.0\n")
                .contains("kafka_server_brokertopicmetrics_messagesin_total{topic=\"orders\"} 5.0\n")
                .contains("kafka_log_log_size{partition=\"0\",topic=\"orders\"} 1234.0\n")
                .contains("# TYPE kafka_network_requestmetrics_totaltimems summary\n")
                .contains("kafka_network_requestmetrics_totaltimems_count{request=\"Produce\"} 10\n")
                .contains("kafka_network_requestmetrics_totaltimems{request=\"Produce\",quantile=\"0.99\"} 10.0\n")
                .doesNotContain("brokengauge");
    }
}
