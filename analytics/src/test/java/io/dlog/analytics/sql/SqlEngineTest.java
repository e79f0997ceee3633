package io.dlog.analytics.sql;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.dlog.analytics.Isolation;
import io.dlog.analytics.TopicCatalog;
import io.dlog.analytics.TopicTables;
import io.dlog.log.LogConfig;
import io.dlog.log.LogManager;
import io.dlog.log.LogManagerConfig;
import io.dlog.log.PartitionLog;
import io.dlog.log.TopicPartition;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.SimpleRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SqlEngineTest {
    private static final String[] COUNTRIES = {"FR", "DE", "US", "JP", "BR"};
    @TempDir
    static Path dir;
    private LogManager logs;
    private BufferAllocator allocator;
    private SqlEngine engine;
    /** The plain computation the SQL answers are checked against: country -> [count, sum of amount]. */
    private final Map<String, long[]> expected = new TreeMap<>();
    private long rowsAtOffset100OrMoreInPartition1;

    @BeforeAll
    void start() throws Exception {
        logs = LogManager.open(LogManagerConfig.defaults(dir), Clock.systemUTC(), t -> LogConfig.DEFAULT);
        for (int p = 0; p < 3; p++) {
            PartitionLog log = logs.getOrCreate(new TopicPartition("orders", p), LogConfig.DEFAULT);
            for (int b = 0; b < 10; b++) {
                SimpleRecord[] batch = new SimpleRecord[100];
                for (int i = 0; i < batch.length; i++) {
                    int n = b * 100 + i;
                    String country = COUNTRIES[(n * 7 + p) % COUNTRIES.length];
                    long amount = (n * 13L + p) % 1000;
                    long[] agg = expected.computeIfAbsent(country, c -> new long[2]);
                    agg[0]++;
                    agg[1] += amount;
                    if (p == 1 && n >= 100) {
                        rowsAtOffset100OrMoreInPartition1++;
                    }
                    String json = "{\"country\":\"" + country + "\",\"amount\":" + amount + ",\"note\":\"" + "n".repeat(n % 20) + "\"}";
                    batch[i] = new SimpleRecord(1_700_000_000_000L + n * 1000L, null, json.getBytes(StandardCharsets.UTF_8));
                }
                log.append(MemoryRecords.withRecords(Compression.NONE, batch).buffer(), 0).get();
            }
        }
        allocator = new RootAllocator(1L << 30);
        engine = new SqlEngine(new TopicTables(TopicCatalog.of(logs), 1000), allocator, 2, "512MB");
    }

    @AfterAll
    void stop() throws Exception {
        assertThat(allocator.getAllocatedMemory()).as("memory held after every query closed").isZero();
        allocator.close();
        logs.close();
    }

    private List<List<Object>> query(String sql) throws Exception {
        List<List<Object>> rows = new ArrayList<>();
        try (SqlQuery query = engine.run(sql, Isolation.READ_UNCOMMITTED)) {
            while (query.result().loadNextBatch()) {
                VectorSchemaRoot root = query.result().getVectorSchemaRoot();
                for (int i = 0; i < root.getRowCount(); i++) {
                    List<Object> row = new ArrayList<>();
                    for (FieldVector vector : root.getFieldVectors()) {
                        Object value = vector.getObject(i);
                        row.add(value == null ? null : value instanceof BigDecimal d ? d.longValueExact()
                                : value instanceof org.apache.arrow.vector.util.Text t ? t.toString() : value);
                    }
                    rows.add(row);
                }
            }
        }
        return rows;
    }

    @Test
    void shouldAggregateByGroupAsAPlainComputationDoes() throws Exception {
        List<List<Object>> rows = query("SELECT country, count(*) AS n, sum(amount) AS total FROM \"orders\" GROUP BY country ORDER BY country");

        List<List<Object>> wanted = new ArrayList<>();
        expected.forEach((country, agg) -> wanted.add(List.of(country, agg[0], agg[1])));
        assertThat(rows).isEqualTo(wanted);
    }

    @Test
    void shouldPushOffsetAndPartitionPredicatesDownWithoutChangingTheAnswer() throws Exception {
        assertThat(query("SELECT count(*) FROM orders WHERE \"offset\" >= 100 AND partition = 1"))
                .containsExactly(List.of(rowsAtOffset100OrMoreInPartition1));
        assertThat(query("SELECT count(*) FROM orders WHERE \"offset\" BETWEEN 10 AND 19 OR partition = 2"))
                .containsExactly(List.of(10L * 2 + 1000));
        assertThat(query("SELECT count(*) FROM orders WHERE timestamp >= '2023-11-14 22:18:00' AND partition IN (0, 2)"))
                .containsExactly(List.of(2L * (1000 - 280)));
    }

    @Test
    void shouldAnswerTheResultSchemaFromADryRun() throws Exception {
        org.apache.arrow.vector.types.pojo.Schema schema =
                engine.schema("SELECT country, count(*) AS n FROM orders GROUP BY country;", Isolation.READ_UNCOMMITTED);

        assertThat(schema.getFields()).extracting(f -> f.getName()).containsExactly("country", "n");
        assertThat(schema.getFields().get(1).getType()).isEqualTo(new org.apache.arrow.vector.types.pojo.ArrowType.Int(64, true));
    }

    @Test
    void shouldOrderAndLimit() throws Exception {
        List<List<Object>> rows = query("SELECT partition, \"offset\", amount FROM orders ORDER BY amount DESC, partition, \"offset\" LIMIT 3");

        assertThat(rows).hasSize(3);
        assertThat(rows).extracting(row -> (Long) row.get(2)).isSortedAccordingTo((a, b) -> Long.compare(b, a));
        assertThat((Long) rows.get(0).get(2)).isEqualTo(999L);
    }

    @Test
    void shouldReadATopicNamedTwiceInOneQuery() throws Exception {
        List<List<Object>> rows = query("SELECT count(*) FROM orders WHERE amount > (SELECT avg(amount) FROM orders)");

        long total = expected.values().stream().mapToLong(a -> a[1]).sum();
        long count = expected.values().stream().mapToLong(a -> a[0]).sum();
        assertThat((Long) rows.get(0).get(0)).isPositive().isLessThan(count);
        assertThat(query("SELECT sum(o1.amount) FROM orders o1 JOIN orders o2 USING (partition, \"offset\")"))
                .containsExactly(List.of(total));
    }

    @Test
    void shouldRefuseWhatIsNotAQueryOverTopics() {
        assertThatThrownBy(() -> query("SELEC 1")).isInstanceOf(SqlException.class).hasMessageContaining("syntax");
        assertThatThrownBy(() -> query("CREATE TABLE x AS SELECT 1")).isInstanceOf(SqlException.class);
        assertThatThrownBy(() -> query("SELECT * FROM read_csv('/etc/passwd')")).isInstanceOf(SqlException.class);
        assertThatThrownBy(() -> query("SELECT * FROM no_such_topic")).isInstanceOf(SqlException.class)
                .hasMessageContaining("no_such_topic");
        assertThatThrownBy(() -> query("SELECT 1; SELECT 2")).isInstanceOf(SqlException.class);
    }

    @Test
    void shouldFindColumnsAndRangesInDuckDbsParseTree() throws Exception {
        QueryAnalysis.TableUse use = analyse("SELECT country, sum(o.amount) FROM orders o WHERE o.\"offset\" > 5 AND \"offset\" < 50 "
                + "AND partition IN (1, 2) AND partition <> 2 AND timestamp > TIMESTAMP '2024-01-01 00:00:00' GROUP BY 1").get("orders");

        assertThat(use.columns()).contains("country", "amount", "offset", "partition", "timestamp").doesNotContain("note");
        assertThat(use.bounds().minOffset()).isEqualTo(6);
        assertThat(use.bounds().maxOffsetExclusive()).isEqualTo(50);
        assertThat(use.bounds().partitions()).containsExactly(1, 2);
        assertThat(use.bounds().minTimestamp()).isEqualTo(1_704_067_200_001L); // > T: from T + 1 ms
        assertThat(analyse("SELECT * FROM orders WHERE \"offset\" > 5").get("orders").columns()).isNull();
        assertThat(analyse("SELECT o FROM orders o").get("orders").columns()).isNull();
        assertThat(analyse("SELECT count(*) FROM orders WHERE \"offset\" > 5 OR amount > 1").get("orders").bounds())
                .isEqualTo(QueryAnalysis.Bounds.NONE);
        assertThat(analyse("WITH x AS (SELECT * FROM orders) SELECT * FROM x").keySet()).isEqualTo(Set.of("orders"));
    }

    private static Map<String, QueryAnalysis.TableUse> analyse(String sql) throws Exception {
        try (Connection connection = DriverManager.getConnection("jdbc:duckdb:");
             PreparedStatement statement = connection.prepareStatement("SELECT json_serialize_sql(?::VARCHAR)")) {
            statement.setString(1, sql);
            try (ResultSet rs = statement.executeQuery()) {
                rs.next();
                return QueryAnalysis.of(new ObjectMapper().readTree(rs.getString(1)).path("statements")).tables();
            }
        }
    }
}
