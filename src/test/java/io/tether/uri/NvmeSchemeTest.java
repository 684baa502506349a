package io.tether.uri;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * {@code nvme+tcp://} URIs: the subsystem NQN and the parameters checked as the arguments they
 * become, the DH-HMAC-CHAP secret a credential that no shown form of the URI holds.
 */
class NvmeSchemeTest {
    private static final String NQN = "nqn.2014-08.org.example:disk";
    /** A secret as nvme gen-dhchap-key prints it, with a '/' to escape in a URI. */
    private static final String SECRET = "DHHC-1:00:pgyqILTpXNz2qLThj6bJn+tW+DayfZz39zJnzEGAJu1k/mwH:";
    private static final String SECRET_IN_URI = SECRET.replace("/", "%2F");

    @Test
    void theDefaultPortIsDroppedFromTheKey() throws Exception {
        assertEquals("nvme+tcp://192.0.2.7/" + NQN, UriParser.parse("nvme+tcp://192.0.2.7:4420/" + NQN).key().value());
        assertEquals("nvme+tcp://192.0.2.7:4421/" + NQN, UriParser.parse("nvme+tcp://192.0.2.7:4421/" + NQN).key().value());
        assertEquals("nvme+tcp://[2001:db8::1]/" + NQN, UriParser.parse("nvme+tcp://[2001:DB8:0::1]/" + NQN).key().value());
    }

    @Test
    void theSecretIsACredentialShownNowhere() throws Exception {
        StorageUri uri = UriParser.parse("nvme+tcp://" + SECRET_IN_URI + "@192.0.2.7/" + NQN);
        assertTrue(uri.hasCredentials());
        assertEquals(Optional.of(SECRET), NvmeScheme.target(uri).secret().map(s -> s.text()));
        assertFalse(uri.toString().contains("DHHC"), uri.toString());
        assertFalse(uri.connectionInfo().toString().contains("DHHC"), uri.connectionInfo().toString());
        assertEquals("dhchap", uri.connectionInfo().get("auth"));
        assertEquals(uri, UriParser.parse(uri.toStringWithCredentials()), "the stored form parses back");
        assertEquals(UriParser.parse("nvme+tcp://192.0.2.7/" + NQN).key(), uri.key(), "a secret is no part of the key");
    }

    @Test
    void aMalformedSecretIsRefusedWithoutQuotingIt() {
        InvalidUriException e = assertThrows(InvalidUriException.class,
                () -> UriParser.parse("nvme+tcp://DHHC-1:00:hunter2:@192.0.2.7/" + NQN));
        assertFalse(e.getMessage().contains("hunter2"), e.getMessage());
        assertTrue(e.getMessage().contains("DH-HMAC-CHAP"), e.getMessage());
    }

    @Test
    void theSubsystemIsOneNqnAndNotTheDiscoveryOne() {
        assertThrows(InvalidUriException.class, () -> UriParser.parse("nvme+tcp://192.0.2.7/"));
        assertThrows(InvalidUriException.class, () -> UriParser.parse("nvme+tcp://192.0.2.7/" + NQN + "/1"));
        assertThrows(InvalidUriException.class, () -> UriParser.parse("nvme+tcp://192.0.2.7/iqn.2001-04.com.example:d"));
        assertThrows(InvalidUriException.class, () -> UriParser.parse("nvme+tcp://192.0.2.7/nqn.2014-08.org.example:a%20b"));
        assertThrows(InvalidUriException.class, () -> UriParser.parse("nvme+tcp:///" + NQN));
        InvalidUriException discovery = assertThrows(InvalidUriException.class,
                () -> UriParser.parse("nvme+tcp://192.0.2.7/nqn.2014-08.org.nvmexpress.discovery"));
        assertTrue(discovery.getMessage().contains("discovery"), discovery.getMessage());
    }

    @Test
    void parametersAreCheckedAndNormalised() throws Exception {
        StorageUri uri = UriParser.parse("nvme+tcp://h/" + NQN + "?ctrl-loss-tmo=0600&reconnect-delay=2&nr-io-queues=4"
                + "&hostnqn=nqn.2014-08.org.nvmexpress:uuid:0f8fad5b-d9cb-469f-a165-70867728950e"
                + "&hostid=0F8FAD5B-D9CB-469F-A165-70867728950E");
        assertEquals(Map.of("ctrl-loss-tmo", "600", "reconnect-delay", "2", "nr-io-queues", "4",
                "hostnqn", "nqn.2014-08.org.nvmexpress:uuid:0f8fad5b-d9cb-469f-a165-70867728950e",
                "hostid", "0f8fad5b-d9cb-469f-a165-70867728950e"), NvmeScheme.target(uri).settings());
        assertThrows(InvalidUriException.class, () -> UriParser.parse("nvme+tcp://h/" + NQN + "?nr-io-queues=0"));
        assertThrows(InvalidUriException.class, () -> UriParser.parse("nvme+tcp://h/" + NQN + "?reconnect-delay=-1"));
        assertThrows(InvalidUriException.class, () -> UriParser.parse("nvme+tcp://h/" + NQN + "?hostid=not-a-uuid"));
        assertThrows(InvalidUriException.class, () -> UriParser.parse("nvme+tcp://h/" + NQN + "?hostnqn=--help"));
        assertThrows(InvalidUriException.class, () -> UriParser.parse("nvme+tcp://h/" + NQN + "?keep-alive-tmo=5"));
    }

    @Test
    void aControllerInSysfsMapsBackToTheKey() throws Exception {
        assertEquals(Optional.of(UriParser.parse("nvme+tcp://127.0.0.1/" + NQN).key()),
                NvmeScheme.keyOfController("127.0.0.1", 4420, NQN));
        assertEquals(Optional.of(UriParser.parse("nvme+tcp://[::1]:4421/" + NQN).key()),
                NvmeScheme.keyOfController("::1", 4421, NQN));
        assertEquals(Optional.empty(), NvmeScheme.keyOfController("127.0.0.1", 4420, "not an nqn"));
    }
}
