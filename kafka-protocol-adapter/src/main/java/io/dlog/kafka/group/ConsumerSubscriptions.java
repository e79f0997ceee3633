package io.dlog.kafka.group;

import java.nio.ByteBuffer;
import java.util.HashSet;
import java.util.Set;
import org.apache.kafka.clients.consumer.internals.ConsumerProtocol;

/** Reads the topics classic consumers subscribe to from their JoinGroup metadata. Stateless. */
final class ConsumerSubscriptions {
    private ConsumerSubscriptions() {
    }

    /** Topics any member of a "consumer" protocol group subscribes to; empty for other protocol types. */
    static Set<String> topics(ClassicGroup group) {
        Set<String> topics = new HashSet<>();
        if (!"consumer".equals(group.protocolType) || group.protocolName == null) {
            return topics;
        }
        for (ClassicGroup.Member member : group.members.values()) {
            member.metadata(group.protocolName).ifPresent(bytes -> {
                try {
                    topics.addAll(ConsumerProtocol.deserializeSubscription(ByteBuffer.wrap(bytes)).topics());
                } catch (RuntimeException e) {
                    // Not a consumer subscription after all: nothing we can name.
                }
            });
        }
        return topics;
    }
}
