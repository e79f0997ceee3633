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
import java.util.concurrent.CompletionStage;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.errors.InvalidConfigurationException;
import org.apache.kafka.common.errors.InvalidRequestException;
import org.apache.kafka.common.message.IncrementalAlterConfigsRequestData;
import org.apache.kafka.common.message.IncrementalAlterConfigsRequestData.AlterConfigsResource;
import org.apache.kafka.common.message.IncrementalAlterConfigsRequestData.AlterableConfig;
import org.apache.kafka.common.message.IncrementalAlterConfigsResponseData;
import org.apache.kafka.common.message.IncrementalAlterConfigsResponseData.AlterConfigsResourceResponse;
import org.apache.kafka.common.protocol.Errors;

/**
 * IncrementalAlterConfigs (KIP-339): SET, DELETE, and for LIST keys (cleanup.policy) APPEND and
 * SUBTRACT, on topics and the broker; what is not named stays as it is. APPEND and SUBTRACT start from
 * the current override, else from the value the resource inherits. Errors follow Kafka's controller:
 * a key named twice in one resource or a null value for SET/APPEND/SUBTRACT is INVALID_REQUEST;
 * unknown keys, invalid values, and APPEND/SUBTRACT on a non-list key are INVALID_CONFIG.
 */
public final class IncrementalAlterConfigsHandler implements ApiHandler<IncrementalAlterConfigsRequestData> {
    private final ConfigAlterations alterations;

    public IncrementalAlterConfigsHandler(BrokerContext context, ConfigChangeQueue queue) {
        this.alterations = new ConfigAlterations(context, queue);
    }

    @Override
    public CompletionStage<IncrementalAlterConfigsResponseData> handle(RequestContext request,
                                                                      IncrementalAlterConfigsRequestData data) {
        return alterations.alterEach(data.resources(), AlterConfigsResource::resourceType,
                AlterConfigsResource::resourceName,
                resource -> (current, target) -> apply(List.copyOf(resource.configs()), current, target),
                data.validateOnly()).thenApply(outcomes -> {
            IncrementalAlterConfigsResponseData response = new IncrementalAlterConfigsResponseData();
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

    /** The overrides after these operations, applied in order to a copy of the current ones. */
    static Map<String, String> apply(List<AlterableConfig> operations, Map<String, String> current,
                                     ConfigAlterations.Target target) {
        Set<String> named = new HashSet<>();
        for (AlterableConfig operation : operations) {
            if (!named.add(operation.name())) {
                throw new InvalidRequestException("Error due to duplicate config keys");
            }
        }
        Map<String, String> updated = new HashMap<>(current);
        for (AlterableConfig operation : operations) {
            String key = operation.name();
            AlterConfigOp.OpType op;
            try {
                op = AlterConfigOp.OpType.forId(operation.configOperation());
            } catch (IllegalArgumentException e) {
                op = null;
            }
            if (op == null) {
                throw new InvalidRequestException("Unknown alter configs operation type " + operation.configOperation());
            }
            if (op != AlterConfigOp.OpType.DELETE && operation.value() == null) {
                throw new InvalidRequestException("Null value not supported for : " + key);
            }
            if (target.typeOf(key).isEmpty()) {
                throw new InvalidConfigurationException(target.unknownKeyMessage(key));
            }
            switch (op) {
                case SET -> updated.put(key, operation.value());
                case DELETE -> updated.remove(key);
                case APPEND, SUBTRACT -> {
                    if (target.typeOf(key).get() != ConfigDef.Type.LIST) {
                        throw new InvalidConfigurationException("Can't " + op + " to key " + key
                                + " because its type is not LIST.");
                    }
                    String base = updated.containsKey(key) ? updated.get(key) : target.inheritedValue(key);
                    List<String> values = split(base);
                    for (String value : split(operation.value())) {
                        if (op == AlterConfigOp.OpType.APPEND && !values.contains(value)) {
                            values.add(value);
                        } else if (op == AlterConfigOp.OpType.SUBTRACT) {
                            values.remove(value);
                        }
                    }
                    updated.put(key, String.join(",", values));
                }
                default -> throw new IllegalStateException("unhandled operation " + op);
            }
        }
        return updated;
    }

    private static List<String> split(String list) {
        List<String> values = new ArrayList<>();
        if (list == null) {
            return values;
        }
        for (String value : list.split(",")) {
            if (!value.trim().isEmpty()) {
                values.add(value.trim());
            }
        }
        return values;
    }
}
