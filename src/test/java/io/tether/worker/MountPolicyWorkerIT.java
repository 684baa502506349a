package io.tether.worker;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.tether.api.Schemas;
import io.tether.connector.MountConnector;
import io.tether.connector.MountPaths;
import io.tether.connector.MountPolicy;
import io.tether.connector.MountTable;
import io.tether.testing.RawClient;
import io.tether.testing.RecordingConnector;
import io.tether.testing.RecordingRunner;
import io.tether.testing.TestWorker;
import io.tether.uri.StorageType;
import io.tether.uri.UriParser;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * A request never chooses what runs on the host. Through a real worker (embedded Artemis, H2 on
 * disk, the JSON-RPC path as a client sees it), every mount option and file-system type that would
 * run a program, load a module, or read or write a host file as root is refused with -32602, naming
 * it and the worker option that would allow it, before anything is stored or run: no MANAGED event,
 * no CID in the list, and the mount connectors (the real ones, over a runner that runs nothing, and
 * recorded) never called. Then the legitimate path: the operator's widening lets the same kind of
 * request through, and a CID stored under a wider policy is refused by the connector after a restart.
 */
class MountPolicyWorkerIT {
    /** This host's operator has allowed sshfs as a type, so each ssh option below is judged on its own. */
    private static final MountPolicy OPERATOR = MountPolicy.defaults().allowingVfsType("fuse.sshfs");
    private static final List<StorageType> MOUNTED = List.of(StorageType.NFS, StorageType.GLUSTERFS, StorageType.POSIX);

    @TempDir
    static Path tmp;
    static TestWorker worker;
    static RawClient client;
    static final RecordingRunner runner = new RecordingRunner();
    static final List<RecordingConnector> mountConnectors = new ArrayList<>();
    static final AtomicInteger rows = new AtomicInteger();

    @BeforeAll
    static void start() throws Exception {
        worker = new TestWorker("mountpolicy", tmp.resolve("data"), c -> withRecordedMounts(c.withMountPolicy(OPERATOR),
                OPERATOR, runner, mountConnectors));
        client = new RawClient(worker.url(), "mountpolicy");
    }

    @AfterAll
    static void stop() throws Exception {
        client.close();
        worker.close();
    }

