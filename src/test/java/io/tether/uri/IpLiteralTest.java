package io.tether.uri;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * An address as a host tool or the kernel prints it, in its one spelling, so that a connection
 * found on the host maps to the key of the URI that names it (UriParserTest covers URIs' hosts).
 */
class IpLiteralTest {

    @Test
    void anAddressAsTheHostPrintsItInItsOneSpelling() {
        assertEquals(Optional.of("192.0.2.10"), IpLiteral.canonical("192.0.2.10"));
        assertEquals(Optional.of("::1"), IpLiteral.canonical("0:0:0:0:0:0:0:1"));
        assertEquals(Optional.of("2001:db8::1"), IpLiteral.canonical("2001:DB8:0:0:0:0:0:1"));
    }

    @Test
    void whatIsNoAddressHasNoSpelling() {
        assertEquals(Optional.empty(), IpLiteral.canonical("filer01"));
        assertEquals(Optional.empty(), IpLiteral.canonical("010.0.0.1"));
        assertEquals(Optional.empty(), IpLiteral.canonical("fe80::1%eth0"));
    }

    @Test
    void bytesAreWrittenAsIpv4OrIpv6ByTheirLength() {
        assertEquals("192.0.2.255", IpLiteral.format(new byte[] {(byte) 192, 0, 2, (byte) 255}));
        byte[] v6 = new byte[16];
        v6[15] = 1;
        assertEquals("::1", IpLiteral.format(v6));
        assertThrows(IllegalArgumentException.class, () -> IpLiteral.format(new byte[5]));
    }
}
