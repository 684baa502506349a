package io.tether.files;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The effective uid, as the kernel tells it, and as the owner of what this process creates. */
class OwnerTest {
    @TempDir
    Path tmp;

    @Test
    void theEffectiveUidIsTheSecondOfTheUidLine() throws Exception {
        // A set-uid process: real 1000, effective 0, saved 0, file system 0.
        Path status = Files.writeString(tmp.resolve("status"), "Name:\tjava\nUmask:\t0022\nState:\tS (sleeping)\n"
                + "Tgid:\t42\nPid:\t42\nUid:\t1000\t0\t0\t0\nGid:\t1000\t1000\t1000\t1000\n");
        assertEquals(0, Owner.effectiveUid(status));
    }

    @Test
    void selfOwnsWhatThisProcessCreates() throws Exception {
        Path made = Files.createFile(tmp.resolve("made"));
        assertEquals(Files.getAttribute(made, "unix:uid"), Owner.self());
    }
}
