package io.dlog.kafka.replica;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * Times out the requests of blocking connections ({@link PlaintextBrokerChannel}): a request past its deadline has its
 * connection closed, which fails the read or write it is blocked in.
 *
 * <p>Why a watchdog: a blocking socket read has no timeout of its own (the JDK's {@code SocketChannel} ignores
 * {@code SO_TIMEOUT}), and a selector per fetch is the cost the blocking connection is there to save. The deadlines
 * are the request timeouts of replica fetches (30 s and more), so checking every {@link #CHECK_EVERY_MS} ms is
 * precise enough, and a fetch pays two volatile writes.
 *
 * <p>Thread-safety: {@link #register}, {@link #unregister} and a deadline's {@code start}/{@code stop} may be called from
 * any thread; one daemon thread, started with the first registration, does the checks and runs the expiry actions.
 */
final class RequestDeadlines {
    static final RequestDeadlines INSTANCE = new RequestDeadlines();
    static final long CHECK_EVERY_MS = 250;
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(RequestDeadlines.class);

    private final Set<Deadline> registered = ConcurrentHashMap.newKeySet();
    private volatile Thread checker;

    /** One connection's deadline; {@code onExpiry} runs on the watchdog thread when a started one passes. */
    Deadline register(Runnable onExpiry) {
        Deadline d = new Deadline(onExpiry);
        registered.add(d);
        if (checker == null) {
            startChecker();
        }
        return d;
    }

    void unregister(Deadline d) {
        registered.remove(d);
    }

    private synchronized void startChecker() {
        if (checker != null) {
            return;
        }
        Thread t = new Thread(this::run, "dlog-request-deadlines");
        t.setDaemon(true);
        t.start();
        checker = t;
    }

    private void run() {
        while (true) {
            try {
                TimeUnit.MILLISECONDS.sleep(CHECK_EVERY_MS);
                checkAt(System.nanoTime());
            } catch (InterruptedException e) {
                return;
            } catch (RuntimeException e) {
                LOG.error("Request deadline check failed; checking again", e);
            }
        }
    }

    /** Expires every started deadline due before {@code now} (nanoTime): the watchdog's step. */
    private void checkAt(long now) {
        for (Deadline d : registered) {
            d.checkAt(now);
        }
    }

    /** The deadline of the one request a connection has out at a time. */
    static final class Deadline {
        private final Runnable onExpiry;
        /** nanoTime by which the request must end; meaningful while {@link #running}. */
        private volatile long due;
        private volatile boolean running;
        private volatile boolean expired;

        private Deadline(Runnable onExpiry) {
            this.onExpiry = onExpiry;
        }

        /** A request starts: it must end by {@code dueNanos} (nanoTime). */
        void start(long dueNanos) {
            due = dueNanos;
            running = true;
        }

        /** The request ended (answered or failed). */
        void stop() {
            running = false;
        }

        /** Whether a request of this connection outlived its deadline (its connection was then closed). */
        boolean expired() {
            return expired;
        }

        private void checkAt(long now) {
            if (running && now - due > 0 && !expired) {
                expired = true;
                onExpiry.run();
            }
        }
    }
}
