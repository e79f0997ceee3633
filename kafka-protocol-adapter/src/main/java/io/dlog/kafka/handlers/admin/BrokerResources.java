package io.dlog.kafka.handlers.admin;

import org.apache.kafka.common.errors.InvalidRequestException;

/** Kafka's rule for BROKER resource names: this node's id, or "" for the cluster-wide default. */
final class BrokerResources {
    private BrokerResources() {
    }

    /**
     * @return true for the cluster default (""), false for this node's id
     * @throws InvalidRequestException any other name, with Kafka's message
     */
    static boolean isClusterDefault(String resourceName, int nodeId) {
        if (resourceName == null || resourceName.isEmpty()) {
            return true;
        }
        int brokerId;
        try {
            brokerId = Integer.parseInt(resourceName);
        } catch (NumberFormatException e) {
            throw new InvalidRequestException("Broker id must be an integer, but it is: " + resourceName);
        }
        if (brokerId != nodeId) {
            throw new InvalidRequestException("Unexpected broker id, expected " + nodeId
                    + " or empty string, but received " + resourceName);
        }
        return false;
    }
}
