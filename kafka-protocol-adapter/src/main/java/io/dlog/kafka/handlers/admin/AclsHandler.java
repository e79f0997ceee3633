package io.dlog.kafka.handlers.admin;

import io.dlog.cluster.MetadataCommand;
import io.dlog.kafka.BrokerContext;
import io.dlog.kafka.api.RequestContext;
import io.dlog.kafka.security.KafkaPrincipalParsing;
import io.dlog.log.metadata.AclImage;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.kafka.common.acl.AccessControlEntry;
import org.apache.kafka.common.acl.AccessControlEntryFilter;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclBindingFilter;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.acl.AclPermissionType;
import org.apache.kafka.common.message.CreateAclsRequestData;
import org.apache.kafka.common.message.CreateAclsResponseData;
import org.apache.kafka.common.message.CreateAclsResponseData.AclCreationResult;
import org.apache.kafka.common.message.DeleteAclsRequestData;
import org.apache.kafka.common.message.DeleteAclsResponseData;
import org.apache.kafka.common.message.DeleteAclsResponseData.DeleteAclsFilterResult;
import org.apache.kafka.common.message.DescribeAclsRequestData;
import org.apache.kafka.common.message.DescribeAclsResponseData;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.ApiError;
import org.apache.kafka.common.requests.CreateAclsRequest;
import org.apache.kafka.common.requests.DeleteAclsResponse;
import org.apache.kafka.common.requests.DescribeAclsResponse;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourcePattern;
import org.apache.kafka.common.resource.ResourcePatternFilter;
import org.apache.kafka.common.resource.ResourceType;

/**
 * CreateAcls, DescribeAcls and DeleteAcls ({@code kafka-acls}) on the ACL bindings of the cluster image,
 * with Kafka's validation (INVALID_REQUEST with its messages for UNKNOWN or ANY elements, an empty
 * resource name, a principal that is not {@code Type:name}, a CLUSTER resource not named
 * kafka-cluster, a MATCH pattern in a binding). Without an authorizer configured, every answer is
 * SECURITY_DISABLED, as Kafka's. Who may call these is the authorizer's business (ALTER or DESCRIBE
 * on the cluster), checked before. Stateless.
 */
public final class AclsHandler {
    private static final String NO_AUTHORIZER = "No Authorizer is configured.";

    private final BrokerContext context;
    private final boolean authorizerEnabled;

    public AclsHandler(BrokerContext context, boolean authorizerEnabled) {
        this.context = context;
        this.authorizerEnabled = authorizerEnabled;
    }

    public CompletionStage<CreateAclsResponseData> create(RequestContext request, CreateAclsRequestData data) {
        CreateAclsResponseData response = new CreateAclsResponseData();
        if (!authorizerEnabled) {
            data.creations().forEach(c -> response.results().add(new AclCreationResult()
                    .setErrorCode(Errors.SECURITY_DISABLED.code()).setErrorMessage(NO_AUTHORIZER)));
            return CompletableFuture.completedFuture(response);
        }
        List<AclImage> valid = new ArrayList<>();
        List<ApiError> outcomes = new ArrayList<>();
        for (CreateAclsRequestData.AclCreation creation : data.creations()) {
            Optional<String> invalid;
            AclBinding binding = null;
            try {
                binding = CreateAclsRequest.aclBinding(creation);
                invalid = invalidBinding(binding);
            } catch (RuntimeException e) {
                invalid = Optional.of(String.valueOf(e.getMessage()));
            }
            if (invalid.isPresent()) {
                outcomes.add(new ApiError(Errors.INVALID_REQUEST, invalid.get()));
            } else {
                outcomes.add(ApiError.NONE);
                valid.add(toImage(binding));
            }
        }
        CompletableFuture<?> applied = valid.isEmpty() ? CompletableFuture.completedFuture(null)
                : context.topics().quorum().propose(new MetadataCommand.CreateAcls(valid), io.dlog.kafka.topic.TopicService.DEFAULT_PROPOSAL_TIMEOUT);
        return applied.handle((done, failure) -> {
            ApiError proposal = failure == null ? ApiError.NONE : AdminErrors.fromThrowable(failure);
            for (ApiError outcome : outcomes) {
                ApiError answer = outcome.isSuccess() ? proposal : outcome;
                response.results().add(new AclCreationResult().setErrorCode(answer.error().code())
                        .setErrorMessage(answer.isSuccess() ? null : answer.message()));
            }
            return response;
        });
    }

    public CompletionStage<DescribeAclsResponseData> describe(RequestContext request, DescribeAclsRequestData data) {
        DescribeAclsResponseData response = new DescribeAclsResponseData();
        if (!authorizerEnabled) {
            return CompletableFuture.completedFuture(response.setErrorCode(Errors.SECURITY_DISABLED.code())
                    .setErrorMessage(NO_AUTHORIZER));
        }
        AclBindingFilter filter = new AclBindingFilter(
                new ResourcePatternFilter(ResourceType.fromCode(data.resourceTypeFilter()), data.resourceNameFilter(),
                        PatternType.fromCode(data.patternTypeFilter())),
                new AccessControlEntryFilter(data.principalFilter(), data.hostFilter(), AclOperation.fromCode(data.operation()),
                        AclPermissionType.fromCode(data.permissionType())));
        if (filter.isUnknown()) {
            return CompletableFuture.completedFuture(response.setErrorCode(Errors.INVALID_REQUEST.code())
                    .setErrorMessage("The filter must not contain UNKNOWN elements."));
        }
        List<AclBinding> matching = new ArrayList<>();
        for (AclImage acl : context.topics().image().security().acls()) {
            AclBinding binding = toBinding(acl);
            if (filter.matches(binding)) {
                matching.add(binding);
            }
        }
        return CompletableFuture.completedFuture(response.setResources(DescribeAclsResponse.aclsResources(matching)));
    }

