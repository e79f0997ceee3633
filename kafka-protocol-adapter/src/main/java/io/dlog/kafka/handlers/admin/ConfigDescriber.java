package io.dlog.kafka.handlers.admin;

import io.dlog.kafka.config.BrokerConfig;
import io.dlog.kafka.config.GroupConfigs;
import io.dlog.kafka.config.ReplicationThrottleConfigs;
import io.dlog.kafka.config.TopicConfigs;
import io.dlog.log.metadata.TopicImage;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.function.Predicate;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.message.DescribeConfigsResponseData.DescribeConfigsResourceResult;
import org.apache.kafka.common.message.DescribeConfigsResponseData.DescribeConfigsSynonym;
import org.apache.kafka.common.requests.DescribeConfigsResponse.ConfigSource;
import org.apache.kafka.common.requests.DescribeConfigsResponse.ConfigType;

/**
 * Builds DescribeConfigs entries for a topic, the broker or a group the way Kafka's {@code ConfigHelper} does:
 * effective value, source (the first synonym's), synonyms most specific first, type, documentation,
 * read-only (broker keys that cannot change at runtime) and sensitivity (PASSWORD types, value hidden).
 * Also the source of CreateTopics' config list. Stateless; reads immutable snapshots only.
 */
final class ConfigDescriber {
    private ConfigDescriber() {
    }

    /** Every topic config of {@code topic} (or of a topic with these overrides) that {@code wanted} accepts. */
    static List<DescribeConfigsResourceResult> topicConfigs(Map<String, String> overrides, BrokerConfig broker,
                                                           Predicate<String> wanted, boolean includeSynonyms,
                                                           boolean includeDocumentation) {
        List<DescribeConfigsResourceResult> result = new ArrayList<>();
        for (TopicConfigs.Definition definition : TopicConfigs.definitions().values()) {
            if (!wanted.test(definition.name())) {
                continue;
            }
            String value = normalized(definition.name(), definition.type(),
                    TopicConfigs.effectiveValue(definition, overrides, broker).value());
            List<TopicConfigs.Synonym> synonyms = TopicConfigs.synonyms(definition, overrides, broker);
            boolean sensitive = definition.type() == ConfigDef.Type.PASSWORD;
            result.add(new DescribeConfigsResourceResult()
                    .setName(definition.name())
                    .setValue(sensitive ? null : value)
                    .setConfigSource(synonyms.isEmpty() ? ConfigSource.DEFAULT_CONFIG.id() : source(synonyms.get(0).source(), true))
                    .setIsSensitive(sensitive)
                    .setReadOnly(false)
                    .setSynonyms(includeSynonyms ? toSynonyms(synonyms, sensitive, true) : new ArrayList<>())
                    .setConfigType(configType(definition.type()).id())
                    .setDocumentation(includeDocumentation ? definition.doc() : null));
        }
        return result;
    }

    static List<DescribeConfigsResourceResult> topicConfigs(TopicImage topic, BrokerConfig broker, Predicate<String> wanted,
                                                           boolean includeSynonyms, boolean includeDocumentation) {
        return topicConfigs(topic.configs(), broker, wanted, includeSynonyms, includeDocumentation);
    }

