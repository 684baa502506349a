package io.tether.connector;

import io.tether.argv.ControllerName;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The host's NVMe over TCP controllers, as sysfs shows them: each subsystem under
 * {@code /sys/class/nvme-subsystem/nvme-subsysN} with its {@code subsysnqn}, and each controller
 * of it ({@code nvmeM}) with its {@code transport}, {@code address}, {@code state} and the ANA state
 * of each of its namespace paths ({@code nvmeMcCnN/ana_state}, where native multipath shows them).
 * Links in sysfs are the kernel's, so following them reads nothing someone else controls.
 */
public final class NvmeControllers {
    /** The controller states (drivers/nvme/host/core.c): I/O flows in {@code live} only. */
    public static final String LIVE = "live";
    public static final String CONNECTING = "connecting";
    public static final String RESETTING = "resetting";
    public static final String DELETING = "deleting";

    /**
     * One controller of a subsystem.
     *
     * @param name      sysfs's name, {@code nvme3}
     * @param nqn       the subsystem's NQN
     * @param transport {@code tcp}, {@code rdma}, {@code fc}, {@code loop} or {@code pcie}
     * @param address   the transport address ({@code traddr}), "" when sysfs shows none
     * @param port      the transport service id ({@code trsvcid}), -1 when sysfs shows none
     * @param state     the controller's state: {@link #LIVE}, {@link #CONNECTING}, ...
     * @param anaStates the ANA state of each of its namespace paths, by path name; empty without
     *                  native multipath or ANA
     */
    public record Controller(ControllerName name, String nqn, String transport, String address, int port, String state,
            Map<String, String> anaStates) {
        public Controller {
            anaStates = Map.copyOf(anaStates);
        }

        /** Whether I/O can flow through it: live, and no path of it ANA-inaccessible. */
        public boolean serves() {
            return LIVE.equals(state) && anaStates.values().stream().allMatch(NvmeControllers::anaServes);
        }
    }

    private final Path root;

    /** The controllers under {@code root}, a directory laid out as {@code /sys/class/nvme-subsystem}. */
    public NvmeControllers(Path root) {
        this.root = root;
    }

    /** This host's. */
    public static NvmeControllers ofHost() {
        return new NvmeControllers(Path.of("/sys/class/nvme-subsystem"));
    }

    /** Every controller of every subsystem; empty where sysfs has no NVMe subsystems. */
    public List<Controller> list() {
        List<Controller> controllers = new ArrayList<>();
        if (!Files.isDirectory(root)) {
            return controllers;
        }
        try (DirectoryStream<Path> subsystems = Files.newDirectoryStream(root, "nvme-subsys*")) {
            for (Path subsystem : subsystems) {
                String nqn = read(subsystem.resolve("subsysnqn"));
                if (nqn != null) {
                    controllersOf(subsystem, nqn, controllers);
                }
            }
        } catch (IOException e) {
            // Unreadable sysfs: no controllers we can see.
        }
        return controllers;
    }

    /** The controllers of subsystem {@code nqn}, over any transport. */
    public List<Controller> ofSubsystem(String nqn) {
        return list().stream().filter(c -> c.nqn().equals(nqn)).toList();
    }

    private static void controllersOf(Path subsystem, String nqn, List<Controller> into) throws IOException {
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(subsystem, "nvme*")) {
            for (Path entry : entries) {
                String name = entry.getFileName().toString();
                // The subsystem's directory also holds its namespaces' heads (nvme0n1): controllers only.
                if (!ControllerName.GRAMMAR.matcher(name).matches()) {
                    continue;
                }
                String transport = read(entry.resolve("transport"));
                String state = read(entry.resolve("state"));
                if (transport == null || state == null) {
                    // Going away between the listing and the read.
                    continue;
                }
                Map<String, String> address = address(read(entry.resolve("address")));
                into.add(new Controller(new ControllerName(name), nqn, transport, address.getOrDefault("traddr", ""),
                        port(address.get("trsvcid")), state, anaStates(entry, name)));
            }
        }
    }

    /** {@code traddr=127.0.0.1,trsvcid=4420[,src_addr=...]} as names and values. */
    static Map<String, String> address(String text) {
        Map<String, String> fields = new HashMap<>();
        if (text == null) {
            return fields;
        }
        for (String field : text.split(",")) {
            int eq = field.indexOf('=');
            if (eq > 0) {
                fields.put(field.substring(0, eq).strip(), field.substring(eq + 1).strip());
            }
        }
        return fields;
    }

    /** The ANA state of each namespace path of the controller: {@code nvme0c0n1/ana_state}. */
    private static Map<String, String> anaStates(Path controller, String name) {
        Map<String, String> states = new HashMap<>();
        try (DirectoryStream<Path> paths = Files.newDirectoryStream(controller, name.replace("nvme", "nvme*c") + "n*")) {
            for (Path path : paths) {
                String ana = read(path.resolve("ana_state"));
                if (ana != null) {
                    states.put(path.getFileName().toString(), ana);
                }
            }
        } catch (IOException e) {
            // No namespace paths (yet): nothing to grade.
        }
        return states;
    }

    /** ANA states in which a path takes I/O (NVMe Base Specification, 8.20.3). */
    private static boolean anaServes(String state) {
        return state.equals("optimized") || state.equals("non-optimized");
    }

    private static int port(String text) {
        try {
            return text == null ? -1 : Integer.parseInt(text);
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    private static String read(Path file) {
        try {
            return Files.readString(file).strip();
        } catch (IOException e) {
            return null;
        }
    }
}
