/**
 * Where a node's settings come from: Kafka's defaults, a {@code server.properties}, {@code KAFKA_*} environment
 * variables (the Apache Kafka container image's convention) and the command line, merged in that order with the
 * source of every value kept, so that {@code dlog config} can say where each value came from and an error can
 * name the file or variable at fault.
 *
 * <p>Concurrency: plain values built and read on one thread (the CLI's); nothing here is shared.
 */
package io.dlog.broker.config;
