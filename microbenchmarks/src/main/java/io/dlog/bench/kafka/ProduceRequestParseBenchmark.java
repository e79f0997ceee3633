package io.dlog.bench.kafka;

import io.dlog.kafka.handlers.produce.RecordsValidator;
import java.nio.ByteBuffer;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.message.ProduceRequestData;
import org.apache.kafka.common.protocol.ByteBufferAccessor;
import org.apache.kafka.common.protocol.MessageUtil;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.SimpleRecord;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * The adapter's share of a produce: parse the request body with Kafka's generated class and run the
 * record-level checks. Uncompressed on a delete topic must not touch the records (no decoding);
 * compacted or recompressing topics decode, which this measures too.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class ProduceRequestParseBenchmark {
    private static final short VERSION = 12;

    @Param({"producer", "zstd"})
    public String topicCompression;

    @Param({"false", "true"})
    public boolean compacted;

    private ByteBuffer request;

    @Setup
    public void setUp() {
        SimpleRecord[] records = new SimpleRecord[160];
        for (int i = 0; i < records.length; i++) {
            records[i] = new SimpleRecord(1_700_000_000_000L + i, ("key" + i).getBytes(java.nio.charset.StandardCharsets.UTF_8),
                    new byte[100]);
        }
        ProduceRequestData data = new ProduceRequestData().setAcks((short) 1).setTimeoutMs(30_000);
        ProduceRequestData.TopicProduceData topic = new ProduceRequestData.TopicProduceData().setName("bench");
        topic.partitionData().add(new ProduceRequestData.PartitionProduceData().setIndex(0)
                .setRecords(MemoryRecords.withRecords(Compression.NONE, records)));
        data.topicData().add(topic);
        request = MessageUtil.toByteBufferAccessor(data, VERSION).buffer();
    }

    @Benchmark
    public Object parseAndValidate() {
        ProduceRequestData data = new ProduceRequestData();
        data.read(new ByteBufferAccessor(request.duplicate()), VERSION);
        MemoryRecords records = (MemoryRecords) data.topicData().iterator().next().partitionData().get(0).records();
        Compression recompress = topicCompression.equals("zstd") ? Compression.zstd().build() : Compression.NONE;
        return RecordsValidator.validate(records, compacted, topicCompression, recompress).batches();
    }
}
