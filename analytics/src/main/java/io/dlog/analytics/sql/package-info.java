/**
 * SQL over topics: DuckDB in-process, fed with the topics' Arrow streams over the C Data interface.
 *
 * <p>Concurrency contract: every query has its own DuckDB database, connection, readers and child allocator;
 * nothing is shared between queries but the immutable {@link io.dlog.analytics.TopicTables} and the parent
 * allocator (thread-safe). DuckDB's worker threads call back into a query's topic readers (through the Arrow
 * C stream, one call at a time per stream); the result is read by one caller thread. Neither is ever a Netty
 * event loop.
 */
package io.dlog.analytics.sql;
