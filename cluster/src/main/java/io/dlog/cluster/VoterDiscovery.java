package io.dlog.cluster;

import io.dlog.cluster.internal.RatisMetadataQuorum;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The metadata group's voters, learnt from the controllers' addresses alone: a broker-only node configured as Kafka 4
 * configures one ({@code controller.quorum.bootstrap.servers}, no {@code controller.quorum.voters}) has no ids to
 * follow the group with. Kafka's observer learns the voters from its bootstrap servers' answers; DLog's asks each
 * address in turn for the group's configuration until one answers, so a broker may start before its controllers.
 *
 * <p>Thread-safe and stateless: each call opens and closes clients of its own.
 */
public final class VoterDiscovery {
    private static final Logger LOG = LoggerFactory.getLogger(VoterDiscovery.class);
    /** How long one address may take to answer: a controller that is up answers in milliseconds. */
    static final Duration ASK_TIMEOUT = Duration.ofSeconds(3);
    static final long RETRY_PAUSE_MS = 500;

    private VoterDiscovery() {
    }

    /**
     * @param bootstrap the controllers' addresses, asked in this order, again and again until one answers
     * @param timeout how long to keep asking
     * @return the voters by node id, with the addresses the group's configuration gives them
     * @throws IOException no address answered within {@code timeout}; the message names the last failure
     */
    public static Map<Integer, InetSocketAddress> discover(List<InetSocketAddress> bootstrap, Duration timeout)
            throws IOException, InterruptedException {
        if (bootstrap.isEmpty()) {
            throw new IllegalArgumentException("no controller addresses to ask");
        }
        long deadline = System.nanoTime() + timeout.toNanos();
        IOException last = null;
        boolean told = false;
        while (true) {
            for (InetSocketAddress controller : bootstrap) {
                try {
                    Map<Integer, InetSocketAddress> voters = RatisMetadataQuorum.askVoters(controller, ASK_TIMEOUT);
                    LOG.info("The metadata group's voters, as the controller at {} lists them: {}", where(controller), voters);
                    return voters;
                } catch (IOException e) {
                    last = e;
                    LOG.debug("The controller at {} did not list the voters: {}", where(controller), e.toString());
                }
            }
            if (System.nanoTime() - deadline >= 0) {
                throw new IOException("none of the controllers in controller.quorum.bootstrap.servers ("
                        + describe(bootstrap) + ") listed the metadata group's voters within " + timeout.toSeconds()
                        + " s; the last failure: " + (last == null ? "none" : last.getMessage()));
            }
            if (!told) {
                // Brokers often start before their controllers: one line, not one per attempt.
                LOG.info("Waiting for a controller at {} to list the metadata group's voters", describe(bootstrap));
                told = true;
            }
            Thread.sleep(RETRY_PAUSE_MS);
        }
    }

    private static String describe(List<InetSocketAddress> bootstrap) {
        StringBuilder out = new StringBuilder();
        for (InetSocketAddress address : bootstrap) {
            out.append(out.length() == 0 ? "" : ",").append(where(address));
        }
        return out.toString();
    }

    private static String where(InetSocketAddress address) {
        return address.getHostString() + ":" + address.getPort();
    }
}
