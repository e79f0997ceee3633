package io.dlog.kafka.handlers.admin;

import static io.dlog.kafka.handlers.admin.AdminTestBroker.call;
import static org.assertj.core.api.Assertions.assertThat;

import io.dlog.kafka.common.AuthorizedOperations;
import java.nio.file.Path;
import org.apache.kafka.common.message.DescribeClusterRequestData;
import org.apache.kafka.common.message.DescribeClusterResponseData;
import org.apache.kafka.common.message.DescribeClusterResponseData.DescribeClusterBroker;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class DescribeClusterHandlerTest {
    @TempDir
    Path dir;
    private AdminTestBroker broker;
    private DescribeClusterHandler handler;

    @BeforeEach
    void setUp() throws Exception {
        broker = AdminTestBroker.open(dir);
        handler = new DescribeClusterHandler(broker.context);
    }

    @AfterEach
    void tearDown() throws Exception {
        broker.close();
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 1, 2})
    void shouldDescribeThisNodeAsTheCluster(int version) {
        DescribeClusterResponseData response = call(handler::handle, version, new DescribeClusterRequestData());

        response = AdminTestBroker.roundTrip(ApiKeys.DESCRIBE_CLUSTER, version, response);
        assertThat(response.errorCode()).isEqualTo(Errors.NONE.code());
        assertThat(response.clusterId()).isEqualTo(AdminTestBroker.CLUSTER_ID);
        assertThat(response.controllerId()).isEqualTo(AdminTestBroker.NODE_ID);
        assertThat(response.clusterAuthorizedOperations()).isEqualTo(Integer.MIN_VALUE);
        assertThat(response.brokers()).hasSize(1);
        DescribeClusterBroker node = response.brokers().find(AdminTestBroker.NODE_ID);
        assertThat(node.host()).isEqualTo("127.0.0.1");
        assertThat(node.port()).isEqualTo(9092);
        assertThat(node.rack()).isNull();
        assertThat(node.isFenced()).isFalse();
    }

    @Test
    void shouldAnswerAuthorizedOperationsWhenAsked() {
        DescribeClusterResponseData response = call(handler::handle, 1,
                new DescribeClusterRequestData().setIncludeClusterAuthorizedOperations(true));

        assertThat(response.clusterAuthorizedOperations()).isEqualTo(AuthorizedOperations.cluster(true));
        assertThat(response.clusterAuthorizedOperations()).isNotEqualTo(Integer.MIN_VALUE);
    }

    @Test
    void shouldRefuseOtherEndpointTypes() {
        DescribeClusterResponseData controllers = call(handler::handle, 1, new DescribeClusterRequestData().setEndpointType((byte) 2));
        DescribeClusterResponseData unknown = call(handler::handle, 1, new DescribeClusterRequestData().setEndpointType((byte) 9));

        assertThat(controllers.errorCode()).isEqualTo(Errors.MISMATCHED_ENDPOINT_TYPE.code());
        assertThat(controllers.brokers()).isEmpty();
        assertThat(unknown.errorCode()).isEqualTo(Errors.UNSUPPORTED_ENDPOINT_TYPE.code());
        assertThat(unknown.brokers()).isEmpty();
        AdminTestBroker.roundTrip(ApiKeys.DESCRIBE_CLUSTER, 1, unknown);
    }
}
