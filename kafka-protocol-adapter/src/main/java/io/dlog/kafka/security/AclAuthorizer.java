package io.dlog.kafka.security;

import io.dlog.log.metadata.AclImage;
import io.dlog.log.metadata.MetadataImage;
import io.dlog.log.metadata.SecurityImage;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.acl.AclPermissionType;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourcePattern;
import org.apache.kafka.common.resource.ResourceType;
import org.apache.kafka.common.security.auth.KafkaPrincipal;

/**
 * DLog's authorizer, with the semantics of Kafka's {@code StandardAuthorizer}: ACL bindings from the
 * cluster image; {@code super.users} are allowed everything; a DENY that matches wins over any ALLOW;
 * an ALLOW matches its operation, ALL, or an operation implying the one asked (READ, WRITE, DELETE and
 * ALTER imply DESCRIBE; ALTER_CONFIGS implies DESCRIBE_CONFIGS); a binding matches a resource by literal
 * name, the literal wildcard {@code *}, or a prefix; a principal exactly or {@code User:*}; a host
 * exactly or {@code *}. A resource that no binding names at all is allowed only with
 * {@code allow.everyone.if.no.acl.found}.
 *
 * <p>Thread-safe: reads the latest image's immutable ACL list on every check.
 */
public final class AclAuthorizer {
    /** Kafka's default for the literal resource name that means every resource. */
    public static final String WILDCARD = ResourcePattern.WILDCARD_RESOURCE;

    private final Supplier<MetadataImage> image;
    private final Set<KafkaPrincipal> superUsers;
    private final boolean allowIfNoAcl;

    public AclAuthorizer(Supplier<MetadataImage> image, Set<KafkaPrincipal> superUsers, boolean allowIfNoAcl) {
        this.image = image;
        this.superUsers = Set.copyOf(superUsers);
        this.allowIfNoAcl = allowIfNoAcl;
    }

    /**
     * The authorizer the settings ask for, or null without {@code authorizer.class.name}. Any class
     * name Kafka ships (StandardAuthorizer, the older AclAuthorizer) turns DLog's on.
     *
     * @throws org.apache.kafka.common.config.ConfigException a class DLog cannot stand in for
     */
    public static AclAuthorizer fromSettings(Map<String, String> settings, Supplier<MetadataImage> image) {
        String className = settings.getOrDefault("authorizer.class.name", "").trim();
        if (className.isEmpty()) {
            return null;
        }
        if (!className.endsWith("StandardAuthorizer") && !className.endsWith("AclAuthorizer")) {
            throw new org.apache.kafka.common.config.ConfigException("authorizer.class.name", className,
                    "DLog's authorizer stands in for Kafka's StandardAuthorizer only");
        }
        Set<KafkaPrincipal> superUsers = new java.util.HashSet<>();
        for (String principal : settings.getOrDefault("super.users", "").split(";")) {
            if (!principal.isBlank()) {
                superUsers.add(KafkaPrincipalParsing.parse(principal.trim()));
            }
        }
        boolean allow = Boolean.parseBoolean(settings.getOrDefault("allow.everyone.if.no.acl.found", "false")
                .trim().toLowerCase(Locale.ROOT));
        return new AclAuthorizer(image, superUsers, allow);
    }

    /** Whether {@code principal} at {@code host} may do {@code operation} on the named resource. */
    public boolean authorize(KafkaPrincipal principal, String host, AclOperation operation, ResourceType type, String name) {
        if (superUsers.contains(principal)) {
            return true;
        }
        List<AclImage> matching = matching(type, name);
        if (matching.isEmpty()) {
            return allowIfNoAcl;
        }
        boolean allowed = false;
        for (AclImage acl : matching) {
            if (!principalMatches(acl.principal(), principal) || !hostMatches(acl.host(), host)) {
                continue;
            }
            AclOperation aclOperation = AclOperation.fromCode(acl.operation());
            if (acl.permission() == AclPermissionType.DENY.code()) {
                if (aclOperation == operation || aclOperation == AclOperation.ALL) {
                    return false;
                }
            } else if (acl.permission() == AclPermissionType.ALLOW.code() && allows(aclOperation, operation)) {
                allowed = true;
            }
        }
        return allowed;
    }

