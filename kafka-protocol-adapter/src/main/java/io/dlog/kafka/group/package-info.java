/**
 * The group coordinator: classic groups, KIP-848 consumer groups and KIP-1071 streams groups, their committed
 * offsets, and their records in {@code __consumer_offsets}.
 *
 * <p>Concurrency contract: {@link io.dlog.kafka.group.GroupCoordinator}'s monitor guards every group, member and
 * offset in this package. Its public methods take the monitor, do in-memory work only and return; the managers
 * ({@code ClassicGroupManager}, {@code ConsumerGroupManager}, {@code ConsumerGroupClassicMembers},
 * {@code GroupConversions}, {@code StreamsGroupManager}, {@code OffsetManager}) and
 * the group classes are plain, non-thread-safe state touched only under it. Writes to the log are asynchronous: a
 * request that must wait for its write gets a future the log's writer completes, never a parked thread. Deadlines
 * (sessions, rebalance timeouts, the streams initial rebalance delay, offset expiry) fire in
 * {@code GroupCoordinator#tick} on the injected clock. Loading a partition replays it on a loader thread and swaps the
 * result in under the monitor. The stateless pieces of the streams protocol live in {@code io.dlog.kafka.group.streams}.
 */
package io.dlog.kafka.group;
