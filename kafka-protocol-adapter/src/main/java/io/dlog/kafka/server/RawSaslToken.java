package io.dlog.kafka.server;

/** A bare SASL token a client sends after SaslHandshake v0 (no request header, no Kafka framing but the size). */
record RawSaslToken(byte[] bytes) {
}
