package io.tether.testing;

import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * What a test needs from the machine (root, FUSE, a storage server package). Elsewhere a missing
 * need skips the test with the reason; in CI ({@code CI=true}) it fails it, because CI installs
 * everything (.ci/run) and a skip there would hide a test that never ran.
 */
public final class Requirements {
    private Requirements() {
    }

    public static void need(boolean met, String reason) {
        if (met) {
            return;
        }
        if ("true".equals(System.getenv("CI"))) {
            fail("CI must run this test, but: " + reason);
        }
        assumeTrue(false, reason);
    }

    public static void needRoot() {
        need("root".equals(System.getProperty("user.name")), "needs root (mount, storage servers)");
    }

    /** An executable on one of the usual paths. */
    public static void needTool(String tool, String debianPackage) {
        boolean found = false;
        for (String dir : new String[] {"/usr/sbin", "/usr/bin", "/sbin", "/bin", "/usr/libexec"}) {
            found |= Files.isExecutable(Path.of(dir, tool));
        }
        need(found, tool + " is missing: apt-get install " + debianPackage);
    }

    /** A module that the system's python3 can import. */
    public static void needPythonModule(String module, String debianPackage) throws Exception {
        Path python = Path.of("/usr/bin/python3");
        boolean found = Files.isExecutable(python) && new ProcessBuilder(python.toString(), "-c", "import " + module)
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start().waitFor() == 0;
        need(found, "Python module " + module + " is missing: apt-get install " + debianPackage);
    }
}
