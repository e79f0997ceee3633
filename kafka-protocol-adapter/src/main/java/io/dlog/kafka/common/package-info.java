/**
 * Small helpers that the request layer ({@code io.dlog.kafka.handlers}, {@code io.dlog.kafka.server}) and the
 * domain packages ({@code group}, {@code share}, {@code txn}, {@code coordinator}, ...) both use, so that no domain
 * package imports the request layer: the brokers as clients see them ({@link io.dlog.kafka.common.ClusterView}),
 * KIP-320 leader-epoch checks ({@link io.dlog.kafka.common.LeaderEpochs}), KIP-430 authorized-operation bit fields
 * ({@link io.dlog.kafka.common.AuthorizedOperations}) and topic-id conversion ({@link io.dlog.kafka.common.Uuids}).
 * Nothing here imports {@code handlers} or {@code server}; {@code LayeringTest} fails the build if any package
 * outside the request layer does.
 *
 * <p>Concurrency contract: stateless; every class holds only constants and is safe from any thread. What reads the
 * cluster image reads the current immutable image and never blocks.
 */
package io.dlog.kafka.common;