    /**
     * The broker resource named by its node id: every broker key with its effective value, and the dynamic-only
     * keys ({@link ReplicationThrottleConfigs}) that are set, as Kafka lists them. Synonym
     * lists start at the key itself (Kafka drops the more precise keys before it: describing
     * log.retention.hours does not show log.retention.ms as its source).
     */
    static List<DescribeConfigsResourceResult> brokerConfigs(BrokerConfig broker, Predicate<String> wanted,
                                                            boolean includeSynonyms, boolean includeDocumentation) {
        List<DescribeConfigsResourceResult> result = new ArrayList<>();
        TreeSet<String> names = new TreeSet<>(BrokerConfig.definition().names());
        for (String name : ReplicationThrottleConfigs.names()) {
            if (broker.dynamicValues().containsKey(name)) {
                names.add(name);
            }
        }
        for (String name : names) {
            if (!wanted.test(name)) {
                continue;
            }
            ConfigDef.ConfigKey key = BrokerConfig.configKey(name).orElseThrow();
            List<TopicConfigs.Synonym> synonyms = new ArrayList<>(broker.synonyms(BrokerConfig.synonymGroup(name)));
            while (!synonyms.isEmpty() && !synonyms.get(0).name().equals(name)) {
                synonyms.remove(0);
            }
            Object value = broker.value(name);
            boolean sensitive = key.type == ConfigDef.Type.PASSWORD;
            result.add(new DescribeConfigsResourceResult()
                    .setName(name)
                    .setValue(sensitive || value == null ? null : ConfigDef.convertToString(value, key.type))
                    .setConfigSource(synonyms.isEmpty() ? ConfigSource.DEFAULT_CONFIG.id() : source(synonyms.get(0).source(), true))
                    .setIsSensitive(sensitive)
                    .setReadOnly(readOnly(name))
                    .setSynonyms(includeSynonyms ? toSynonyms(synonyms, sensitive, true) : new ArrayList<>())
                    .setConfigType(configType(key.type).id())
                    .setDocumentation(includeDocumentation ? key.documentation : null));
        }
        return result;
    }

    /**
     * The broker resource named "" (the cluster-wide default): only the dynamic cluster-wide defaults, as Kafka
     * lists them (a node's own overrides are not among them).
     */
    static List<DescribeConfigsResourceResult> brokerDefaultConfigs(BrokerConfig broker, Predicate<String> wanted,
                                                                   boolean includeSynonyms, boolean includeDocumentation) {
        List<DescribeConfigsResourceResult> result = new ArrayList<>();
        for (String name : new TreeSet<>(broker.dynamicDefaultValues().keySet())) {
            ConfigDef.ConfigKey key = BrokerConfig.configKey(name).orElse(null);
            if (key == null || !wanted.test(name)) {
                continue;
            }
            boolean sensitive = key.type == ConfigDef.Type.PASSWORD;
            String value = sensitive ? null : broker.dynamicDefaultValues().get(name);
            List<DescribeConfigsSynonym> synonyms = new ArrayList<>();
            if (includeSynonyms) {
                synonyms.add(new DescribeConfigsSynonym().setName(name).setValue(value)
                        .setSource(ConfigSource.DYNAMIC_DEFAULT_BROKER_CONFIG.id()));
            }
            result.add(new DescribeConfigsResourceResult()
                    .setName(name)
                    .setValue(value)
                    .setConfigSource(ConfigSource.DYNAMIC_DEFAULT_BROKER_CONFIG.id())
                    .setIsSensitive(sensitive)
                    .setReadOnly(readOnly(name))
                    .setSynonyms(synonyms)
                    .setConfigType(configType(key.type).id())
                    .setDocumentation(includeDocumentation ? key.documentation : null));
        }
        return result;
    }

