/**
 * What the coordinators (groups, transactions, share groups) share: the names and partitioning of their compacted
 * internal topics ({@link io.dlog.kafka.coordinator.InternalTopics}) and the log those topics are written to as
 * ordinary appends and replayed from when a coordinator loads ({@link io.dlog.kafka.coordinator.InternalTopicLog}),
 * and the monotonic clock their deadlines run on ({@link io.dlog.kafka.coordinator.DeadlineClock}).
 * Stateless helpers; thread-safe.
 */
package io.dlog.kafka.coordinator;
