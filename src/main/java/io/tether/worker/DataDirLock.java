package io.tether.worker;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * One worker per data dir: an exclusive lock on {@code <data-dir>/worker.lock}, holding the pid of
 * the worker that took it. Taken before anything else in the dir is opened, so a second worker
 * says at once who has the dir, instead of waiting in the broker journal's or the database's own
 * lock for as long as the first one runs. The operating system drops the lock when the process
 * dies, so a worker killed with {@code kill -9} leaves nothing to clean up.
 */
final class DataDirLock implements AutoCloseable {
    static final String FILE = "worker.lock";

    private final FileChannel channel;
    private final FileLock lock;

    private DataDirLock(FileChannel channel, FileLock lock) {
        this.channel = channel;
        this.lock = lock;
    }

    /** Takes the lock, or says which process holds it. */
    static DataDirLock acquire(Path dataDir) throws IOException, Worker.StartException {
        Path file = dataDir.resolve(FILE);
        FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ,
                StandardOpenOption.WRITE);
        try {
            FileLock lock;
            try {
                lock = channel.tryLock();
            } catch (OverlappingFileLockException e) {
                lock = null; // held by another worker in this same JVM
            }
            if (lock == null) {
                String holder = Files.readString(file, StandardCharsets.UTF_8).strip();
                throw new Worker.StartException("data dir " + dataDir + " is in use by another worker"
                        + (holder.isEmpty() ? "" : " (pid " + holder + ")"));
            }
            channel.truncate(0);
            channel.write(ByteBuffer.wrap((ProcessHandle.current().pid() + "\n").getBytes(StandardCharsets.UTF_8)));
            channel.force(false);
            return new DataDirLock(channel, lock);
        } catch (IOException | Worker.StartException | RuntimeException e) {
            // Closing the channel releases a lock taken on it: a failed start leaves the dir free.
            channel.close();
            throw e;
        }
    }

    @Override
    public void close() throws IOException {
        lock.release();
        channel.close();
    }
}
