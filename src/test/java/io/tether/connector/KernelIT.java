package io.tether.connector;

import io.tether.testing.Guest;
import io.tether.testing.GuestFailureReport;
import io.tether.testing.GuestWorker;
import io.tether.testing.HostResource;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.ClassOrderer;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.TestClassOrder;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The real-kernel tests: one {@link Guest} booted for all of them, serving the kernel's NFS server,
 * its iSCSI target and its NVMe/TCP target side by side on its loopback, and one build's worker in
 * it; the groups ({@link NfsKernelCases}, {@link NvmeKernelCases}, {@link IscsiKernelCases}) run in
 * turn against them. A boot under emulation costs more than most of a group's tests, so it is paid
 * once. Each group leaves the worker running with no CID, mount, session or controller, so the next
 * finds the guest as the boot left it (but for what its servers were asked to do and undid).
 *
 * <p>A failure carries the end of the guest's console and of its own log ({@link GuestFailureReport});
 * the whole of them, and the worker's log, stay in {@code target/vm/runs/KernelIT/}.
 */
@HostResource("guest")
@TestClassOrder(ClassOrderer.OrderAnnotation.class)
class KernelIT {
    /** Where the worker mounts file systems: VDSM's mount root, whose naming the NFS group checks. */
    static final String MOUNT_ROOT = "/rhev/data-center/mnt";
    /**
     * Seconds a probe or connect is given: a stopped server is noticed in seconds, a healthy one never
     * missed, nor an iSCSI login cut short, on a busy machine running the guest under emulation.
     */
    static final int OPERATION_TIMEOUT = 20;
    private static final Path RUN = Path.of("target/vm/runs/KernelIT");
    /** The three servers' start: seconds on an idle machine, minutes while builds hold its cores. */
    private static final Duration SERVERS_DEADLINE = Duration.ofMinutes(5);

    @RegisterExtension
    static final GuestFailureReport REPORT = new GuestFailureReport(RUN);

    private static Guest guest;
    private static GuestWorker worker;

    /** The guest, its three servers and the worker (probing every second, retrying within two). */
    @BeforeAll
    // A boot and a worker's start in an emulated guest, on a machine whose cores builds hold: minutes each.
    @Timeout(value = 20, unit = TimeUnit.MINUTES)
    static void boot() throws Exception {
        guest = Guest.boot(RUN, GuestWorker.AMQP_PORT);
        // Neither needs the other to start, and a worker's start under emulation takes as long as
        // the three servers' together: the guest starts them side by side.
        CompletableFuture<String> servers = CompletableFuture.supplyAsync(() -> guest.ok(SERVERS_DEADLINE,
                String.join(" && ", NfsKernelCases.START, NvmeKernelCases.START, IscsiKernelCases.START)));
        worker = new GuestWorker(guest, "guest", "--mount-root", MOUNT_ROOT, "--probe-interval", "1",
                "--operation-timeout", Integer.toString(OPERATION_TIMEOUT),
                "--retry-initial", "1", "--retry-max", "2", "--reconnect-spread", "0").start();
        servers.join();
    }

    @AfterAll
    static void powerOff() {
        if (guest != null) {
            guest.close();
        }
    }

    @Nested
    @Order(1)
    class Nfs extends NfsKernelCases {
        Nfs() {
            super(KernelIT.guest, KernelIT.worker);
        }
    }

    @Nested
    @Order(2)
    class Nvme extends NvmeKernelCases {
        Nvme() {
            super(KernelIT.guest, KernelIT.worker);
        }
    }

    /** Last: its last test runs multipathd, which takes up every SCSI disk that appears while it runs. */
    @Nested
    @Order(3)
    class Iscsi extends IscsiKernelCases {
        Iscsi() {
            super(KernelIT.guest, KernelIT.worker);
        }
    }
}
