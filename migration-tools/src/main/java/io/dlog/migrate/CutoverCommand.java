package io.dlog.migrate;

import java.io.PrintWriter;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.regex.Pattern;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.common.config.ConfigResource;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code cutover}: removes the mirror configs from the matching target topics, which stops their copying and
 * makes them ordinary writable DLog topics (their own retention and compaction apply from then on).
 */
@Command(name = "cutover", mixinStandardHelpOptions = true,
        description = "Makes the migrated topics ordinary writable DLog topics: the target stops copying from the source and accepts produce. Stop producing to the source and let 'verify' pass first.")
final class CutoverCommand implements Callable<Integer> {
    @CommandLine.Mixin
    Clusters.Target target;

    @Option(names = "--topics", required = true, paramLabel = "REGEX", description = "Target topics to cut over (whole-name match).")
    String topics;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        Pattern pattern = Pattern.compile(topics);
        try (Admin dst = Clusters.admin(target.properties())) {
            Set<String> all = Clusters.get(dst.listTopics().names());
            List<String> matching = all.stream().filter(n -> pattern.matcher(n).matches() && !n.startsWith("__")).sorted().toList();
            if (matching.isEmpty()) {
                out.println("No target topic matches " + topics);
                out.flush();
                return 1;
            }
            Map<String, Map<String, String>> configs = MigrationPlan.setConfigs(dst, matching);
            Map<ConfigResource, java.util.Collection<AlterConfigOp>> ops = new HashMap<>();
            for (String name : matching) {
                if (configs.getOrDefault(name, Map.of()).containsKey(MigrationPlan.MIRROR_SOURCE)) {
                    ops.put(new ConfigResource(ConfigResource.Type.TOPIC, name), MigrationPlan.cutoverOps());
                } else {
                    out.println(name + ": not a mirror (already cut over or never migrated)");
                }
            }
            if (!ops.isEmpty()) {
                Clusters.get(dst.incrementalAlterConfigs(ops).all());
            }
            ops.keySet().stream().map(ConfigResource::name).sorted()
                    .forEach(name -> out.println(name + ": cut over, now an ordinary writable topic"));
            out.flush();
            return 0;
        }
    }
}
