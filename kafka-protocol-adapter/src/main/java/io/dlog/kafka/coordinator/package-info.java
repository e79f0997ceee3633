/**
 * What the coordinators (groups, transactions) share: their compacted internal topics, written as
 * ordinary appends and replayed when a coordinator loads. Stateless helpers; thread-safe.
 */
package io.dlog.kafka.coordinator;
