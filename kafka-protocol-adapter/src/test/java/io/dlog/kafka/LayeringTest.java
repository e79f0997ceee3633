package io.dlog.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * House rule: domain packages never import the request layer. The request layer is {@code io.dlog.kafka.handlers}
 * and {@code io.dlog.kafka.server} (and their subpackages); every other package of this module ({@code group},
 * {@code share}, {@code txn}, {@code coordinator}, {@code replica}, {@code topic}, {@code quota}, {@code mirror}, ...)
 * must not name a class of it, by import or fully qualified. What both sides need lives in a package both may use
 * ({@code io.dlog.kafka.common}, {@code io.dlog.kafka.purgatory}, or the domain package that owns the concept).
 */
class LayeringTest {
    private static final Path MAIN_SOURCES = Path.of("src", "main", "java");
    private static final Pattern REQUEST_LAYER_REFERENCE =
            Pattern.compile("\\bio\\.dlog\\.kafka\\.(?:handlers|server)(?:\\.\\w+)+");
    private static final Pattern COMMENT = Pattern.compile("/\\*.*?\\*/|//[^\\n]*", Pattern.DOTALL);

    /**
     * Files outside the request layer's packages that may name it. Not exceptions to the rule: KafkaApis is the
     * dispatcher itself (it builds the ApiRegistry and registers one handler per API key), so it belongs to the
     * request layer although it sits in the module's root package. Nothing else is allowed; add nothing here
     * without a comment saying why it cannot be fixed now.
     */
    private static final Set<String> REQUEST_LAYER_FILES_OUTSIDE_ITS_PACKAGES = Set.of("io/dlog/kafka/KafkaApis.java");

    @Test
    void shouldFindNoDomainClassNamingTheRequestLayer() {
        // Given
        assertThat(MAIN_SOURCES).isDirectory();

        // When
        List<String> violations = violations(MAIN_SOURCES);

        // Then
        assertThat(violations).isEmpty();
    }

    @Test
    void shouldScanTheDomainPackages() {
        assertThat(javaFiles(MAIN_SOURCES))
                .anyMatch(f -> f.startsWith("io/dlog/kafka/group/"))
                .anyMatch(f -> f.startsWith("io/dlog/kafka/share/"))
                .anyMatch(f -> f.startsWith("io/dlog/kafka/txn/"))
                .anyMatch(f -> f.startsWith("io/dlog/kafka/handlers/"));
    }

    @Test
    void shouldFlagImportsStaticImportsAndQualifiedNamesButNotComments(@TempDir Path root) throws IOException {
        // Given
        write(root, "io/dlog/kafka/group/Imports.java", "package io.dlog.kafka.group;\n"
                + "import io.dlog.kafka.handlers.ClusterView;\nclass Imports {}\n");
        write(root, "io/dlog/kafka/txn/Static.java", "package io.dlog.kafka.txn;\n"
                + "import static io.dlog.kafka.server.KafkaServer.start;\nclass Static {}\n");
        write(root, "io/dlog/kafka/share/Qualified.java", "package io.dlog.kafka.share;\n"
                + "class Qualified { Object p = new io.dlog.kafka.handlers.fetch.FetchPurgatory(null); }\n");
        write(root, "io/dlog/kafka/topic/Commented.java", "package io.dlog.kafka.topic;\n"
                + "/** Answers like {@link io.dlog.kafka.handlers.MetadataHandler}. */\n"
                + "class Commented { // as io.dlog.kafka.server.KafkaServer does\n}\n");
        write(root, "io/dlog/kafka/handlers/Inside.java", "package io.dlog.kafka.handlers;\n"
                + "import io.dlog.kafka.server.KafkaServer;\nclass Inside {}\n");
        write(root, "io/dlog/kafka/server/Inside.java", "package io.dlog.kafka.server;\n"
                + "import io.dlog.kafka.handlers.fetch.FetchHandler;\nclass Inside {}\n");

        // When
        List<String> violations = violations(root);

        // Then
        assertThat(violations).containsExactlyInAnyOrder(
                "io/dlog/kafka/group/Imports.java -> io.dlog.kafka.handlers.ClusterView",
                "io/dlog/kafka/txn/Static.java -> io.dlog.kafka.server.KafkaServer.start",
                "io/dlog/kafka/share/Qualified.java -> io.dlog.kafka.handlers.fetch.FetchPurgatory");
    }

    /** "file -> referenced name" for each reference to the request layer from a file outside it. */
    static List<String> violations(Path root) {
        return javaFiles(root).stream()
                .filter(f -> !inRequestLayer(f))
                .flatMap(f -> references(root.resolve(f)).map(ref -> f + " -> " + ref))
                .distinct()
                .sorted()
                .toList();
    }

    private static boolean inRequestLayer(String file) {
        return file.startsWith("io/dlog/kafka/handlers/") || file.startsWith("io/dlog/kafka/server/")
                || REQUEST_LAYER_FILES_OUTSIDE_ITS_PACKAGES.contains(file);
    }

    private static Stream<String> references(Path file) {
        String code;
        try {
            code = COMMENT.matcher(Files.readString(file, StandardCharsets.UTF_8)).replaceAll(" ");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Matcher m = REQUEST_LAYER_REFERENCE.matcher(code);
        Stream.Builder<String> refs = Stream.builder();
        while (m.find()) {
            refs.add(m.group());
        }
        return refs.build();
    }

    /** Paths relative to {@code root}, with '/' separators. */
    private static List<String> javaFiles(Path root) {
        try (Stream<Path> files = Files.walk(root)) {
            return files.filter(p -> p.toString().endsWith(".java"))
                    .map(p -> root.relativize(p).toString().replace('\\', '/'))
                    .sorted()
                    .toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void write(Path root, String file, String content) throws IOException {
        Path path = root.resolve(file);
        Files.createDirectories(path.getParent());
        Files.writeString(path, content, StandardCharsets.UTF_8);
    }
}
