package io.tether.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * CPU time of this JVM's threads by name, from /proc (user + system, JIT and GC threads included,
 * which a Java profiler does not see). Threads of a pool are counted together: digits in a name
 * are dropped. Linux only; elsewhere it reports nothing.
 */
final class ThreadCpu {
    private static final double TICK_MS = 10; // USER_HZ is 100 on Linux
    private final Map<String, Long> ticks;

    private ThreadCpu(Map<String, Long> ticks) {
        this.ticks = ticks;
    }

    static ThreadCpu now() {
        Map<String, Long> ticks = new HashMap<>();
        try (Stream<Path> tasks = Files.list(Path.of("/proc/self/task"))) {
            for (Path task : (Iterable<Path>) tasks::iterator) {
                String stat;
                try {
                    stat = Files.readString(task.resolve("stat"));
                } catch (IOException e) {
                    continue; // the thread ended meanwhile
                }
                String name = stat.substring(stat.indexOf('(') + 1, stat.lastIndexOf(')')).replaceAll("[0-9]+", "#");
                String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                // fields[11] is utime, fields[12] stime (stat fields 14 and 15)
                ticks.merge(name, Long.parseLong(fields[11]) + Long.parseLong(fields[12]), Long::sum);
            }
        } catch (IOException e) {
            // Not Linux.
        }
        return new ThreadCpu(ticks);
    }

    /** Seconds of CPU used since {@code before} by the threads whose names start with {@code prefix}. */
    double seconds(ThreadCpu before, String prefix) {
        return ticks.entrySet().stream().filter(e -> e.getKey().startsWith(prefix))
                .mapToLong(e -> e.getValue() - before.ticks.getOrDefault(e.getKey(), 0L))
                .sum() * TICK_MS / 1000;
    }

    /** The threads that used most CPU since {@code before}, as "name 12.3 s, ...". */
    String since(ThreadCpu before, int top) {
        return ticks.entrySet().stream()
                .map(e -> Map.entry(e.getKey(), e.getValue() - before.ticks.getOrDefault(e.getKey(), 0L)))
                .filter(e -> e.getValue() > 0)
                .sorted(Map.Entry.<String, Long>comparingByValue().reversed())
                .limit(top)
                .map(e -> String.format("%s %.1f s", e.getKey(), e.getValue() * TICK_MS / 1000))
                .collect(Collectors.joining(", "));
    }
}
