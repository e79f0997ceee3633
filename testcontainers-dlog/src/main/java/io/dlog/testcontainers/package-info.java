/**
 * DLog for tests. {@link io.dlog.testcontainers.DLogContainer} and {@link io.dlog.testcontainers.DLogCluster}
 * run the DLog image with Testcontainers, in the shape of Testcontainers' {@code KafkaContainer} (they talk to
 * the broker only over the Kafka protocol and configure it only through the image's {@code KAFKA_*} variables);
 * {@link io.dlog.testcontainers.EmbeddedDLog} runs DLog inside the test's JVM for tests without Docker.
 *
 * <p>Concurrency: a container or cluster is configured and started by one thread (the test's); its getters may
 * then be called from any thread. EmbeddedDLog is started and stopped by JUnit's extension callbacks, one class
 * or test at a time.
 */
package io.dlog.testcontainers;
