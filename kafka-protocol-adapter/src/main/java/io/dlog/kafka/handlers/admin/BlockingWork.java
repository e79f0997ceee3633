package io.dlog.kafka.handlers.admin;

import java.util.concurrent.Executor;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * Where admin handlers run work that touches the file system outside the TopicService (volume sizes
 * for DescribeLogDirs): one daemon thread, started on demand and gone after 30 idle seconds, so it needs
 * no shutdown and costs nothing while no one asks.
 */
final class BlockingWork {
    private static final ThreadPoolExecutor EXECUTOR = create();

    private BlockingWork() {
    }

    static Executor executor() {
        return EXECUTOR;
    }

    private static ThreadPoolExecutor create() {
        ThreadPoolExecutor executor = new ThreadPoolExecutor(1, 1, 30, TimeUnit.SECONDS, new LinkedBlockingQueue<>(),
                runnable -> {
                    Thread thread = new Thread(runnable, "dlog-admin-io");
                    thread.setDaemon(true);
                    return thread;
                });
        executor.allowCoreThreadTimeOut(true);
        return executor;
    }
}
