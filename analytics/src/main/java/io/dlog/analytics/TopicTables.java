package io.dlog.analytics;

import io.dlog.log.PartitionLog;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.kafka.common.record.internal.Record;

/**
 * Topics as tables: decides a topic's {@link TableSchema} (JSON when every sampled value is a JSON
 * object, with the schema inferred from the first {@code sampleRecords} records of each partition; raw
 * bytes otherwise, or as asked) and opens readers over it. Thread-safe (holds no mutable state).
 */
public final class TopicTables {
    /** Batch limits of every reader opened here: rows, and bytes of keys, values and headers. */
    public static final int MAX_BATCH_ROWS = 64 * 1024;
    public static final long MAX_BATCH_BYTES = 32L << 20;
    private static final int READ_BYTES = 1 << 20;

    private final TopicCatalog catalog;
    private final int sampleRecords;
    private final ColumnarCopies copies;
    private final SchemaRegistryClient registry;

    public TopicTables(TopicCatalog catalog, int sampleRecords) {
        this(catalog, sampleRecords, null);
    }

    /** @param copies columnar copies of sealed segments that readers opened here use, or null for none */
    public TopicTables(TopicCatalog catalog, int sampleRecords, ColumnarCopies copies) {
        this(catalog, sampleRecords, copies, null);
    }

    /**
     * @param copies   columnar copies of sealed segments that readers opened here use, or null for none
     * @param registry the schema registry (Avro values in the Confluent wire format), or null for none
     */
    public TopicTables(TopicCatalog catalog, int sampleRecords, ColumnarCopies copies, SchemaRegistryClient registry) {
        this.catalog = catalog;
        this.sampleRecords = sampleRecords;
        this.copies = copies;
        this.registry = registry;
    }

    public TopicCatalog catalog() {
        return catalog;
    }

    public List<PartitionLog> partitions(String topic) throws UnknownTopicException {
        List<PartitionLog> partitions = catalog.partitions(topic);
        if (partitions.isEmpty()) {
            throw new UnknownTopicException(topic);
        }
        return partitions;
    }

    /**
     * The topic's table schema: Avro when the topic has {@code dlog.value.schema}, or else when the schema
     * registry has a subject {@code <topic>-value} (its latest version); JSON or raw, inferred, otherwise.
     * {@code format} forces raw, JSON (JSON over non-JSON values: all in _overflow) or Avro (refused with
     * IllegalArgumentException when the topic has no Avro schema).
     */
    public TableSchema schema(String topic, Optional<ValueFormat> format, Isolation isolation)
            throws UnknownTopicException, IOException {
        List<PartitionLog> partitions = partitions(topic);
        if (format.isPresent() && format.get() == ValueFormat.RAW) {
            return TableSchema.raw();
        }
        if (format.isEmpty() || format.get() == ValueFormat.AVRO) {
            Optional<TableSchema> avro = avroSchema(topic);
            if (avro.isPresent()) {
                return avro.get();
            }
            if (format.isPresent()) {
                throw new IllegalArgumentException("topic '" + topic + "' has no Avro schema (" + TopicCatalog.VALUE_SCHEMA_CONFIG
                        + (registry == null ? "" : ", or subject " + topic + "-value in the schema registry") + ")");
            }
        }
        JsonSchemaInference inference = new JsonSchemaInference();
        for (PartitionLog log : partitions) {
            try (PartitionRecordReader reader = new PartitionRecordReader(log, ScanRange.ALL.withIsolation(isolation), READ_BYTES)) {
                Record record;
                for (int n = 0; n < sampleRecords && (record = reader.next()) != null; n++) {
                    inference.add(record.value());
                }
            }
        }
        Optional<Map<String, JsonType>> fields = inference.result();
        if (fields.isPresent()) {
            return TableSchema.json(fields.get());
        }
        return format.isPresent() ? TableSchema.json(Map.of()) : TableSchema.raw();
    }

    /** The topic's Avro table, from its dlog.value.schema or the registry's latest {@code <topic>-value} schema. */
    private Optional<TableSchema> avroSchema(String topic) throws IOException {
        String declared = catalog.topicConfigs(topic).get(TopicCatalog.VALUE_SCHEMA_CONFIG);
        if (declared != null && !declared.isBlank()) {
            org.apache.avro.Schema schema;
            try {
                schema = new org.apache.avro.Schema.Parser().parse(declared);
            } catch (RuntimeException e) {
                throw new IOException("the " + TopicCatalog.VALUE_SCHEMA_CONFIG + " of topic '" + topic + "' is not an Avro schema: "
                        + SchemaRegistryClient.oneLine(e.getMessage()), e);
            }
            return Optional.of(TableSchema.avro(schema, registry != null));
        }
        if (registry == null) {
            return Optional.empty();
        }
        return registry.latestSchema(topic + "-value").map(schema -> TableSchema.avro(schema, true));
    }

    /**
     * The columnar copies scans of these partitions (of one topic) use: none when the topic's
     * {@code dlog.columnar.copies} is false, and then the copies they had are deleted.
     */
    private ColumnarCopies copiesFor(List<PartitionLog> logs) {
        if (copies == null || logs.isEmpty()) {
            return copies;
        }
        String enabled = catalog.topicConfigs(logs.get(0).topicPartition().topic()).get(TopicCatalog.COLUMNAR_COPIES_CONFIG);
        if (enabled == null || !enabled.trim().equalsIgnoreCase("false")) {
            return copies;
        }
        logs.forEach(copies::deleteLater);
        return null;
    }

    /** A reader over the given partitions (all when {@code partitions} is null), each scanned over {@code range}. */
    public TopicArrowReader open(BufferAllocator allocator, String topic, TableSchema table, Set<String> projection,
                                 Set<Integer> partitions, ScanRange range) throws UnknownTopicException, IOException {
        List<PartitionScan> scans = new ArrayList<>();
        for (PartitionLog log : partitions(topic)) {
            if (partitions == null || partitions.contains(log.topicPartition().partition())) {
                scans.add(new PartitionScan(log, range));
            }
        }
        return new TopicArrowReader(allocator, table, projection, scans, MAX_BATCH_ROWS, MAX_BATCH_BYTES, READ_BYTES,
                copiesFor(scans.stream().map(PartitionScan::log).toList()), registry);
    }

    /** A reader over one partition log (the one a Flight ticket names), scanned over {@code range}. */
    public TopicArrowReader open(BufferAllocator allocator, PartitionLog log, TableSchema table, Set<String> projection,
                                 ScanRange range) throws IOException {
        return new TopicArrowReader(allocator, table, projection, List.of(new PartitionScan(log, range)), MAX_BATCH_ROWS,
                MAX_BATCH_BYTES, READ_BYTES, copiesFor(List.of(log)), registry);
    }
}
