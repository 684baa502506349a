package io.tether.cli;

import io.tether.api.Results;
import io.tether.client.HostResult;
import io.tether.client.ManageBatch;
import io.tether.uri.InvalidUriException;
import io.tether.uri.UriParser;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.List;
import java.util.Map;
import java.util.Set;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "manage", mixinStandardHelpOptions = true,
        description = "Register a connection ID for a storage URI on a host (or on several at once, --host h1,h2);"
                + " the host connects and keeps it up. Many at once: -f FILE.",
        footer = "A CID is compared as it is written, code point by code point: 'café' typed as one code point (NFC) and"
                + " as 'e' with a combining accent (NFD) are two CIDs. Tether does not normalise; use the same form"
                + " everywhere (most input methods type NFC).")
public final class ManageCommand extends OneRequestCommand {
    @Parameters(index = "0", arity = "0..1", paramLabel = "<cid>", description = "Connection ID (CID).")
    String cid;

    @Parameters(index = "1", arity = "0..1", paramLabel = "<uri>", description = "Storage URI, e.g. file:///srv/data or"
            + " nfs://server/export. One that holds a secret (a CHAP password, a password= or secret= mount option) is"
            + " refused here, where ps shows it to every local user: give it with --uri-file.")
    String uri;

    @Option(names = "--uri-file", paramLabel = "FILE", description = "Read the storage URI from the first line of FILE,"
            + " or of standard input if FILE is '-', instead of <uri>. A FILE whose URI holds a secret must be its owner's"
            + " alone (chmod 600). A URI with a secret is sent sealed for the host.")
    String uriFile;

    @Option(names = {"-f", "--file"}, paramLabel = "FILE", description = "Manage every CID in FILE, or in standard input if"
            + " FILE is '-': one 'CID URI' a line, or a JSON object {\"cid\": ..., \"uri\": ...} a line; blank lines and"
            + " lines starting with # are skipped. Sent as one JSON-RPC batch per host, which the worker applies in one"
            + " commit; one line per CID (and host). A FILE with a secret in a URI must be its owner's alone (chmod 600).")
    String file;

    /** Standard input, for {@code --uri-file -} and {@code -f -}. */
    InputStream stdin = System.in;

    @Override
    public Integer call() {
        if (file != null) {
            return batch();
        }
        if (cid == null) {
            throw new IllegalArgumentException("Missing required parameter: '<cid>' (or -f FILE)");
        }
        String target = uri();
        if (oneHost()) {
            String host = host();
            // Through the client library: a URI with credentials goes out sealed for the host.
            Results.Managed result = client.runChange(host, (c, timeout) -> c.manage(host, cid, target, timeout));
            if (result == null) {
                return 1;
            }
            OneLine.out(line(cid, result));
            return 0;
        }
        Map<String, HostResult<Results.Managed>> results = client.runOnHosts(hosts(), client.timeout,
                (c, hosts, timeout) -> c.manage(hosts, cid, target, timeout));
        if (results == null) {
            return 1;
        }
        results.values().forEach(r -> OneLine.out(r.hostId() + ": " + (r.ok() ? line(cid, r.value()) : client.describe(r.failure()))));
        return ClientOptions.changeSummary("manage", results);
    }

    /**
     * The URI to manage: the argument, unless it holds a secret, which every local user could read
     * in this process's command line; or the first line of --uri-file, a file that others cannot
     * read when the URI holds a secret. A command line in error is an IllegalArgumentException (exit 64).
     */
    String uri() {
        if ((uri == null) == (uriFile == null)) {
            throw new IllegalArgumentException(uri == null ? "Missing required parameter: '<uri>' (or --uri-file FILE)"
                    : "<uri> and --uri-file are mutually exclusive (give one)");
        }
        if (uri != null) {
            if (holdsSecret(uri)) {
                throw new IllegalArgumentException("the URI holds a secret, which ps shows to every local user while this"
                        + " command runs: give it with --uri-file FILE (chmod 600 FILE) or --uri-file - (standard input)");
            }
            return uri;
        }
        String line = firstLine(read(uriFile, "--uri-file"));
        if (line.isBlank()) {
            throw new IllegalArgumentException("--uri-file " + uriFile + " holds no URI on its first line");
        }
        if (!uriFile.equals("-") && holdsSecret(line) && othersMayRead(Path.of(uriFile))) {
            throw new IllegalArgumentException(uriFile + " holds a URI with a secret but others may read it: chmod 600 "
                    + uriFile);
        }
        return line;
    }

