package io.tether.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.tether.connector.MountPolicy;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** The worker's --allow-vfs-type and --allow-mount-option, as picocli parses them, become its mount policy. */
class WorkerCommandTest {

    private static WorkerCommand parse(String... args) {
        WorkerCommand command = new WorkerCommand();
        new CommandLine(command).parseArgs(args);
        return command;
    }

    @Test
    void withoutTheOptionsThePolicyIsTheDefault() {
        assertEquals(MountPolicy.defaults(), parse().mountPolicy());
    }

    @Test
    void eachOptionWidensThePolicyAndMayBeRepeated() {
        MountPolicy policy = parse("--allow-vfs-type", "fuse.sshfs", "--allow-vfs-type=none",
                "--allow-mount-option", "fuse.sshfs:reconnect", "--allow-mount-option", "none:bind").mountPolicy();
        assertEquals(MountPolicy.defaults().allowingVfsType("fuse.sshfs").allowingVfsType("none")
                .allowingOption("fuse.sshfs", "reconnect").allowingOption("none", "bind"), policy);
    }

    @Test
    void aMalformedValueSaysWhichOptionAndWhatIsWrong() {
        IllegalArgumentException noColon = assertThrows(IllegalArgumentException.class,
                () -> parse("--allow-mount-option", "reconnect").mountPolicy());
        assertEquals("--allow-mount-option reconnect: give FSTYPE:OPTION, e.g. fuse.sshfs:reconnect", noColon.getMessage());
        IllegalArgumentException withValue = assertThrows(IllegalArgumentException.class,
                () -> parse("--allow-mount-option", "fuse.sshfs:ssh_command=/bin/x").mountPolicy());
        assertEquals("--allow-mount-option fuse.sshfs:ssh_command=/bin/x: mount option 'ssh_command=/bin/x': give the"
                + " option's name only, without '=VALUE'; any value is then allowed", withValue.getMessage());
        IllegalArgumentException badType = assertThrows(IllegalArgumentException.class,
                () -> parse("--allow-vfs-type", "ext4,fuse").mountPolicy());
        assertEquals("--allow-vfs-type ext4,fuse: 'ext4,fuse' is not a file system type as mount -t takes one"
                + " (lower-case letters, digits, '.', '_', '-')", badType.getMessage());
    }
}
