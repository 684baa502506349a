package io.tether.uri;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Optional;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Stored URIs of earlier versions read now: an IPv4 address in a spelling inet_aton(3) reads is
 * rewritten as the address it read, and only that; a URI that needs no rewrite, or that still does
 * not parse after one, is left alone (empty).
 */
class LegacySpellingTest {
    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', nullValues = "-", value = {
        "nfs://127.1:1/x|nfs://127.0.0.1:1/x",
        "nfs://0177.0.0.1:1/x|nfs://127.0.0.1:1/x",
        "nfs://0x7f.0.0.1:1/x|nfs://127.0.0.1:1/x",
        "nfs://0X7F.0.0.1/x|nfs://127.0.0.1/x",
        "nfs://10.1.2/e|nfs://10.1.0.2/e",
        "nfs://167772161/e|nfs://10.0.0.1/e",
        "nfs://010.0.0.1/e|nfs://8.0.0.1/e",
        "nfs://192.168.1/e?version=3|nfs://192.168.0.1/e?version=3",
        "iscsi://u%25p@0x0a.0.0.1/iqn.2003-01.org.example:d1|iscsi://u%25p@10.0.0.1/iqn.2003-01.org.example:d1",
        "glusterfs://127.1/vol|glusterfs://127.0.0.1/vol",
        // Nothing to rewrite: today's spelling, a name, IPv6, no host.
        "nfs://127.0.0.1/x|-",
        "nfs://filer.example.com/x|-",
        "nfs://[fe80::1%25lo]:1/x|-",
        "file:///srv/x|-",
        "no scheme|-",
        // inet_aton refuses these too: left for the CID to be stranded.
        "nfs://256.1.1.1/x|-",
        "nfs://1.2.3.4.5/x|-",
        "nfs://1.2.65536/x|-",
        "nfs://09.0.0.1/x|-",
        "nfs://0x.0.0.1/x|-",
        "nfs://1..1/x|-",
        "nfs://4294967296/x|-",
        "nfs://0xg1.0.0.1/x|-",
    })
    void anIpv4SpellingEarlierVersionsTookIsRewrittenAsInetAtonReadsIt(String stored, String rewritten) {
        assertEquals(Optional.ofNullable(rewritten), LegacySpelling.rewrite(stored));
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', nullValues = "-", value = {
        "127.1|127.0.0.1", "1|0.0.0.1", "1.2.3|1.2.0.3", "255.255.65535|255.255.255.255", "0xff.0377.0.0|255.255.0.0",
        "4294967295|255.255.255.255", "0|0.0.0.0", "00|0.0.0.0",
        "4294967296|-", "1.16777216|-", "1.2.65536|-", "256.0.0.0|-", "1.2.3.256|-", "08|-", "a|-", "|-", "1.|-",
    })
    void inetAtonReadsOneToFourParts(String text, String address) {
        assertEquals(Optional.ofNullable(address), IpLiteral.inetAton(text == null ? "" : text));
    }
}
