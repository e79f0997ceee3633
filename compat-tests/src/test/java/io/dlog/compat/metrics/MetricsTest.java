package io.dlog.compat.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import io.dlog.compat.DLogBrokerExtension;
import io.dlog.kafka.config.BrokerConfig;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.rmi.registry.LocateRegistry;
import java.rmi.registry.Registry;
import java.rmi.server.UnicastRemoteObject;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import javax.management.MBeanServerConnection;
import javax.management.ObjectName;
import javax.management.remote.JMXConnector;
import javax.management.remote.JMXConnectorFactory;
import javax.management.remote.JMXConnectorServer;
import javax.management.remote.JMXConnectorServerFactory;
import javax.management.remote.JMXServiceURL;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Kafka's metrics with Kafka's names, read as operators read them: a remote JMX client over an RMI
 * connector (jconsole's way) and a Prometheus scrape of /metrics parsed by a strict text-format parser.
 * A real producer and consumer make the traffic; the counters must move with it.
 */
class MetricsTest {
    private static final int RECORDS = 200;
    private static final int VALUE_BYTES = 100;

    @RegisterExtension
    static final DLogBrokerExtension DLOG = new DLogBrokerExtension()
            .with(BrokerConfig.METRICS_PORT, "0").with(BrokerConfig.METRICS_HOST, "127.0.0.1");

    private static Registry rmiRegistry;
    private static JMXConnectorServer connectorServer;
    private static JMXConnector connector;
    private static MBeanServerConnection jmx;

    @BeforeAll
    static void connectJmx() throws IOException {
        int port;
        try (ServerSocket probe = new ServerSocket(0)) {
            port = probe.getLocalPort();
        }
        rmiRegistry = LocateRegistry.createRegistry(port);
        JMXServiceURL url = new JMXServiceURL("service:jmx:rmi:///jndi/rmi://127.0.0.1:" + port + "/jmxrmi");
        connectorServer = JMXConnectorServerFactory.newJMXConnectorServer(url, null, DLOG.broker().metrics().mBeanServer());
        connectorServer.start();
        connector = JMXConnectorFactory.connect(url);
        jmx = connector.getMBeanServerConnection();
    }

    @AfterAll
    static void disconnectJmx() throws IOException {
        connector.close();
        connectorServer.stop();
        UnicastRemoteObject.unexportObject(rmiRegistry, true);
    }

    @Test
    void shouldMoveKafkaNamedMetricsWithTrafficInJmxAndPrometheus() throws Exception {
        // Given a fresh topic and the all-topics counters before any traffic to it
        String topic = DLOG.newTopic(1);
        ObjectName allMessagesIn = new ObjectName("kafka.server:type=BrokerTopicMetrics,name=MessagesInPerSec");
        long allBefore = (Long) jmx.getAttribute(allMessagesIn, "Count");

        // When a real producer writes RECORDS records and a real consumer reads them back
        produce(topic);
        consume(topic);

        // Then the topic's MBeans, read over a remote JMX connection, moved with the traffic
        ObjectName messagesIn = topicMBean("MessagesInPerSec", topic);
        ObjectName bytesIn = topicMBean("BytesInPerSec", topic);
        ObjectName bytesOut = topicMBean("BytesOutPerSec", topic);
        ObjectName produceRequests = topicMBean("TotalProduceRequestsPerSec", topic);
        ObjectName fetchRequests = topicMBean("TotalFetchRequestsPerSec", topic);
        long messages = (Long) jmx.getAttribute(messagesIn, "Count");
        long bytes = (Long) jmx.getAttribute(bytesIn, "Count");
        long bytesSent = (Long) jmx.getAttribute(bytesOut, "Count");
        assertThat(messages).isEqualTo(RECORDS);
        assertThat(bytes).isGreaterThan((long) RECORDS * VALUE_BYTES);
        assertThat(bytesSent).isGreaterThanOrEqualTo(bytes);
        assertThat((Long) jmx.getAttribute(produceRequests, "Count")).isPositive();
        assertThat((Long) jmx.getAttribute(fetchRequests, "Count")).isPositive();
        assertThat((Long) jmx.getAttribute(allMessagesIn, "Count")).isGreaterThanOrEqualTo(allBefore + RECORDS);
        // A Yammer meter's attributes, as Kafka's MBeans have them
        for (String attribute : List.of("MeanRate", "OneMinuteRate", "FiveMinuteRate", "FifteenMinuteRate")) {
            assertThat((Double) jmx.getAttribute(messagesIn, attribute)).isNotNegative();
        }
        // Request metrics: the rate per version and the time histograms per request type
        Set<ObjectName> produceRates = jmx.queryNames(
                new ObjectName("kafka.network:type=RequestMetrics,name=RequestsPerSec,request=Produce,version=*"), null);
        assertThat(produceRates).isNotEmpty();
        long produceCount = 0;
        for (ObjectName rate : produceRates) {
            produceCount += (Long) jmx.getAttribute(rate, "Count");
        }
        assertThat(produceCount).isPositive();
        for (String time : List.of("TotalTimeMs", "RequestQueueTimeMs", "LocalTimeMs", "RemoteTimeMs",
                "ResponseQueueTimeMs", "ResponseSendTimeMs")) {
            ObjectName histogram = new ObjectName("kafka.network:type=RequestMetrics,name=" + time + ",request=Produce");
            assertThat((Long) jmx.getAttribute(histogram, "Count")).as(time).isPositive();
            assertThat((Double) jmx.getAttribute(histogram, "99thPercentile")).as(time).isNotNegative();
            assertThat((Long) jmx.getAttribute(histogram, "Max")).as(time).isNotNegative();
        }
        assertThat((Long) jmx.getAttribute(new ObjectName(
                "kafka.network:type=RequestMetrics,name=TotalTimeMs,request=FetchConsumer"), "Count")).isPositive();
        // Created at start for every API served, as Kafka's are: this single node has no followers, and DeleteRecords
        // is not used here.
        for (String request : List.of("FetchFollower", "DeleteRecords")) {
            ObjectName unused = new ObjectName("kafka.network:type=RequestMetrics,name=TotalTimeMs,request=" + request);
            assertThat(jmx.isRegistered(unused)).as(request).isTrue();
            assertThat((Long) jmx.getAttribute(unused, "Count")).as(request).isZero();
        }
        double idle = (Double) jmx.getAttribute(new ObjectName(
                "kafka.server:type=KafkaRequestHandlerPool,name=RequestHandlerAvgIdlePercent"), "MeanRate");
        assertThat(idle).isBetween(0.0, 1.0);

        // And a Prometheus scrape shows the same counters under the JMX exporter's names
        HttpResponse<String> scrape = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + DLOG.broker().metricsPort().getAsInt() + "/metrics"))
                .timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(scrape.statusCode()).isEqualTo(200);
        assertThat(scrape.headers().firstValue("Content-Type").orElse("")).contains("text/plain").contains("version=0.0.4");
        PrometheusText metrics = PrometheusText.parse(scrape.body());
        Map<String, String> topicLabel = Map.of("topic", topic);
        assertThat(metrics.families().get("kafka_server_brokertopicmetrics_messagesin_total").type()).isEqualTo("counter");
        assertThat(metrics.value("kafka_server_brokertopicmetrics_messagesin_total", topicLabel)).contains((double) messages);
        assertThat(metrics.value("kafka_server_brokertopicmetrics_bytesin_total", topicLabel)).contains((double) bytes);
        assertThat(metrics.value("kafka_server_brokertopicmetrics_bytesout_total", topicLabel).orElseThrow())
                .isGreaterThanOrEqualTo(bytesSent);
        assertThat(metrics.value("kafka_server_brokertopicmetrics_messagesin_total", Map.of()).orElseThrow())
                .isGreaterThanOrEqualTo(allBefore + RECORDS);
        assertThat(metrics.samples("kafka_network_requestmetrics_requests_total", Map.of("request", "Produce")))
                .isNotEmpty().allSatisfy(sample -> assertThat(sample.labels()).containsKey("version"));
        assertThat(metrics.families().get("kafka_network_requestmetrics_totaltimems").type()).isEqualTo("summary");
        assertThat(metrics.value("kafka_network_requestmetrics_totaltimems_count", Map.of("request", "Produce")).orElseThrow())
                .isPositive();
        assertThat(metrics.value("kafka_network_requestmetrics_totaltimems", Map.of("request", "Produce", "quantile", "0.99")))
                .isPresent();
        assertThat(metrics.value("kafka_server_kafkarequesthandlerpool_requesthandleravgidle_percent", Map.of()).orElseThrow())
                .isBetween(0.0, 1.0);
    }

    @Test
    void shouldShowLogReplicaControllerAndGroupGaugesOfTheNode() throws Exception {
        // Given a topic with records and a consumer group that committed its position
        String topic = DLOG.newTopic(1);
        produce(topic);
        String group = "metrics-" + topic;
        Properties props = DLOG.clientProps();
        props.put(ConsumerConfig.GROUP_ID_CONFIG, group);
        props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(props, new ByteArrayDeserializer(),
                new ByteArrayDeserializer())) {
            consumer.subscribe(List.of(topic));
            int read = 0;
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (read < RECORDS && System.nanoTime() < deadline) {
                read += consumer.poll(Duration.ofMillis(500)).count();
            }
            consumer.commitSync();
        }

        // Then the partition's log gauges appear (within the reconcile interval) with its offsets and size
        ObjectName logEnd = new ObjectName("kafka.log:type=Log,name=LogEndOffset,topic=" + topic + ",partition=0");
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (!jmx.isRegistered(logEnd) && System.nanoTime() < deadline) {
            Thread.sleep(100);
        }
        assertThat((Long) jmx.getAttribute(logEnd, "Value")).isEqualTo(RECORDS);
        assertThat((Long) jmx.getAttribute(new ObjectName("kafka.log:type=Log,name=LogStartOffset,topic=" + topic
                + ",partition=0"), "Value")).isZero();
        assertThat((Long) jmx.getAttribute(new ObjectName("kafka.log:type=Log,name=Size,topic=" + topic + ",partition=0"),
                "Value")).isGreaterThan((long) RECORDS * VALUE_BYTES);
        assertThat((Integer) jmx.getAttribute(new ObjectName("kafka.log:type=Log,name=NumLogSegments,topic=" + topic
                + ",partition=0"), "Value")).isEqualTo(1);
        // The single node leads everything, all in sync, and is the active controller
        assertThat(gauge("kafka.server:type=ReplicaManager,name=LeaderCount")).isPositive();
        assertThat(gauge("kafka.server:type=ReplicaManager,name=PartitionCount"))
                .isEqualTo(gauge("kafka.server:type=ReplicaManager,name=LeaderCount"));
        assertThat(gauge("kafka.server:type=ReplicaManager,name=UnderReplicatedPartitions")).isZero();
        assertThat(gauge("kafka.server:type=ReplicaManager,name=OfflineReplicaCount")).isZero();
        assertThat(gauge("kafka.controller:type=KafkaController,name=ActiveControllerCount")).isEqualTo(1);
        assertThat(gauge("kafka.controller:type=KafkaController,name=OfflinePartitionsCount")).isZero();
        assertThat(gauge("kafka.controller:type=KafkaController,name=GlobalTopicCount")).isGreaterThanOrEqualTo(2);
        assertThat(gauge("kafka.controller:type=KafkaController,name=GlobalPartitionCount")).isGreaterThanOrEqualTo(2);
        // The group exists (Empty once its consumer left) and holds the committed offset
        assertThat(gauge("kafka.coordinator.group:type=GroupMetadataManager,name=NumGroups")).isPositive();
        assertThat(gauge("kafka.coordinator.group:type=GroupMetadataManager,name=NumGroupsEmpty")).isPositive();
        assertThat(gauge("kafka.coordinator.group:type=GroupMetadataManager,name=NumOffsets")).isPositive();

        // DLog's own: an fsync topic's appends go through group commits; the metadata group elected this node
        // and committed the topic creations; producer and member ids came from leased id blocks
        String synced = DLOG.newTopic(1, Map.of("dlog.flush.mode", "fsync"));
        produce(synced);
        assertThat(count("dlog:type=Log,name=AppendTimeUs")).isGreaterThanOrEqualTo(2L * RECORDS / 100);
        assertThat(count("dlog:type=Log,name=FsyncTimeUs")).isPositive();
        assertThat(count("dlog:type=Log,name=GroupCommitAppends")).isPositive();
        assertThat((Double) jmx.getAttribute(new ObjectName("dlog:type=Log,name=FsyncTimeUs"), "99thPercentile")).isPositive();
        assertThat(gauge("dlog:type=MetadataQuorum,name=LeaderChanges")).isPositive();
        assertThat(gauge("dlog:type=MetadataQuorum,name=ImageStalled")).isZero();
        assertThat(count("dlog:type=MetadataQuorum,name=CommitTimeUs")).isPositive();
        assertThat(count("dlog:type=IdGenerator,name=LeaseRefillTimeUs")).isPositive();

        // And the scrape has them under the exporter's names
        PrometheusText metrics = scrape();
        assertThat(metrics.value("dlog_log_fsynctimeus_count", Map.of()).orElseThrow()).isPositive();
        assertThat(metrics.value("dlog_metadataquorum_leaderchanges", Map.of()).orElseThrow()).isPositive();
        assertThat(metrics.value("dlog_metadataquorum_imagestalled", Map.of())).contains(0.0);
        Map<String, String> partition = Map.of("topic", topic, "partition", "0");
        assertThat(metrics.value("kafka_log_log_logendoffset", partition)).contains((double) RECORDS);
        assertThat(metrics.value("kafka_log_log_numlogsegments", partition)).contains(1.0);
        assertThat(metrics.value("kafka_controller_kafkacontroller_activecontrollercount", Map.of())).contains(1.0);
        assertThat(metrics.value("kafka_server_replicamanager_underreplicatedpartitions", Map.of())).contains(0.0);
        assertThat(metrics.value("kafka_coordinator_group_groupmetadatamanager_numoffsets", Map.of()).orElseThrow()).isPositive();
    }

    private static long count(String objectName) throws Exception {
        return (Long) jmx.getAttribute(new ObjectName(objectName), "Count");
    }

    private static long gauge(String objectName) throws Exception {
        return ((Number) jmx.getAttribute(new ObjectName(objectName), "Value")).longValue();
    }

    private static PrometheusText scrape() throws Exception {
        HttpResponse<String> scrape = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + DLOG.broker().metricsPort().getAsInt() + "/metrics"))
                .timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(scrape.statusCode()).isEqualTo(200);
        return PrometheusText.parse(scrape.body());
    }

    private static ObjectName topicMBean(String name, String topic) throws Exception {
        return new ObjectName("kafka.server:type=BrokerTopicMetrics,name=" + name + ",topic=" + topic);
    }

    private static void produce(String topic) throws Exception {
        Properties props = DLOG.clientProps();
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        props.put(ProducerConfig.LINGER_MS_CONFIG, "5");
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(props, new ByteArraySerializer(),
                new ByteArraySerializer())) {
            for (int i = 0; i < RECORDS; i++) {
                producer.send(new ProducerRecord<>(topic, new byte[VALUE_BYTES]));
            }
            producer.flush();
        }
    }

    private static void consume(String topic) {
        Properties props = DLOG.clientProps();
        props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(props, new ByteArrayDeserializer(),
                new ByteArrayDeserializer())) {
            consumer.assign(List.of(new TopicPartition(topic, 0)));
            consumer.seekToBeginning(List.of(new TopicPartition(topic, 0)));
            int read = 0;
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (read < RECORDS && System.nanoTime() < deadline) {
                ConsumerRecords<byte[], byte[]> records = consumer.poll(Duration.ofMillis(500));
                read += records.count();
            }
            assertThat(read).isEqualTo(RECORDS);
        }
    }
}
