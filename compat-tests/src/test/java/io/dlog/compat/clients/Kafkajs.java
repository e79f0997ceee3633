package io.dlog.compat.clients;

import io.dlog.compat.ExternalProcess;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/**
 * kafkajs scripts under {@code compat-tests/src/test/js/<dir>}, each folder with its own package.json: kafkajs is
 * installed beside the script by npm on first use. A test using one is skipped, saying why, where node or npm is
 * missing or the npm registry cannot be reached.
 */
public final class Kafkajs {
    private Kafkajs() {
    }

    /** The path of {@code src/test/js/<dir>/<file>}, kafkajs installed beside it. */
    public static Path script(String dir, String file) throws Exception {
        Assumptions.assumeTrue(ExternalProcess.onPath("node") != null && ExternalProcess.onPath("npm") != null,
                "node and npm are not installed");
        Path folder = Path.of("src", "test", "js", dir).toAbsolutePath();
        if (!Files.isDirectory(folder.resolve("node_modules").resolve("kafkajs"))) {
            Process install = new ProcessBuilder("npm", "install", "--no-audit", "--no-fund").directory(folder.toFile())
                    .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            boolean done = install.waitFor(180, TimeUnit.SECONDS);
            Assumptions.assumeTrue(done && install.exitValue() == 0, "npm install kafkajs failed (no registry?)");
        }
        return folder.resolve(file);
    }
}