    public CompletionStage<DeleteAclsResponseData> delete(RequestContext request, DeleteAclsRequestData data) {
        DeleteAclsResponseData response = new DeleteAclsResponseData();
        if (!authorizerEnabled) {
            data.filters().forEach(f -> response.filterResults().add(new DeleteAclsFilterResult()
                    .setErrorCode(Errors.SECURITY_DISABLED.code()).setErrorMessage(NO_AUTHORIZER)));
            return CompletableFuture.completedFuture(response);
        }
        List<AclImage> current = context.topics().image().security().acls();
        Set<AclImage> removed = new LinkedHashSet<>();
        List<List<AclBinding>> perFilter = new ArrayList<>();
        List<ApiError> filterErrors = new ArrayList<>();
        for (DeleteAclsRequestData.DeleteAclsFilter f : data.filters()) {
            AclBindingFilter filter = new AclBindingFilter(
                    new ResourcePatternFilter(ResourceType.fromCode(f.resourceTypeFilter()), f.resourceNameFilter(),
                            PatternType.fromCode(f.patternTypeFilter())),
                    new AccessControlEntryFilter(f.principalFilter(), f.hostFilter(), AclOperation.fromCode(f.operation()),
                            AclPermissionType.fromCode(f.permissionType())));
            List<AclBinding> matches = new ArrayList<>();
            if (filter.isUnknown()) {
                filterErrors.add(new ApiError(Errors.INVALID_REQUEST, "The filter must not contain UNKNOWN elements."));
            } else {
                filterErrors.add(ApiError.NONE);
                for (AclImage acl : current) {
                    AclBinding binding = toBinding(acl);
                    if (filter.matches(binding)) {
                        matches.add(binding);
                        removed.add(acl);
                    }
                }
            }
            perFilter.add(matches);
        }
        CompletableFuture<?> applied = removed.isEmpty() ? CompletableFuture.completedFuture(null)
                : context.topics().quorum().propose(new MetadataCommand.DeleteAcls(new ArrayList<>(removed)),
                        io.dlog.kafka.topic.TopicService.DEFAULT_PROPOSAL_TIMEOUT);
        return applied.handle((done, failure) -> {
            ApiError proposal = failure == null ? ApiError.NONE : AdminErrors.fromThrowable(failure);
            for (int i = 0; i < perFilter.size(); i++) {
                ApiError error = filterErrors.get(i).isSuccess() ? proposal : filterErrors.get(i);
                DeleteAclsFilterResult result = new DeleteAclsFilterResult().setErrorCode(error.error().code())
                        .setErrorMessage(error.isSuccess() ? null : error.message());
                if (error.isSuccess()) {
                    perFilter.get(i).forEach(binding -> result.matchingAcls().add(DeleteAclsResponse.matchingAcl(binding, ApiError.NONE)));
                }
                response.filterResults().add(result);
            }
            return response;
        });
    }

    /** Kafka's AclControlManager.validateNewAcl messages. */
    static Optional<String> invalidBinding(AclBinding binding) {
        ResourcePattern pattern = binding.pattern();
        AccessControlEntry entry = binding.entry();
        if (pattern.patternType() != PatternType.LITERAL && pattern.patternType() != PatternType.PREFIXED) {
            return Optional.of("Invalid patternType " + pattern.patternType());
        }
        if (pattern.resourceType() == ResourceType.ANY || pattern.resourceType() == ResourceType.UNKNOWN) {
            return Optional.of("Invalid resourceType " + pattern.resourceType());
        }
        if (entry.operation() == AclOperation.ANY || entry.operation() == AclOperation.UNKNOWN) {
            return Optional.of("Invalid operation " + entry.operation());
        }
        if (entry.permissionType() == AclPermissionType.ANY || entry.permissionType() == AclPermissionType.UNKNOWN) {
            return Optional.of("Invalid permissionType " + entry.permissionType());
        }
        if (pattern.name() == null || pattern.name().isEmpty()) {
            return Optional.of("Resource name should not be empty");
        }
        if (pattern.resourceType() == ResourceType.CLUSTER && !pattern.name().equals("kafka-cluster")) {
            return Optional.of("The only valid name for the CLUSTER resource is kafka-cluster");
        }
        try {
            KafkaPrincipalParsing.parse(entry.principal());
        } catch (IllegalArgumentException e) {
            return Optional.of("Could not parse principal from `" + entry.principal() + "` (no colon is present "
                    + "separating the principal type from the principal name)");
        }
        return Optional.empty();
    }

    static AclImage toImage(AclBinding binding) {
        return new AclImage(binding.pattern().resourceType().code(), binding.pattern().name(),
                binding.pattern().patternType().code(), binding.entry().principal(), binding.entry().host(),
                binding.entry().operation().code(), binding.entry().permissionType().code());
    }

    static AclBinding toBinding(AclImage acl) {
        return new AclBinding(new ResourcePattern(ResourceType.fromCode(acl.resourceType()), acl.resourceName(),
                PatternType.fromCode(acl.patternType())), new AccessControlEntry(acl.principal(), acl.host(),
                AclOperation.fromCode(acl.operation()), AclPermissionType.fromCode(acl.permission())));
    }
}
