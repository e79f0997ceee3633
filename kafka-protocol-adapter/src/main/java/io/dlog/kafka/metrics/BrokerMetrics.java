package io.dlog.kafka.metrics;

import com.codahale.metrics.Gauge;
import com.codahale.metrics.Histogram;
import com.codahale.metrics.SlidingWindowReservoir;
import com.codahale.metrics.Meter;
import com.codahale.metrics.Metric;
import com.codahale.metrics.MetricRegistry;
import com.codahale.metrics.jmx.JmxReporter;
import java.lang.management.ManagementFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import javax.management.MBeanServer;
import javax.management.MBeanServerFactory;
import javax.management.MalformedObjectNameException;
import javax.management.ObjectName;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One node's metric registry and its JMX publication. Kafka's metrics live in {@link #topics()} and
 * {@link #requests()}; the other modules' instruments are registered by name ({@link #meter},
 * {@link #histogram}, {@link #gauge}).
 *
 * <p>JMX: the first node of a JVM publishes into the platform MBeanServer, where jconsole, the JMX
 * exporter agent and remote JMX connectors find it. Further nodes in the same JVM (in-process test
 * clusters) would clash on Kafka's fixed ObjectNames, so each gets a private MBeanServer of its own
 * ({@link #mBeanServer()}), as a second Kafka broker in one JVM would have to.
 *
 * <p>Thread-safety: safe for use from any thread.
 */
public final class BrokerMetrics implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(BrokerMetrics.class);
    /** Values a histogram keeps (Kafka's Yammer reservoirs keep 1028). */
    static final int SAMPLES = 1028;
    /** The node whose MBeans are in the platform MBeanServer, if any. */
    private static final AtomicReference<BrokerMetrics> PLATFORM_OWNER = new AtomicReference<>();

    private final MetricRegistry registry = new MetricRegistry();
    private final MBeanServer mBeanServer;
    private final JmxReporter jmx;
    private final BrokerTopicStats topics;
    private final RequestMetrics requests;
    private final HandlerIdleMeter handlerIdle;

    private BrokerMetrics(boolean publish, int nodeId, int handlerThreads) {
        topics = new BrokerTopicStats(this);
        handlerIdle = register(MetricNames.name(MetricNames.SERVER, "KafkaRequestHandlerPool", "RequestHandlerAvgIdlePercent"),
                new HandlerIdleMeter(handlerThreads));
        requests = new RequestMetrics(this, handlerIdle);
        if (!publish) {
            mBeanServer = null;
            jmx = null;
            return;
        }
        if (PLATFORM_OWNER.compareAndSet(null, this)) {
            mBeanServer = ManagementFactory.getPlatformMBeanServer();
        } else {
            mBeanServer = MBeanServerFactory.newMBeanServer();
            LOG.info("Node {}: another DLog node of this JVM publishes to the platform MBeanServer; this node's MBeans "
                    + "are in a private one", nodeId);
        }
        jmx = JmxReporter.forRegistry(registry).registerWith(mBeanServer).convertRatesTo(TimeUnit.SECONDS)
                .convertDurationsTo(TimeUnit.MILLISECONDS).createsObjectNamesWith(BrokerMetrics::objectName).build();
        jmx.start();
    }

    /**
     * A node's metrics, published as MBeans.
     *
     * @param handlerThreads the event-loop threads that run request handlers ({@code num.network.threads})
     */
    public static BrokerMetrics publishing(int nodeId, int handlerThreads) {
        return new BrokerMetrics(true, nodeId, handlerThreads);
    }

    /** Metrics kept in memory only (tests and tools that run handlers without a node). */
    public static BrokerMetrics unpublished() {
        return new BrokerMetrics(false, -1, 1);
    }

    /** Samples the time-based metrics (the handler idle share); called every second by the node's timer. */
    public void sample() {
        handlerIdle.sample();
    }

    private static ObjectName objectName(String type, String domain, String name) {
        try {
            return new ObjectName(name);
        } catch (MalformedObjectNameException e) {
            throw new IllegalArgumentException("not an ObjectName: " + name, e);
        }
    }

    public MetricRegistry registry() {
        return registry;
    }

    /** Where this node's MBeans are; null when unpublished. */
    public MBeanServer mBeanServer() {
        return mBeanServer;
    }

    public BrokerTopicStats topics() {
        return topics;
    }

    public RequestMetrics requests() {
        return requests;
    }

    /** The meter of that name, created on first use ({@link CountingMeter}: one add per mark). */
    public Meter meter(String name) {
        return registry.meter(name, CountingMeter::new);
    }

    /**
     * The histogram of that name, created on first use. Its reservoir keeps the last {@value #SAMPLES}
     * values (Dropwizard's sliding window): an update is a few nanoseconds and allocates nothing, where
     * the forward-decaying reservoir of Kafka's Yammer histograms (biased to the last five minutes) cost
     * ~50 ns and an allocation per update, six times per request. The percentiles are those of the
     * latest {@value #SAMPLES} requests of the type, which for a busy type is the last moments and for a
     * quiet one reaches further back.
     */
    public Histogram histogram(String name) {
        return registry.histogram(name, () -> new Histogram(new SlidingWindowReservoir(SAMPLES)));
    }

    /** Registers a gauge, replacing one of the same name. */
    public <T> void gauge(String name, Gauge<T> gauge) {
        registry.remove(name);
        registry.register(name, gauge);
    }

    /** Registers a metric built elsewhere (a meter subclass), replacing one of the same name. */
    public <T extends Metric> T register(String name, T metric) {
        registry.remove(name);
        return registry.register(name, metric);
    }

    public void remove(String name) {
        registry.remove(name);
    }

    /** Unregisters every MBean; the registry stays readable. */
    @Override
    public void close() {
        if (jmx != null) {
            jmx.stop();
            PLATFORM_OWNER.compareAndSet(this, null);
        }
    }
}
