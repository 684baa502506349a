package io.tether.cli;

import io.tether.files.TrustedPaths;
import io.tether.store.Backups;
import io.tether.store.StoreFiles;
import io.tether.worker.DataDirLock;
import io.tether.worker.Worker;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code tether data backup|restore}: the worker's database and credential key, on a stopped
 * worker (each takes the data dir's lock, so a running worker refuses them). The work is
 * {@link Backups}'; docs/operations.md, "Upgrades and recovery", says when to use which.
 */
@Command(name = "data", mixinStandardHelpOptions = true,
        description = "Back up or restore the worker's database (stop the worker first).",
        subcommands = {DataCommand.Backup.class, DataCommand.Restore.class})
final class DataCommand {
    static {
        DataDirs.publish();
    }

    /** What both subcommands do around their work: the data dir, owner-only files, the lock. */
    abstract static class OnStoppedWorker implements Callable<Integer> {
        @Option(names = "--data-dir", defaultValue = DataDirs.CLIENT_DEFAULT, paramLabel = "DIR",
                description = "The worker's data dir (default: ${DEFAULT-VALUE}).")
        Path dataDir;

        @Override
        public Integer call() throws Exception {
            // Backups and restored files hold the sealed credentials and their key.
            OwnerOnlyFiles.apply();
            TrustedPaths.privateDirectory(dataDir, "data dir");
            try (DataDirLock lock = DataDirLock.acquire(dataDir)) {
                Backups.Done outcome = run(StoreFiles.ofDataDir(dataDir));
                OneLine.out(report(outcome));
                return 0;
            } catch (Worker.StartException inUse) {
                throw new java.io.IOException(inUse.getMessage() + ": stop it first (systemctl stop tether-worker)");
            }
        }

        abstract Backups.Done run(StoreFiles files) throws Exception;

        abstract String report(Backups.Done outcome);
    }

    @Command(name = "backup", mixinStandardHelpOptions = true,
            description = "Write the database and its credential key to FILE (a zip, mode 0600; H2's Restore tool reads it too).")
    static final class Backup extends OnStoppedWorker {
        @Parameters(paramLabel = "FILE", description = "The backup to write; it must not exist.")
        Path file;

        @Override
        Backups.Done run(StoreFiles files) throws Exception {
            return Backups.write(files, file);
        }

        @Override
        String report(Backups.Done outcome) {
            return "backed up " + outcome.cids() + " CIDs (event seq " + outcome.seq() + ") to " + outcome.file();
        }
    }

    @Command(name = "restore", mixinStandardHelpOptions = true,
            description = {"Replace the database and its credential key with a backup's, or with an empty database"
                    + " (--empty); the replaced files are kept beside them, renamed *.replaced-TIME.",
                    "The event seq goes on above every seq handed out before: engines see a gap and list again."})
    static final class Restore extends OnStoppedWorker {
        @ArgGroup(multiplicity = "1")
        Source source;

        static final class Source {
            @Parameters(paramLabel = "BACKUP", description = "A backup from 'tether data backup', or one taken before a migration.")
            Path backup;

            @Option(names = "--empty", description = "Start over with no CIDs (when no backup is left).")
            boolean empty;
        }

        @Override
        Backups.Done run(StoreFiles files) throws Exception {
            return source.empty ? Backups.restoreEmpty(files) : Backups.restore(files, source.backup);
        }

        @Override
        String report(Backups.Done outcome) {
            return "restored " + outcome.cids() + " CIDs" + (outcome.file() == null ? " (an empty database)" : " from " + outcome.file())
                    + "; the next event seq is above " + outcome.seq()
                    + outcome.replaced().map(kept -> "; the replaced database is kept as " + kept).orElse("");
        }
    }
}