    /**
     * A GROUP resource as Kafka's ConfigHelper describes it: every group key DLog honours, its override (source
     * GROUP_CONFIG) or else the value of its broker key (source DEFAULT_CONFIG: Kafka lists the group key itself
     * first as the default), then the broker key's own synonyms.
     */
    static List<DescribeConfigsResourceResult> groupConfigs(Map<String, String> overrides, BrokerConfig broker,
                                                           Predicate<String> wanted, boolean includeSynonyms,
                                                           boolean includeDocumentation) {
        List<DescribeConfigsResourceResult> result = new ArrayList<>();
        Map<String, ConfigDef.ConfigKey> keys = GroupConfigs.definition().configKeys();
        for (String name : GroupConfigs.names()) {
            if (!wanted.test(name)) {
                continue;
            }
            ConfigDef.ConfigKey key = keys.get(name);
            boolean overridden = overrides.containsKey(name);
            String value = normalized(name, key.type, overridden ? overrides.get(name) : GroupConfigs.inheritedValue(name, broker));
            List<DescribeConfigsSynonym> synonyms = new ArrayList<>();
            synonyms.add(new DescribeConfigsSynonym().setName(name).setValue(value)
                    .setSource(overridden ? ConfigSource.GROUP_CONFIG.id() : ConfigSource.DEFAULT_CONFIG.id()));
            GroupConfigs.brokerKey(name).ifPresent(brokerKey -> synonyms.addAll(toSynonyms(broker.synonyms(List.of(brokerKey)),
                    false, true)));
            result.add(new DescribeConfigsResourceResult()
                    .setName(name)
                    .setValue(value)
                    .setConfigSource(synonyms.get(0).source())
                    .setIsSensitive(false)
                    .setReadOnly(false)
                    .setSynonyms(includeSynonyms ? synonyms : new ArrayList<>())
                    .setConfigType(configType(key.type).id())
                    .setDocumentation(includeDocumentation ? key.documentation : null));
        }
        return result;
    }

    /**
     * Kafka's read-only flag of a broker key: true unless it is among Kafka's reconfigurable broker configs. The
     * replication throttles are not (Kafka keeps them as quota configs, outside DynamicBrokerConfig.AllDynamicConfigs),
     * so Kafka describes them read-only although they can only be set dynamically; DLog answers the same.
     */
    private static boolean readOnly(String name) {
        return !BrokerConfig.isDynamic(name) || ReplicationThrottleConfigs.names().contains(name);
    }

    static byte source(TopicConfigs.Source source, boolean perBroker) {
        return switch (source) {
            case TOPIC -> ConfigSource.TOPIC_CONFIG.id();
            case DYNAMIC_BROKER -> perBroker ? ConfigSource.DYNAMIC_BROKER_CONFIG.id()
                    : ConfigSource.DYNAMIC_DEFAULT_BROKER_CONFIG.id();
            case DYNAMIC_DEFAULT_BROKER -> ConfigSource.DYNAMIC_DEFAULT_BROKER_CONFIG.id();
            case STATIC_BROKER -> ConfigSource.STATIC_BROKER_CONFIG.id();
            case DEFAULT -> ConfigSource.DEFAULT_CONFIG.id();
        };
    }

    static ConfigType configType(ConfigDef.Type type) {
        if (type == null) {
            return ConfigType.UNKNOWN;
        }
        return switch (type) {
            case BOOLEAN -> ConfigType.BOOLEAN;
            case STRING -> ConfigType.STRING;
            case INT -> ConfigType.INT;
            case SHORT -> ConfigType.SHORT;
            case LONG -> ConfigType.LONG;
            case DOUBLE -> ConfigType.DOUBLE;
            case LIST -> ConfigType.LIST;
            case CLASS -> ConfigType.CLASS;
            case PASSWORD -> ConfigType.PASSWORD;
        };
    }

    private static List<DescribeConfigsSynonym> toSynonyms(List<TopicConfigs.Synonym> synonyms, boolean sensitive,
                                                           boolean perBroker) {
        List<DescribeConfigsSynonym> result = new ArrayList<>(synonyms.size());
        for (TopicConfigs.Synonym synonym : synonyms) {
            result.add(new DescribeConfigsSynonym().setName(synonym.name())
                    .setValue(sensitive ? null : synonym.value())
                    .setSource(source(synonym.source(), perBroker)));
        }
        return result;
    }

    /** "compact, delete" is described as "compact,delete" and " 12" as "12", as Kafka re-renders parsed values. */
    private static String normalized(String name, ConfigDef.Type type, String value) {
        if (value == null) {
            return null;
        }
        try {
            return ConfigDef.convertToString(ConfigDef.parseType(name, value, type), type);
        } catch (ConfigException e) {
            return value;
        }
    }
}
