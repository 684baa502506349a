package io.tether.testing;

import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** {@code java -jar target/tether.jar worker ...} as a real child process, for crash tests. */
public final class WorkerProcess implements AutoCloseable {
    private final List<String> command;
    private final Map<String, String> environment = new HashMap<>();
    private final Path output;
    private Process process;

    public WorkerProcess(String hostId, Path dataDir, int port, Path output) {
        this.command = new ArrayList<>(List.of(java(), "-Xmx256m", "-jar", jar().toString(), "worker",
                "--host-id", hostId, "--data-dir", dataDir.toString(), "--amqp-port", Integer.toString(port),
                "--allow-file-root", System.getProperty("java.io.tmpdir"), "--allow-file-root", "/srv"));
        this.output = output;
    }

    /** JVM options in place of the default heap bound, before {@code -jar}. */
    public WorkerProcess withJvmOptions(List<String> options) {
        command.remove("-Xmx256m");
        command.addAll(command.indexOf("-jar"), options);
        return this;
    }

    /**
     * Runs the worker through a launcher script ({@code src/main/packaging/tether}, as the package
     * installs it) with its JVM options and environment, on this build's jar; the launcher execs
     * java, so {@link #pid()} is still the JVM's.
     */
    public WorkerProcess throughLauncher(Path launcher) {
        command.subList(0, command.indexOf("-jar") + 2).clear();
        command.addAll(0, List.of("sh", launcher.toString()));
        environment.put("TETHER_JAR", jar().toAbsolutePath().toString());
        return this;
    }

    /**
     * Runs the worker with at most {@code files} open file descriptors ({@code prlimit}, which execs
     * the command, so {@link #pid()} is still the JVM's; the JVM cannot raise a hard limit).
     */
    public WorkerProcess withOpenFileLimit(int files) {
        command.addAll(0, List.of("prlimit", "--nofile=" + files + ":" + files, "--"));
        return this;
    }

    /** An environment variable of the worker process (PATH, to put wrappers of host tools first). */
    public WorkerProcess withEnvironment(String name, String value) {
        environment.put(name, value);
        return this;
    }

    /** More worker options, after the ones the constructor gives. */
    public WorkerProcess withOptions(String... options) {
        command.addAll(List.of(options));
        return this;
    }

    /**
     * Runs the worker as the leader of a process group and session of its own, as a service manager
     * or a login shell starts it (a child of the test JVM is otherwise in the JVM's group), so that
     * {@link #killGroup()} can kill it with everything in its group. setsid(1) execs java in place:
     * the process is the worker itself.
     */
    public WorkerProcess inOwnGroup() {
        command.add(0, "setsid");
        return this;
    }

    /** {@code kill -9 -PGID}: the worker and every process of its group at once. Returns the worker's exit code. */
    public int killGroup() throws InterruptedException {
        if (ProcessHandle.current().pid() == process.pid() || !command.get(0).equals("setsid")) {
            throw new IllegalStateException("the worker shares the test's process group: start it inOwnGroup()");
        }
        Host.ok(10, "kill", "-9", "--", "-" + process.pid());
        return process.waitFor();
    }

    /** The worker's pid. */
    public long pid() {
        return process.pid();
    }

    /** The java command of the JVM that runs the tests. */
    public static String java() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    /** The jar the build made, or the one {@code -Dtether.jar} names. */
    public static Path jar() {
        return Path.of(System.getProperty("tether.jar", "target/tether.jar"));
    }

    /**
     * Adds arguments to the worker's command line. Without {@code --http-address} among them it
     * gets {@code --http-address off}: workers started side by side must not all take port 9464.
     */
    public WorkerProcess with(String... args) {
        command.addAll(List.of(args));
        return this;
    }

    /**
     * Starts the process and waits until it says it is running: up to three minutes, as a JVM can
     * take on a machine whose cores other builds hold (it says so within seconds when idle).
     */
    public WorkerProcess start() throws IOException {
        return start(Duration.ofMinutes(3));
    }

    /** Starts the process and waits up to {@code timeout} until it says it is running. */
    public WorkerProcess start(Duration timeout) throws IOException {
        List<String> command = new ArrayList<>(this.command);
        if (!command.contains("--http-address")) {
            command.addAll(List.of("--http-address", "off"));
        }
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(output.toFile()));
        builder.environment().putAll(environment);
        long before = Files.exists(output) ? Files.size(output) : 0;
        process = builder.start();
        await().atMost(timeout).until(() -> {
            if (!process.isAlive()) {
                throw new AssertionError("worker exited with " + process.exitValue() + "; see " + output);
            }
            // The banner's last line: a test may read any line of it once start returns.
            return Files.readString(output).substring((int) before).contains("Stop with Ctrl-C or SIGTERM.");
        });
        return this;
    }

    /** SIGKILL: no shutdown hook, no flush, no goodbye. Returns the exit code. */
    public int kill9() throws InterruptedException {
        process.destroyForcibly();
        return process.waitFor();
    }

    /** SIGTERM, and the exit code. */
    public int terminate() throws InterruptedException {
        process.destroy();
        return process.waitFor();
    }

    public boolean isAlive() {
        return process != null && process.isAlive();
    }

    @Override
    public void close() throws InterruptedException {
        if (isAlive()) {
            kill9();
        }
    }
}
