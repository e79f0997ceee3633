package io.dlog.kafka.security;

import org.apache.kafka.common.security.auth.KafkaPrincipal;

/** Kafka's principal strings, {@code Type:name} (User:alice). Stateless. */
public final class KafkaPrincipalParsing {
    private KafkaPrincipalParsing() {
    }

    /** @throws IllegalArgumentException not {@code Type:name} */
    public static KafkaPrincipal parse(String principal) {
        int colon = principal.indexOf(':');
        if (colon <= 0 || colon == principal.length() - 1) {
            throw new IllegalArgumentException("expected a principal in the form principalType:principalName, got "
                    + principal);
        }
        return new KafkaPrincipal(principal.substring(0, colon), principal.substring(colon + 1));
    }
}
