package io.tether.bench;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.tether.testing.TestWorker;
import io.tether.testing.WorkerProcess;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The wall time of each engine-side command (manage, list, await, unmanage) run as a new process
 * against a running worker, as a script or an engine runs it: both {@code java -jar tether.jar}
 * (the README's way) and the package's launcher ({@code src/main/packaging/tether}, with its
 * options and its class-data archive, which its first command makes and which is reported apart).
 * Targets (issue 32): every command's median at most 0.4 s through the launcher and 0.8 s with
 * {@code java -jar}.
 *
 * <p>It needs the shaded jar: {@code mvn -o -q package -DskipTests} first (it is skipped, saying
 * so, without it). {@code -Dbench.runs=N} rounds (default 10); a round runs each command once by
 * each route. {@code -Dbench.cliJars=OLD.jar,NEW.jar} runs the commands of each jar in turn within
 * every round, against one worker of this build, to compare two builds under the same conditions.
 */
class CliStartBenchmark {
    private static final List<String> COMMANDS = List.of("manage", "list", "await", "unmanage");

    @TempDir
    Path tmp;

    /** One way of running a jar's commands: {@code java -jar}, or the launcher. */
    private record Route(String name, Path jar, Path cache) {
        boolean launcher() {
            return cache != null;
        }
    }

    @Test
    void eachCommandAsANewProcess() throws Exception {
        assumeTrue(Files.isRegularFile(WorkerProcess.jar()), WorkerProcess.jar()
                + " is missing: build it first (mvn -o -q package -DskipTests)");
        int runs = Integer.getInteger("bench.runs", 10);
        List<Route> routes = routes();
        System.out.println("CliStartBenchmark on " + Machine.describe() + "; " + runs + " runs of each command by each route");

        Path data = tmp.resolve("data");
        Path storage = Files.createDirectories(tmp.resolve("storage"));
        int port = TestWorker.freePort();
        try (WorkerProcess worker = new WorkerProcess("bench", data, port, tmp.resolve("worker.log")).start()) {
            String broker = "--broker=amqp://127.0.0.1:" + port;
            for (Route route : routes) {
                if (route.launcher()) {
                    System.out.printf("cli-start: %s, first command (makes the class-data archive): %.2f s%n", route.name(),
                            run(route, data, "list", broker, "--host", "bench"));
                }
            }
            Map<String, List<Double>> walls = new LinkedHashMap<>();
            for (int round = 0; round < runs; round++) {
                for (int r = 0; r < routes.size(); r++) {
                    Route route = routes.get(r);
                    String cid = "bench-" + r + "-" + round;
                    for (String command : COMMANDS) {
                        List<String> args = new ArrayList<>(List.of(command, broker, "--host", "bench"));
                        switch (command) {
                            case "manage" -> args.addAll(List.of(cid, storage.toUri().toString()));
                            case "await", "unmanage" -> args.add(cid);
                            default -> {
                            }
                        }
                        walls.computeIfAbsent(route.name() + " " + command, k -> new ArrayList<>())
                                .add(run(route, data, args.toArray(String[]::new)));
                    }
                }
            }
            walls.forEach((what, seconds) -> {
                seconds.sort(null);
                System.out.printf("cli-start: %-40s median %.2f s (min %.2f, max %.2f) of %d%n", what,
                        median(seconds), seconds.get(0), seconds.get(seconds.size() - 1), seconds.size());
            });
        }
    }

    /** Each jar by {@code java -jar} and through the launcher, each with a class-data cache of its own. */
    private List<Route> routes() throws Exception {
        String jars = System.getProperty("bench.cliJars", "").strip();
        List<Path> paths = jars.isEmpty() ? List.of(WorkerProcess.jar())
                : Arrays.stream(jars.split(",")).map(String::strip).map(Path::of).toList();
        List<Route> routes = new ArrayList<>();
        for (int i = 0; i < paths.size(); i++) {
            Path jar = paths.get(i).toAbsolutePath();
            String label = paths.size() == 1 ? "" : jar.getFileName() + " ";
            // The launcher removes the archives of other jars from its cache: one cache per jar.
            routes.add(new Route(label + "java -jar", jar, null));
            routes.add(new Route(label + "launcher", jar, Files.createDirectories(tmp.resolve("cache-" + i))));
        }
        return routes;
    }

    /** Wall time of one {@code tether ARGS} run by {@code route}, in seconds; it must succeed. */
    private static double run(Route route, Path data, String... args) throws Exception {
        List<String> command = new ArrayList<>(route.launcher() ? List.of("sh", launcher().toString())
                : List.of(WorkerProcess.java(), "-jar", route.jar().toString()));
        command.addAll(List.of(args));
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD);
        builder.environment().put("TETHER_DATA_DIR", data.toString());
        if (route.launcher()) {
            builder.environment().put("TETHER_JAR", route.jar().toString());
            builder.environment().put("TETHER_CACHE_DIR", route.cache().toString());
        }
        long started = System.nanoTime();
        Process p = builder.start();
        if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
            p.destroyForcibly();
            throw new AssertionError(route.name() + ": tether " + String.join(" ", args) + " failed or hung");
        }
        return (System.nanoTime() - started) / 1e9;
    }

    private static Path launcher() {
        return Path.of("src/main/packaging/tether");
    }

    private static double median(List<Double> sorted) {
        int n = sorted.size();
        return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
    }
}
