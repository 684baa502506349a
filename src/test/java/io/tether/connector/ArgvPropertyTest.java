package io.tether.connector;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.tether.argv.Address;
import io.tether.argv.ChapName;
import io.tether.argv.ChapSecret;
import io.tether.argv.ControllerName;
import io.tether.argv.HostId;
import io.tether.argv.Iqn;
import io.tether.argv.Joined;
import io.tether.argv.LocalPath;
import io.tether.argv.MountOption;
import io.tether.argv.Nqn;
import io.tether.argv.RelativePath;
import io.tether.argv.SessionId;
import io.tether.argv.Word;
import io.tether.uri.InvalidUriException;
import io.tether.uri.IscsiScheme;
import io.tether.uri.MountSettings;
import io.tether.uri.NvmeScheme;
import io.tether.uri.StorageType;
import io.tether.uri.StorageUri;
import io.tether.uri.UriParser;
import io.tether.uri.UriParts;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;
import net.jqwik.api.lifecycle.AfterContainer;

/**
 * Thousands of storage URIs, valid and hostile (whitespace, ':', ',', '=', a leading '-', quotes,
 * {@code $()}, backquotes, globs, control and format characters, other scripts, each raw or
 * percent-encoded, once or twice), through the URI parser and, for each that parses, through every
 * command the connectors build for it: every argument checked against what a host program may be
 * given. A URI the parser refuses is refused with a message that holds no control character and
 * no piece of a secret. Nothing is run: this is about the argument lists.
 */
class ArgvPropertyTest {
    /** In every generated secret, and nowhere else: an argument or message that holds it holds a secret. */
    private static final String TOKEN = "Zq7Tok3n";
    /** What a shell, or mount.glusterfs's unquoted command line, would read. */
    private static final String SHELL = "\"'`$\\;&|<>(){}*?!#";
    private static final Set<String> FIXED_OPTIONS = Set.of("-t", "-o", "-l", "-c", "-m", "-T", "-I", "-p", "-r", "-u",
            "-n", "-v", "-i", "--rescan", "--op=new", "--op=update", "--op=delete", "--scope", "--quiet", "--wait",
            "--slice=tether-mounts.slice");
    private static final Path ROOT = Path.of("/tmp/tether-argv-property/mnt");
    private static final Path SECRETS = createSecretsDir();

