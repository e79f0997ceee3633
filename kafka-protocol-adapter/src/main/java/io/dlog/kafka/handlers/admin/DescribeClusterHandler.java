package io.dlog.kafka.handlers.admin;

import io.dlog.kafka.BrokerContext;
import io.dlog.kafka.api.ApiHandler;
import io.dlog.kafka.api.RequestContext;
import io.dlog.kafka.common.AuthorizedOperations;
import io.dlog.kafka.common.ClusterView;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.kafka.common.message.DescribeClusterRequestData;
import org.apache.kafka.common.message.DescribeClusterResponseData;
import org.apache.kafka.common.message.DescribeClusterResponseData.DescribeClusterBroker;
import org.apache.kafka.common.protocol.Errors;

/**
 * DescribeCluster: the registered brokers at their client listener (fenced ones only when v2 asks to
 * include them), and the metadata group's leader as the controller.
 * DLog nodes serve the broker endpoint type only: asking for controllers is MISMATCHED_ENDPOINT_TYPE and
 * an unknown type UNSUPPORTED_ENDPOINT_TYPE (INVALID_REQUEST for v0, which has neither), as a Kafka
 * broker answers.
 */
public final class DescribeClusterHandler implements ApiHandler<DescribeClusterRequestData> {
    static final byte BROKERS = 1;
    static final byte CONTROLLERS = 2;

    private final BrokerContext context;

    public DescribeClusterHandler(BrokerContext context) {
        this.context = context;
    }

    @Override
    public CompletionStage<DescribeClusterResponseData> handle(RequestContext request, DescribeClusterRequestData data) {
        DescribeClusterResponseData response = new DescribeClusterResponseData().setEndpointType(BROKERS);
        if (data.endpointType() != BROKERS) {
            boolean v0 = request.apiVersion() == 0;
            if (data.endpointType() == CONTROLLERS) {
                response.setErrorCode((v0 ? Errors.INVALID_REQUEST : Errors.MISMATCHED_ENDPOINT_TYPE).code())
                        .setErrorMessage("The request was sent to an endpoint of type BROKER, but we wanted an endpoint "
                                + "of type CONTROLLER");
            } else {
                response.setErrorCode((v0 ? Errors.INVALID_REQUEST : Errors.UNSUPPORTED_ENDPOINT_TYPE).code())
                        .setErrorMessage("Unsupported endpoint type " + data.endpointType());
            }
            // Kafka leaves EndpointType at its default (brokers) in these error answers.
            return CompletableFuture.completedFuture(response);
        }
        response.setErrorCode(Errors.NONE.code())
                .setClusterId(context.clusterId())
                .setControllerId(ClusterView.controllerId(context))
                .setClusterAuthorizedOperations(AuthorizedOperations.cluster(data.includeClusterAuthorizedOperations()));
        for (ClusterView.Broker broker : ClusterView.brokers(context, request.listenerName(), data.includeFencedBrokers())) {
            response.brokers().add(new DescribeClusterBroker()
                    .setBrokerId(broker.id())
                    .setHost(broker.host())
                    .setPort(broker.port())
                    .setRack(broker.rack())
                    .setIsFenced(broker.fenced()));
        }
        return CompletableFuture.completedFuture(response);
    }
}
