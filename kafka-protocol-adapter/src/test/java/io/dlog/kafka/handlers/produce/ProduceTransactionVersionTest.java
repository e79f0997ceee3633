package io.dlog.kafka.handlers.produce;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** Which Produce versions add a transactional batch's partition to the transaction (Kafka 4's rule). */
class ProduceTransactionVersionTest {

    @Test
    void shouldAddPartitionsFromProduceV12WhateverTheClusterFinalized() {
        // Kafka 4: version > 11 adds the partition (transaction version 2), below it only verifies
        assertThat(ProduceHandler.addsPartitions((short) 11)).isFalse();
        assertThat(ProduceHandler.addsPartitions((short) 3)).isFalse();
        assertThat(ProduceHandler.addsPartitions((short) 12)).isTrue();
        assertThat(ProduceHandler.addsPartitions((short) 13)).isTrue();
    }
}
