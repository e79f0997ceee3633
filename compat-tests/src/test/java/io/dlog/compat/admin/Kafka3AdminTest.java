package io.dlog.compat.admin;

import static org.assertj.core.api.Assertions.assertThat;

import io.dlog.compat.DLogBrokerExtension;
import java.io.IOException;
import java.lang.reflect.Constructor;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Path;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The admin APIs through kafka-clients 3.9.1 (own class loader, driven reflectively): CreateTopics,
 * DescribeConfigs and the legacy AlterConfigs, which the 4.x client no longer offers.
 */
class Kafka3AdminTest {
    @RegisterExtension
    static final DLogBrokerExtension DLOG = new DLogBrokerExtension();

    private static URLClassLoader kafka3;

    @BeforeAll
    static void loadKafka3() throws IOException {
        Path jar = Path.of("target", "kafka3", "kafka-clients-3.jar").toAbsolutePath();
        assertThat(jar).as("copied by maven-dependency-plugin in generate-test-resources").exists();
        URL slf4j = org.slf4j.Logger.class.getProtectionDomain().getCodeSource().getLocation();
        kafka3 = new URLClassLoader("kafka-clients-3-admin", new URL[] {jar.toUri().toURL(), slf4j},
                ClassLoader.getPlatformClassLoader());
    }

    @AfterAll
    static void closeKafka3() throws IOException {
        if (kafka3 != null) {
            kafka3.close();
        }
    }

    @Test
    void shouldCreateDescribeAndLegacyAlterConfigsWithTheKafka3Client() throws Exception {
        String topic = AdminTopicsTest.unique();
        Properties props = new Properties();
        props.put("bootstrap.servers", DLOG.bootstrapServers());
        Object admin = cls("org.apache.kafka.clients.admin.Admin").getMethod("create", Properties.class).invoke(null, props);
        try {
            Object newTopic = cls("org.apache.kafka.clients.admin.NewTopic").getConstructor(String.class, int.class, short.class)
                    .newInstance(topic, 2, (short) 1);
            newTopic.getClass().getMethod("configs", Map.class).invoke(newTopic, Map.of("retention.ms", "1000"));
            await(admin.getClass().getMethod("createTopics", Collection.class).invoke(admin, List.of(newTopic)));

            Object resource = topicResource(topic);
            Object entry = cls("org.apache.kafka.clients.admin.ConfigEntry").getConstructor(String.class, String.class)
                    .newInstance("segment.ms", "60000");
            Object config = cls("org.apache.kafka.clients.admin.Config").getConstructor(Collection.class)
                    .newInstance(List.of(entry));
            await(admin.getClass().getMethod("alterConfigs", Map.class).invoke(admin, Map.of(resource, config)));

            Map<?, ?> described = (Map<?, ?>) await(admin.getClass().getMethod("describeConfigs", Collection.class)
                    .invoke(admin, List.of(resource)));
            Object topicConfig = described.get(resource);
            assertThat(value(topicConfig, "segment.ms")).isEqualTo("60000");
            // The legacy API replaces every override: retention.ms is back to its default.
            assertThat(value(topicConfig, "retention.ms")).isEqualTo("604800000");
        } finally {
            admin.getClass().getMethod("close").invoke(admin);
        }
    }

    private static Object topicResource(String topic) throws ReflectiveOperationException {
        Class<?> typeClass = cls("org.apache.kafka.common.config.ConfigResource$Type");
        Object type = typeClass.getMethod("valueOf", String.class).invoke(null, "TOPIC");
        Constructor<?> constructor = cls("org.apache.kafka.common.config.ConfigResource").getConstructor(typeClass, String.class);
        return constructor.newInstance(type, topic);
    }

    private static String value(Object config, String name) throws ReflectiveOperationException {
        Object entry = config.getClass().getMethod("get", String.class).invoke(config, name);
        return (String) entry.getClass().getMethod("value").invoke(entry);
    }

    /** {@code result.all().get(30s)} on any of the 3.x client's *Result types. */
    private static Object await(Object result) throws Exception {
        Object all = result.getClass().getMethod("all").invoke(result);
        return ((Future<?>) all).get(30, TimeUnit.SECONDS);
    }

    private static Class<?> cls(String name) throws ClassNotFoundException {
        return kafka3.loadClass(name);
    }
}
