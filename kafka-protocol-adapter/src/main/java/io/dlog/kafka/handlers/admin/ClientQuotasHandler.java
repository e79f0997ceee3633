package io.dlog.kafka.handlers.admin;

import io.dlog.cluster.MetadataCommand;
import io.dlog.kafka.BrokerContext;
import io.dlog.kafka.api.RequestContext;
import io.dlog.kafka.quota.QuotaKeys;
import io.dlog.kafka.topic.TopicService;
import io.dlog.log.metadata.ClientQuotasImage;
import io.dlog.log.metadata.QuotaEntity;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.kafka.common.errors.InvalidRequestException;
import org.apache.kafka.common.errors.UnsupportedVersionException;
import org.apache.kafka.common.message.AlterClientQuotasRequestData;
import org.apache.kafka.common.message.AlterClientQuotasResponseData;
import org.apache.kafka.common.message.DescribeClientQuotasRequestData;
import org.apache.kafka.common.message.DescribeClientQuotasResponseData;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.ApiError;
import org.apache.kafka.common.requests.DescribeClientQuotasRequest;

/**
 * DescribeClientQuotas and AlterClientQuotas ({@code kafka-configs --entity-type users/clients/ips},
 * {@code Admin.describeClientQuotas / alterClientQuotas}) on the client quotas of the cluster image, with
 * the validation and messages of Kafka's controller: entity types user, client-id and ip (ip alone),
 * no empty names, only the keys of the entity's kind, whole numbers for the LONG keys (byte rates); an
 * entity with an error has none of its changes applied, the others' go to the metadata quorum as one
 * command. Describe filters as Kafka's {@code ClientQuotasImage.describe}: exact, default and "specified"
 * components, strict or not. Stateless.
 */
public final class ClientQuotasHandler {
    private final BrokerContext context;

    public ClientQuotasHandler(BrokerContext context) {
        this.context = context;
    }

    /** A bad filter fails the request (Kafka's whole-request error: INVALID_REQUEST or UNSUPPORTED_VERSION). */
    public CompletionStage<DescribeClientQuotasResponseData> describe(RequestContext request,
                                                                       DescribeClientQuotasRequestData data) {
        Map<String, String> exact = new HashMap<>();
        Set<String> specified = new HashSet<>();
        for (DescribeClientQuotasRequestData.ComponentData component : data.components()) {
            String type = component.entityType();
            if (type.isEmpty()) {
                throw new InvalidRequestException("Invalid empty entity type.");
            } else if (exact.containsKey(type) || specified.contains(type)) {
                throw new InvalidRequestException("Entity type " + type + " cannot appear more than once in the filter.");
            }
            if (!(type.equals(QuotaEntity.IP) || type.equals(QuotaEntity.USER) || type.equals(QuotaEntity.CLIENT_ID))) {
                throw new UnsupportedVersionException("Unsupported entity type " + type);
            }
            switch (component.matchType()) {
                case DescribeClientQuotasRequest.MATCH_TYPE_EXACT -> {
                    if (component.match() == null) {
                        throw new InvalidRequestException("Request specified MATCH_TYPE_EXACT, but set match string to null.");
                    }
                    exact.put(type, component.match());
                }
                case DescribeClientQuotasRequest.MATCH_TYPE_DEFAULT -> {
                    if (component.match() != null) {
                        throw new InvalidRequestException("Request specified MATCH_TYPE_DEFAULT, but also specified a match string.");
                    }
                    exact.put(type, null);
                }
                case DescribeClientQuotasRequest.MATCH_TYPE_SPECIFIED -> {
                    if (component.match() != null) {
                        throw new InvalidRequestException("Request specified MATCH_TYPE_SPECIFIED, but also specified a match string.");
                    }
                    specified.add(type);
                }
                default -> throw new InvalidRequestException("Unknown match type " + component.matchType());
            }
        }
        boolean ip = exact.containsKey(QuotaEntity.IP) || specified.contains(QuotaEntity.IP);
        boolean userOrClient = exact.containsKey(QuotaEntity.USER) || specified.contains(QuotaEntity.USER)
                || exact.containsKey(QuotaEntity.CLIENT_ID) || specified.contains(QuotaEntity.CLIENT_ID);
        if (ip && userOrClient) {
            throw new InvalidRequestException("Invalid entity filter component combination. IP filter component should "
                    + "not be used with user or clientId filter component.");
        }
        DescribeClientQuotasResponseData response = new DescribeClientQuotasResponseData();
        context.topics().image().security().quotas().entities().forEach((entity, values) -> {
            if (matches(entity, exact, specified, data.strict())) {
                response.entries().add(describeEntry(entity, values));
            }
        });
        return CompletableFuture.completedFuture(response);
    }

