package io.tether.uri;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The attacks of issue 28 on the URI parser: parts that a host program would split, read as an
 * option or read as another volume are refused when the URI arrives, naming the part; and an error
 * about a URI that may hold a secret leaves out the URI's pieces, however the secret's name is spelt,
 * but keeps what the message says about them.
 */
class HostileUriTest {
    private static InvalidUriException refused(String uri) {
        return assertThrows(InvalidUriException.class, () -> UriParser.parse(uri), uri);
    }

    /**
     * The request the red team sent: mount.glusterfs runs its client's command line as unquoted
     * words, so the spaces in the subdirectory gave the root glusterfs process options of the
     * request's choosing.
     */
    @ParameterizedTest
    @ValueSource(strings = {
        "glusterfs://127.0.0.1:24008/vol/a%20--fuse-mountopts=allow/other%20--volfile-server=evil.example",
        "glusterfs://127.0.0.1/vol/a%C2%A0--volfile-server=evil.example",
        "glusterfs://127.0.0.1/vol/a%E2%80%83--volfile-server=evil.example",
    })
    void aGlusterSubdirectoryWithWhitespaceIsRefused(String uri) {
        InvalidUriException e = refused(uri);
        assertEquals("glusterfs subdirectory", e.component());
        assertEquals("glusterfs subdirectory has a segment that holds whitespace, where a script splits one argument in"
                + " two", e.getMessage());
        assertFalse(e.getMessage().contains("evil"), "the part is named, not quoted: " + e.getMessage());
    }

    /** A tab or a newline is a control character, refused in any path before its type's own check. */
    @ParameterizedTest
    @ValueSource(strings = {"%09", "%0A", "%0D", "%00"})
    void aGlusterPathWithAControlCharacterIsRefused(String escape) {
        InvalidUriException e = refused("glusterfs://127.0.0.1/vol/a" + escape + "--volfile-server=evil.example");
        assertEquals("volume", e.component());
        assertEquals("volume must not hold an encoded '/' or control characters", e.getMessage());
    }

    /** mount.glusterfs takes the volume after the last ':' of its spec: {@code g1:/vol/x:/othervol/sub} mounts othervol. */
    @ParameterizedTest
    @ValueSource(strings = {"glusterfs://g1/vol/x:/othervol/sub", "glusterfs://g1/vol/x%3A/othervol/sub",
        "glusterfs://g1/vol/x:"})
    void aColonInAGlusterSubdirectoryIsRefused(String uri) {
        InvalidUriException e = refused(uri);
        assertEquals("glusterfs subdirectory", e.component());
        assertEquals("glusterfs subdirectory holds ':', which mount helpers read as the end of the server's name",
                e.getMessage());
    }

    @ParameterizedTest(name = "{0}: {1}")
    @CsvSource(delimiter = '|', value = {
        "glusterfs://g1/-o|glusterfs volume",
        "glusterfs://g1/vol$(id)|glusterfs volume",
        "glusterfs://g1/vol/-x|glusterfs subdirectory",
        "glusterfs://g1/vol/a*|glusterfs subdirectory",
        "glusterfs://g1/vol/%60id%60|glusterfs subdirectory",
        "glusterfs://g1/vol?options=log-level=[x]|options",
        "glusterfs://[::1]/vol|host",
        "nfs://filer/exp/a%20b|export path",
        "nfs://filer/exp/%E2%80%AEtxt|export path",
        "nfs://filer/exp/;id|export path",
        "posix:///dev/x%20y?vfsType=ext4|path",
        "posix://h/a:b?vfsType=cifs|path",
        "nfs://filer/exp?readCheck=-x|readCheck",
        "nfs://filer/exp?readCheck=a%20b|readCheck",
        "nfs://filer/exp?options=uid=-1|options",
        "nfs://filer/exp?options=log%3Dx%20--volfile=y|options",
        "posix://h/p?vfsType=cifs&options=username=a%24(id)|options",
        "iscsi://host/iqn.2001-04.com.example:d?iface=-evil|iscsi iface",
        "iscsi://u$(id)%25p@host/iqn.2001-04.com.example:d|iscsi user name",
    })
    void eachTypeRefusesWhatItsHelpersWouldMisreadNamingThePart(String uri, String component) {
        InvalidUriException e = refused(uri);
        assertEquals(component, e.component(), e.getMessage());
    }

