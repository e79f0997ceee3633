package io.dlog.kafka.handlers.admin;

import static io.dlog.kafka.handlers.admin.AdminTestBroker.call;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import org.apache.kafka.common.message.DescribeLogDirsRequestData;
import org.apache.kafka.common.message.DescribeLogDirsRequestData.DescribableLogDirTopic;
import org.apache.kafka.common.message.DescribeLogDirsRequestData.DescribableLogDirTopicCollection;
import org.apache.kafka.common.message.DescribeLogDirsResponseData;
import org.apache.kafka.common.message.DescribeLogDirsResponseData.DescribeLogDirsPartition;
import org.apache.kafka.common.message.DescribeLogDirsResponseData.DescribeLogDirsResult;
import org.apache.kafka.common.message.DescribeLogDirsResponseData.DescribeLogDirsTopic;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class DescribeLogDirsHandlerTest {
    @TempDir
    Path dir;
    private AdminTestBroker broker;
    private DescribeLogDirsHandler handler;

    @BeforeEach
    void setUp() throws Exception {
        broker = AdminTestBroker.open(dir);
        handler = new DescribeLogDirsHandler(broker.context);
        broker.createTopic("sized", 2);
        broker.createTopic("other", 1);
        broker.append("sized", 1, 5);
    }

    @AfterEach
    void tearDown() throws Exception {
        broker.close();
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 2, 3, 4, 5})
    void shouldDescribeEveryPartitionOfTheDataFolder(int version) {
        DescribeLogDirsResponseData response = call(handler::handle, version, new DescribeLogDirsRequestData().setTopics(null));

        response = AdminTestBroker.roundTrip(ApiKeys.DESCRIBE_LOG_DIRS, version, response);
        assertThat(response.results()).hasSize(1);
        DescribeLogDirsResult folder = response.results().get(0);
        assertThat(folder.errorCode()).isEqualTo(Errors.NONE.code());
        assertThat(folder.logDir()).isEqualTo(broker.topics.logs().dataDirPath());
        assertThat(folder.topics()).extracting(DescribeLogDirsTopic::name).containsExactly("other", "sized");
        DescribeLogDirsPartition written = partition(folder, "sized", 1);
        assertThat(written.partitionSize()).isEqualTo(broker.topics.partition("sized", 1).orElseThrow().sizeInBytes());
        assertThat(written.partitionSize()).isPositive();
        assertThat(written.offsetLag()).isZero();
        assertThat(written.isFutureKey()).isFalse();
        if (version >= 4) {
            assertThat(folder.totalBytes()).isPositive();
            assertThat(folder.usableBytes()).isPositive().isLessThanOrEqualTo(folder.totalBytes());
        } else {
            assertThat(folder.totalBytes()).isEqualTo(-1L);
        }
    }

    @Test
    void shouldFilterRequestedPartitions() {
        DescribableLogDirTopicCollection topics = new DescribableLogDirTopicCollection();
        topics.add(new DescribableLogDirTopic().setTopic("sized").setPartitions(List.of(1, 7)));
        topics.add(new DescribableLogDirTopic().setTopic("missing").setPartitions(List.of(0)));

        DescribeLogDirsResult folder = call(handler::handle, 4, new DescribeLogDirsRequestData().setTopics(topics))
                .results().get(0);

        assertThat(folder.topics()).hasSize(1);
        assertThat(folder.topics().get(0).name()).isEqualTo("sized");
        assertThat(folder.topics().get(0).partitions()).extracting(DescribeLogDirsPartition::partitionIndex).containsExactly(1);
    }

    @Test
    void shouldAnswerNoTopicsForAnEmptyList() {
        DescribeLogDirsResult folder = call(handler::handle, 4,
                new DescribeLogDirsRequestData().setTopics(new DescribableLogDirTopicCollection())).results().get(0);

        assertThat(folder.topics()).isEmpty();
        assertThat(folder.logDir()).isNotEmpty();
    }

    private static DescribeLogDirsPartition partition(DescribeLogDirsResult folder, String topic, int partition) {
        return folder.topics().stream().filter(t -> t.name().equals(topic)).findFirst().orElseThrow()
                .partitions().stream().filter(p -> p.partitionIndex() == partition).findFirst().orElseThrow();
    }
}
