package io.dlog.broker.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dlog.broker.metrics.JmxExporterNames.Kind;
import io.dlog.broker.metrics.JmxExporterNames.Series;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The series names jmx_exporter's kafka-2_0_0.yml rules give Kafka's MBeans. */
class JmxExporterNamesTest {

    @Test
    void shouldNameMetersAsTheExporterRulesDo() {
        assertThat(JmxExporterNames.of("kafka.server:type=BrokerTopicMetrics,name=MessagesInPerSec", Kind.COUNTER))
                .isEqualTo(new Series("kafka_server_brokertopicmetrics_messagesin", Kind.COUNTER, List.of(), List.of()));
        assertThat(JmxExporterNames.of("kafka.server:type=BrokerTopicMetrics,name=BytesOutPerSec,topic=orders", Kind.COUNTER))
                .isEqualTo(new Series("kafka_server_brokertopicmetrics_bytesout", Kind.COUNTER, List.of("topic"),
                        List.of("orders")));
        assertThat(JmxExporterNames.of("kafka.network:type=RequestMetrics,name=RequestsPerSec,request=Produce,version=11",
                Kind.COUNTER)).isEqualTo(new Series("kafka_network_requestmetrics_requests", Kind.COUNTER,
                List.of("request", "version"), List.of("Produce", "11")));
        assertThat(JmxExporterNames.of("kafka.server:type=ReplicaManager,name=IsrShrinksPerSec", Kind.COUNTER).family())
                .isEqualTo("kafka_server_replicamanager_isrshrinks");
    }

    @Test
    void shouldNameGaugesHistogramsAndPercentsAsTheExporterRulesDo() {
        assertThat(JmxExporterNames.of("kafka.log:type=Log,name=Size,topic=orders,partition=3", Kind.GAUGE))
                .isEqualTo(new Series("kafka_log_log_size", Kind.GAUGE, List.of("topic", "partition"), List.of("orders", "3")));
        assertThat(JmxExporterNames.of("kafka.controller:type=KafkaController,name=ActiveControllerCount", Kind.GAUGE)
                .family()).isEqualTo("kafka_controller_kafkacontroller_activecontrollercount");
        assertThat(JmxExporterNames.of("kafka.coordinator.group:type=GroupMetadataManager,name=NumGroups", Kind.GAUGE)
                .family()).isEqualTo("kafka_coordinator_group_groupmetadatamanager_numgroups");
        assertThat(JmxExporterNames.of("kafka.network:type=RequestMetrics,name=TotalTimeMs,request=Fetch", Kind.SUMMARY))
                .isEqualTo(new Series("kafka_network_requestmetrics_totaltimems", Kind.SUMMARY, List.of("request"),
                        List.of("Fetch")));
        assertThat(JmxExporterNames.of("kafka.server:type=KafkaRequestHandlerPool,name=RequestHandlerAvgIdlePercent",
                Kind.COUNTER)).isEqualTo(new Series("kafka_server_kafkarequesthandlerpool_requesthandleravgidle_percent",
                Kind.GAUGE, List.of(), List.of()));
        assertThat(JmxExporterNames.of("dlog:type=Log,name=FsyncTimeMs", Kind.SUMMARY).family()).isEqualTo("dlog_log_fsynctimems");
    }

    @Test
    void shouldRefuseNamesWithoutTypeOrName() {
        assertThatThrownBy(() -> JmxExporterNames.of("kafka.server:type=X", Kind.GAUGE))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> JmxExporterNames.of("name=X", Kind.GAUGE)).isInstanceOf(IllegalArgumentException.class);
    }
}
