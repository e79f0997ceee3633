package io.dlog.kafka.mirror;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.ApiVersions;
import org.apache.kafka.clients.ClientRequest;
import org.apache.kafka.clients.ClientResponse;
import org.apache.kafka.clients.ClientUtils;
import org.apache.kafka.clients.ManualMetadataUpdater;
import org.apache.kafka.clients.MetadataRecoveryStrategy;
import org.apache.kafka.clients.NetworkClient;
import org.apache.kafka.clients.NetworkClientUtils;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ListOffsetsResult;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.TopicPartitionInfo;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.message.FetchResponseData;
import org.apache.kafka.common.metrics.Metrics;
import org.apache.kafka.common.network.ChannelBuilder;
import org.apache.kafka.common.network.Selector;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.requests.FetchRequest;
import org.apache.kafka.common.requests.FetchResponse;
import org.apache.kafka.common.utils.LogContext;
import org.apache.kafka.common.utils.Time;

/**
 * A connection to the source cluster: an Admin client for where partitions live and their offsets, and a
 * {@link NetworkClient} (what Kafka's own replica fetcher uses) for Fetch, whose responses carry the source's
 * record batches as they are stored there.
 *
 * <p>Not thread-safe: owned by one {@link MirrorFetcher} thread; {@link #wakeup} may be called from any
 * thread to end a blocking poll early.
 */
final class SourceLink implements AutoCloseable {
    private static final Duration ADMIN_TIMEOUT = Duration.ofSeconds(30);
    /** Per fetch response, as Kafka's replica.fetch.response.max.bytes; per partition, a few batches more than one. */
    static final int FETCH_MAX_BYTES = 32 * 1024 * 1024;
    static final int PARTITION_MAX_BYTES = 8 * 1024 * 1024;

    /** Where one source partition lives. */
    record Leader(Node node, Uuid topicId) {
    }

    private final Time time = Time.SYSTEM;
    private final Admin admin;
    private final Metrics metrics;
    private final NetworkClient client;

    private SourceLink(Admin admin, Metrics metrics, NetworkClient client) {
        this.admin = admin;
        this.metrics = metrics;
        this.client = client;
    }

    /** @param settings client settings (security.protocol, sasl.*, ssl.*, ...) from the broker's dlog.mirror.source.* */
    static SourceLink open(String bootstrapServers, Map<String, Object> settings, String clientId) {
        Map<String, Object> props = new HashMap<>(settings);
        props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        props.put(AdminClientConfig.CLIENT_ID_CONFIG, clientId);
        AdminClientConfig config = new AdminClientConfig(props);
        Admin admin = Admin.create(props);
        Time time = Time.SYSTEM;
        LogContext logContext = new LogContext("[mirror " + clientId + "] ");
        Metrics metrics = new Metrics(time);
        try {
            ChannelBuilder channels = ClientUtils.createChannelBuilder(config, time, logContext);
            Selector selector = new Selector(config.getLong(AdminClientConfig.CONNECTIONS_MAX_IDLE_MS_CONFIG), metrics,
                    time, "dlog-mirror", channels, logContext);
            NetworkClient client = new NetworkClient(selector, new ManualMetadataUpdater(), clientId, 1,
                    config.getLong(AdminClientConfig.RECONNECT_BACKOFF_MS_CONFIG),
                    config.getLong(AdminClientConfig.RECONNECT_BACKOFF_MAX_MS_CONFIG),
                    1024 * 1024, 1024 * 1024, config.getInt(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG),
                    config.getLong(AdminClientConfig.SOCKET_CONNECTION_SETUP_TIMEOUT_MS_CONFIG),
                    config.getLong(AdminClientConfig.SOCKET_CONNECTION_SETUP_TIMEOUT_MAX_MS_CONFIG), time, true,
                    new ApiVersions(), logContext, MetadataRecoveryStrategy.NONE);
            return new SourceLink(admin, metrics, client);
        } catch (RuntimeException e) {
            admin.close(Duration.ZERO);
            metrics.close();
            throw e;
        }
    }

