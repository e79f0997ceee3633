package io.dlog.migrate;

import java.io.PrintWriter;
import java.util.Optional;
import java.util.concurrent.Callable;
import org.apache.kafka.clients.admin.Admin;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code plan}: what {@code run} would create, copy and carry over, and what it cannot (with why). Changes nothing. */
@Command(name = "plan", mixinStandardHelpOptions = true,
        description = "Prints what 'run' would create, copy and carry over, and what it cannot (with why). Changes nothing on either cluster. Exit 0 when run could proceed, 1 when something is in the way.")
final class PlanCommand implements Callable<Integer> {
    @CommandLine.Mixin
    Clusters.Source source;

    @CommandLine.Mixin
    Clusters.Target target;

    @CommandLine.Mixin
    Selection selection;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        try (Admin src = Clusters.admin(source.properties()); Admin dst = Clusters.admin(target.properties())) {
            MigrationPlan plan = MigrationPlan.build(source.bootstrap, src, dst, selection.topicPattern(),
                    selection.groupPattern());
            plan.print(out);
            out.flush();
            return plan.hasConflicts() || plan.topics.isEmpty() ? 1 : 0;
        }
    }
}
