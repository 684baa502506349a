package io.tether.connector;

import io.tether.argv.HostId;
import io.tether.argv.Nqn;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.UUID;

/**
 * This host's NVMe identity, its host NQN and host id, from {@code /etc/nvme/hostnqn} and
 * {@code /etc/nvme/hostid}, where nvme-cli and every other NVMe initiator of the host read them
 * too. When they are missing they are made once, as {@code nvme gen-hostnqn} makes them (the NQN
 * {@code nqn.2014-08.org.nvmexpress:uuid:ID}), so that a target's allow list of hosts and the
 * controllers a restarted worker adopts keep seeing the same host.
 */
final class NvmeHost {
    private static final String UUID_NQN = "nqn.2014-08.org.nvmexpress:uuid:";

    /** The host's identity, as {@code nvme connect} is given it. */
    record Identity(Nqn hostNqn, HostId hostId) {
    }

    private final Path directory;

    NvmeHost(Path directory) {
        this.directory = directory;
    }

    /** {@code /etc/nvme}. */
    static NvmeHost ofHost() {
        return new NvmeHost(Path.of("/etc/nvme"));
    }

    /**
     * The host NQN and host id, made first where they are missing (the id first: a made NQN names
     * it). Files that are links, or hold no NQN or UUID, are refused: the worker connects as root.
     */
    Identity identity() throws ConnectorException {
        try {
            Files.createDirectories(directory);
            HostId id = HostId.of(readOrCreate(directory.resolve("hostid"), UUID.randomUUID().toString()));
            Nqn nqn = new Nqn(readOrCreate(directory.resolve("hostnqn"), UUID_NQN + id.text()));
            return new Identity(nqn, id);
        } catch (IOException | IllegalArgumentException e) {
            throw new ConnectorException(VdsmError.StorageServerConnectionError,
                    "this host's NVMe identity in " + directory + " is unusable: " + e.getMessage());
        }
    }

    private static String readOrCreate(Path file, String made) throws IOException {
        if (!Files.exists(file, LinkOption.NOFOLLOW_LINKS)) {
            try {
                // CREATE_NEW: of two workers making it at once, one writes, and both read that one's.
                Files.writeString(file, made + "\n", StandardCharsets.US_ASCII, StandardOpenOption.CREATE_NEW,
                        StandardOpenOption.WRITE);
            } catch (FileAlreadyExistsException e) {
                // Made meanwhile: read below.
            }
        }
        if (!Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS)) {
            throw new IOException(file + " is not a regular file");
        }
        return Files.readString(file, StandardCharsets.US_ASCII).strip();
    }
}
