package io.dlog.kafka.handlers.admin;

import io.dlog.kafka.BrokerContext;
import io.dlog.kafka.api.ApiHandler;
import io.dlog.kafka.api.RequestContext;
import io.dlog.kafka.topic.TopicService;
import io.dlog.log.PartitionLog;
import io.dlog.log.metadata.TopicImage;
import java.io.IOException;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import org.apache.kafka.common.message.DescribeLogDirsRequestData;
import org.apache.kafka.common.message.DescribeLogDirsRequestData.DescribableLogDirTopic;
import org.apache.kafka.common.message.DescribeLogDirsResponseData;
import org.apache.kafka.common.message.DescribeLogDirsResponseData.DescribeLogDirsPartition;
import org.apache.kafka.common.message.DescribeLogDirsResponseData.DescribeLogDirsResult;
import org.apache.kafka.common.message.DescribeLogDirsResponseData.DescribeLogDirsTopic;
import org.apache.kafka.common.protocol.Errors;

/**
 * DescribeLogDirs: the one data folder, the size on disk of each partition this node holds a replica of,
 * led or followed (offset lag 0: the log is its own current replica; never a future log), and from v4 the volume's total and usable bytes. A null
 * topic list means every partition; otherwise only the named partitions that exist. Runs on
 * {@link BlockingWork} because sizes and volume figures come from the file system.
 */
public final class DescribeLogDirsHandler implements ApiHandler<DescribeLogDirsRequestData> {
    private final BrokerContext context;
    private final Executor executor;

    public DescribeLogDirsHandler(BrokerContext context) {
        this(context, BlockingWork.executor());
    }

    DescribeLogDirsHandler(BrokerContext context, Executor executor) {
        this.context = context;
        this.executor = executor;
    }

    @Override
    public CompletionStage<DescribeLogDirsResponseData> handle(RequestContext request, DescribeLogDirsRequestData data) {
        return CompletableFuture.supplyAsync(() -> describe(data), executor);
    }

    private DescribeLogDirsResponseData describe(DescribeLogDirsRequestData data) {
        TopicService topics = context.topics();
        String dataDir = topics.logs().dataDirPath();
        DescribeLogDirsResult dir = new DescribeLogDirsResult().setLogDir(dataDir).setErrorCode(Errors.NONE.code());
        for (Map.Entry<String, List<Integer>> wanted : wanted(data.topics(), topics.image().topics().values()).entrySet()) {
            DescribeLogDirsTopic topic = new DescribeLogDirsTopic().setName(wanted.getKey());
            for (int partition : wanted.getValue()) {
                // Every replica this node hosts, followers' too, as Kafka lists them (not only the partitions it leads).
                Optional<PartitionLog> log = topics.logs().get(new io.dlog.log.TopicPartition(wanted.getKey(), partition));
                log.ifPresent(found -> topic.partitions().add(new DescribeLogDirsPartition()
                        .setPartitionIndex(partition)
                        .setPartitionSize(found.sizeInBytes())
                        .setOffsetLag(0L)
                        .setIsFutureKey(false)));
            }
            if (!topic.partitions().isEmpty()) {
                dir.topics().add(topic);
            }
        }
        try {
            FileStore store = Files.getFileStore(Path.of(dataDir));
            dir.setTotalBytes(store.getTotalSpace()).setUsableBytes(store.getUsableSpace());
        } catch (IOException | RuntimeException e) {
            // Kafka answers -1 when the volume cannot be read; the partition list is still right.
            dir.setTotalBytes(-1L).setUsableBytes(-1L);
        }
        DescribeLogDirsResponseData response = new DescribeLogDirsResponseData().setErrorCode(Errors.NONE.code());
        response.results().add(dir);
        return response;
    }

    /** Topic -> partitions to describe, in name order: every partition when the request names none. */
    private static Map<String, List<Integer>> wanted(Collection<DescribableLogDirTopic> requested, Collection<TopicImage> known) {
        Map<String, List<Integer>> result = new TreeMap<>();
        if (requested == null) {
            for (TopicImage topic : known) {
                List<Integer> partitions = new ArrayList<>();
                for (int p = 0; p < topic.partitions(); p++) {
                    partitions.add(p);
                }
                result.put(topic.name(), partitions);
            }
            return result;
        }
        Map<String, TopicImage> byName = new TreeMap<>();
        for (TopicImage topic : known) {
            byName.put(topic.name(), topic);
        }
        for (DescribableLogDirTopic topic : requested) {
            TopicImage image = byName.get(topic.topic());
            if (image == null) {
                continue;
            }
            List<Integer> partitions = result.computeIfAbsent(topic.topic(), name -> new ArrayList<>());
            for (int p : topic.partitions()) {
                if (p >= 0 && p < image.partitions() && !partitions.contains(p)) {
                    partitions.add(p);
                }
            }
        }
        return result;
    }
}
