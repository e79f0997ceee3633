package io.dlog.compat.quota;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dlog.compat.DLogBrokerExtension;
import io.dlog.compat.tools.ChildJvm;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.common.errors.InvalidRequestException;
import org.apache.kafka.common.quota.ClientQuotaAlteration;
import org.apache.kafka.common.quota.ClientQuotaEntity;
import org.apache.kafka.common.quota.ClientQuotaFilter;
import org.apache.kafka.common.quota.ClientQuotaFilterComponent;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * DescribeClientQuotas and AlterClientQuotas with Kafka's Admin client and kafka-configs (4.3.1): default
 * entities, Kafka's filter matching, Kafka's validation errors, and quotas kept across a restart.
 */
class ClientQuotasApiTest {
    @RegisterExtension
    static final DLogBrokerExtension DLOG = new DLogBrokerExtension();

    private static final Duration TIMEOUT = Duration.ofSeconds(60);

    private static ClientQuotaEntity entity(String... typeAndName) {
        Map<String, String> parts = new HashMap<>();
        for (int i = 0; i < typeAndName.length; i += 2) {
            parts.put(typeAndName[i], typeAndName[i + 1]);
        }
        return new ClientQuotaEntity(parts);
    }

    private static ClientQuotaAlteration set(ClientQuotaEntity entity, String key, Double value) {
        return new ClientQuotaAlteration(entity, List.of(new ClientQuotaAlteration.Op(key, value)));
    }

    private static Map<ClientQuotaEntity, Map<String, Double>> describe(Admin admin, ClientQuotaFilter filter) throws Exception {
        return admin.describeClientQuotas(filter).entities().get(30, TimeUnit.SECONDS);
    }

    @Test
    void shouldAlterThenDescribeQuotasWithDefaultEntitiesAndKafkasFilters() throws Exception {
        ClientQuotaEntity ann = entity(ClientQuotaEntity.USER, "ann");
        ClientQuotaEntity defaultUser = entity(ClientQuotaEntity.USER, null);
        ClientQuotaEntity annDefaultClient = entity(ClientQuotaEntity.USER, "ann", ClientQuotaEntity.CLIENT_ID, null);
        ClientQuotaEntity defaultClient = entity(ClientQuotaEntity.CLIENT_ID, null);
        ClientQuotaEntity app = entity(ClientQuotaEntity.CLIENT_ID, "app-1");
        try (Admin admin = DLOG.admin()) {
            // When
            admin.alterClientQuotas(List.of(
                    new ClientQuotaAlteration(ann, List.of(new ClientQuotaAlteration.Op("producer_byte_rate", 1048576.0),
                            new ClientQuotaAlteration.Op("consumer_byte_rate", 2097152.0))),
                    set(defaultUser, "producer_byte_rate", 4096.0),
                    set(annDefaultClient, "request_percentage", 12.5),
                    set(defaultClient, "consumer_byte_rate", 1024.0),
                    set(app, "producer_byte_rate", 2048.0))).all().get(30, TimeUnit.SECONDS);

            // Then
            assertThat(describe(admin, ClientQuotaFilter.all())).containsOnlyKeys(ann, defaultUser, annDefaultClient,
                    defaultClient, app).containsEntry(ann, Map.of("producer_byte_rate", 1048576.0,
                    "consumer_byte_rate", 2097152.0));
            assertThat(describe(admin, ClientQuotaFilter.contains(List.of(ClientQuotaFilterComponent.ofEntity("user", "ann")))))
                    .containsOnlyKeys(ann, annDefaultClient);
            assertThat(describe(admin, ClientQuotaFilter.containsOnly(List.of(ClientQuotaFilterComponent.ofEntity("user", "ann")))))
                    .containsOnlyKeys(ann);
            assertThat(describe(admin, ClientQuotaFilter.containsOnly(List.of(ClientQuotaFilterComponent.ofDefaultEntity("user")))))
                    .containsOnlyKeys(defaultUser).containsEntry(defaultUser, Map.of("producer_byte_rate", 4096.0));
            assertThat(describe(admin, ClientQuotaFilter.contains(List.of(ClientQuotaFilterComponent.ofEntityType("client-id")))))
                    .containsOnlyKeys(annDefaultClient, defaultClient, app);
            assertThat(describe(admin, ClientQuotaFilter.containsOnly(List.of(ClientQuotaFilterComponent.ofEntity("user", "ann"),
                    ClientQuotaFilterComponent.ofDefaultEntity("client-id"))))).containsOnlyKeys(annDefaultClient)
                    .containsEntry(annDefaultClient, Map.of("request_percentage", 12.5));

            // When a value is removed: an entity without values is gone
            admin.alterClientQuotas(List.of(set(app, "producer_byte_rate", null))).all().get(30, TimeUnit.SECONDS);
            assertThat(describe(admin, ClientQuotaFilter.all())).doesNotContainKey(app);
        }
    }

