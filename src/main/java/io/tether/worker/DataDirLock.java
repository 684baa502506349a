package io.tether.worker;

import io.tether.files.Owner;
import io.tether.files.TrustedPaths;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * One worker per data dir: an exclusive lock on {@code <data-dir>/worker.lock}, holding the pid of
 * the worker that took it. Taken before anything else in the dir is opened, so a second worker
 * says at once who has the dir, instead of waiting in the broker journal's or the database's own
 * lock for as long as the first one runs. The operating system drops the lock when the process
 * dies, so a worker killed with {@code kill -9} leaves nothing to clean up. {@code tether data}
 * takes it too, so that a database is never restored under a running worker.
 */
public final class DataDirLock implements AutoCloseable {
    public static final String FILE = "worker.lock";

    private final FileChannel channel;
    private final FileLock lock;

    private DataDirLock(FileChannel channel, FileLock lock) {
        this.channel = channel;
        this.lock = lock;
    }

    /** Takes the lock, or says which process holds it. */
    public static DataDirLock acquire(Path dataDir) throws IOException, Worker.StartException {
        Path file = dataDir.resolve(FILE);
        // Not through a link: the data dir is checked to be ours alone, and this keeps it so for the
        // one file opened for writing without O_EXCL.
        FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ,
                StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS);
        try {
            if (!TrustedPaths.lstat(file).isRegularFile() || TrustedPaths.uid(file) != Owner.self()) {
                throw new Worker.StartException(file + " is not a regular file of this process's user: remove it");
            }
            FileLock lock;
            try {
                lock = channel.tryLock();
            } catch (OverlappingFileLockException e) {
                lock = null; // held by another worker in this same JVM
            }
            if (lock == null) {
                String holder = new String(TrustedPaths.read(file, Owner.SELF, "worker lock"), StandardCharsets.UTF_8).strip();
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
