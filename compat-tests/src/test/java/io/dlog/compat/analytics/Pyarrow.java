package io.dlog.compat.analytics;

import java.io.IOException;
import java.util.concurrent.TimeUnit;

/** Whether pyarrow with Flight can be imported by python3 here (tests that use it are skipped otherwise). */
final class Pyarrow {
    static final String MISSING = "pyarrow with Flight is not installed for python3: pip install pyarrow";

    private Pyarrow() {
    }

    static boolean available() {
        try {
            Process probe = new ProcessBuilder("python3", "-c", "import pyarrow.flight").redirectErrorStream(true).start();
            probe.getInputStream().readAllBytes();
            return probe.waitFor(60, TimeUnit.SECONDS) && probe.exitValue() == 0;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }
}