    /**
     * Every exact component names the entity's part (by name, or as the default), every specified one a
     * part it has; strict: the entity has no other part. No component and not strict: every entity.
     */
    private static boolean matches(QuotaEntity entity, Map<String, String> exact, Set<String> specified, boolean strict) {
        if (exact.isEmpty() && specified.isEmpty()) {
            return !strict;
        }
        for (Map.Entry<String, String> component : exact.entrySet()) {
            var part = entity.part(component.getKey());
            if (part.isEmpty() || !Objects.equals(part.get().name(), component.getValue())) {
                return false;
            }
        }
        for (String type : specified) {
            if (!entity.has(type)) {
                return false;
            }
        }
        return !strict || entity.parts().size() == exact.size() + specified.size();
    }

    private static DescribeClientQuotasResponseData.EntryData describeEntry(QuotaEntity entity, Map<String, Double> values) {
        DescribeClientQuotasResponseData.EntryData entry = new DescribeClientQuotasResponseData.EntryData();
        for (QuotaEntity.Part part : entity.parts()) {
            entry.entity().add(new DescribeClientQuotasResponseData.EntityData()
                    .setEntityType(part.type()).setEntityName(part.name()));
        }
        values.forEach((key, value) -> entry.values().add(new DescribeClientQuotasResponseData.ValueData()
                .setKey(key).setValue(value)));
        return entry;
    }

    public CompletionStage<AlterClientQuotasResponseData> alter(RequestContext request, AlterClientQuotasRequestData data) {
        ClientQuotasImage current = context.topics().image().security().quotas();
        Map<QuotaEntity, ApiError> results = new LinkedHashMap<>();
        List<MetadataCommand.QuotaChange> changes = new ArrayList<>();
        for (AlterClientQuotasRequestData.EntryData entry : data.entries()) {
            // Kafka reads an entry's entity into a map: a type named twice keeps its last name.
            Map<String, String> parts = new LinkedHashMap<>();
            entry.entity().forEach(part -> parts.put(part.entityType(), part.entityName()));
            QuotaEntity entity = new QuotaEntity(parts.entrySet().stream()
                    .map(p -> new QuotaEntity.Part(p.getKey(), p.getValue())).toList());
            Map<String, Double> alterations = new LinkedHashMap<>();
            ApiError error = ApiError.NONE;
            for (AlterClientQuotasRequestData.OpData op : entry.ops()) {
                if (alterations.containsKey(op.key())) {
                    error = new ApiError(Errors.INVALID_REQUEST, "Duplicate quota key " + op.key()
                            + " not updating quota for this entity " + entity);
                }
                alterations.put(op.key(), op.remove() ? null : op.value());
            }
            if (results.containsKey(entity)) {
                results.put(entity, new ApiError(Errors.INVALID_REQUEST, "Ignoring duplicate entity " + entity));
                continue;
            }
            if (error.isSuccess()) {
                error = validate(entity, alterations);
            }
            results.put(entity, error);
            if (error.isSuccess()) {
                alterations.forEach((key, value) -> {
                    Double old = current.value(entity, key).orElse(null);
                    if (!Objects.equals(old, value)) { // Kafka records only what changes
                        changes.add(new MetadataCommand.QuotaChange(entity, key, value));
                    }
                });
            }
        }
        CompletableFuture<?> applied = data.validateOnly() || changes.isEmpty() ? CompletableFuture.completedFuture(null)
                : context.topics().quorum().propose(new MetadataCommand.AlterClientQuotas(changes),
                TopicService.DEFAULT_PROPOSAL_TIMEOUT);
        return applied.handle((done, failure) -> {
            ApiError proposalError = failure == null ? ApiError.NONE : AdminErrors.fromThrowable(failure);
            AlterClientQuotasResponseData response = new AlterClientQuotasResponseData();
            results.forEach((entity, error) -> {
                ApiError answer = error.isSuccess() ? proposalError : error;
                AlterClientQuotasResponseData.EntryData entry = new AlterClientQuotasResponseData.EntryData()
                        .setErrorCode(answer.error().code()).setErrorMessage(answer.isSuccess() ? null : answer.message());
                for (QuotaEntity.Part part : entity.parts()) {
                    entry.entity().add(new AlterClientQuotasResponseData.EntityData()
                            .setEntityType(part.type()).setEntityName(part.name()));
                }
                response.entries().add(entry);
            });
            return response;
        });
    }