    /**
     * Whether {@code principal} may do {@code operation} on some resource of {@code type} (Kafka's
     * {@code authorizeByResourceType}, used for idempotent writes on any topic): an ALLOW on any
     * pattern not cancelled by a DENY of the same or a covering pattern.
     */
    public boolean authorizeAny(KafkaPrincipal principal, String host, AclOperation operation, ResourceType type) {
        if (superUsers.contains(principal)) {
            return true;
        }
        SecurityImage security = image.get().security();
        boolean denyAll = false;
        List<AclImage> allows = new ArrayList<>();
        for (AclImage acl : security.acls()) {
            if (acl.resourceType() != type.code() || !principalMatches(acl.principal(), principal)
                    || !hostMatches(acl.host(), host)) {
                continue;
            }
            AclOperation aclOperation = AclOperation.fromCode(acl.operation());
            if (acl.permission() == AclPermissionType.DENY.code() && (aclOperation == operation || aclOperation == AclOperation.ALL)) {
                if (acl.resourceName().equals(WILDCARD) && acl.patternType() == PatternType.LITERAL.code()) {
                    denyAll = true;
                }
            } else if (acl.permission() == AclPermissionType.ALLOW.code() && allows(aclOperation, operation)) {
                allows.add(acl);
            }
        }
        if (denyAll) {
            return false;
        }
        for (AclImage allow : allows) {
            // A prefixed ALLOW stands for the resource named by its prefix; any DENY covering that resource wins.
            if (authorize(principal, host, operation, type, allow.resourceName())) {
                return true;
            }
        }
        return allowIfNoAcl && security.acls().stream().noneMatch(acl -> acl.resourceType() == type.code());
    }

    /** The operations of {@code candidates} that {@code principal} may do on the resource (KIP-430 bit fields). */
    public Set<AclOperation> authorizedOperations(KafkaPrincipal principal, String host, ResourceType type, String name,
                                                  Set<AclOperation> candidates) {
        return candidates.stream().filter(op -> authorize(principal, host, op, type, name)).collect(Collectors.toSet());
    }

    private List<AclImage> matching(ResourceType type, String name) {
        List<AclImage> matching = new ArrayList<>();
        for (AclImage acl : image.get().security().acls()) {
            if (acl.resourceType() != type.code()) {
                continue;
            }
            boolean literal = acl.patternType() == PatternType.LITERAL.code();
            if (literal && (acl.resourceName().equals(name) || acl.resourceName().equals(WILDCARD))
                    || acl.patternType() == PatternType.PREFIXED.code() && name.startsWith(acl.resourceName())) {
                matching.add(acl);
            }
        }
        return matching;
    }

    private static boolean principalMatches(String aclPrincipal, KafkaPrincipal principal) {
        return aclPrincipal.equals(principal.toString())
                || aclPrincipal.equals(principal.getPrincipalType() + ":" + WILDCARD);
    }

    private static boolean hostMatches(String aclHost, String host) {
        return aclHost.equals(WILDCARD) || aclHost.equals(host);
    }

    /** An ALLOW of {@code granted} covers {@code wanted}: the same, ALL, or an implying operation. */
    static boolean allows(AclOperation granted, AclOperation wanted) {
        if (granted == wanted || granted == AclOperation.ALL) {
            return true;
        }
        if (wanted == AclOperation.DESCRIBE) {
            return granted == AclOperation.READ || granted == AclOperation.WRITE || granted == AclOperation.DELETE
                    || granted == AclOperation.ALTER;
        }
        return wanted == AclOperation.DESCRIBE_CONFIGS && granted == AclOperation.ALTER_CONFIGS;
    }
}
