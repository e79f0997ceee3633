package io.dlog.broker.cli;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import org.slf4j.LoggerFactory;

/** The Kafka client's logging, for commands that are clients (status): errors only, since they report failures themselves. */
final class ClientLogs {
    private ClientLogs() {
    }

    static void quiet() {
        if (LoggerFactory.getLogger("org.apache.kafka") instanceof Logger logger) {
            logger.setLevel(Level.ERROR);
        }
    }
}
