/**
 * A DLog process: {@link io.dlog.broker.DLogBroker} (a broker node, {@code process.roles} broker,controller or broker)
 * and {@link io.dlog.broker.ControllerNode} (a controller-only node, {@code process.roles=controller}), each starting
 * its parts in dependency order and closing them in reverse, with the data folder's lock and identity.
 *
 * <p>Concurrency: a node is started and closed from one thread (the CLI's main thread or a test). Once started, its
 * parts run on their own threads (event loops, the metadata applier, the scheduler) under their own packages'
 * contracts; the node's getters read final fields or volatile ones set during start. A failed data folder
 * ({@link io.dlog.broker.DataFolderFailure}) is reported on a log-engine or metadata thread and stops the node on a
 * thread of its own (a halt from the command line, a close when embedded).
 */
package io.dlog.broker;
