package io.dlog.bench.kafka;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;

/**
 * The CPU time (not wall time: JMH's scores inflate with the machine's load, this does not) of the
 * metrics' work for one produce request of one batch, as {@link MetricsOverheadBenchmark#produceRequest}
 * does it: {@code java -cp microbenchmarks/target/benchmarks.jar io.dlog.bench.kafka.MetricsCpuCost}.
 * Prints nanoseconds of CPU per request for three rounds of two million requests.
 */
public final class MetricsCpuCost {
    private static final int REQUESTS = 2_000_000;
    private static final int BATCH_BYTES = 16 * 1024;

    private MetricsCpuCost() {
    }

    public static void main(String[] args) {
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        MetricsOverheadBenchmark benchmark = new MetricsOverheadBenchmark();
        benchmark.setUp();
        for (int round = 1; round <= 3; round++) {
            long start = threads.getCurrentThreadCpuTime();
            for (int i = 0; i < REQUESTS; i++) {
                benchmark.produceRequest();
            }
            double perRequest = (threads.getCurrentThreadCpuTime() - start) / (double) REQUESTS;
            double msPerGb = perRequest * (1L << 30) / BATCH_BYTES / 1e6;
            System.out.printf("round %d: %.0f ns CPU per produce request, %.1f ms per GB in %d-byte batches%n", round,
                    perRequest, msPerGb, BATCH_BYTES);
        }
        benchmark.tearDown();
    }
}
