package io.dlog.broker.cli;

import io.dlog.cluster.PortPicker;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine;

/**
 * {@code dlog start ...} run in-process, as picocli runs it from {@code main} but without {@code System.exit}:
 * on a thread of its own, its output captured, stoppable as SIGTERM would stop it.
 */
final class CliRun implements AutoCloseable {
    private final StartCommand command = new StartCommand();
    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();
    private final CompletableFuture<Integer> exitCode;

    private CliRun(String... args) {
        CommandLine commandLine = new CommandLine(command)
                .setOut(new PrintWriter(out, true))
                .setErr(new PrintWriter(err, true));
        exitCode = CompletableFuture.supplyAsync(() -> commandLine.execute(args), runnable -> {
            Thread thread = new Thread(runnable, "dlog-start-under-test");
            thread.setDaemon(true);
            thread.start();
        });
    }

    /** Runs {@code dlog start} with these arguments (without the word "start"). */
    static CliRun start(String... args) {
        return new CliRun(args);
    }

    /** Runs to the end; fails if it is still running after the timeout. */
    static CliRun completed(Duration timeout, String... args) throws Exception {
        CliRun run = new CliRun(args);
        run.exitCode.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        return run;
    }

    /** Waits until stdout has a line starting with {@code prefix}, or the command ended. */
    boolean awaitOutput(String prefix, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() - deadline < 0) {
            if (stdout().lines().anyMatch(line -> line.startsWith(prefix))) {
                return true;
            }
            if (exitCode.isDone()) {
                return false;
            }
            Thread.sleep(50);
        }
        return false;
    }

    int stop(Duration timeout) throws IOException {
        command.requestStop();
        try {
            return exitCode.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while stopping", e);
        } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
            throw new IOException("dlog start did not stop cleanly\n" + this, e);
        }
    }

    int exitCode() {
        return exitCode.getNow(null);
    }

    String stdout() {
        return out.toString();
    }

    String stderr() {
        return err.toString();
    }

    /** Lines on stderr that the command itself wrote (its one-line errors), not the nodes' relayed output. */
    List<String> errorLines() {
        return stderr().lines().filter(line -> line.startsWith(StartCommand.ERROR_PREFIX)).toList();
    }

    @Override
    public String toString() {
        return "--- stdout\n" + stdout() + "--- stderr\n" + stderr();
    }

    @Override
    public void close() throws IOException {
        if (!exitCode.isDone()) {
            stop(Duration.ofSeconds(60));
        }
    }

    /** A port free right now on 127.0.0.1. */
    static int freePort() throws IOException {
        return PortPicker.freePort();
    }

    /** The first of {@code count} consecutive ports free right now on 127.0.0.1 (the dev cluster needs a range). */
    static int freePortRange(int count) throws IOException {
        for (int attempt = 0; attempt < 100; attempt++) {
            int base = ThreadLocalRandom.current().nextInt(20_000, 60_000);
            if (allFree(base, count)) {
                return base;
            }
        }
        throw new IOException("no " + count + " consecutive free ports found");
    }

    private static boolean allFree(int base, int count) {
        for (int port = base; port < base + count; port++) {
            try (ServerSocket socket = new ServerSocket(port, 1, InetAddress.getByName("127.0.0.1"))) {
                socket.setReuseAddress(true);
            } catch (IOException busy) {
                return false;
            }
        }
        return true;
    }
}
