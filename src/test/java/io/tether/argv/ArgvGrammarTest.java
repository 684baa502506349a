package io.tether.argv;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Each part of an argument list takes what its grammar says (docs/connectors.md, "What reaches a
 * host program") and refuses the rest with a message that names no character of the text.
 */
class ArgvGrammarTest {
    /** What no part holds, in any position. */
    private static final List<String> NEVER = List.of(" ", "\t", "\n", "\r", "\u00a0", "\u2028", "\u202e", "\u0000",
            "\u007f", "\u0085", "\ufeff", "\u200b");

    private static <T> void refusesEverywhere(Function<String, T> part, String valid) {
        for (String bad : NEVER) {
            for (String text : List.of(bad + valid, valid + bad, valid.substring(0, 1) + bad + valid.substring(1))) {
                IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> part.apply(text),
                        "'" + text + "'");
                assertFalse(e.getMessage().contains(valid), "the message quotes no text: " + e.getMessage());
            }
        }
    }

    @Test
    void noPartHoldsWhitespaceControlOrFormatCharacters() {
        refusesEverywhere(RemotePath::new, "/export/data");
        refusesEverywhere(s -> new RemotePath(s, true), "/export/data");
        refusesEverywhere(RelativePath::new, "dom_md/metadata");
        refusesEverywhere(LocalPath::new, "/rhev/data-center/mnt/filer:_exp");
        refusesEverywhere(GlusterVolume::new, "vol0");
        refusesEverywhere(Host::new, "filer.example");
        refusesEverywhere(MountOption::parse, "log-level=WARNING");
        refusesEverywhere(Iqn::new, "iqn.2001-04.com.example:disk");
        refusesEverywhere(IscsiIface::new, "default");
        refusesEverywhere(ChapName::new, "chapuser");
        refusesEverywhere(ChapSecret::new, "S3cret!");
        refusesEverywhere(VfsType::new, "ext4");
        refusesEverywhere(SessionId::new, "12");
    }

    @ParameterizedTest
    @ValueSource(strings = {"-", "--fuse-mountopts=allow_other", "-o"})
    void noPartButAFixedWordStartsWithADash(String dash) {
        assertThrows(IllegalArgumentException.class, () -> new Host(dash + "h"));
        assertThrows(IllegalArgumentException.class, () -> new RemotePath("/" + dash + "x"));
        assertThrows(IllegalArgumentException.class, () -> new RemotePath("/a/" + dash + "x", true));
        assertThrows(IllegalArgumentException.class, () -> new RelativePath(dash + "x"));
        assertThrows(IllegalArgumentException.class, () -> new LocalPath("/m/" + dash + "x"));
        assertThrows(IllegalArgumentException.class, () -> new GlusterVolume(dash + "x"));
        assertThrows(IllegalArgumentException.class, () -> MountOption.parse(dash + "x"));
        assertThrows(IllegalArgumentException.class, () -> MountOption.parse("uid=" + dash + "1"));
        assertThrows(IllegalArgumentException.class, () -> new IscsiIface(dash + "x"));
        assertThrows(IllegalArgumentException.class, () -> new ChapName(dash + "x"));
        assertThrows(IllegalArgumentException.class, () -> new VfsType(dash + "x"));
        // -v's required value: getopt takes it whatever it is, and a password may start with '-'.
        assertEquals(dash + "x", new ChapSecret(dash + "x").text());
    }

    @ParameterizedTest
    @ValueSource(strings = {"\"", "'", "`", "$", "\\", ";", "&", "|", "<", ">", "(", ")", "{", "}", "*", "?", "!", "#"})
    void whatAShellReadsIsInNoPartThatAScriptSees(String c) {
        assertThrows(IllegalArgumentException.class, () -> new RemotePath("/a" + c + "b"));
        assertThrows(IllegalArgumentException.class, () -> new RemotePath("/a" + c + "b", true));
        assertThrows(IllegalArgumentException.class, () -> new RelativePath("a" + c + "b"));
        assertThrows(IllegalArgumentException.class, () -> new LocalPath("/m/a" + c + "b"));
        assertThrows(IllegalArgumentException.class, () -> MountOption.parse("log-level=a" + c + "b"));
        assertThrows(IllegalArgumentException.class, () -> MountOption.parse("a" + c + "b"));
        assertThrows(IllegalArgumentException.class, () -> new ChapName("a" + c + "b"));
    }

    /** mount.glusterfs takes the volume after the last ':' of its spec; mount.nfs splits at the first. */
    @Test
    void aColonIsInARemotePathOnlyWhereTheHelperSplitsAtTheFirst() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new RemotePath("/vol/x:/othervol/sub"));
        assertEquals("holds ':', which mount helpers read as the end of the server's name", e.getMessage());
        assertEquals("/pa:th", new RemotePath("/pa:th", true).text());
        assertEquals("/mnt/[2001:db8::1]:_exp", new LocalPath("/mnt/[2001:db8::1]:_exp").text());
    }

    @Test
    void pathsAreNormalisedAndBounded() {
        for (String path : List.of("", "a", "/a/", "/a//b", "/a/./b", "/a/../b", "/" + "a".repeat(256))) {
            assertThrows(IllegalArgumentException.class, () -> new RemotePath(path), path);
        }
        assertEquals(List.of(), new RemotePath("/").segments());
        assertEquals(List.of("vol", "sub dir".replace(" ", "_")), new RemotePath("/vol/sub_dir").segments());
        assertEquals("/é/Жур/a+b@c=d,e~f%g", new RemotePath("/é/Жур/a+b@c=d,e~f%g").text());
        assertThrows(IllegalArgumentException.class, () -> new RelativePath("../x"));
        assertThrows(IllegalArgumentException.class, () -> new RelativePath("/x"));
        assertThrows(IllegalArgumentException.class, () -> new LocalPath("/m/../x"));
        assertEquals(new LocalPath("/m/x/dom_md/metadata"), new LocalPath("/m/x").resolve(new RelativePath("dom_md/metadata")));
    }

    /** A secret is never an argument: not in an option list, and as iscsiadm's one exception, shown as ***. */
    @Test
    void secretsAreNotArguments() {
        for (String secret : List.of("password=x", "PassWord=x", "secret=x", "mysecret=x", "password2=x")) {
            assertTrue(MountOption.parse(secret).secret(), secret);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> new MountOptions(List.of(MountOption.parse("ro"), MountOption.parse(secret))));
            assertTrue(e.getMessage().endsWith("holds a secret, which never goes on a command line"), e.getMessage());
        }
        // A file that holds a secret is no secret; a flag has no value.
        assertFalse(MountOption.parse("secretfile=/run/tether/x").secret());
        assertFalse(MountOption.parse("password_stdin").secret());
        // A secret's value may hold what a value on a command line may not, but no separator.
        assertEquals("password=a\"b\\c$d", MountOption.parse("password=a\"b\\c$d").text());
        assertThrows(IllegalArgumentException.class, () -> MountOption.parse("password=a,b"));
        assertEquals("***", new ChapSecret("S3cret").shown());
        assertEquals("password=***", MountOption.parse("password=hunter2").shown());
    }

    @Test
    void hostsAreNamesOrAddresses() {
        for (String host : List.of("filer", "Filer01.Example.COM", "my_nas", "10.0.0.5", "[::1]", "[2001:DB8::1]",
                "[::ffff:192.0.2.1]")) {
            assertEquals(host, new Host(host).text());
        }
        for (String host : List.of("a..b", "h;id", "h$(id)", "[::1", "[fe80::1%eth0]", "a,b", "a:b", "a/b", "x".repeat(254))) {
            assertThrows(IllegalArgumentException.class, () -> new Host(host), host);
        }
    }

    @Test
    void iscsiPartsAreWhatIscsiadmTakes() {
        assertEquals("[::1]:3260,2", new Portal(new Host("[::1]"), 3260, 2).text());
        assertEquals("h:3261", new Portal(new Host("h"), 3261, null).text());
        assertThrows(IllegalArgumentException.class, () -> new Portal(new Host("h"), 0, null));
        assertThrows(IllegalArgumentException.class, () -> new Iqn("IQN.2001-04.com.example:d"));
        assertThrows(IllegalArgumentException.class, () -> new Iqn("iqn.2001-04.com.example:d" + "x".repeat(200)));
        assertThrows(IllegalArgumentException.class, () -> new SessionId("3 -u"));
        assertEquals("iscsi://[::1]:3260/iqn.2001-04.com.example:d/0",
                new IscsiUrl(new Host("[::1]"), 3260, new Iqn("iqn.2001-04.com.example:d"), 0).text());
        assertThrows(IllegalArgumentException.class, () -> new UnitName("tether-mount-a b-0000abcd"));
        assertEquals("--unit=tether-mount-h:_v-0000abcd", new Joined(Word.UNIT, new UnitName("tether-mount-h:_v-0000abcd")).text());
        assertThrows(IllegalArgumentException.class, () -> new Joined(Word.SCOPE, new SessionId("1")));
    }

    @Test
    void programsAreNamesOrAbsolutePaths() {
        assertThrows(IllegalArgumentException.class, () -> new Program("-mount", "x"));
        assertThrows(IllegalArgumentException.class, () -> new Program("mount helper", "x"));
        assertThrows(IllegalArgumentException.class, () -> new Program("../bin/sh", "x"));
        assertEquals("cifs-utils", Program.MOUNT.providedBy("cifs-utils").installHint());
    }
}