    /** mount.nfs splits its spec at the first ':', so an export may hold one, as VDSM's {@code server:/pa:th} does. */
    @Test
    void anNfsExportMayHoldAColon() throws Exception {
        assertEquals("filer:/pa:th", UriParser.parse("nfs://filer/pa:th").type().definition()
                .mount(UriParser.parse("nfs://filer/pa:th")).orElseThrow().source());
    }

    /** The advice a message gives is kept when the URI's pieces are left out. */
    @Test
    void theAdviceOfAMessageIsKept() {
        assertEquals("nfs uri takes no user or password before '@'; pass secrets as mount options",
                refused("nfs://user@server/x").getMessage());
        assertEquals("glusterfs uri takes no user or password before '@'; pass secrets as mount options",
                refused("glusterfs://u%3Apw@g1/vol").getMessage());
    }

    /**
     * A password holding '&' ends its parameter there, and the rest becomes a parameter of its own,
     * whose name the message would quote: with the secret option's name spelt in any case or
     * percent-encoded (once or twice), the message leaves it out.
     */
    @ParameterizedTest
    @ValueSource(strings = {"password", "PASSWORD", "Password", "PaSsWoRd", "%70assword", "%50ASSWORD", "pa%73sword",
        "p%61%73%73word", "%2570assword", "password2", "Pass", "secret", "SECRET", "SeCrEt", "%73ecret", "s%65cret",
        "%53ECRET", "%2573ecret", "mysecret", "MySecret"})
    void aPieceOfASecretIsNeverQuotedHoweverItsNameIsSpelt(String name) {
        String fragment = "Frag" + Math.abs(name.hashCode());
        for (String uri : List.of(
                "posix://h/s?vfsType=cifs&options=username=u," + name + "=abc&" + fragment + "=1",
                "posix://h/s?vfsType=ceph&options=" + name + "=abc&" + fragment + "x",
                "nfs://h/e?options=" + name + "=a&" + fragment + "=1")) {
            InvalidUriException e = refused(uri);
            assertFalse(e.getMessage().contains(fragment), e.getMessage());
            assertFalse(e.getMessage().contains("abc"), e.getMessage());
        }
        InvalidUriException e = refused("posix://h/s?vfsType=cifs&options=" + name + "=abc&" + fragment + "=1");
        assertEquals("posix uri does not take parameter " + UriParser.HIDDEN + "; allowed: options, readCheck, vfsType",
                e.getMessage());
    }

    /** Parsed, a secret option's value is shown as *** however its name is spelt. */
    @ParameterizedTest
    @ValueSource(strings = {"password", "PASSWORD", "%70assword", "pa%73sword", "secret", "SeCrEt", "%73ecret", "mysecret"})
    void aSecretOptionIsRedactedHoweverItsNameIsSpelt(String name) throws Exception {
        StorageUri uri = UriParser.parse("posix://h/s?vfsType=cifs&options=ro," + name + "=Hunter2x");
        assertTrue(uri.hasCredentials());
        assertFalse(uri.toString().contains("Hunter2x"), uri.toString());
        assertFalse(uri.connectionInfo().toString().contains("Hunter2x"), uri.connectionInfo().toString());
        assertTrue(uri.toStringWithCredentials().contains("Hunter2x"));
    }

    @Test
    void aUriThatCannotHoldASecretIsQuoted() {
        assertEquals("nfs uri does not take parameter 'bogus'; allowed: options, readCheck, retrans, timeo, version",
                refused("nfs://server/export?bogus=1").getMessage());
        assertFalse(UriParser.maySecret("nfs://server/export?options=ro"));
        assertTrue(UriParser.maySecret("nfs://server/export?options=%2570%2561ss=x"));
        assertTrue(UriParser.maySecret("nfs://s/e?x=%25%37%30ass"), "three decodings away");
    }

    /** A quoted piece cannot split or disguise a log line: its control and format characters are escaped. */
    @Test
    void aQuotedPieceIsEscaped() {
        InvalidUriException e = refused("nfs://server/export?%0Aforged%E2%80%AE=1");
        assertEquals("nfs uri does not take parameter '\\nforged\\u202E'; allowed: options, readCheck, retrans, timeo,"
                + " version", e.getMessage());
        assertNull(e.component());
    }
}
