package io.dlog.kafka.metrics;

import java.util.concurrent.atomic.AtomicReferenceArray;
import org.apache.kafka.common.protocol.ApiKeys;

/**
 * The RequestMetrics of every request name, read from arrays indexed by API key. Fetch requests are also
 * recorded as FetchConsumer or FetchFollower, as Kafka does, so consumer and replication fetch times can be
 * told apart.
 *
 * <p>The node creates those of every API it serves before it serves ({@link #prepare}), as Kafka's
 * {@code RequestChannel.Metrics} does. Why up front: the request path that looks them up is compiled while the
 * first clients' APIs run; an API first used later (a new client's) would take the never-taken creation branch
 * and make the JVM throw the compiled dispatch away and run it interpreted until compiled again, on the
 * request path of that client's first requests. What is not prepared is created on first use. The cost: six
 * histograms of {@value BrokerMetrics#SAMPLES} samples per API (about 48 KiB), some 3 MiB for the ~65 APIs served.
 *
 * <p>Thread-safety: any thread.
 */
public final class RequestMetrics {
    private static final String FETCH_CONSUMER = ApiKeys.FETCH.name + "Consumer";
    private static final String FETCH_FOLLOWER = ApiKeys.FETCH.name + "Follower";

    private final BrokerMetrics metrics;
    private final AtomicReferenceArray<RequestTypeMetrics> byApiKey;
    private volatile RequestTypeMetrics fetchConsumer;
    private volatile RequestTypeMetrics fetchFollower;
    private final HandlerIdleMeter idle;

    RequestMetrics(BrokerMetrics metrics, HandlerIdleMeter idle) {
        this.metrics = metrics;
        this.idle = idle;
        int maxId = 0;
        for (ApiKeys key : ApiKeys.values()) {
            maxId = Math.max(maxId, key.id);
        }
        byApiKey = new AtomicReferenceArray<>(maxId + 1);
    }

    /** Creates the metrics of {@code served} and, if Fetch is among them, FetchConsumer and FetchFollower. */
    public void prepare(Iterable<ApiKeys> served) {
        for (ApiKeys key : served) {
            of(key);
            if (key == ApiKeys.FETCH) {
                fetch(true);
                fetch(false);
            }
        }
    }

    /** The metrics of one API (request name {@link ApiKeys#name}, as Kafka's tag). */
    public RequestTypeMetrics of(ApiKeys key) {
        RequestTypeMetrics found = byApiKey.get(key.id);
        if (found == null) {
            synchronized (this) {
                found = byApiKey.get(key.id);
                if (found == null) {
                    found = new RequestTypeMetrics(metrics, key.name);
                    byApiKey.set(key.id, found);
                }
            }
        }
        return found;
    }

    /** Time a handler thread (an event loop) spent on requests: calling handlers, writing responses. */
    public void onHandlerBusy(long nanos) {
        idle.addBusy(nanos);
    }

    /** FetchFollower (a replica's fetch) or FetchConsumer. */
    public RequestTypeMetrics fetch(boolean fromFollower) {
        RequestTypeMetrics found = fromFollower ? fetchFollower : fetchConsumer;
        if (found == null) {
            synchronized (this) {
                found = fromFollower ? fetchFollower : fetchConsumer;
                if (found == null) {
                    found = new RequestTypeMetrics(metrics, fromFollower ? FETCH_FOLLOWER : FETCH_CONSUMER);
                    if (fromFollower) {
                        fetchFollower = found;
                    } else {
                        fetchConsumer = found;
                    }
                }
            }
        }
        return found;
    }
}
