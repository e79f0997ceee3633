package io.dlog.migrate;

import java.util.Optional;
import java.util.regex.Pattern;
import picocli.CommandLine.Option;

/** {@code --topics} and {@code --groups}: what a migration covers, as whole-name regular expressions. */
final class Selection {
    @Option(names = "--topics", required = true, paramLabel = "REGEX", description = "Source topics to migrate (whole-name match).")
    String topics;

    @Option(names = "--groups", paramLabel = "REGEX", description = "Consumer groups whose committed offsets carry over.")
    String groups;

    Pattern topicPattern() {
        return Pattern.compile(topics);
    }

    Optional<Pattern> groupPattern() {
        return Optional.ofNullable(groups).map(Pattern::compile);
    }
}