    /** Each partition's leader (null node while it has none) and the topic's id. */
    Map<Integer, Leader> leaders(String topic) throws IOException {
        TopicDescription description = get(admin.describeTopics(List.of(topic)).allTopicNames()).get(topic);
        Map<Integer, Leader> leaders = new HashMap<>();
        for (TopicPartitionInfo info : description.partitions()) {
            Node leader = info.leader() == null || info.leader().isEmpty() ? null : info.leader();
            leaders.put(info.partition(), new Leader(leader, description.topicId()));
        }
        return leaders;
    }

    /** The source partition's log start and log end (high watermark), read_uncommitted. */
    long[] logRange(TopicPartition tp) throws IOException {
        var options = new org.apache.kafka.clients.admin.ListOffsetsOptions(IsolationLevel.READ_UNCOMMITTED);
        ListOffsetsResult.ListOffsetsResultInfo start = get(admin.listOffsets(Map.of(tp, OffsetSpec.earliest()), options).partitionResult(tp));
        ListOffsetsResult.ListOffsetsResultInfo end = get(admin.listOffsets(Map.of(tp, OffsetSpec.latest()), options).partitionResult(tp));
        return new long[] {start.offset(), end.offset()};
    }

    /**
     * One Fetch per source node, sent together, answered when all came back. A node that does not answer in
     * the request timeout, or disconnects, fails the whole call (the fetcher reconnects and refreshes leaders).
     */
    Map<TopicPartition, FetchResponseData.PartitionData> fetch(Map<Node, Map<TopicPartition, FetchRequest.PartitionData>> byNode,
                                                               Map<Uuid, String> topicNames, int maxWaitMs) throws IOException {
        List<String> pending = new ArrayList<>();
        for (Map.Entry<Node, Map<TopicPartition, FetchRequest.PartitionData>> entry : byNode.entrySet()) {
            Node node = entry.getKey();
            if (!NetworkClientUtils.awaitReady(client, node, time, ADMIN_TIMEOUT.toMillis())) {
                throw new IOException("source node " + node + " is not reachable");
            }
            FetchRequest.Builder builder = FetchRequest.Builder.forConsumer(ApiKeys.FETCH.latestVersion(), maxWaitMs, 1,
                    entry.getValue()).isolationLevel(IsolationLevel.READ_UNCOMMITTED).setMaxBytes(FETCH_MAX_BYTES);
            ClientRequest request = client.newClientRequest(node.idString(), builder, time.milliseconds(), true);
            client.send(request, time.milliseconds());
            pending.add(node.idString());
        }
        Map<TopicPartition, FetchResponseData.PartitionData> result = new LinkedHashMap<>();
        long deadline = time.milliseconds() + maxWaitMs + ADMIN_TIMEOUT.toMillis();
        while (!pending.isEmpty()) {
            long now = time.milliseconds();
            if (now >= deadline) {
                throw new IOException("no Fetch response from source nodes " + pending);
            }
            for (ClientResponse response : client.poll(Math.min(deadline - now, 1_000), now)) {
                pending.remove(response.destination());
                if (response.wasDisconnected() || response.wasTimedOut()) {
                    throw new IOException("source node " + response.destination() + " disconnected");
                }
                if (response.versionMismatch() != null) {
                    throw new IOException(response.versionMismatch());
                }
                if (response.authenticationException() != null) {
                    throw new IOException(response.authenticationException());
                }
                FetchResponse body = (FetchResponse) response.responseBody();
                if (body.error() != org.apache.kafka.common.protocol.Errors.NONE) {
                    throw new IOException("source Fetch failed: " + body.error());
                }
                result.putAll(body.responseData(topicNames, response.requestHeader().apiVersion()));
            }
            if (Thread.currentThread().isInterrupted()) {
                throw new IOException("interrupted");
            }
        }
        return result;
    }

    void wakeup() {
        client.wakeup();
    }

    private static <T> T get(org.apache.kafka.common.KafkaFuture<T> future) throws IOException {
        try {
            return future.get(ADMIN_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            throw new IOException(e.getCause().getMessage(), e.getCause());
        } catch (TimeoutException e) {
            throw new IOException("the source cluster did not answer in " + ADMIN_TIMEOUT, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
    }

    @Override
    public void close() {
        admin.close(Duration.ofSeconds(1));
        client.close();
        metrics.close();
    }
}
