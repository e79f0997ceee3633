package io.dlog.bench.kafka;

import io.dlog.kafka.metrics.BrokerMetrics;
import io.dlog.kafka.metrics.DLogMetrics;
import io.dlog.kafka.metrics.RequestTypeMetrics;
import io.dlog.kafka.metrics.TopicMetrics;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.common.protocol.ApiKeys;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * What the metrics add to one produce and one fetch of a single 16 KiB batch (the producer's default
 * batch.size), the broker's whole per-request metrics work: BrokerTopicMetrics marks (per topic and
 * all-topics), the request rate and the six request-time histograms (twice for a fetch: Fetch and
 * FetchConsumer), the handler busy time and, for a produce, the log engine's append timer. Divided into
 * a GB it gives the metrics' CPU per GB, compared with the broker's measured CPU per GB in
 * docs/benchmarks.md.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class MetricsOverheadBenchmark {
    private static final int BATCH_BYTES = 16 * 1024;
    private static final int RECORDS = 160;

    private BrokerMetrics metrics;
    private TopicMetrics topic;
    private RequestTypeMetrics produce;
    private RequestTypeMetrics fetch;
    private RequestTypeMetrics fetchConsumer;
    private DLogMetrics own;

    @Setup
    public void setUp() {
        metrics = BrokerMetrics.unpublished();
        topic = metrics.topics().topic("bench");
        produce = metrics.requests().of(ApiKeys.PRODUCE);
        fetch = metrics.requests().of(ApiKeys.FETCH);
        fetchConsumer = metrics.requests().fetch(false);
        own = new DLogMetrics(metrics);
    }

    @TearDown
    public void tearDown() {
        metrics.close();
    }

    @Benchmark
    public void produceRequest() {
        long t0 = System.nanoTime();
        produce.onRequest((short) 11);
        topic.onProduceRequest();
        long t1 = System.nanoTime();
        metrics.requests().onHandlerBusy(t1 - t0);
        own.onAppend(50_000);
        topic.onAppended(RECORDS, BATCH_BYTES);
        long t2 = System.nanoTime();
        produce.onCompleted(t0, t0, t1, t2, t2, System.nanoTime());
        metrics.requests().onHandlerBusy(1_000);
    }

    @Benchmark
    public void fetchRequest() {
        long t0 = System.nanoTime();
        fetch.onRequest((short) 17);
        long t1 = System.nanoTime();
        metrics.requests().onHandlerBusy(t1 - t0);
        topic.onFetchRequest();
        topic.onBytesOut(BATCH_BYTES);
        long t2 = System.nanoTime();
        fetch.onCompleted(t0, t0, t1, t2, t2, System.nanoTime());
        fetchConsumer.onCompleted(t0, t0, t1, t2, t2, System.nanoTime());
        metrics.requests().onHandlerBusy(1_000);
    }
}