    /** The real mount connectors of {@code config}, each over {@code runner} and recorded into {@code into}. */
    private static WorkerConfig withRecordedMounts(WorkerConfig config, MountPolicy policy, RecordingRunner runner,
            List<RecordingConnector> into) {
        for (StorageType type : MOUNTED) {
            RecordingConnector recorded = new RecordingConnector(new MountConnector(type, config.mountRoot(), runner,
                    MountTable.ofHost(), Duration.ofSeconds(1), policy));
            into.add(recorded);
            config = config.withConnector(type, recorded);
        }
        return config;
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', quoteCharacter = '"', value = {
        // The report: sshfs's ssh_command ran a script as uid 0.
        "posix://h.invalid/p?vfsType=fuse.sshfs&options=ssh_command=%2Ftmp%2Fx%2Fmarker.sh|ssh_command|--allow-mount-option fuse.sshfs:ssh_command",
        // sshfs and the ssh options it passes on: programs run, libraries loaded, files read as root.
        "posix://h.invalid/p?vfsType=fuse.sshfs&options=sftp_server=%2Ftmp%2Fx|sftp_server|--allow-mount-option fuse.sshfs:sftp_server",
        "posix://h.invalid/p?vfsType=fuse.sshfs&options=ProxyCommand=%2Ftmp%2Fx|ProxyCommand|--allow-mount-option fuse.sshfs:ProxyCommand",
        "posix://h.invalid/p?vfsType=fuse.sshfs&options=proxycommand=%2Ftmp%2Fx|proxycommand|--allow-mount-option fuse.sshfs:proxycommand",
        "posix://h.invalid/p?vfsType=fuse.sshfs&options=LocalCommand=%2Ftmp%2Fx|LocalCommand|--allow-mount-option fuse.sshfs:LocalCommand",
        "posix://h.invalid/p?vfsType=fuse.sshfs&options=PermitLocalCommand=yes|PermitLocalCommand|--allow-mount-option fuse.sshfs:PermitLocalCommand",
        "posix://h.invalid/p?vfsType=fuse.sshfs&options=KnownHostsCommand=%2Ftmp%2Fx|KnownHostsCommand|--allow-mount-option fuse.sshfs:KnownHostsCommand",
        "posix://h.invalid/p?vfsType=fuse.sshfs&options=IdentityFile=%2Froot%2F.ssh%2Fid_rsa|IdentityFile|--allow-mount-option fuse.sshfs:IdentityFile",
        "posix://h.invalid/p?vfsType=fuse.sshfs&options=UserKnownHostsFile=%2Fdev%2Fnull|UserKnownHostsFile|--allow-mount-option fuse.sshfs:UserKnownHostsFile",
        "posix://h.invalid/p?vfsType=fuse.sshfs&options=CertificateFile=%2Fetc%2Fx|CertificateFile|--allow-mount-option fuse.sshfs:CertificateFile",
        "posix://h.invalid/p?vfsType=fuse.sshfs&options=PKCS11Provider=%2Ftmp%2Fx.so|PKCS11Provider|--allow-mount-option fuse.sshfs:PKCS11Provider",
        "posix://h.invalid/p?vfsType=fuse.sshfs&options=SecurityKeyProvider=%2Ftmp%2Fx.so|SecurityKeyProvider|--allow-mount-option fuse.sshfs:SecurityKeyProvider",
        "posix://h.invalid/p?vfsType=fuse.sshfs&options=ControlPath=%2Ftmp%2Fx|ControlPath|--allow-mount-option fuse.sshfs:ControlPath",
        "posix://h.invalid/p?vfsType=fuse.sshfs&options=ProxyJump=x|ProxyJump|--allow-mount-option fuse.sshfs:ProxyJump",
        "posix://h.invalid/p?vfsType=fuse.sshfs&options=passive|passive|--allow-mount-option fuse.sshfs:passive",
        "posix://h.invalid/p?vfsType=fuse.sshfs&options=slave|slave|--allow-mount-option fuse.sshfs:slave",
        "posix://h.invalid/p?vfsType=fuse.sshfs&options=password_stdin|password_stdin|--allow-mount-option fuse.sshfs:password_stdin",
        "posix://h.invalid/p?vfsType=fuse.sshfs&options=idmap=file,uidfile=%2Fetc%2Fshadow|idmap|--allow-mount-option fuse.sshfs:idmap",
        "posix://h.invalid/p?vfsType=fuse.sshfs&options=uidfile=%2Fetc%2Fshadow|uidfile|--allow-mount-option fuse.sshfs:uidfile",
        "posix://h.invalid/p?vfsType=fuse.sshfs&options=gidfile=%2Fetc%2Fshadow|gidfile|--allow-mount-option fuse.sshfs:gidfile",
        // FUSE itself: other users in, library modules loaded, another user to run as, another type shown.
        "posix://h.invalid/p?vfsType=fuse.sshfs&options=allow_other|allow_other|--allow-mount-option fuse.sshfs:allow_other",
        "posix://h.invalid/p?vfsType=fuse.sshfs&options=allow_root|allow_root|--allow-mount-option fuse.sshfs:allow_root",
        "posix://h.invalid/p?vfsType=fuse.sshfs&options=modules=subdir|modules|--allow-mount-option fuse.sshfs:modules",
        "posix://h.invalid/p?vfsType=fuse.sshfs&options=setuid=nobody|setuid|--allow-mount-option fuse.sshfs:setuid",
        "posix://h.invalid/p?vfsType=fuse.sshfs&options=subtype=nfs|subtype|--allow-mount-option fuse.sshfs:subtype",
        "posix://h.invalid/p?vfsType=fuse.sshfs&options=fsname=x|fsname|--allow-mount-option fuse.sshfs:fsname",
        // Types: mount.fuse runs the program the type or the source names; the rest a request must not pick.
        "posix:///usr/bin/touch?vfsType=fuse|'fuse'|--allow-vfs-type fuse",
        "posix:///tmp/x?vfsType=fuse.bash|'fuse.bash'|--allow-vfs-type fuse.bash",
        "posix:///tmp/x?vfsType=fuse3|'fuse3'|--allow-vfs-type fuse3",
        "posix://h.invalid/p?vfsType=sshfs&options=ssh_command=%2Ftmp%2Fx|'sshfs'|--allow-vfs-type sshfs",
        "posix:///tmp/evil.vol?vfsType=glusterfs|'glusterfs'|--allow-vfs-type glusterfs",
        "posix:///etc?vfsType=none&options=bind|'none'|--allow-vfs-type none",
        "posix:///dev/sda1?vfsType=auto|'auto'|--allow-vfs-type auto",
        "posix:///tmp/x?vfsType=overlay&options=lowerdir=%2Fetc|'overlay'|--allow-vfs-type overlay",
        // GlusterFS: files written or read as root, any translator option, raw FUSE options.
        "glusterfs://g.invalid/v?options=log-file=%2Fetc%2Fcron.d%2Fx|log-file|--allow-mount-option glusterfs:log-file",
        "glusterfs://g.invalid/v?options=volfile=%2Ftmp%2Fevil.vol|volfile|--allow-mount-option glusterfs:volfile",
        "glusterfs://g.invalid/v?options=dump-fuse=%2Fetc%2Fx|dump-fuse|--allow-mount-option glusterfs:dump-fuse",
        "glusterfs://g.invalid/v?options=xlator-option=x.y%3Dz|xlator-option|--allow-mount-option glusterfs:xlator-option",
        "glusterfs://g.invalid/v?options=fuse-mountopts=allow_other|fuse-mountopts|--allow-mount-option glusterfs:fuse-mountopts",
        "glusterfs://g.invalid/v?options=volfile-server=evil|volfile-server|--allow-mount-option glusterfs:volfile-server",
        "glusterfs://g.invalid/v?options=no-root-squash=yes|no-root-squash|--allow-mount-option glusterfs:no-root-squash",
        "glusterfs://g.invalid/v?options=oom-score-adj=1000|oom-score-adj|--allow-mount-option glusterfs:oom-score-adj",
        // cifs and ceph: credential files read as root and sent to the request's server.
        "posix://s.invalid/share?vfsType=cifs&options=credentials=%2Fetc%2Fshadow|credentials|--allow-mount-option cifs:credentials",
        "posix://s.invalid/share?vfsType=cifs&options=cred=%2Froot%2Fx|cred|--allow-mount-option cifs:cred",
        "posix://s.invalid/share?vfsType=cifs&options=cruid=0|cruid|--allow-mount-option cifs:cruid",
        "posix://s.invalid/share?vfsType=cifs&options=iocharset=x|iocharset|--allow-mount-option cifs:iocharset",
        "posix://m.invalid/p?vfsType=ceph&options=secretfile=%2Fetc%2Fshadow|secretfile|--allow-mount-option ceph:secretfile",
        "posix://m.invalid/p?vfsType=ceph&options=conf=%2Froot%2Fx.conf|conf|--allow-mount-option ceph:conf",
        // util-linux: helpers run, directories made, loop devices over host files, another device.
        "nfs://filer.invalid/export?options=helper=x|helper|--allow-mount-option nfs:helper",
        "posix:///dev/sdb1?vfsType=ext4&options=uhelper=x|uhelper|--allow-mount-option ext4:uhelper",
        "posix:///dev/sdb1?vfsType=ext4&options=X-mount.mkdir|X-mount.mkdir|--allow-mount-option ext4:X-mount.mkdir",
        "posix:///var/lib/x.img?vfsType=ext4&options=loop|loop|--allow-mount-option ext4:loop",
        "posix:///var/lib/x.img?vfsType=ext4&options=loop=%2Fdev%2Floop7,offset=512|loop|--allow-mount-option ext4:loop",
        "posix:///var/lib/x.img?vfsType=xfs&options=sizelimit=1|sizelimit|--allow-mount-option xfs:sizelimit",
        "posix:///dev/sdb1?vfsType=ext4&options=journal_path=%2Fdev%2Fsda1|journal_path|--allow-mount-option ext4:journal_path",
        "posix:///tether?vfsType=tmpfs&options=bind|bind|--allow-mount-option tmpfs:bind",
        "nfs://filer.invalid/export?options=soft,bg|bg|--allow-mount-option nfs:bg",
    })
    void aDangerousOptionOrTypeIsRefusedBeforeAnythingRunsOrIsStored(String uri, String named, String hint) throws Exception {
        String cid = "refused-" + rows.incrementAndGet();
        String key = UriParser.parse(uri).key().value();

        JsonNode reply = client.manage(cid, uri);
        assertEquals(-32602, reply.at("/error/code").asInt(), reply.toString());
        assertEquals("INVALID_PARAMS", reply.at("/error/data/name").asText());
        assertEquals("uri", reply.at("/error/data/field").asText());
        String message = reply.at("/error/message").asText();
        assertTrue(message.contains(named) && message.endsWith(hint), message);
        assertEquals(List.of(), Schemas.problems("error.response", reply));

        // Events are published in order: once a later manage's MANAGED event is here, a MANAGED event
        // for the refused one would have come first.
        Path marker = Files.createDirectories(tmp.resolve("marker-" + cid));
        client.manage("marker-" + cid, "file://" + marker);
        await().atMost(Duration.ofSeconds(10)).until(() -> !client.eventsFor("file://" + marker).isEmpty());
        assertEquals(List.of(), client.eventsFor(key), "no event for " + key);
        assertFalse(RawClient.cids(client.list()).contains(cid), cid + " is not stored");
        for (RecordingConnector connector : mountConnectors) {
            assertEquals(List.of(), connector.calls.stream().filter(c -> c.key().equals(key)).toList());
        }
        assertEquals(List.of(), runner.commands);
    }

    /**
     * A part of the URI that a host program would split, read as an option, or read as another
     * volume is refused the same way, naming the part (data.component): the GlusterFS request of
     * issue 28 gave the root glusterfs client --fuse-mountopts and --volfile-server of its own, and a
     * ':' in a subdirectory mounted another volume than the key's.
     */
    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "glusterfs://127.0.0.1:24008/vol/a%20--fuse-mountopts=allow/other%20--volfile-server=evil.example|glusterfs subdirectory",
        "glusterfs://127.0.0.1/vol/x:/othervol/sub|glusterfs subdirectory",
        "glusterfs://g.invalid/v?options=oom-score-adj=-1000|options",
        "glusterfs://g.invalid/v?options=log-level=%60id%60|options",
        "nfs://filer.invalid/export/a%20-o%20remount|export path",
        "posix://h.invalid/p%24(id)?vfsType=cifs|path",
        "iscsi://host.invalid/iqn.2001-04.com.example:d?iface=-u|iscsi iface",
    })
    void aPartThatAProgramWouldMisreadIsRefusedNamingIt(String uri, String component) throws Exception {
        String cid = "misread-" + rows.incrementAndGet();
        JsonNode reply = client.manage(cid, uri);
        assertEquals(-32602, reply.at("/error/code").asInt(), reply.toString());
        assertEquals("INVALID_PARAMS", reply.at("/error/data/name").asText());
        assertEquals("uri", reply.at("/error/data/field").asText());
        assertEquals(component, reply.at("/error/data/component").asText(), reply.toString());
        assertTrue(reply.at("/error/message").asText().startsWith("invalid params: uri: "), reply.toString());
        assertEquals(List.of(), Schemas.problems("error.response", reply));
        assertFalse(RawClient.cids(client.list()).contains(cid), cid + " is not stored");
        assertEquals(List.of(), runner.commands);
    }

    @Test
    void theOperatorsWideningLetsTheSameRequestThrough() throws Exception {
        String uri = "posix:///srv/images?vfsType=none&options=bind";
        String key = "posix:///srv/images";
        JsonNode refused = client.manage("images-1", uri);
        assertEquals("invalid params: uri: file system type 'none' is not allowed on this host; the host's operator"
                + " can allow it with --allow-vfs-type none", refused.at("/error/message").asText());

        // The operator starts the worker with --allow-vfs-type none --allow-mount-option none:bind.
        MountPolicy widened = OPERATOR.allowingVfsType("none").allowingOption("none", "bind");
        RecordingRunner widenedRunner = new RecordingRunner();
        List<RecordingConnector> recorded = new ArrayList<>();
        UnaryOperator<WorkerConfig> settings = c -> withRecordedMounts(c.withMountPolicy(widened), widened,
                widenedRunner, recorded);
        Path data = tmp.resolve("widened-data");
        try (TestWorker wide = new TestWorker("widened", data, settings);
             RawClient wideClient = new RawClient(wide.url(), "widened")) {
            JsonNode managed = wideClient.manage("images-1", uri);
            assertEquals(key, managed.at("/result/connectionKey").asText(), managed.toString());
            // It reaches mount as asked (the runner runs nothing, so the mount "fails" and is retried).
            String mountPoint = MountPaths.mountPoint(wide.config().mountRoot(), UriParser.parse(uri)).toString();
            // Run in a scope or session of its own (HelperScope), so the host's launcher comes first.
            await().atMost(Duration.ofSeconds(10)).until(() -> widenedRunner.commands.stream().anyMatch(
                    c -> c.endsWith(" mount -t none -o bind,nosuid,nodev /srv/images " + mountPoint)));
            wide.stop();

            // Started again with the defaults, the stored CID is refused by the connector itself,
            // before anything runs: it stays managed and says why, and what would allow it.
            RecordingRunner restartedRunner = new RecordingRunner();
            WorkerConfig defaults = withRecordedMounts(wide.config().withMountPolicy(MountPolicy.defaults()),
                    MountPolicy.defaults(), restartedRunner, new ArrayList<>());
            try (TestWorker restarted = new TestWorker(defaults);
                 RawClient restartedClient = new RawClient(restarted.url(), "widened")) {
                JsonNode entry = await().atMost(Duration.ofSeconds(10)).until(
                        () -> restartedClient.list().at("/connections/images-1"),
                        e -> e.at("/lastError/message").asText().contains("not allowed"));
                assertEquals(477, entry.at("/lastError/code").asInt(), entry.toString());
                assertEquals("file system type 'none' is not allowed on this host; the host's operator can allow it"
                        + " with --allow-vfs-type none", entry.at("/lastError/message").asText());
                assertTrue(entry.get("managed").asBoolean());
                assertEquals(List.of(), restartedRunner.commands);
            }
        }
    }
}
