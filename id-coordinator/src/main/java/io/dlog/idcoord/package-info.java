/**
 * Coordination primitives that need no central controller: a durable counter kept as a sparse
 * file's length ({@link io.dlog.idcoord.SparseAppendCounter}), leases over it
 * ({@link io.dlog.idcoord.LeasedSequence}), crash-safe Snowflake IDs
 * ({@link io.dlog.idcoord.SnowflakeIdGenerator}) and rendezvous placement of coordinators
 * ({@link io.dlog.idcoord.CoordinatorPlacement}).
 *
 * <p>Concurrency contract: every public class here is safe for use by any number of threads.
 * Calls that make a value durable block the calling thread for at most one group commit (one
 * {@code ftruncate} + {@code fsync}); never call them from an event loop. Nothing here reads the
 * wall clock directly: time comes from an injected {@link java.time.Clock}.
 *
 * <p>Layering: this package imports nothing from Kafka or Netty (enforced by the module's pom).
 */
package io.dlog.idcoord;
