package io.tether.testing;

import io.tether.connector.Connector;
import io.tether.connector.Probe;
import io.tether.uri.StorageUri;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A connector for a hung target: every call opens a FIFO for reading, which really blocks the
 * thread in the kernel until a writer comes, as a stat on a hung NFS mount does. (A test double for
 * a hung storage server, which this machine cannot have; the blocking itself is real.)
 */
public final class FifoConnector implements Connector {
    private final Path fifo;
    private volatile boolean healthy;
    /** Threads inside a call right now, and the most ever at once. */
    public final AtomicInteger inside = new AtomicInteger();
    public final AtomicInteger mostInside = new AtomicInteger();
    public final AtomicInteger calls = new AtomicInteger();

    public FifoConnector(Path fifo) throws Exception {
        this.fifo = fifo;
        Process mkfifo = new ProcessBuilder("mkfifo", fifo.toString()).inheritIO().start();
        if (!mkfifo.waitFor(10, TimeUnit.SECONDS) || mkfifo.exitValue() != 0) {
            throw new IllegalStateException("mkfifo failed");
        }
    }

    @Override
    public Probe probe(StorageUri uri) {
        block();
        return Probe.PLAIN;
    }

    @Override
    public Probe establish(StorageUri uri) {
        block();
        return Probe.PLAIN;
    }

    @Override
    public void disconnect(StorageUri uri) {
        block();
    }

    private void block() {
        calls.incrementAndGet();
        mostInside.accumulateAndGet(inside.incrementAndGet(), Math::max);
        try {
            if (healthy) {
                return;
            }
            try (InputStream in = Files.newInputStream(fifo)) {
                in.read();
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        } finally {
            inside.decrementAndGet();
        }
    }

    /** Makes the target answer again: releases the thread stuck in open(2), and later calls return at once. */
    public void recover() throws IOException {
        healthy = true;
        try (OutputStream out = Files.newOutputStream(fifo)) {
            out.write('x');
        }
    }
}
