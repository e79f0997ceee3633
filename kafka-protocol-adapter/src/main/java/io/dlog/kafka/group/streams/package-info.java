/**
 * The parts of the Streams group protocol (KIP-1071) that need no coordinator state: the topology a
 * Streams application declares, its validation, its configuration against the topics that exist
 * (partition counts of tasks and internal topics, the internal topics to create) and the task assignor.
 *
 * <p>Everything here is immutable or a pure function of its arguments; thread-safe. The group state
 * that uses it lives in {@code io.dlog.kafka.group} under the group coordinator's lock.
 */
package io.dlog.kafka.group.streams;
