package io.dlog.kafka.authz;

import io.dlog.kafka.api.RequestContext;
import io.dlog.kafka.security.AclAuthorizer;
import io.dlog.log.metadata.MetadataImage;
import io.dlog.log.metadata.TopicImage;
import java.util.Optional;
import java.util.UUID;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.resource.ResourceType;

/**
 * The authorizer's questions for one request: who asks (principal, client host) and what the image
 * knows (topic names by id). Immutable.
 */
final class Check {
    static final String CLUSTER_NAME = "kafka-cluster";

    private final AclAuthorizer authorizer;
    private final RequestContext request;
    private final MetadataImage image;

    Check(AclAuthorizer authorizer, RequestContext request, MetadataImage image) {
        this.authorizer = authorizer;
        this.request = request;
        this.image = image;
    }

    private String host() {
        return request.clientAddress() == null ? "" : request.clientAddress().getAddress().getHostAddress();
    }

    boolean allowed(AclOperation operation, ResourceType type, String name) {
        return authorizer.authorize(request.principal(), host(), operation, type, name);
    }

    boolean topic(AclOperation operation, String name) {
        return allowed(operation, ResourceType.TOPIC, name);
    }

    boolean group(AclOperation operation, String name) {
        return allowed(operation, ResourceType.GROUP, name);
    }

    boolean transactionalId(AclOperation operation, String name) {
        return allowed(operation, ResourceType.TRANSACTIONAL_ID, name);
    }

    boolean cluster(AclOperation operation) {
        return allowed(operation, ResourceType.CLUSTER, CLUSTER_NAME);
    }

    /** Kafka's authorizeByResourceType: the operation on some resource of the type. */
    boolean anyOf(AclOperation operation, ResourceType type) {
        return authorizer.authorizeAny(request.principal(), host(), operation, type);
    }

    /** The name of a topic given by id (v13 Produce, Fetch, ...), when the image has it. */
    Optional<String> topicName(Uuid id) {
        if (id == null || Uuid.ZERO_UUID.equals(id)) {
            return Optional.empty();
        }
        return image.topic(new UUID(id.getMostSignificantBits(), id.getLeastSignificantBits())).map(TopicImage::name);
    }

    /** A topic's name as a request gives it: by name, else by id; null when neither resolves. */
    String topicName(String name, Uuid id) {
        if (name != null && !name.isEmpty()) {
            return name;
        }
        return topicName(id).orElse(null);
    }

    /** The id of a topic given by name, {@link Uuid#ZERO_UUID} when the image does not have it. */
    Uuid topicId(String name) {
        return image.topic(name).map(t -> new Uuid(t.topicId().getMostSignificantBits(), t.topicId().getLeastSignificantBits()))
                .orElse(Uuid.ZERO_UUID);
    }

    boolean topicExists(String name) {
        return image.topic(name).isPresent();
    }

    AclAuthorizer authorizer() {
        return authorizer;
    }

    RequestContext request() {
        return request;
    }

    String clientHost() {
        return host();
    }
}
