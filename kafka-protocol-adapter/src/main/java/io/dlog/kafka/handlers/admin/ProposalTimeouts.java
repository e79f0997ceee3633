package io.dlog.kafka.handlers.admin;

import io.dlog.kafka.topic.TopicService;
import java.time.Duration;

/** How long an admin request's change may wait for the metadata quorum. Stateless. */
final class ProposalTimeouts {
    private ProposalTimeouts() {
    }

    /**
     * The request's {@code timeoutMs}; zero or negative (no client sends it, and the field's default is
     * 0) means the broker's default rather than failing at once.
     */
    static Duration of(int timeoutMs) {
        return timeoutMs > 0 ? Duration.ofMillis(timeoutMs) : TopicService.DEFAULT_PROPOSAL_TIMEOUT;
    }
}
