package io.tether.bench;

import java.nio.file.Files;
import java.nio.file.Path;

/** One line that says what a benchmark ran on. */
final class Machine {
    private Machine() {
    }

    static String describe() {
        String cpu = "unknown cpu";
        try {
            cpu = Files.readAllLines(Path.of("/proc/cpuinfo")).stream().filter(l -> l.startsWith("model name"))
                    .findFirst().map(l -> l.substring(l.indexOf(':') + 1).trim()).orElse(cpu);
        } catch (Exception e) {
            // Not Linux: the rest still says enough.
        }
        Runtime rt = Runtime.getRuntime();
        return String.format("%d cores (%s), max heap %d MiB, Java %s, %s %s", rt.availableProcessors(), cpu,
                rt.maxMemory() >> 20, System.getProperty("java.version"), System.getProperty("os.name"),
                System.getProperty("os.version"));
    }
}