    private static Path createSecretsDir() {
        try {
            return Files.createTempDirectory("tether-argv-secrets");
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    @AfterContainer
    static void removeSecretsDir() throws IOException {
        try (var files = Files.list(SECRETS)) {
            assertEquals(List.of(), files.toList(), "every secret file was removed after its command");
        }
        Files.deleteIfExists(SECRETS);
    }

    @Property(tries = 6000)
    void everyArgumentOfEveryCommandIsWithinItsGrammar(@ForAll("uris") String raw) throws Exception {
        StorageUri uri;
        try {
            uri = UriParser.parse(raw);
        } catch (InvalidUriException e) {
            assertCleanMessage(e.getMessage(), raw);
            return;
        }
        if (uri.type() == StorageType.ISCSI) {
            iscsiCommands(uri).forEach(command -> assertArgv(command, uri));
            return;
        }
        if (uri.type() == StorageType.NVME_TCP) {
            nvmeCommands(uri).forEach(command -> {
                assertArgv(command, uri);
                assertFalse(String.join(" ", command.argv()).contains("DHHC"), "a DH-HMAC-CHAP secret on a command line");
            });
            return;
        }
        if (uri.type() == StorageType.FILE) {
            return;
        }
        try {
            MountPolicy.defaults().check(uri);
        } catch (MountPolicy.NotAllowed refused) {
            assertCleanMessage(refused.getMessage(), raw);
        }
        for (Command command : mountCommands(uri)) {
            assertArgv(command, uri);
        }
    }

    /** Every command a mount connection may run, the mount with the policy's defaults and with nosuid,nodev lifted. */
    private static List<Command> mountCommands(StorageUri uri) {
        MountSettings settings = MountPaths.settings(uri);
        Path mountPoint = MountPaths.mountPoint(ROOT, uri);
        List<Command> commands = new ArrayList<>();
        for (MountPolicy policy : List.of(MountPolicy.defaults(), MountPolicy.defaults().allowingSuidDev(settings.vfsType()))) {
            try (MountCommand mount = MountCommand.of(uri, settings, mountPoint, policy, new SecretFiles(SECRETS))) {
                for (Path file : mount.secretFiles()) {
                    assertTrue(Files.readString(file).contains(TOKEN), "a secret file holds its secret");
                }
                commands.add(mount.command());
                commands.add(HelperScope.systemd().wrap(mount.command(), mountPoint));
                commands.add(HelperScope.ownSession().wrap(mount.command(), mountPoint));
                List<String> options = optionsOf(mount.command());
                boolean lifted = !policy.enforcesNosuidNodev(settings.vfsType());
                assertEquals(!lifted, options.size() >= 2
                        && options.subList(options.size() - 2, options.size()).equals(List.of("nosuid", "nodev")),
                        "nosuid,nodev come last, unless lifted: " + options);
                if (!lifted) {
                    assertFalse(options.contains("suid") || options.contains("dev"), "undoes nosuid,nodev: " + options);
                }
            } catch (ConnectorException refused) {
                // A secret no helper takes off its command line: refused before anything is written.
                assertEquals(VdsmError.MountError, refused.error());
                assertCleanMessage(refused.getMessage(), uri.toStringWithCredentials());
            } catch (IOException e) {
                fail(e);
            }
        }
        LocalPath point = LocalPath.of(mountPoint);
        commands.add(HostCommands.stat(point));
        commands.add(HostCommands.umount(point));
        commands.add(HostCommands.umountLazy(point));
        String readCheck = uri.params().get(UriParts.READ_CHECK);
        if (readCheck != null) {
            commands.add(HostCommands.readFirstBlock(point.resolve(new RelativePath(readCheck))));
        }
        return commands;
    }

    private static List<Command> iscsiCommands(StorageUri uri) {
        IscsiScheme.Target target = IscsiScheme.target(uri);
        List<Command> commands = new ArrayList<>(List.of(
                HostCommands.iscsiNode(target).arg(Word.OP_NEW),
                HostCommands.iscsiNodeUpdate(target, Word.NODE_STARTUP, Word.MANUAL),
                HostCommands.iscsiNode(target).arg(Word.LOGIN),
                HostCommands.iscsiSession(new SessionId("3"), Word.LOGOUT),
                HostCommands.iscsiInquiry(new Iqn("iqn.2026-11.io.tether:host"), target, uri.lun() == null ? 0 : uri.lun())));
        if (uri.username() != null) {
            commands.add(HostCommands.iscsiNodeUpdate(target, Word.AUTH_USERNAME, new ChapName(uri.username())));
            commands.add(HostCommands.iscsiNodeUpdate(target, Word.AUTH_PASSWORD,
                    new ChapSecret(uri.password() == null ? "" : uri.password())));
        }
        return commands;
    }

    /** Every command an NVMe/TCP connection may run, with and without a configuration file. */
    private static List<Command> nvmeCommands(StorageUri uri) {
        NvmeScheme.Target target = NvmeScheme.target(uri);
        NvmeHost.Identity host = new NvmeHost.Identity(new Nqn("nqn.2014-08.org.nvmexpress:uuid:0f8fad5b-d9cb-469f-a165-70867728950e"),
                new HostId("0f8fad5b-d9cb-469f-a165-70867728950e"));
        Address address = new Address("192.0.2.1");
        Nqn nqn = new Nqn(target.nqn());
        return List.of(NvmeConnector.connectCommand(target, address, nqn, host, true, Word.NVME_NO_CONFIG),
                NvmeConnector.connectCommand(target, address, nqn, host, false,
                        new Joined(Word.NVME_CONFIG, new LocalPath("/run/tether/mount-secret-00"))),
                HostCommands.nvmeDisconnect(new ControllerName("nvme3")));
    }

    /** The checks of docs/connectors.md, "What reaches a host program", on one argument list. */
    private static void assertArgv(Command command, StorageUri uri) {
        List<Command.Element> elements = command.elements();
        String shown = command.toString();
        assertFalse(shown.contains(TOKEN), "a secret in a command as logged: " + shown);
        for (int i = 1; i < elements.size(); i++) {
            Command.Element element = elements.get(i);
            String where = "argument " + i + " of " + shown;
            boolean chapSecret = element.shown().equals("***");
            // The checked part of the element: all of it, or what follows the fixed word of if=FILE, --unit=NAME.
            String text = element.text().substring(element.fixedLength());
            if (chapSecret) {
                // The one secret on a command line (iscsiadm takes it no other way): -v's value.
                assertEquals("-v", elements.get(i - 1).text(), where);
                assertEquals("node.session.auth.password", elements.get(i - 2).text(), where);
            } else {
                assertFalse(element.text().contains(TOKEN), "a secret in " + where);
            }
            if (element.fixed()) {
                continue;
            }
            text.codePoints().forEach(c -> {
                assertFalse(Character.isWhitespace(c) || Character.isSpaceChar(c), "whitespace in " + where);
                int type = Character.getType(c);
                assertFalse(type == Character.CONTROL || type == Character.FORMAT || type == Character.LINE_SEPARATOR
                        || type == Character.PARAGRAPH_SEPARATOR || type == Character.SURROGATE, "a control character in " + where);
            });
            if (!chapSecret) {
                assertFalse(text.startsWith("-"), "an option that is no fixed word: " + where);
                for (char c : SHELL.toCharArray()) {
                    assertFalse(text.indexOf(c) >= 0, "'" + c + "' in " + where);
                }
            }
            assertFalse(FIXED_OPTIONS.contains(text), where);
        }
        if (command.tool().equals("mount") || shown.contains(" mount -t ")) {
            assertMountArgv(command, uri);
        }
    }

    /**
     * A mount's options are names and values as mount.glusterfs splits them, none a secret, none
     * undoing nosuid or nodev; GlusterFS's spec has one ':', so that its volume is the URI's.
     */
    private static void assertMountArgv(Command command, StorageUri uri) {
        List<String> options = optionsOf(command);
        for (String option : options) {
            MountOption parsed = MountOption.parse(option);
            assertFalse(parsed.secret(), "a secret option in argv: " + parsed.name());
        }
        if (uri.type() == StorageType.GLUSTERFS) {
            List<String> argv = command.argv();
            String spec = argv.get(argv.size() - 2);
            assertEquals(spec.indexOf(':'), spec.lastIndexOf(':'), "one ':' in the GlusterFS spec " + spec);
            assertEquals(uri.path(), spec.substring(spec.indexOf(':') + 1), "the volume the URI names");
            for (String text : List.of(spec, argv.get(argv.size() - 1))) {
                assertFalse(text.contains("[") || text.contains("]"), "a glob in " + text);
            }
            for (String option : options) {
                if (!option.startsWith("backup-volfile-servers=")) {
                    assertFalse(option.contains("[") || option.contains("]"), "a glob in " + option);
                }
            }
        }
    }

    private static List<String> optionsOf(Command command) {
        List<String> argv = command.argv();
        int o = argv.indexOf("-o");
        return o < 0 ? List.of() : Arrays.asList(argv.get(o + 1).split(",", -1));
    }

    /** A message for a sender and a log line: no control character, and no piece of a secret. */
    private static void assertCleanMessage(String message, String raw) {
        assertFalse(message.contains(TOKEN), "a secret in: " + message);
        message.codePoints().forEach(c -> assertFalse(Character.getType(c) == Character.CONTROL
                || c == '\u2028' || c == '\u2029', "a control character in: " + message));
    }

    // ---- Generators ----

    private static final List<String> SAFE = List.of("a", "vol", "exp", "data", "Sub", "x1", "my_dir", "a.b", "a-b",
            "a+b", "a=b", "a~b", "100", "dom_md", "metadata", "é", "Ж");
    private static final List<String> HOSTILE = List.of(" ", "\t", "\n", "\r", ":", ",", "=", "-", "--", "'", "\"",
            "$(id)", "`id`", "$", ";", "&", "|", "<", ">", "(", ")", "*", "?", "[", "]", "{", "}", "!", "#", "~", "\\",
            "%", "/", "..", ".", "@", "😀", "\u202E", "\u00A0", "\u2028", "\u0301", "\u0000", "\u007f", "\u0085",
            "\uFEFF", "-o", "--fuse-mountopts=allow_other", "--volfile-server=evil.example", "x:/othervol", "nosuid",
            "suid", "dev", "%20", "%2F", "%3A", "%2C", "%252F", "%2d");
    private static final List<String> HOSTS = List.of("filer", "Filer01.Example.COM", "my_nas", "10.0.0.5",
            "127.0.0.1", "[::1]", "[2001:DB8::1]", "[0000::0001]", "g1", "filer:2050");
    private static final List<String> BAD_HOSTS = List.of("-evil", "evil example", "h;id", "h%20x", "h$(id)", "a..b",
            "[::1]:2049:1", "h%2Dx", "[::1%25eth0]", "x".repeat(300));
    private static final List<String> OPTION_NAMES = List.of("soft", "ro", "noatime", "username", "log-level", "size",
            "mode", "uid", "nosuid", "nodev", "suid", "dev", "exec", "defaults", "acl", "name", "fs", "-o", "a b",
            "fuse-mountopts", "credentials", "secretfile", "x-mount.mkdir");
    private static final List<String> SECRET_NAMES = List.of("password", "secret", "password2", "PassWord", "SECRET",
            "%70assword", "pa%73sword", "%73ecret", "%2570assword", "Pass", "mysecret");
    private static final List<String> VFS_TYPES = List.of("cifs", "smb3", "ceph", "tmpfs", "ext4", "nfs4", "xfs",
            "fuse.sshfs", "EXT4", "ext4,fuse", "-t", "glusterfs", "none");

    /** A piece of text: a safe word, a hostile one, or anything; raw, percent-encoded, or encoded twice. */
    private static Arbitrary<String> piece() {
        Arbitrary<String> text = Arbitraries.frequencyOf(
                Tuple.of(10, Arbitraries.of(SAFE)),
                Tuple.of(3, Arbitraries.of(HOSTILE)),
                Tuple.of(1, Arbitraries.strings().ofMinLength(1).ofMaxLength(4)));
        // A raw space or control character is refused before anything else: mostly encode those.
        return Combinators.combine(text, Arbitraries.integers().between(0, 9)).as((t, how) -> switch (how) {
            case 0 -> encode(encode(t));
            case 1, 2 -> encode(t);
            default -> t.chars().anyMatch(c -> c <= 0x20 || c == 0x7f) && how < 8 ? encode(t) : t;
        });
    }

    /** One to three pieces, joined. */
    private static Arbitrary<String> word() {
        return piece().list().ofMinSize(1).ofMaxSize(2).map(pieces -> String.join("", pieces));
    }

    private static Arbitrary<String> path() {
        return word().list().ofMinSize(1).ofMaxSize(3).map(segments -> "/" + String.join("/", segments));
    }

    private static Arbitrary<String> host() {
        return Arbitraries.frequencyOf(Tuple.of(12, Arbitraries.of(HOSTS)), Tuple.of(1, Arbitraries.of(BAD_HOSTS)),
                Tuple.of(1, word()));
    }

    private static Arbitrary<String> secret() {
        return word().map(w -> TOKEN + w);
    }

    private static Arbitrary<String> option() {
        Arbitrary<String> plain = Combinators.combine(Arbitraries.of(OPTION_NAMES), word().injectNull(0.4))
                .as((name, value) -> value == null ? name : name + "=" + value);
        Arbitrary<String> secret = Combinators.combine(Arbitraries.of(SECRET_NAMES), secret())
                .as((name, value) -> name + "=" + value);
        return Arbitraries.frequencyOf(Tuple.of(3, plain), Tuple.of(1, secret));
    }

    private static Arbitrary<String> options() {
        return option().list().ofMinSize(1).ofMaxSize(3).map(list -> "options=" + String.join(",", list));
    }

    private static Arbitrary<String> query(List<Arbitrary<String>> parameters) {
        return Arbitraries.oneOf(parameters).list().ofMaxSize(2).map(list -> {
            // Each parameter once (by name): a second is refused before anything else.
            java.util.Map<String, String> byName = new java.util.LinkedHashMap<>();
            list.forEach(p -> byName.putIfAbsent(p.substring(0, Math.max(0, p.indexOf('='))), p));
            return byName.isEmpty() ? "" : "?" + String.join("&", byName.values());
        });
    }

    @Provide
    Arbitrary<String> uris() {
        Arbitrary<String> readCheck = word().list().ofMinSize(1).ofMaxSize(2).map(s -> "readCheck=" + String.join("/", s));
        Arbitrary<String> nfs = Combinators.combine(host(), path(), query(List.of(options(), readCheck,
                Arbitraries.of("version=3", "version=4.1", "version=auto", "timeo=600", "version=4%2C1"))))
                .as((h, p, q) -> "nfs://" + h + p + q);
        Arbitrary<String> backups = host().list().ofMinSize(1).ofMaxSize(3).map(l -> "backup-volfile-servers=" + String.join(":", l));
        Arbitrary<String> gluster = Combinators.combine(host(), word(), path().injectNull(0.5),
                query(List.of(options(), readCheck, backups)))
                .as((h, v, sub, q) -> "glusterfs://" + h + "/" + v + (sub == null ? "" : sub) + q);
        Arbitrary<String> posix = Combinators.combine(host().injectNull(0.4), path(), Arbitraries.of(VFS_TYPES),
                query(List.of(options(), readCheck)))
                .as((h, p, t, q) -> "posix://" + (h == null ? "" : h) + p + "?vfsType=" + t + q.replace('?', '&'));
        Arbitrary<String> iqn = Arbitraries.frequencyOf(
                Tuple.of(4, Arbitraries.of("iqn.2001-04.com.example:disk", "iqn.2003-01.org.Example:d1",
                        "eui.02004567a425678d", "naa.52004567ba64678d")),
                Tuple.of(1, word().map(w -> "iqn.2001-04.com.example:" + w)));
        Arbitrary<String> user = Combinators.combine(word(), secret().injectNull(0.2))
                .as((u, p) -> p == null ? u + "@" : u + "%" + p + "@");
        Arbitrary<String> iscsi = Combinators.combine(user.injectNull(0.4), host(), iqn,
                Arbitraries.of("", "/0", "/3", "/-1"),
                query(List.of(word().map(w -> "iface=" + w), Arbitraries.of("iface=default", "tpgt=1", "tpgt=-1"))))
                .as((u, h, q, lun, params) -> "iscsi://" + (u == null ? "" : u) + h + "/" + q + lun + params);
        Arbitrary<String> nqn = Arbitraries.frequencyOf(
                Tuple.of(4, Arbitraries.of("nqn.2014-08.org.example:disk", "nqn.2026-12.io.Tether:nvme1",
                        "nqn.2014-08.org.nvmexpress.discovery")),
                Tuple.of(1, word().map(w -> "nqn.2014-08.org.example:" + w)));
        Arbitrary<String> dhchap = Arbitraries.frequencyOf(
                Tuple.of(2, Arbitraries.of("DHHC-1:00:pgyqILTpXNz2qLThj6bJn+tW+DayfZz39zJnzEGAJu1k%2FmwH:@")),
                Tuple.of(1, secret().map(s -> s + "@")));
        Arbitrary<String> nvme = Combinators.combine(dhchap.injectNull(0.5), host(), nqn,
                query(List.of(word().map(w -> "hostnqn=" + w), word().map(w -> "hostid=" + w),
                        Arbitraries.of("ctrl-loss-tmo=60", "reconnect-delay=-1", "nr-io-queues=4", "hostid=0F8FAD5B-D9CB-469F-A165-70867728950E",
                                "hostnqn=nqn.2014-08.org.example:host"))))
                .as((u, h, q, params) -> "nvme+tcp://" + (u == null ? "" : u) + h + "/" + q + params);
        return Arbitraries.oneOf(nfs, gluster, posix, iscsi, nvme);
    }

    /** Every byte as {@code %XX}. */
    private static String encode(String text) {
        StringBuilder sb = new StringBuilder();
        for (byte b : text.getBytes(StandardCharsets.UTF_8)) {
            sb.append('%').append(String.format("%02X", b & 0xff));
        }
        return sb.toString();
    }

    /** Not every URI parses (about one in five does), but enough for the property above to build many commands. */
    @Example
    void theGeneratorsMakeUrisThatParse() {
        long parsed = uris().sampleStream().limit(2000).filter(raw -> {
            try {
                UriParser.parse(raw);
                return true;
            } catch (InvalidUriException e) {
                return false;
            }
        }).count();
        assertTrue(parsed > 250, parsed + " of 2000 generated URIs parse");
    }
}
