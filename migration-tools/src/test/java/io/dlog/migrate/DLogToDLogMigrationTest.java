package io.dlog.migrate;

import static io.dlog.migrate.MigrationFixture.admin;
import static io.dlog.migrate.MigrationFixture.migrate;
import static io.dlog.migrate.MigrationFixture.producer;
import static io.dlog.migrate.MigrationFixture.readAll;
import static org.assertj.core.api.Assertions.assertThat;

import io.dlog.broker.DLogBroker;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** dlog-migrate between two DLog nodes: DLog's own Fetch and log are a valid source too. */
class DLogToDLogMigrationTest {
    @TempDir
    Path dir;

    @Test
    void shouldMigrateATopicAndItsGroupFromOneDLogToAnother() throws Exception {
        try (DLogBroker from = MigrationFixture.startDLog(dir.resolve("from"));
             DLogBroker to = MigrationFixture.startDLog(dir.resolve("to"));
             Admin source = admin(from.bootstrapServers())) {
            // Given a DLog topic with idempotent and transactional records, a moved log start and a group
            source.createTopics(List.of(new NewTopic("events", 2, (short) 1).configs(Map.of("retention.ms", "86400000"))))
                    .all().get();
            try (KafkaProducer<String, String> p = producer(from.bootstrapServers(), ProducerConfig.LINGER_MS_CONFIG, "0")) {
                for (int i = 0; i < 30; i++) {
                    p.send(new ProducerRecord<>("events", i % 2, "k" + i, i % 5 == 0 ? null : "v" + i)).get();
                }
            }
            try (KafkaProducer<String, String> p = producer(from.bootstrapServers(), ProducerConfig.TRANSACTIONAL_ID_CONFIG, "t")) {
                p.initTransactions();
                p.beginTransaction();
                p.send(new ProducerRecord<>("events", 0, "aborted", "x"));
                p.flush();
                p.abortTransaction();
            }
            source.deleteRecords(Map.of(new TopicPartition("events", 1),
                    org.apache.kafka.clients.admin.RecordsToDelete.beforeOffset(4))).all().get();
            try (KafkaConsumer<String, String> c = MigrationFixture.consumer(from.bootstrapServers(), "readers")) {
                c.assign(List.of(new TopicPartition("events", 0)));
                c.commitSync(Map.of(new TopicPartition("events", 0), new OffsetAndMetadata(9, "nine")));
            }

            // When it is migrated and verified
            String[] common = {"--source", from.bootstrapServers(), "--target", to.bootstrapServers(), "--topics", "events",
                    "--groups", "readers"};
            MigrationFixture.Outcome run = migrate(concat("run", common));
            MigrationFixture.Outcome verify = migrate(concat("verify", common));

            // Then both exit 0, with the same records at the same offsets from the same log start
            assertThat(run.exitCode()).as(run.toString()).isZero();
            assertThat(verify.exitCode()).as(verify.toString()).isZero();
            assertThat(run.out()).contains("configs copied: {retention.ms=86400000}");
            TopicPartition p1 = new TopicPartition("events", 1);
            assertThat(readAll(to.bootstrapServers(), p1).get(0).offset()).isEqualTo(4);
            assertThat(readAll(to.bootstrapServers(), p1).stream().map(r -> r.offset() + "=" + java.util.Arrays.toString(r.value())).toList())
                    .isEqualTo(readAll(from.bootstrapServers(), p1).stream().map(r -> r.offset() + "=" + java.util.Arrays.toString(r.value())).toList());

            // And once cut over, the topic is the target's own: another run refuses to touch it, saying why
            String[] target = {"--target", to.bootstrapServers(), "--topics", "events"};
            assertThat(migrate(concat("cutover", target)).exitCode()).isZero();
            MigrationFixture.Outcome plan = migrate(concat("plan", common));
            MigrationFixture.Outcome again = migrate(concat("run", common));
            assertThat(plan.exitCode()).as(plan.toString()).isEqualTo(1);
            assertThat(plan.out()).contains("CANNOT migrate", "already has an ordinary topic");
            assertThat(again.exitCode()).as(again.toString()).isEqualTo(DLogMigrate.EXIT_ERROR);
        }
    }

    private static String[] concat(String command, String[] rest) {
        String[] all = new String[rest.length + 1];
        all[0] = command;
        System.arraycopy(rest, 0, all, 1, rest.length);
        return all;
    }
}