    @Test
    void shouldRefuseUnknownKeysFractionalByteRatesAndBadEntitiesWithInvalidRequest() throws Exception {
        ClientQuotaEntity bea = entity(ClientQuotaEntity.USER, "bea");
        ClientQuotaEntity ok = entity(ClientQuotaEntity.USER, "bea-ok");
        try (Admin admin = DLOG.admin()) {
            var results = admin.alterClientQuotas(List.of(set(bea, "not_a_quota", 1.0),
                    set(entity(ClientQuotaEntity.USER, "bea2"), "producer_byte_rate", 1.5),
                    set(entity(ClientQuotaEntity.USER, "bea3", ClientQuotaEntity.IP, "127.0.0.1"), "producer_byte_rate", 1.0),
                    set(entity("group", "g"), "producer_byte_rate", 1.0),
                    set(entity(ClientQuotaEntity.USER, ""), "producer_byte_rate", 1.0),
                    set(ok, "producer_byte_rate", 100.0))).values();

            assertThatThrownBy(() -> results.get(bea).get()).cause().isInstanceOf(InvalidRequestException.class)
                    .hasMessageContaining("Invalid configuration key not_a_quota");
            assertThatThrownBy(() -> results.get(entity(ClientQuotaEntity.USER, "bea2")).get()).cause()
                    .isInstanceOf(InvalidRequestException.class).hasMessageContaining("must be a Long value");
            assertThatThrownBy(() -> results.get(entity(ClientQuotaEntity.USER, "bea3", ClientQuotaEntity.IP, "127.0.0.1"))
                    .get()).cause().isInstanceOf(InvalidRequestException.class).hasMessageContaining("IP entity");
            assertThatThrownBy(() -> results.get(entity("group", "g")).get()).cause()
                    .isInstanceOf(InvalidRequestException.class).hasMessageContaining("Unhandled client quota entity type: group");
            assertThatThrownBy(() -> results.get(entity(ClientQuotaEntity.USER, "")).get()).cause()
                    .isInstanceOf(InvalidRequestException.class).hasMessageContaining("Empty user not supported");
            results.get(ok).get(30, TimeUnit.SECONDS);
            assertThat(describe(admin, ClientQuotaFilter.all())).containsKey(ok).doesNotContainKey(bea);
            assertThatThrownBy(() -> describe(admin, ClientQuotaFilter.contains(List.of(
                    ClientQuotaFilterComponent.ofEntity("ip", "127.0.0.1"), ClientQuotaFilterComponent.ofEntityType("user")))))
                    .isInstanceOf(ExecutionException.class).cause().isInstanceOf(InvalidRequestException.class);
        }
    }

    @Test
    void shouldManageUserAndClientQuotasWithKafkaConfigsAndKeepThemAcrossARestart() throws Exception {
        // When
        ChildJvm.Result user = configs("--entity-type", "users", "--entity-name", "cid", "--alter", "--add-config",
                "producer_byte_rate=1048576,consumer_byte_rate=2097152,request_percentage=50");
        ChildJvm.Result clients = configs("--entity-type", "clients", "--entity-default", "--alter", "--add-config",
                "producer_byte_rate=65536");
        ChildJvm.Result userClient = configs("--entity-type", "users", "--entity-name", "cid", "--entity-type", "clients",
                "--entity-name", "loader", "--alter", "--add-config", "consumer_byte_rate=4096");

        // Then
        assertThat(user.exitCode()).as(user.toString()).isZero();
        assertThat(clients.exitCode()).as(clients.toString()).isZero();
        assertThat(userClient.exitCode()).as(userClient.toString()).isZero();
        ChildJvm.Result described = configs("--entity-type", "users", "--entity-name", "cid", "--describe");
        assertThat(described.exitCode()).as(described.toString()).isZero();
        assertThat(described.stdout()).contains("producer_byte_rate=1048576.0").contains("consumer_byte_rate=2097152.0")
                .contains("request_percentage=50.0");

        // When the broker restarts, the quotas are still there
        DLOG.restart();
        try (Admin admin = DLOG.admin()) {
            Map<ClientQuotaEntity, Map<String, Double>> all = describe(admin, ClientQuotaFilter.all());
            assertThat(all).containsEntry(entity(ClientQuotaEntity.USER, "cid"), Map.of("producer_byte_rate", 1048576.0,
                    "consumer_byte_rate", 2097152.0, "request_percentage", 50.0))
                    .containsEntry(entity(ClientQuotaEntity.USER, "cid", ClientQuotaEntity.CLIENT_ID, "loader"),
                            Map.of("consumer_byte_rate", 4096.0));
            assertThat(all.get(entity(ClientQuotaEntity.CLIENT_ID, null))).containsEntry("producer_byte_rate", 65536.0);
        }
        ChildJvm.Result defaults = configs("--entity-type", "clients", "--entity-default", "--describe");
        assertThat(defaults.stdout()).as(defaults.toString()).contains("producer_byte_rate=65536.0");
    }

    private static ChildJvm.Result configs(String... args) throws Exception {
        String[] all = new String[args.length + 2];
        all[0] = "--bootstrap-server";
        all[1] = DLOG.bootstrapServers();
        System.arraycopy(args, 0, all, 2, args.length);
        return ChildJvm.run(TIMEOUT, "kafka.admin.ConfigCommand", all);
    }
}
