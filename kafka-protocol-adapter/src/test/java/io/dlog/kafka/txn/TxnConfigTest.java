package io.dlog.kafka.txn;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dlog.kafka.config.BrokerConfig;
import java.util.Map;
import org.apache.kafka.common.config.ConfigException;
import org.junit.jupiter.api.Test;

/** The transaction broker keys: Kafka's names and defaults, overridable, bad values refused at start. */
class TxnConfigTest {

    @Test
    void shouldHaveKafkasDefaults() {
        BrokerConfig config = BrokerConfig.parse(Map.of());

        assertThat(TxnConfig.from(config)).isEqualTo(TxnConfig.DEFAULTS);
        assertThat(TxnConfig.DEFAULTS.stateLogPartitions()).isEqualTo(50);
        assertThat(TxnConfig.DEFAULTS.maxTimeoutMs()).isEqualTo(900_000);
        assertThat(TxnConfig.DEFAULTS.transactionVersion()).isEqualTo((short) 2);
        assertThat(TxnConfig.DEFAULTS.addPartitionsRetryBackoffMs()).isEqualTo(20);
        assertThat(TxnConfig.DEFAULTS.addPartitionsRetryBackoffMaxMs()).isEqualTo(100);
        assertThat(config.producerIdExpirationMs()).isEqualTo(86_400_000L);
    }

    @Test
    void shouldReadOverrides() {
        BrokerConfig config = BrokerConfig.parse(Map.of("transaction.state.log.num.partitions", "3",
                "transaction.max.timeout.ms", "5000", "transactional.id.expiration.ms", "1000",
                "transaction.abort.timed.out.transaction.cleanup.interval.ms", "100",
                "transaction.remove.expired.transaction.cleanup.interval.ms", "200", "transaction.version", "1",
                "producer.id.expiration.ms", "60000", "add.partitions.to.txn.retry.backoff.ms", "5",
                "add.partitions.to.txn.retry.backoff.max.ms", "0"));

        assertThat(TxnConfig.from(config)).isEqualTo(new TxnConfig(3, 5000, 1000, 100, 200, (short) 1, 5, 0));
        assertThat(config.producerIdExpirationMs()).isEqualTo(60_000L);
    }

    @Test
    void shouldRefuseAddPartitionsRetryValuesKafkaRefuses() {
        // Kafka's AddPartitionsToTxnConfig: backoff at least 1 ms, its maximum at least 0
        assertThatThrownBy(() -> BrokerConfig.parse(Map.of("add.partitions.to.txn.retry.backoff.ms", "0")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("add.partitions.to.txn.retry.backoff.ms");
        assertThatThrownBy(() -> BrokerConfig.parse(Map.of("add.partitions.to.txn.retry.backoff.max.ms", "-1")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("add.partitions.to.txn.retry.backoff.max.ms");
        assertThatThrownBy(() -> BrokerConfig.parse(Map.of("add.partitions.to.txn.retry.backoff.ms", "soon")))
                .isInstanceOf(ConfigException.class);
    }

    @Test
    void shouldRefuseATransactionVersionKafkaDoesNotHave() {
        assertThatThrownBy(() -> BrokerConfig.parse(Map.of("transaction.version", "3"))).isInstanceOf(ConfigException.class);
    }
}