    /** The text of {@code name}, or of standard input if it is '-'; a file that cannot be read is the user's to fix. */
    private String read(String name, String option) {
        try {
            return name.equals("-") ? new String(stdin.readAllBytes(), StandardCharsets.UTF_8)
                    : Files.readString(Path.of(name), StandardCharsets.UTF_8);
        } catch (java.nio.file.NoSuchFileException e) {
            throw new IllegalArgumentException("cannot read " + option + " " + name + ": no such file");
        } catch (java.nio.file.AccessDeniedException e) {
            throw new IllegalArgumentException("cannot read " + option + " " + name + ": permission denied");
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read " + option + " " + name + ": " + Errors.describe(e));
        }
    }

    /** Whether {@code text} carries a CHAP password or a secret mount option, or may (it does not parse). */
    static boolean holdsSecret(String text) {
        try {
            return UriParser.parse(text).hasCredentials();
        } catch (InvalidUriException e) {
            return UriParser.maySecret(text);
        }
    }

    private static String firstLine(String text) {
        int end = text.indexOf('\n');
        String line = end < 0 ? text : text.substring(0, end);
        return line.endsWith("\r") ? line.substring(0, line.length() - 1) : line;
    }

    private static boolean othersMayRead(Path file) {
        try {
            Set<PosixFilePermission> permissions = Files.getPosixFilePermissions(file);
            return permissions.contains(PosixFilePermission.GROUP_READ) || permissions.contains(PosixFilePermission.OTHERS_READ);
        } catch (IOException | UnsupportedOperationException e) {
            return true;
        }
    }

    /**
     * {@code manage -f FILE}: every CID of the file, one batch per host, one line per CID (prefixed
     * with the host when there are several); exit 0 only if every CID was managed on every host.
     */
    private int batch() {
        if (cid != null || uri != null || uriFile != null) {
            throw new IllegalArgumentException("-f FILE and <cid> <uri> are mutually exclusive (give one)");
        }
        List<ManageBatch.Entry> entries = BatchFile.parse(file.equals("-") ? "standard input" : file, read(file, "-f"));
        if (!file.equals("-") && entries.stream().anyMatch(e -> holdsSecret(e.uri())) && othersMayRead(Path.of(file))) {
            throw new IllegalArgumentException(file + " holds a URI with a secret but others may read it: chmod 600 " + file);
        }
        Map<String, HostResult<List<ManageBatch.Outcome>>> results = client.runOnHosts(hosts(), client.timeout,
                (c, hosts, timeout) -> c.manageAll(hosts, entries, timeout));
        if (results == null) {
            return 1;
        }
        int failed = 0;
        for (HostResult<List<ManageBatch.Outcome>> r : results.values()) {
            String prefix = results.size() > 1 ? r.hostId() + ": " : "";
            if (!r.ok()) {
                OneLine.out(prefix + client.describe(r.failure()));
                continue;
            }
            for (ManageBatch.Outcome outcome : r.value()) {
                OneLine.out(prefix + (outcome.ok() ? line(outcome.cid(), outcome.managed())
                        : "failed: " + outcome.cid() + ": " + client.describe(outcome.error())));
                failed += outcome.ok() ? 0 : 1;
            }
        }
        if (failed > 0) {
            OneLine.err("tether manage: " + failed + " of " + entries.size() * results.size() + " CIDs failed");
        }
        return Math.max(ClientOptions.changeSummary("manage", results), failed > 0 ? 1 : 0);
    }

    private static String line(String cid, Results.Managed result) {
        return (result.alreadyManaged() ? "already managed: " : "managed: ") + cid + " -> " + result.connectionKey();
    }
}
