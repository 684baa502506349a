package io.tether.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tether.testing.RawClient;
import io.tether.testing.TestWorker;
import io.tether.testing.WorkerProcess;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * One worker per data dir: a second worker on a dir in use stops at once with one line naming the
 * pid that holds it (exit 1), and the first one carries on serving; the dir is free again once the
 * first stops, even by {@code kill -9}.
 */
class DataDirInUseIT {
    @TempDir
    Path tmp;

    @Test
    void aSecondWorkerOnTheSameDataDirFailsFastInOneLine() throws Exception {
        Path data = tmp.resolve("data");
        int port = TestWorker.freePort();
        try (WorkerProcess first = new WorkerProcess("dd", data, port, tmp.resolve("first.log")).start()) {
            String pid = Files.readString(data.resolve(DataDirLock.FILE)).strip();
            String jar = System.getProperty("tether.jar", "target/tether.jar");
            Process second = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-jar", jar, "worker", "--host-id", "dd2", "--data-dir", data.toString(),
                    "--amqp-port", Integer.toString(TestWorker.freePort()))
                    .redirectErrorStream(true).start();
            assertTrue(second.waitFor(60, TimeUnit.SECONDS), "the second worker does not wait for the first");
            List<String> output = new String(second.getInputStream().readAllBytes(), StandardCharsets.UTF_8).lines().toList();
            assertEquals(1, second.exitValue());
            assertEquals(List.of("tether worker: data dir " + data + " is in use by another worker (pid " + pid + ")"), output);
            try (RawClient client = new RawClient(TestWorker.engineUrl(port, data), "dd")) {
                assertTrue(client.list().get("connections").isObject(), "the first worker still answers");
            }
            first.kill9();
            try (TestWorker again = new TestWorker("dd", data)) {
                assertTrue(again.worker().brokerUrl() != null, "the dir is free once its worker is gone");
            }
        }
    }

    @Test
    void aSecondWorkerInTheSameJvmIsRefusedToo() throws Exception {
        Path data = tmp.resolve("same-jvm");
        try (TestWorker first = new TestWorker("jvm-a", data)) {
            Worker.StartException refused = assertThrows(Worker.StartException.class,
                    () -> Worker.start(io.tether.worker.WorkerConfig.embedded("jvm-b", data, TestWorker.freePort())));
            assertEquals("data dir " + data + " is in use by another worker (pid " + ProcessHandle.current().pid() + ")",
                    refused.getMessage());
        }
    }
}
