package io.tether.connector;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import io.tether.api.JsonRpc;
import io.tether.sealing.Sealer;
import io.tether.testing.Guest;
import io.tether.testing.GuestWorker;
import java.nio.file.Files;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;

/**
 * iSCSI connected for real, {@link KernelIT}'s last group: the build's worker in the {@link Guest}
 * logs the guest's open-iscsi initiator (iscsid) in to the kernel's own target (LIO, on the guest's
 * loopback, CHAP required, two portals of one portal group: src/test/vm/iscsi-target.sh), with URIs
 * sealed for the worker's key as an engine sends them. Every test ends with no CID and no session.
 * The multipath test runs last, and this group after the others: multipathd, once running,
 * shortens every session's recovery timeout to its own.
 *
 * <p>Invariants: a connection is one session, whichever CIDs hold it; the CHAP password is in no
 * file of the worker's (database, broker journal, log), only in open-iscsi's node record, root's
 * alone; a session iscsid is recovering is left to it (RECOVERING, never logged out), and is
 * CONNECTED again by itself when its portal is back; a failed path of a multipath map is seen as
 * multipathd shows it; the last unmanage logs the session out.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
// Several waits of WAIT each, in an emulated guest: more than the suite's ten minutes a test.
@Timeout(value = 20, unit = TimeUnit.MINUTES)
abstract class IscsiKernelCases extends KernelCases {
    private static final String IQN = "iqn.2026-12.io.tether.test:disk1";
    private static final String USER = "tether-initiator";
    /** The target's CHAP password: unique to this run, so that finding it anywhere is a leak. */
    private static final String PASSWORD = "Chap-" + UUID.randomUUID().toString().replace("-", "").substring(0, 14);
    /** The target, iscsid and udevd (src/test/vm/iscsi-target.sh), run once in the guest before the first test. */
    static final String START = "CHAP_PASSWORD=" + PASSWORD + " " + target("start");
    private Sealer sealer;

    IscsiKernelCases(Guest guest, GuestWorker worker) {
        super(guest, worker);
    }

    private static String target(String command) {
        return script("iscsi-target.sh", command);
    }

    @BeforeEach
    void openSealer() throws Exception {
        JsonNode jwk = client.call("getSealingKey", "{}").at("/result/jwk");
        sealer = Sealer.fromJwk(JsonRpc.MAPPER.convertValue(jwk, new TypeReference<Map<String, Object>>() { }));
    }

    /**
     * Whatever a failed test left: every portal up, every CID unmanaged, and in the end no session
     * and no node (what the worker did not log out is logged out here).
     */
    @AfterEach
    void cleanUp() throws Exception {
        try {
            guest.ok(target("up"));
            unmanageAll();
            awaitNoSession();
        } finally {
            if (client != null) {
                client.close();
                client = null;
            }
            guest.ok("iscsiadm -m node -u > /dev/null 2>&1; iscsiadm -m node -o delete > /dev/null 2>&1; true");
        }
    }

    /** Manages {@code cid} with {@code uri} sealed for the worker, as an engine sends a URI with a password. */
    private JsonNode manageSealed(String cid, String uri) throws Exception {
        JsonNode reply = client.call("manageStorageServer", JsonRpc.MAPPER.createObjectNode().put("connectionId", cid)
                .put("sealedUri", sealer.seal(uri)).toString());
        assertTrue(reply.has("result"), reply.toString());
        return reply.get("result");
    }

    private static String uri(int port, String rest) {
        return "iscsi://" + USER + "%" + PASSWORD + "@127.0.0.1" + (port == 3260 ? "" : ":" + port) + "/" + IQN + rest;
    }


    /** The guest's iSCSI sessions: "sessionN STATE PORT" per line. */
    private List<String> sessions() {
        String out = guest.ok("for s in /sys/class/iscsi_session/session*; do [ -e \"$s\" ] || continue;"
                + " echo \"${s##*/} $(cat $s/state) $(cat $s/device/connection*/iscsi_connection/connection*/persistent_port)\"; done");
        return out.lines().filter(l -> !l.isBlank()).toList();
    }

    /** The name (sessionN) of the guest's session at {@code port}. */
    private String sessionAt(int port) {
        return sessions().stream().filter(l -> l.endsWith(" " + port)).findFirst().orElseThrow().split(" ")[0];
    }

    private void awaitNoSession() {
        await().atMost(WAIT).until(() -> sessions().isEmpty());
    }

    /**
     * The seed's spelling ({@code ;portal=1}) and the documented one ({@code /0?tpgt=1}) of one
     * target, both sealed: one CHAP login, one session with its disk; the password is in no file;
     * the first unmanage leaves the session, the last logs it out.
     */
    @Test
    @Order(1)
    void chapLoginSharedByTwoSpellings() throws Exception {
        String key = manageSealed("seed", uri(3260, ";portal=1")).get("connectionKey").asText();
        awaitState("seed", "CONNECTED");
        assertEquals(key, manageSealed("documented", uri(3260, "/0?tpgt=1")).get("connectionKey").asText());
        awaitState("documented", "CONNECTED");
        List<String> sessions = sessions();
        assertEquals(1, sessions.size(), "one session: " + sessions);
        assertTrue(sessions.get(0).endsWith(" LOGGED_IN 3260"), sessions.toString());
        String blocks = "ls /sys/class/iscsi_session/" + sessions.get(0).split(" ")[0] + "/device/target*/*/block";
        await().atMost(WAIT).until(() -> guest.run(WAIT, blocks).status() == 0);
        String disk = guest.ok(blocks).trim();
        assertTrue(disk.matches("sd[a-z]+"), "the LUN's block device: " + disk);
        assertEquals("67108864", guest.ok("blockdev --getsize64 /dev/" + disk).trim());
        JsonNode info = entry("documented").get("connectionInfo");
        assertEquals("chap", info.path("auth").asText(), info.toString());
        assertFalse(client.list().toString().contains(PASSWORD));

        // None of the worker's files (H2, the broker's journal, its log) holds the password, though they
        // hold the requests (the CIDs, in clear); open-iscsi's node record does, root's alone, as iscsid
        // needs it to log the session in again after a restart of its own (docs/connectors.md, "Secrets").
        assertEquals("", guest.ok("grep -rlaF -- '" + PASSWORD + "' /var/lib/tether /xfer/worker.log || true").trim());
        assertEquals("600 root", guest.ok("stat -c '%a %U' $(grep -rlaF -- '" + PASSWORD + "' /etc/iscsi/nodes)").trim());
        assertFalse(guest.ok("grep -rlaF documented /var/lib/tether || true").isBlank(), "the requests are in the worker's files");
        assertFalse(Files.readString(worker.log()).contains(PASSWORD));

        assertEquals("[]", client.unmanage("seed").at("/result/disconnecting").toString());
        assertEquals(1, sessions().size(), "the other CID holds it");
        assertEquals("[\"" + key + "\"]", client.unmanage("documented").at("/result/disconnecting").toString());
        awaitNoSession();
        assertEquals("", guest.ok("iscsiadm -m node 2>/dev/null || true").trim(), "the node is gone too");
    }

    /**
     * A portal whose traffic is dropped: the session goes FAILED and iscsid recovers it, so the
     * connection is DISCONNECTED with RECOVERING and the session is never logged out (the same
     * session, same number, throughout); when the portal is back, CONNECTED by itself.
     */
    @Test
    @Order(2)
    void portalDownIsLeftToIscsidAndComesBack() throws Exception {
        manageSealed("p", uri(3261, "/0"));
        awaitState("p", "CONNECTED");
        String session = sessionAt(3261);
        long seq = client.list().get("seq").asLong();
        JsonNode down;
        try {
            guest.ok(target("down 3261"));
            down = client.awaitEvent(entry("p").get("connectionKey").asText(), "STATE", "DISCONNECTED", seq, WAIT);
            assertTrue(down.at("/health/reasons").toString().contains("RECOVERING"), down.toString());
            assertEquals(List.of(session + " FAILED 3261"), sessions(), "recovering, not logged out");
        } finally {
            guest.ok(target("up"));
        }
        awaitState("p", "CONNECTED");
        assertEquals(List.of(session + " LOGGED_IN 3261"), sessions(), "the same session, recovered by iscsid");
        client.unmanage("p");
        awaitNoSession();
    }

    /**
     * Multipath over both portals (multipathd, udevd): one connection per portal, each LUN's map
     * with two active paths; one portal down makes the other connection DEGRADED with
     * PATHS_FAILED, as multipathd itself reports the failed path; back, both OK; the last
     * unmanage of each logs its session out.
     */
    @Test
    @Order(3)
    void multipathOnePathDown() throws Exception {
        guest.ok(target("multipath"));
        try {
            manageSealed("m1", uri(3260, "/0"));
            manageSealed("m2", uri(3261, "/0"));
            awaitState("m1", "CONNECTED");
            awaitState("m2", "CONNECTED");
            await().atMost(WAIT).until(() -> entry("m1").at("/health/paths/active").asInt() == 2);
            assertEquals(0, entry("m1").at("/health/paths/failed").asInt());
            String down = sessionAt(3261);
            try {
                guest.ok(target("down 3261"));
                await().atMost(WAIT).until(() -> entry("m1").at("/health/paths/failed").asInt() == 1);
                JsonNode health = entry("m1").get("health");
                assertEquals("DEGRADED", health.get("status").asText(), health.toString());
                assertTrue(health.get("reasons").toString().contains("PATHS_FAILED"), health.toString());
                assertEquals(1, health.at("/paths/active").asInt(), health.toString());
                // The failed path named as multipathd names it: the disk of the dropped portal's session.
                String dropped = guest.ok("ls /sys/class/iscsi_session/" + down + "/device/target*/*/block").trim();
                assertEquals("[\"" + dropped + "\"]", health.at("/paths/failedDevices").toString(), health.toString());
                assertEquals("CONNECTED", entry("m1").get("state").asText(), "the path that works keeps it connected");
                String failed = guest.ok("multipathd show paths raw format '%d %t'");
                assertTrue(failed.lines().anyMatch(l -> l.endsWith(" failed")), "multipathd's own words: " + failed);
                // multipathd set recovery_tmo to 5 s: the kernel fails the session's I/O (FREE), and
                // iscsid, not Tether, goes on reconnecting it.
                await().atMost(WAIT).until(() -> sessions().stream().anyMatch(l -> l.endsWith(" FREE 3261")));
                assertTrue(entry("m2").at("/health/reasons").toString().contains("RECOVERING"), entry("m2").toString());
            } finally {
                guest.ok(target("up"));
            }
            awaitState("m2", "CONNECTED");
            assertEquals(down, sessionAt(3261),
                    "the same session, logged in again by iscsid: " + sessions());
            await().atMost(WAIT).until(() -> entry("m1").at("/health/status").asText().equals("OK"));
            assertEquals(2, entry("m1").at("/health/paths/active").asInt());
            assertTrue(entry("m1").at("/health/paths/failedDevices").isMissingNode(), entry("m1").toString());
            client.unmanage("m1");
            client.unmanage("m2");
            awaitNoSession();
        } finally {
            guest.ok(target("multipath-stop"));
        }
    }
}
