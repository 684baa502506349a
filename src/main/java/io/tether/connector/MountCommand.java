package io.tether.connector;

import io.tether.argv.LocalPath;
import io.tether.argv.MountOption;
import io.tether.argv.MountOptions;
import io.tether.argv.Program;
import io.tether.argv.Word;
import io.tether.uri.MountSettings;
import io.tether.uri.StorageUri;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The {@code mount} command for a URI, built from checked parts only:
 * {@code mount -t TYPE -o OPTIONS SOURCE MOUNTPOINT}. Its options, in this order:
 * <ol>
 * <li>the ones the type derives from the URI's parameters ({@link MountSettings#options()});
 * <li>the URI's own, each checked again as the URI parser checked it, except a secret one: a
 *     command line is readable by every local user ({@code /proc/PID/cmdline}), so a cifs or smb3
 *     {@code password=} goes to mount.cifs as {@code credentials=FILE} and a ceph {@code secret=}
 *     to mount.ceph as {@code secretfile=FILE}, files of the worker's own ({@link SecretFiles})
 *     removed when the command is closed; the mount policy refuses every other secret option;
 * <li>{@code nosuid,nodev}, unless the operator lifted them for the type ({@code --allow-suid-dev}):
 *     last, as mount(8) and the helpers take the last of {@code suid}/{@code nosuid} and
 *     {@code dev}/{@code nodev}, so that no option before them can undo them (the policy refuses
 *     {@code suid} and {@code dev} as well).
 * </ol>
 */
final class MountCommand implements AutoCloseable {
    /** The secret options each type's helper can take in a file, and the option that names the file. */
    private static final Map<String, Map<String, Channel>> PRIVATE = Map.of(
            "cifs", Map.of("password", Channel.CIFS_CREDENTIALS),
            "smb3", Map.of("password", Channel.CIFS_CREDENTIALS),
            "ceph", Map.of("secret", Channel.CEPH_SECRETFILE));

    /** How a secret option reaches its helper off the command line. */
    private enum Channel {
        /** mount.cifs(8) {@code credentials=FILE}: a file of {@code name=value} lines. */
        CIFS_CREDENTIALS("credentials") {
            @Override
            String content(MountOption secret) {
                return secret.name() + "=" + secret.value() + "\n";
            }
        },
        /** mount.ceph(8) {@code secretfile=FILE}: the key alone. */
        CEPH_SECRETFILE("secretfile") {
            @Override
            String content(MountOption secret) {
                return secret.value() + "\n";
            }
        };

        private final String option;

        Channel(String option) {
            this.option = option;
        }

        abstract String content(MountOption secret);
    }

    /** The options added to every mount of a type the policy does not exempt. */
    static final List<MountOption> NOSUID_NODEV = List.of(MountOption.flag("nosuid"), MountOption.flag("nodev"));
    /** The options that would undo them. */
    static final Set<String> UNDO_NOSUID_NODEV = Set.of("suid", "dev");

    private final Command command;
    private final List<SecretFiles.SecretFile> files;

    private MountCommand(Command command, List<SecretFiles.SecretFile> files) {
        this.command = command;
        this.files = files;
    }

    /** Whether {@code fsType}'s helper takes the secret option {@code name} off its command line. */
    static boolean takesPrivately(String fsType, String name) {
        return PRIVATE.getOrDefault(fsType, Map.of()).containsKey(name);
    }

    /**
     * Builds the command that mounts {@code uri} at {@code mountPoint}, writing the files its secrets
     * go in; a part that is not what its grammar says, or a secret with no private way to its
     * helper, is refused before anything is written.
     */
    static MountCommand of(StorageUri uri, MountSettings settings, Path mountPoint, MountPolicy policy,
            SecretFiles secrets) throws ConnectorException {
        List<MountOption> options = new ArrayList<>(settings.options());
        List<MountOption> secretOptions = new ArrayList<>();
        LocalPath target;
        try {
            target = LocalPath.of(mountPoint);
            for (String text : uri.options()) {
                MountOption option = MountOption.parse(text);
                (option.secret() ? secretOptions : options).add(option);
            }
        } catch (IllegalArgumentException e) {
            throw new ConnectorException(VdsmError.MountError, "refused to run mount: a part of its command line "
                    + e.getMessage());
        }
        String fsType = settings.vfsType();
        if (policy.enforcesNosuidNodev(fsType)) {
            for (MountOption option : options) {
                if (UNDO_NOSUID_NODEV.contains(option.name())) {
                    throw new ConnectorException(VdsmError.MountError, "refused to run mount: mount option '" + option.name()
                            + "' would undo nosuid,nodev, which this host enforces for " + fsType);
                }
            }
        }
        for (MountOption secret : secretOptions) {
            if (!takesPrivately(fsType, secret.name())) {
                throw new ConnectorException(VdsmError.MountError, "refused to run mount: mount option '" + secret.name()
                        + "' holds a secret that mount." + fsType + " would get on its command line");
            }
        }
        List<SecretFiles.SecretFile> files = new ArrayList<>();
        try {
            for (MountOption secret : secretOptions) {
                Channel channel = PRIVATE.get(fsType).get(secret.name());
                SecretFiles.SecretFile file = secrets.write(channel.content(secret));
                files.add(file);
                options.add(new MountOption(channel.option, LocalPath.of(file.path()).text()));
            }
            if (policy.enforcesNosuidNodev(fsType)) {
                options.addAll(NOSUID_NODEV);
            }
            Command mount = Command.of(Program.MOUNT.providedBy(settings.installHint())).arg(Word.TYPE, settings.type());
            if (!options.isEmpty()) {
                mount.arg(Word.OPTIONS, new MountOptions(options));
            }
            mount.arg(settings.spec(), target);
            return new MountCommand(mount, List.copyOf(files));
        } catch (IOException e) {
            files.forEach(SecretFiles.SecretFile::close);
            throw new ConnectorException(VdsmError.MountError, "cannot hand mount." + fsType + " its secret in a file of"
                    + " the worker's own: " + e.getMessage());
        } catch (RuntimeException e) {
            files.forEach(SecretFiles.SecretFile::close);
            throw new ConnectorException(VdsmError.MountError, "refused to run mount: " + e.getMessage());
        }
    }

    /** The command, to run once. */
    Command command() {
        return command;
    }

    /** The files that hold this command's secrets. */
    List<Path> secretFiles() {
        return files.stream().map(SecretFiles.SecretFile::path).toList();
    }

    /** Removes the secret files: the helper has read them once mount has returned. */
    @Override
    public void close() {
        files.forEach(SecretFiles.SecretFile::close);
    }
}