    /** Kafka's controller checks: the entity's types and names, then each new value's key and type. */
    private static ApiError validate(QuotaEntity entity, Map<String, Double> alterations) {
        if (entity.parts().isEmpty()) {
            return invalid("Invalid empty client quota entity");
        }
        for (QuotaEntity.Part part : entity.parts()) {
            String type = part.type();
            if (!type.equals(QuotaEntity.USER) && !type.equals(QuotaEntity.CLIENT_ID) && !type.equals(QuotaEntity.IP)) {
                return invalid("Unhandled client quota entity type: " + type);
            }
            if (part.name() != null && part.name().isEmpty()) {
                return invalid("Empty " + type + " not supported");
            }
        }
        if (entity.has(QuotaEntity.IP)) {
            if (entity.parts().size() > 1) {
                return invalid("Invalid quota entity combination, IP entity shouldnot be combined with User or ClientId");
            }
            String ip = entity.part(QuotaEntity.IP).get().name();
            if (ip != null && !isIpLiteral(ip)) {
                return invalid(ip + " is not a valid IP or resolvable host.");
            }
        }
        Map<String, QuotaKeys.Type> keys = QuotaKeys.validFor(entity);
        for (Map.Entry<String, Double> alteration : alterations.entrySet()) {
            if (alteration.getValue() == null) {
                continue;
            }
            QuotaKeys.Type type = keys.get(alteration.getKey());
            if (type == null) {
                return invalid("Invalid configuration key " + alteration.getKey());
            }
            double value = alteration.getValue();
            if (type != QuotaKeys.Type.DOUBLE && Math.abs((double) (long) (value + 1e-6) - value) > 1e-6) {
                return invalid("Configuration " + alteration.getKey() + " must be a Long value");
            }
        }
        return ApiError.NONE;
    }

    /**
     * Whether {@code host} is an IPv4 or IPv6 literal. Kafka also accepts a host name it can resolve; a
     * DNS lookup would block the event loop, so DLog takes addresses only.
     */
    private static boolean isIpLiteral(String host) {
        if (host.indexOf(':') >= 0) {
            return host.matches("[0-9a-fA-F:.]+") && parses(host);
        }
        return host.matches("\\d{1,3}(\\.\\d{1,3}){3}") && parses(host);
    }

    /** A literal of the right shape is parsed without any lookup. */
    private static boolean parses(String literal) {
        try {
            java.net.InetAddress.getByName(literal);
            return true;
        } catch (java.net.UnknownHostException e) {
            return false;
        }
    }

    private static ApiError invalid(String message) {
        return new ApiError(Errors.INVALID_REQUEST, message);
    }
}
