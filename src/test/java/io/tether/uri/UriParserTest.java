package io.tether.uri;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class UriParserTest {

    @ParameterizedTest(name = "{0} -> key {1}")
    @CsvSource(delimiter = '|', value = {
        "nfs://Server.Example.COM/export/data|nfs://server.example.com/export/data",
        "nfs://server:2049//export//data/|nfs://server/export/data",
        "nfs://server:/export|nfs://server/export",
        "nfs://server:2050/export/./a/../b|nfs://server:2050/export/b",
        "nfs://server/exp?version=4.1&retrans=3&timeo=100&options=noatime,nodiratime|nfs://server/exp",
        "nfs://[fe80::1]:2049/exp|nfs://[fe80::1]/exp",
        "iscsi://10.0.0.5/iqn.2001-04.com.example:storage.lun1|iscsi://10.0.0.5/iqn.2001-04.com.example:storage.lun1",
        "iscsi://user%secret@Target:3260/iqn.2001-04.com.Example:disk/3?tpgt=1&iface=default|iscsi://target/iqn.2001-04.com.example:disk",
        "iscsi://host/iqn.2001-04.com.example:disk;portal=2|iscsi://host/iqn.2001-04.com.example:disk",
        "glusterfs://gluster1:24007/vol0?backup-volfile-servers=g2:g3|glusterfs://gluster1/vol0",
        "glusterfs://gluster1/vol0/sub/|glusterfs://gluster1/vol0/sub",
        "posix://fileserver/share?vfsType=cifs&options=username=u,password=p|posix://fileserver/share",
        "posix:///dev/sdb1?vfsType=ext4|posix:///dev/sdb1",
        "file:///srv/data/|file:///srv/data",
        "file://localhost/srv//data|file:///srv/data",
        // IP literals have one spelling: RFC 5952 for IPv6, for every type that takes a host.
        "nfs://[::1]/v6|nfs://[::1]/v6",
        "nfs://[0:0:0:0:0:0:0:1]/v6|nfs://[::1]/v6",
        "nfs://[0000::0001]/v6|nfs://[::1]/v6",
        "nfs://[0000:0000:0000:0000:0000:0000:0000:0001]:2049/v6|nfs://[::1]/v6",
        "nfs://[2001:DB8::A:1]/e|nfs://[2001:db8::a:1]/e",
        "nfs://[2001:0db8:0000:0000:0001:0000:0000:0001]/e|nfs://[2001:db8::1:0:0:1]/e",
        "nfs://[2001:db8:0:1:1:1:1:1]/e|nfs://[2001:db8:0:1:1:1:1:1]/e",
        "nfs://[2001:db8:0:0:1:0:0:1]/e|nfs://[2001:db8::1:0:0:1]/e",
        "nfs://[0:0:0:0:0:0:0:0]/e|nfs://[::]/e",
        "nfs://[1:0:0:0:0:0:0:0]/e|nfs://[1::]/e",
        "nfs://[::FFFF:192.0.2.1]/e|nfs://[::ffff:192.0.2.1]/e",
        "nfs://[::ffff:c000:0201]/e|nfs://[::ffff:192.0.2.1]/e",
        "nfs://[::1.2.3.4]/e|nfs://[::102:304]/e",
        "nfs://[fd00:0:0:0:0:0:0:2]:2050/e|nfs://[fd00::2]:2050/e",
        "iscsi://[0:0::1]:3260/iqn.2001-04.com.example:d|iscsi://[::1]/iqn.2001-04.com.example:d",
        "iscsi://u%p@[2001:DB8::0001]:3261/iqn.2001-04.com.example:d|iscsi://[2001:db8::1]:3261/iqn.2001-04.com.example:d",
        "posix://[0:0::1]/p?vfsType=nfs4|posix://[::1]/p",
        "posix://[0:0::1]:2000/p?vfsType=nfs4|posix://[::1]:2000/p",
        "nfs://192.0.2.10/e|nfs://192.0.2.10/e",
        "nfs://0.0.0.0/e|nfs://0.0.0.0/e",
        // Names that merely hold digits are names.
        "nfs://10.0.0.5.nip.io/e|nfs://10.0.0.5.nip.io/e",
        "nfs://FILER01/e|nfs://filer01/e",
        "nfs://0xfiler/e|nfs://0xfiler/e",
        // Underscores: DNS forbids them in host names, but resolvers, mount.nfs and VDSM take them
        // (NetBIOS-style names such as my_nas), for every type that takes a host.
        "nfs://my_nas/exports|nfs://my_nas/exports",
        "nfs://My_NAS.example.com:2050/exports|nfs://my_nas.example.com:2050/exports",
        "nfs://_nas_/e|nfs://_nas_/e",
        "glusterfs://gluster_1/vol0?backup-volfile-servers=gluster_2:gluster_3|glusterfs://gluster_1/vol0",
        "posix://file_server/share?vfsType=cifs|posix://file_server/share",
        "iscsi://san_a/iqn.2001-04.com.example:d|iscsi://san_a/iqn.2001-04.com.example:d",
    })
    void keys(String uri, String key) throws Exception {
        assertEquals(key, UriParser.parse(uri).key().value());
    }

    @Test
    void normalisedFormParsesBackToTheSameUri() throws Exception {
        for (String raw : List.of(
                "nfs://S/exp/a%2Bb%C3%BC?version=3&options=soft,noatime",
                "iscsi://u%p%w@h:3261/iqn.2001-04.com.example:disk/1?iface=eth0&tpgt=3",
                "glusterfs://g/v?backup-volfile-servers=a:b&options=log-level=WARNING",
                "posix://h/p?vfsType=fuse.sshfs&options=password=x,reconnect",
                "file:///srv/x")) {
            StorageUri uri = UriParser.parse(raw);
            assertEquals(uri, UriParser.parse(uri.toStringWithCredentials()), raw);
            assertEquals(uri.key(), UriParser.parse(uri.toString()).key(), raw);
        }
    }

    @Test
    void iscsiCredentialsAreKeptButNeverShown() throws Exception {
        StorageUri uri = UriParser.parse("iscsi://chapuser%S3cr3t!@host/iqn.2001-04.com.example:disk/0");
        assertEquals("chapuser", uri.username());
        assertEquals("S3cr3t!", uri.password());
        assertTrue(uri.hasCredentials());
        assertFalse(uri.toString().contains("S3cr3t"), uri.toString());
        assertFalse(uri.toString().contains("chapuser"), uri.toString());
        assertFalse(uri.connectionInfo().toString().contains("S3cr3t"));
        assertEquals("chap", uri.connectionInfo().get("auth"));
        assertEquals(0, uri.connectionInfo().get("lun"));
        assertTrue(uri.toStringWithCredentials().contains("S3cr3t!"));
    }

    @Test
    void secretMountOptionsAreRedacted() throws Exception {
        StorageUri uri = UriParser.parse("posix://srv/share?vfsType=cifs&options=username=bob,password=hunter2,ro");
        assertTrue(uri.hasCredentials());
        assertFalse(uri.toString().contains("hunter2"));
        assertEquals(List.of("username=bob", "password=***", "ro"), uri.connectionInfo().get("options"));
    }

    @Test
    void lunIsNotPartOfTheConnectionButIsPartOfTheUri() throws Exception {
        StorageUri lun1 = UriParser.parse("iscsi://h/iqn.2001-04.com.example:disk/1");
        StorageUri lun2 = UriParser.parse("iscsi://h/iqn.2001-04.com.example:disk/2");
        assertEquals(lun1.key(), lun2.key());
        assertTrue(lun1.sameSettingsAs(lun2));
        assertNotEquals(lun1, lun2);
    }

    @Test
    void noLunAndLunZeroShareTheConnectionButAreDifferentRequests() throws Exception {
        // Without a LUN the connect rescans every LUN of the session; with LUN 0, only LUN 0.
        StorageUri every = UriParser.parse("iscsi://h/iqn.2001-04.com.example:t5");
        StorageUri zero = UriParser.parse("iscsi://h/iqn.2001-04.com.example:t5/0");
        assertEquals(every.key(), zero.key());
        assertTrue(every.sameSettingsAs(zero));
        assertNull(every.lun());
        assertEquals(0, zero.lun());
        assertNotEquals(every, zero);
    }

    @Test
    void differentOptionsOrCredentialsAreDifferentSettings() throws Exception {
        StorageUri a = UriParser.parse("nfs://s/e?version=3");
        StorageUri b = UriParser.parse("nfs://s/e?version=4");
        assertEquals(a.key(), b.key());
        assertFalse(a.sameSettingsAs(b));
        StorageUri c = UriParser.parse("iscsi://u%one@h/iqn.2001-04.com.example:d");
        StorageUri d = UriParser.parse("iscsi://u%two@h/iqn.2001-04.com.example:d");
        assertFalse(c.sameSettingsAs(d));
    }

    /** NFS's defaults written out are the same settings: a retry that spells them is the same URI. */
    @Test
    void nfsDefaultsWrittenOutAreTheSameUri() throws Exception {
        assertEquals(UriParser.parse("nfs://srv/exp?version=4.1"), UriParser.parse("nfs://srv/exp?version=4.1&timeo=100&retrans=3"));
        assertNotEquals(UriParser.parse("nfs://srv/exp"), UriParser.parse("nfs://srv/exp?timeo=600"));
    }

    @Test
    void connectionInfoHasTheUriFields() throws Exception {
        Map<String, Object> info = UriParser.parse("nfs://srv:2050/exp?version=4.2&timeo=200").connectionInfo();
        assertEquals(Map.of("type", "nfs", "host", "srv", "port", 2050, "path", "/exp", "version", "4.2", "timeo", "200"), info);
        assertEquals("vol0", UriParser.parse("glusterfs://g/vol0").connectionInfo().get("volume"));
        assertNull(UriParser.parse("file:///x").connectionInfo().get("host"));
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "", "   ", "nfs:/server/export", "smb://server/share", "nfs://server/export?vers=3",
        "nfs://server/export?version=5", "nfs://server/export?retrans=-1", "nfs://server:99999/export",
        "nfs://server:abc/export", "nfs:///export", "nfs://user@server/export", "nfs://ser ver/export",
        "nfs://server/export#frag", "nfs://server/exp%2Fort", "nfs://server/exp%zz", "nfs://server/e?version=3&version=4",
        "iscsi://host/notaniqn", "iscsi://host/", "iscsi://host/iqn.2001-04.com.example:d/1/2",
        "iscsi://host/iqn.2001-04.com.example:d/lun", "iscsi://%pw@host/iqn.2001-04.com.example:d",
        "iscsi://host/iqn.2001-04.com.example:d;portal=1?tpgt=2", "glusterfs://g/", "glusterfs://g/v?backup-volfile-servers=a::b",
        "posix://h/p", "posix://h/p?vfsType=EXT4!", "file:///", "file://otherhost/x", "file:///x?a=b",
        "nfs://server/export?options=a,,b", "nfs://my_nas./e", "nfs://-nas/e", "nfs://nas-/e", "nfs://my..nas/e",
        "nfs://my*nas/e", "glusterfs://g/v?backup-volfile-servers=g_2:g*3",
    })
    void rejectsWithAMessage(String uri) {
        InvalidUriException e = assertThrows(InvalidUriException.class, () -> UriParser.parse(uri));
        assertFalse(e.getMessage().isBlank());
    }

    /**
     * One spelling for the key, connection info and everything that talks to the server; the mount
     * spec keeps the host as written, as VDSM's does, and so does the URI the database keeps.
     */
    @Test
    void theCanonicalIpv6HostIsUsedForKeysAndServersTheWrittenOneForMounts() throws Exception {
        StorageUri uri = UriParser.parse("nfs://[0000::0001]:2050/v6?version=3");
        assertEquals("nfs://[::1]:2050/v6", uri.key().value());
        assertEquals("nfs://[0000::0001]:2050/v6?version=3", uri.toString());
        assertEquals(uri, UriParser.parse(uri.toString()));
        assertEquals("[::1]", uri.connectionInfo().get("host"));
        MountSettings mount = uri.type().definition().mount(uri).orElseThrow();
        assertEquals("[0000::0001]:/v6", mount.source());
        assertEquals(Optional.of(new ServerCheck.NfsNull("[::1]", 2050, 3)), mount.serverCheck());
        StorageUri gluster = UriParser.parse("glusterfs://G1/vol?backup-volfile-servers=[2001:DB8::0001]:G2:[::FFFF:10.0.0.1]");
        assertEquals("[2001:db8::1]:g2:[::ffff:10.0.0.1]", gluster.params().get("backup-volfile-servers"));
        assertEquals("backup-volfile-servers=[2001:db8::1]:g2:[::ffff:10.0.0.1]",
                gluster.type().definition().mount(gluster).orElseThrow().options().get(0).text());
        assertEquals(Optional.of(new ServerCheck.Tcp("GlusterFS server", "g1", 24007)),
                gluster.type().definition().mount(gluster).orElseThrow().serverCheck());
        // mount.glusterfs reads the server of its spec with [a-zA-Z0-9:%,.-]*: no IPv6 address in brackets.
        InvalidUriException v6 = assertThrows(InvalidUriException.class, () -> UriParser.parse("glusterfs://[0:0::1]/vol"));
        assertEquals("host", v6.component());
        StorageUri iscsi = UriParser.parse("iscsi://[0:0::1]/iqn.2001-04.com.example:d");
        assertEquals("[::1]:3260", IscsiScheme.target(iscsi).portal());
        StorageUri posix = UriParser.parse("posix://[0::1]/p?vfsType=nfs4");
        assertEquals("[0::1]:/p", posix.type().definition().mount(posix).orElseThrow().source());
    }

    /** Keys ignore the case of a host name; the mount spec and the stored URI keep it, as VDSM keeps the spec. */
    @Test
    void aHostNameKeepsItsCaseForTheMountOnly() throws Exception {
        StorageUri uri = UriParser.parse("nfs://Filer01.Example.COM/exports/Data?version=4.1");
        assertEquals("nfs://filer01.example.com/exports/Data", uri.key().value());
        assertEquals("filer01.example.com", uri.connectionInfo().get("host"));
        assertEquals("nfs://Filer01.Example.COM/exports/Data?version=4.1", uri.toString());
        MountSettings mount = uri.type().definition().mount(uri).orElseThrow();
        assertEquals("Filer01.Example.COM:/exports/Data", mount.source());
        assertEquals(Optional.of(new ServerCheck.NfsNull("filer01.example.com", 2049, 4)), mount.serverCheck());
        StorageUri lower = UriParser.parse("nfs://filer01.example.com/exports/Data?version=4.1");
        assertTrue(uri.sameSettingsAs(lower), "one connection, whichever way its CIDs write the host");
        assertNotEquals(uri, lower);
        StorageUri iscsi = UriParser.parse("iscsi://SAN01/iqn.2001-04.com.example:d");
        assertEquals("iscsi://san01/iqn.2001-04.com.example:d", iscsi.toString(), "nothing is named after an iSCSI host");
    }

    @ParameterizedTest(name = "{0}: {1}")
    @CsvSource(delimiter = '|', value = {
        "nfs://[127.0.0.1]/v4|is an IPv4 address in brackets",
        "nfs://[::ffff:1.2.3.4.5]/e|only its last 32 bits",
        "nfs://[::g]/e|only hex digits",
        "nfs://[12345::1]/e|1 to 4 hex digits",
        "nfs://[1:2:3:4:5:6:7:8:9]/e|9 groups of 16 bits, not 8",
        "nfs://[1:2:3:4:5:6:7]/e|7 groups of 16 bits, not 8",
        "nfs://[1:2:3:4::5:6:7:8]/e|too many groups",
        "nfs://[1::2::3]/e|only once",
        "nfs://[1:::2]/e|only once",
        "nfs://[:1::2]/e|1 to 4 hex digits",
        "nfs://[1::2:]/e|1 to 4 hex digits",
        "nfs://[]/e|is empty",
        "nfs://[1.2.3.4::]/e|only its last 32 bits",
        "nfs://[::ffff:1.2.3.04]/e|only its last 32 bits",
        "nfs://[::ffff:256.2.3.4]/e|only its last 32 bits",
        "nfs://[fe80::1%eth0]/e|zone id",
        "nfs://[fe80::1%25eth0]/e|zone id",
        "nfs://[v1.x]/e|only hex digits",
        "iscsi://[::1:2:3:4:5:6:7:8]/iqn.2001-04.com.example:d|too many groups",
        "iscsi://[10.0.0.5]:3260/iqn.2001-04.com.example:d|is an IPv4 address in brackets",
        "glusterfs://g/vol?backup-volfile-servers=g2:[127.0.0.1]|is an IPv4 address in brackets",
        "glusterfs://g/vol?backup-volfile-servers=[::1:g2|without its ']'",
        "glusterfs://g/vol?backup-volfile-servers=[::1]g2|separated by ':'",
        "glusterfs://g/vol?backup-volfile-servers=g2:[1::2::3]|only once",
        "glusterfs://g/vol?backup-volfile-servers=g2:010.0.0.1|not a valid IPv4 address",
        "posix://[1:2:3]/p?vfsType=nfs4|3 groups of 16 bits",
        "nfs://127.1/e|not a valid IPv4 address",
        "nfs://010.0.0.1/e|not a valid IPv4 address",
        "nfs://10.0.0.256/e|not a valid IPv4 address",
        "nfs://0x7f.0.0.1/e|not a valid IPv4 address",
        "nfs://1.2.3.0x4/e|not a valid IPv4 address",
        "nfs://2130706433/e|not a valid IPv4 address",
        "iscsi://10.0.0.05/iqn.2001-04.com.example:d|not a valid IPv4 address",
    })
    void invalidIpLiteralsAreRefusedSayingWhy(String uri, String why) {
        InvalidUriException e = assertThrows(InvalidUriException.class, () -> UriParser.parse(uri));
        assertTrue(e.getMessage().contains(why), e.getMessage());
    }

    @Test
    void errorsNeverQuoteUserInfo() {
        InvalidUriException e = assertThrows(InvalidUriException.class,
                () -> UriParser.parse("iscsi://admin%TopSecret@host/not-an-iqn"));
        assertFalse(e.getMessage().contains("TopSecret"), e.getMessage());
    }

    @Test
    void vdsmStylePathNormalisation() throws Exception {
        assertEquals("/foo", UriParser.normalisePath("/foo/", "p"));
        assertEquals("/a/c", UriParser.normalisePath("//a/./b/../c", "p"));
        assertEquals("/", UriParser.normalisePath("/..", "p"));
    }

    /** An escape is replaced by its character; the text before, between and after escapes stays. */
    @Test
    void percentDecodingKeepsTheTextAroundEachEscape() throws Exception {
        assertEquals("expArt", UriParser.decode("exp%41rt", "path"));
        assertEquals("Art", UriParser.decode("%41rt", "path"), "an escape first");
        assertEquals("expA", UriParser.decode("exp%41", "path"), "an escape last");
        assertEquals("a b+c", UriParser.decode("a%20b+c", "path"), "'+' stays '+'");
        assertEquals("\n0j", UriParser.decode("%0a%30%6A", "path"), "either case, zero digits too");
        assertEquals("ü", UriParser.decode("%C3%BC", "path"), "bytes decoded as UTF-8");
        assertEquals("nfs://server/expArt", UriParser.parse("nfs://server/exp%41rt").key().value());
    }

    /**
     * A malformed escape is an invalid URI, never an unchecked exception (which would fail the
     * whole request batch): cut short at the end, not hex, or hex only in another script.
     */
    @ParameterizedTest
    @ValueSource(strings = {"exp%4", "exp%", "%", "%4", "%zz", "%4g", "%g4", "exp%\u0664\u0661rt", "exp%\uff14\uff11rt"})
    void aMalformedEscapeIsAnInvalidUri(String path) {
        InvalidUriException e = assertThrows(InvalidUriException.class, () -> UriParser.parse("nfs://server/" + path));
        assertEquals("export path has a malformed %-escape", e.getMessage());
    }

    @Test
    void escapesAreCheckedInParametersToo() {
        InvalidUriException e = assertThrows(InvalidUriException.class,
                () -> UriParser.parse("nfs://server/export?options=noatime%2"));
        assertEquals("parameter options has a malformed %-escape", e.getMessage());
        e = assertThrows(InvalidUriException.class, () -> UriParser.parse("nfs://server/exp%C3"));
        assertEquals("export path is not valid UTF-8 after %-decoding", e.getMessage());
    }

    /** Digits of other scripts are no port, LUN or count: 2050 has one spelling. */
    @ParameterizedTest
    @ValueSource(strings = {
        "nfs://server:\u0662\u0660\u0665\u0660/export",
        "nfs://server/export?timeo=\u0661\u0660\u0660",
        "iscsi://host/iqn.2001-04.com.example:d/\u0663",
    })
    void numbersAreAsciiDigitsOnly(String uri) {
        InvalidUriException e = assertThrows(InvalidUriException.class, () -> UriParser.parse(uri));
        assertTrue(e.getMessage().contains("must be a whole number"), e.getMessage());
    }

    @Test
    void numbersAreTakenUpToTheirLimitsAndNotBeyond() throws Exception {
        assertEquals(1, UriParser.parse("nfs://server:1/export").port());
        assertEquals(65535, UriParser.parse("nfs://server:65535/export").port());
        assertEquals(16383, UriParser.parse("iscsi://h/iqn.2001-04.com.example:d/16383").lun());
        assertEquals("0", UriParser.parse("iscsi://h/iqn.2001-04.com.example:d?tpgt=0").params().get("tpgt"));
        for (String uri : List.of("nfs://server:0/export", "nfs://server:65536/export",
                "iscsi://h/iqn.2001-04.com.example:d/16384", "nfs://server/export?retrans=0")) {
            InvalidUriException e = assertThrows(InvalidUriException.class, () -> UriParser.parse(uri), uri);
            assertTrue(e.getMessage().contains("must be a whole number from"), e.getMessage());
        }
    }

    /** A URI that may hold a secret is refused without quoting any part of it; any other is quoted. */
    @Test
    void errorsQuoteTheUriOnlyWhenItCannotHoldASecret() {
        String hidden = "(not shown: the uri may hold a secret)";
        assertEquals("nfs uri does not take parameter 'bogus'; allowed: options, readCheck, retrans, timeo, version",
                message("nfs://server/export?bogus=1"));
        assertEquals("iscsi uri does not take parameter " + hidden + "; allowed: iface, tpgt",
                message("iscsi://user%pw@host/iqn.2001-04.com.example:d?bogus=1"));
        assertEquals("posix uri does not take parameter " + hidden + "; allowed: options, readCheck, vfsType",
                message("posix://h/p?vfsType=cifs&options=password=x&bogus=1"));
        assertEquals("nfs uri does not take parameter " + hidden + "; allowed: options, readCheck, retrans, timeo, version",
                message("nfs://h/e?options=secret=x&bogus=1"));
        assertEquals("scheme " + hidden + " is not supported; use one of nfs, iscsi, glusterfs, posix, file, nvme+tcp",
                message("@smb://h/p"), "an '@' anywhere, even first, may end a user and password");
    }

    /**
     * Only the pieces of the URI are left out of a message when the URI may hold a secret: the
     * message's own apostrophes ("a file's path", "'..'") are words, not quoted input, so the
     * message stays whole, never cut at its first apostrophe.
     */
    @Test
    void aSecretUrisErrorKeepsTheMessagesOwnQuotesWhole() {
        String whole = "readCheck must be a file's path relative to the mount point, without '..'";
        assertEquals(whole, message("nfs://h/e?options=password=x&readCheck=/abs"));
        assertEquals(whole, message("posix://h/p?vfsType=cifs&options=secret=x&readCheck=dom_md/../../x"));
    }

    @Test
    void aTypeWithoutParametersSaysSoWithoutAnAllowedList() {
        assertEquals("file uri does not take parameter 'a'", message("file:///x?a=b"));
    }

    @Test
    void aUriUpToTheLengthLimitIsTakenAndNotBeyond() throws Exception {
        String prefix = "nfs://server/";
        // Segments of 100 (a file name has at most 255 bytes), the last one shorter.
        String path = ("a".repeat(99) + "/").repeat(50).substring(0, UriParser.MAX_URI - prefix.length());
        String longest = prefix + path;
        assertEquals(UriParser.MAX_URI, longest.length());
        assertEquals("/" + path, UriParser.parse(longest).path());
        assertEquals("uri is longer than 4096 characters", message(longest + "a"));
    }

    /** Each malformed URI is refused by the check meant for it, whose message says what to fix. */
    @ParameterizedTest(name = "{0}: {1}")
    @CsvSource(delimiter = '|', value = {
        "nfs://server/ex port|uri contains spaces or control characters; percent-encode them",
        "nfs://server/ex\u007fport|uri contains spaces or control characters; percent-encode them",
        "://server/export|uri must look like scheme://...; schemes: nfs, iscsi, glusterfs, posix, file, nvme+tcp",
        "nfs://#frag|uri must not have a #fragment",
        "nfs://?version=3|nfs uri needs a host: nfs://host/...",
        "iscsi://@host/iqn.2001-04.com.example:d|iscsi user name is empty; the form is iscsi://user%password@host/IQN",
        "posix://:2000/p?vfsType=ext4|posix uri has a port but no host",
        "nfs://server/export?=3|uri parameter must be name=value",
        "nfs://server/%2Fetc|export path must not hold an encoded '/' or control characters",
        "nfs://server/export?readCheck=dom_md/../../x|readCheck must be a file's path relative to the mount point, without '..'",
        "nfs://server/export?readCheck=dom_md/%01|readCheck must be a file's path relative to the mount point, without '..'",
        "nfs://server/export?options=no%20atime|options must be a comma-separated list of mount options without spaces",
        "iscsi:///iqn.2001-04.com.example:d|iscsi uri needs a host: iscsi://host/...",
    })
    void aMalformedUriIsRefusedSayingWhatToFix(String uri, String why) {
        assertEquals(why, message(uri));
    }

    /** An empty user before '@' is user info all the same, not part of the host. */
    @Test
    void anEmptyUserInfoIsStillUserInfo() {
        assertTrue(message("nfs://@server/export").startsWith("nfs uri takes no user or password"), message("nfs://@server/export"));
        assertTrue(message("file://@/srv/x").startsWith("file uri takes no user or password"), message("file://@/srv/x"));
    }

    /** dd takes its operand as one word, but no part that reaches a program holds whitespace. */
    @Test
    void aReadCheckMayNotNameAFileWithASpace() {
        InvalidUriException e = assertThrows(InvalidUriException.class,
                () -> UriParser.parse("nfs://s/e?readCheck=dom%20md/metadata"));
        assertEquals("readCheck", e.component());
        assertEquals("readCheck has a segment that holds whitespace, where a script splits one argument in two",
                e.getMessage());
    }

    @ParameterizedTest(name = "{0}: {1}")
    @CsvSource(delimiter = '|', value = {
        "nfs://1.2.3.00/e|not a valid IPv4 address",
        "nfs://10.0.0.259/e|not a valid IPv4 address",
        "nfs://1.2.3.0x0/e|not a valid IPv4 address",
        "nfs://a.1.2.3/e|not a valid IPv4 address",
        "nfs://[::1::2]/e|only once",
        "nfs://[::.1]/e|only its last 32 bits",
    })
    void moreInvalidIpLiteralsAreRefusedSayingWhy(String uri, String why) {
        assertTrue(message(uri).contains(why), message(uri));
    }

    @ParameterizedTest(name = "{0} -> key {1}")
    @CsvSource(delimiter = '|', value = {
        "nfs://9.9.9.9/e|nfs://9.9.9.9/e",
        "nfs://10.0.0.255/e|nfs://10.0.0.255/e",
        "nfs://[1:2:3:4:5:6::7]/e|nfs://[1:2:3:4:5:6:0:7]/e",
        "nfs://server|nfs://server/",
        "nfs://server/azAZ09-._~|nfs://server/azAZ09-._~",
    })
    void moreKeys(String uri, String key) throws Exception {
        assertEquals(key, UriParser.parse(uri).key().value());
    }

    @Test
    void unreservedCharactersAreWrittenPlainEverythingElseEscaped() {
        assertEquals("azAZ09-._~:,=+!$*'()@", StorageUri.encode("azAZ09-._~:,=+!$*'()@"));
        assertEquals("a%20b%2F%25%3F%C3%BC", StorageUri.encode("a b/%?ü"));
    }

    @Test
    void onlyAUriWithAUserAPasswordOrASecretOptionHasCredentials() throws Exception {
        assertFalse(UriParser.parse("nfs://s/e?options=noatime").hasCredentials());
        assertFalse(UriParser.parse("iscsi://h/iqn.2001-04.com.example:d").hasCredentials());
        assertTrue(UriParser.parse("iscsi://user@h/iqn.2001-04.com.example:d").hasCredentials(), "a user alone");
        assertTrue(UriParser.parse("nfs://s/e?options=sec=sys,secret=x").hasCredentials());
        // ceph's secretfile= names a file: the file holds the secret, its name is none.
        assertFalse(UriParser.parse("nfs://s/e?options=sec=sys,secretfile=x").hasCredentials());
    }

    @Test
    void connectionInfoSaysChapOnlyWhenTheUriHasAUser() throws Exception {
        assertFalse(UriParser.parse("iscsi://h/iqn.2001-04.com.example:d").connectionInfo().containsKey("auth"));
        assertEquals("chap", UriParser.parse("iscsi://user@h/iqn.2001-04.com.example:d").connectionInfo().get("auth"));
    }

    private static String message(String uri) {
        return assertThrows(InvalidUriException.class, () -> UriParser.parse(uri), uri).getMessage();
    }

    /** A host as a mount spec or a tool writes it, in its one spelling; nothing for what is no host. */
    @Test
    void aHostFromTheHostHasOneSpellingToo() {
        assertEquals(Optional.of("[2001:db8::1]"), UriParser.canonicalHost("[2001:DB8:0::1]"));
        assertEquals(Optional.of("filer01.example.com"), UriParser.canonicalHost("Filer01.Example.COM"));
        assertEquals(Optional.empty(), UriParser.canonicalHost("filer 01"));
        assertEquals(Optional.empty(), UriParser.canonicalHost("010.0.0.1"));
    }

    @Test
    void aFileSystemTypeInCapitalsSaysTheCaseMatters() {
        InvalidUriException e = assertThrows(InvalidUriException.class, () -> UriParser.parse("posix:///p?vfsType=TMPFS"));
        assertTrue(e.getMessage().contains("lower case") && e.getMessage().contains("vfsType=tmpfs"), e.getMessage());
        e = assertThrows(InvalidUriException.class, () -> UriParser.parse("posix:///p?vfsType=-x"));
        assertTrue(e.getMessage().startsWith("posix uri needs vfsType=T"), e.getMessage());
    }
}
