package io.dlog.kafka.handlers.admin;

import io.dlog.kafka.BrokerContext;
import io.dlog.kafka.api.ApiHandler;
import io.dlog.kafka.api.RequestContext;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.kafka.common.message.AlterConfigsRequestData;
import org.apache.kafka.common.message.AlterConfigsRequestData.AlterConfigsResource;
import org.apache.kafka.common.message.AlterConfigsRequestData.AlterableConfig;
import org.apache.kafka.common.message.AlterConfigsResponseData;
import org.apache.kafka.common.message.AlterConfigsResponseData.AlterConfigsResourceResponse;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.ApiError;

/**
 * The legacy AlterConfigs: the given configs replace every override of the resource (a topic's
 * overrides, or the broker's dynamic layer); what is not named returns to its default. Kafka's admin
 * client still offers it (deprecated) and older tools use it.
 */
public final class AlterConfigsHandler implements ApiHandler<AlterConfigsRequestData> {
    private final ConfigAlterations alterations;

    public AlterConfigsHandler(BrokerContext context, ConfigChangeQueue queue) {
        this.alterations = new ConfigAlterations(context, queue);
    }

    @Override
    public CompletionStage<AlterConfigsResponseData> handle(RequestContext request, AlterConfigsRequestData data) {
        Map<String, Integer> counts = new HashMap<>();
        for (AlterConfigsResource resource : data.resources()) {
            counts.merge(resource.resourceType() + "/" + resource.resourceName(), 1, Integer::sum);
        }
        List<AlterConfigsResource> resources = new ArrayList<>();
        List<CompletableFuture<ApiError>> outcomes = new ArrayList<>();
        Set<String> answeredDuplicates = new HashSet<>();
        for (AlterConfigsResource resource : data.resources()) {
            String key = resource.resourceType() + "/" + resource.resourceName();
            if (counts.get(key) > 1) {
                if (answeredDuplicates.add(key)) {
                    resources.add(resource);
                    outcomes.add(CompletableFuture.completedFuture(
                            new ApiError(Errors.INVALID_REQUEST, "Each resource must appear at most once.")));
                }
                continue;
            }
            Map<String, String> replacement = new HashMap<>();
            for (AlterableConfig config : resource.configs()) {
                replacement.put(config.name(), config.value());
            }
            resources.add(resource);
            outcomes.add(alterations.alter(resource.resourceType(), resource.resourceName(),
                    (current, target) -> replacement, data.validateOnly()));
        }
        return CompletableFuture.allOf(outcomes.toArray(CompletableFuture[]::new)).thenApply(done -> {
            AlterConfigsResponseData response = new AlterConfigsResponseData();
            for (int i = 0; i < resources.size(); i++) {
                ApiError outcome = outcomes.get(i).join();
                response.responses().add(new AlterConfigsResourceResponse()
                        .setResourceType(resources.get(i).resourceType())
                        .setResourceName(resources.get(i).resourceName())
                        .setErrorCode(outcome.error().code())
                        .setErrorMessage(outcome.isFailure() ? outcome.message() : null));
            }
            return response;
        });
    }
}
