package io.dlog.kafka.handlers.admin;

import io.dlog.kafka.BrokerContext;
import io.dlog.kafka.api.ApiHandler;
import io.dlog.kafka.api.RequestContext;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletionStage;
import org.apache.kafka.common.message.AlterConfigsRequestData;
import org.apache.kafka.common.message.AlterConfigsRequestData.AlterConfigsResource;
import org.apache.kafka.common.message.AlterConfigsRequestData.AlterableConfig;
import org.apache.kafka.common.message.AlterConfigsResponseData;
import org.apache.kafka.common.message.AlterConfigsResponseData.AlterConfigsResourceResponse;

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
        return alterations.alterEach(data.resources(), AlterConfigsResource::resourceType,
                AlterConfigsResource::resourceName, AlterConfigsHandler::replaceAll,
                data.validateOnly()).thenApply(outcomes -> {
            AlterConfigsResponseData response = new AlterConfigsResponseData();
            for (ConfigAlterations.Outcome<AlterConfigsResource> outcome : outcomes) {
                response.responses().add(new AlterConfigsResourceResponse()
                        .setResourceType(outcome.resource().resourceType())
                        .setResourceName(outcome.resource().resourceName())
                        .setErrorCode(outcome.error().error().code())
                        .setErrorMessage(outcome.error().isFailure() ? outcome.error().message() : null));
            }
            return response;
        });
    }

    /** The legacy semantics: the named configs become the resource's whole override set. */
    private static ConfigAlterations.Change replaceAll(AlterConfigsResource resource) {
        Map<String, String> replacement = new HashMap<>();
        for (AlterableConfig config : resource.configs()) {
            replacement.put(config.name(), config.value());
        }
        return (current, target) -> replacement;
    }
}
