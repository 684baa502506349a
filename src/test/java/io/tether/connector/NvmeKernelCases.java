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
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.zip.CRC32;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;

/**
 * NVMe over TCP connected for real, {@link KernelIT}'s second group: the build's worker in the
 * {@link Guest} connects the guest's NVMe/TCP host driver to the kernel's own target (nvmet, on the
 * guest's loopback, two ports of one subsystem: src/test/vm/nvme-target.sh).
 * Every test ends with no CID and no controller.
 *
 * <p>Invariants: a connection is one controller, whichever CIDs hold it, and one made by hand is
 * adopted; a controller the kernel is reconnecting is left to it (RECOVERING, never disconnected)
 * and CONNECTED again by itself when its port is back, while the subsystem's other controller
 * shows the lost path (PATHS_FAILED); the last unmanage disconnects the controller; the
 * DH-HMAC-CHAP secret reaches the kernel, and is in no file of the worker's.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
// Several waits of WAIT each, in an emulated guest: more than the suite's ten minutes a test.
@Timeout(value = 20, unit = TimeUnit.MINUTES)
abstract class NvmeKernelCases extends KernelCases {
    /** The target and the host's NVMe/TCP driver (src/test/vm/nvme-target.sh), run once in the guest before the first test. */
    static final String START = target("start");
    private static final String NQN = "nqn.2026-12.io.tether.test:nvme1";
    /** The host's DH-HMAC-CHAP key: unique to this run, so that finding it anywhere is a leak. */
    private static final String KEY = dhchapKey();

    NvmeKernelCases(Guest guest, GuestWorker worker) {
        super(guest, worker);
    }

    private static String target(String command) {
        return script("nvme-target.sh", command);
    }

    /** Whatever a failed test left: every port up, every CID unmanaged, and in the end no controller. */
    @AfterEach
    void cleanUp() throws Exception {
        try {
            guest.ok(target("up"));
            unmanageAll();
            await().atMost(WAIT).until(() -> controllers().isEmpty());
        } finally {
            if (client != null) {
                client.close();
                client = null;
            }
            guest.ok("nvme disconnect-all > /dev/null 2>&1; true");
        }
    }

    /** A key as {@code nvme gen-dhchap-key} makes one: 32 random bytes and their CRC-32, little-endian. */
    private static String dhchapKey() {
        byte[] key = new byte[32];
        new SecureRandom().nextBytes(key);
        CRC32 crc = new CRC32();
        crc.update(key);
        ByteBuffer bytes = ByteBuffer.allocate(36).order(ByteOrder.LITTLE_ENDIAN).put(key).putInt((int) crc.getValue());
        return "DHHC-1:00:" + Base64.getEncoder().encodeToString(bytes.array()) + ":";
    }

    private static String uri(int port, String rest) {
        return "nvme+tcp://127.0.0.1" + (port == 4420 ? "" : ":" + port) + "/" + NQN + rest;
    }


    /** The guest's NVMe controllers: "nvmeN STATE PORT SUBSYSNQN" per line. */
    private List<String> controllers() {
        String out = guest.ok("for c in /sys/class/nvme/nvme*; do [ -e \"$c\" ] || continue;"
                + " echo \"${c##*/} $(cat $c/state) $(sed 's/.*trsvcid=\\([0-9]*\\).*/\\1/' $c/address) $(cat $c/subsysnqn)\"; done");
        return out.lines().filter(l -> !l.isBlank()).toList();
    }

    private String controllerAt(int port) {
        return controllers().stream().filter(l -> l.contains(" " + port + " ")).findFirst().orElseThrow().split(" ")[0];
    }

    /** The sysfs attributes the connector reads, kept under the run's directory (the unit tests' trees come from here). */
    private void keepSysfs(String name) {
        guest.ok(target("sysfs /xfer/sysfs/" + name));
    }

    /**
     * A controller connected by hand is listed as unmanaged, then adopted by the first CID; two
     * CIDs hold one controller; the first unmanage leaves it, the last disconnects it.
     */
    @Test
    @Order(1)
    void adoptedAndSharedByTwoCids() throws Exception {
        guest.ok("nvme connect --transport=tcp --traddr=127.0.0.1 --trsvcid=4420 --nqn=" + NQN);
        String made = controllerAt(4420);
        String key = uri(4420, "");
        await().atMost(WAIT).until(() -> client.list().toString().contains("\"controller\":\"" + made + "\""));
        JsonNode unmanaged = null;
        for (JsonNode entry : client.list().get("connections")) {
            if (!entry.path("managed").asBoolean(true) && entry.path("connectionKey").asText().equals(key)) {
                unmanaged = entry;
            }
        }
        assertTrue(unmanaged != null, "listed under its key: " + client.list());
        assertEquals(NQN, unmanaged.at("/connectionInfo/nqn").asText(), unmanaged.toString());

        assertEquals(key, client.manage("a", key).at("/result/connectionKey").asText());
        awaitState("a", "CONNECTED");
        client.manage("b", key);
        awaitState("b", "CONNECTED");
        assertEquals(List.of(made + " live 4420 " + NQN), controllers(), "the hand-made controller, adopted");
        assertEquals(NQN, entry("a").at("/connectionInfo/nqn").asText());
        assertEquals(1, entry("a").at("/health/paths/active").asInt(), entry("a").toString());

        assertEquals("[]", client.unmanage("a").at("/result/disconnecting").toString());
        assertEquals(1, controllers().size(), "the other CID holds it");
        assertEquals("[\"" + key + "\"]", client.unmanage("b").at("/result/disconnecting").toString());
        await().atMost(WAIT).until(() -> controllers().isEmpty());
    }

    /**
     * Native multipath over both ports, one connection each: one port's traffic dropped makes its
     * controller reconnect, which is left to the kernel (DISCONNECTED with RECOVERING, the same
     * controller throughout), and the other connection DEGRADED with PATHS_FAILED naming it; back,
     * both CONNECTED and OK.
     */
    @Test
    @Order(2)
    void onePortDownIsLeftToTheKernelAndComesBack() throws Exception {
        client.manage("p1", uri(4420, "?reconnect-delay=1"));
        client.manage("p2", uri(4421, "?reconnect-delay=1"));
        awaitState("p1", "CONNECTED");
        awaitState("p2", "CONNECTED");
        await().atMost(WAIT).until(() -> entry("p1").at("/health/paths/active").asInt() == 2);
        keepSysfs("two-live");
        String second = controllerAt(4421);
        long seq = client.list().get("seq").asLong();
        try {
            guest.ok(target("down 4421"));
            JsonNode down = client.awaitEvent(entry("p2").get("connectionKey").asText(), "STATE", "DISCONNECTED", seq, WAIT);
            assertTrue(down.at("/health/reasons").toString().contains("RECOVERING"), down.toString());
            await().atMost(WAIT).until(() -> entry("p1").at("/health/paths/failed").asInt() == 1);
            JsonNode health = entry("p1").get("health");
            assertEquals("DEGRADED", health.get("status").asText(), health.toString());
            assertTrue(health.get("reasons").toString().contains("PATHS_FAILED"), health.toString());
            assertEquals("[\"" + second + "\"]", health.at("/paths/failedDevices").toString(), health.toString());
            assertEquals("CONNECTED", entry("p1").get("state").asText(), "the path that works keeps it connected");
            assertEquals(second, controllerAt(4421), "reconnecting, not disconnected: " + controllers());
            keepSysfs("port-down");
        } finally {
            guest.ok(target("up"));
        }
        awaitState("p2", "CONNECTED");
        assertEquals(second, controllerAt(4421), "the same controller, reconnected by the kernel");
        await().atMost(WAIT).until(() -> entry("p1").at("/health/status").asText().equals("OK"));
        assertEquals(2, entry("p1").at("/health/paths/active").asInt());
        client.unmanage("p1");
        client.unmanage("p2");
        await().atMost(WAIT).until(() -> controllers().isEmpty());
    }

    /**
     * A DH-HMAC-CHAP secret in a sealed URI connects, and is in no file of the worker's (database,
     * broker journal, log); no secret file is left. Neither side of the guest's kernel has
     * DH-HMAC-CHAP built in (Debian 12's 6.1 lacks CONFIG_NVME_AUTH and CONFIG_NVME_TARGET_AUTH), so
     * no target can require the key and the controller shows none; that nvme-cli hands the kernel
     * the key of a configuration file as the worker writes one is shown by nvme itself
     * ({@code -vvv} prints the options it writes to {@code /dev/nvme-fabrics}).
     */
    @Test
    @Order(3)
    void dhchapSecretGoesThroughAFileAndIsKeptNowhere() throws Exception {
        JsonNode jwk = client.call("getSealingKey", "{}").at("/result/jwk");
        Sealer sealer = Sealer.fromJwk(JsonRpc.MAPPER.convertValue(jwk, new TypeReference<Map<String, Object>>() { }));
        String uri = "nvme+tcp://" + KEY.replace("/", "%2F") + "@127.0.0.1/" + NQN;
        JsonNode reply = client.call("manageStorageServer", JsonRpc.MAPPER.createObjectNode().put("connectionId", "s")
                .put("sealedUri", sealer.seal(uri)).toString());
        assertTrue(reply.has("result"), reply.toString());
        awaitState("s", "CONNECTED");
        assertEquals("dhchap", entry("s").at("/connectionInfo/auth").asText());
        String controller = controllerAt(4420);
        if (guest.run(WAIT, "test -e /sys/class/nvme/" + controller + "/dhchap_secret").status() == 0) {
            assertEquals(KEY, guest.ok("cat /sys/class/nvme/" + controller + "/dhchap_secret").trim(), "the key nvme was given");
        }
        String base64 = KEY.split(":")[2];
        assertFalse(client.list().toString().contains(base64));
        assertEquals("", guest.ok("grep -rlaF -- '" + base64 + "' /var/lib/tether /xfer/worker.log || true").trim());
        assertEquals("", guest.ok("ls -A /run/tether 2>/dev/null || true").trim(), "no secret file left");
        assertFalse(Files.readString(worker.log()).contains(base64));
        client.unmanage("s");
        await().atMost(WAIT).until(() -> controllers().isEmpty());

        // The configuration the worker writes, by hand: nvme passes its key on as dhchap_secret.
        String host = guest.ok("cat /etc/nvme/hostnqn").trim();
        String id = guest.ok("cat /etc/nvme/hostid").trim();
        String config = JsonRpc.MAPPER.writeValueAsString(List.of(Map.of("hostnqn", host, "hostid", id, "dhchap_key", KEY,
                "subsystems", List.of(Map.of("nqn", NQN, "ports", List.of(Map.of("transport", "tcp", "traddr", "127.0.0.1",
                        "trsvcid", "4420")))))));
        Files.writeString(guest.shared().resolve("nvme-config.json"), config);
        String verbose = guest.ok("nvme connect --transport=tcp --traddr=127.0.0.1 --trsvcid=4420 --nqn=" + NQN
                + " --hostnqn=" + host + " --hostid=" + id + " --config=/xfer/nvme-config.json -vvv 2>&1");
        assertTrue(verbose.contains(",dhchap_secret=" + KEY + ","), verbose);
        guest.ok("nvme disconnect-all; rm /xfer/nvme-config.json");
    }
}
