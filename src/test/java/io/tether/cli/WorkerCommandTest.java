package io.tether.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tether.connector.MountPolicy;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * The worker's options as picocli parses them: --allow-vfs-type and --allow-mount-option become its
 * mount policy, and a value out of its option's range is refused while parsing, before anything starts.
 */
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
    void allowNvmeParameterLetsUrisConnectAsAnotherHostsIdentity() {
        assertEquals(MountPolicy.defaults().allowingNvmeParameter("hostnqn").allowingNvmeParameter("hostid"),
                parse("--allow-nvme-parameter", "hostnqn", "--allow-nvme-parameter=hostid").mountPolicy());
        IllegalArgumentException bad = assertThrows(IllegalArgumentException.class,
                () -> parse("--allow-nvme-parameter", "keyring").mountPolicy());
        assertTrue(bad.getMessage().startsWith("--allow-nvme-parameter keyring: 'keyring' is not an nvme+tcp parameter"),
                bad.getMessage());
    }

    /** Every mount is nosuid,nodev; the operator lifts that per type. */
    @Test
    void allowSuidDevLiftsNosuidNodevPerType() {
        MountPolicy policy = parse("--allow-suid-dev", "ext4", "--allow-suid-dev=glusterfs").mountPolicy();
        assertEquals(MountPolicy.defaults().allowingSuidDev("ext4").allowingSuidDev("glusterfs"), policy);
        assertFalse(policy.enforcesNosuidNodev("ext4"));
        assertFalse(policy.enforcesNosuidNodev("glusterfs"));
        assertTrue(policy.enforcesNosuidNodev("nfs"));
        assertTrue(MountPolicy.defaults().enforcesNosuidNodev("ext4"));
        IllegalArgumentException bad = assertThrows(IllegalArgumentException.class,
                () -> parse("--allow-suid-dev", "ext4,nfs").mountPolicy());
        assertTrue(bad.getMessage().startsWith("--allow-suid-dev ext4,nfs: 'ext4,nfs' is not a file system type"),
                bad.getMessage());
    }

    /** A mount root a script would split or expand is refused before the worker starts. */
    @Test
    void aMountRootThatAScriptWouldSplitIsRefused() {
        WorkerCommand.checkMountRoot(java.nio.file.Path.of("/rhev/data-center/mnt"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> WorkerCommand.checkMountRoot(java.nio.file.Path.of("/srv/vm mounts")));
        assertEquals("--mount-root /srv/vm mounts: a mount point is a program's argument, and this path has a segment"
                + " that holds whitespace, where a script splits one argument in two", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> WorkerCommand.checkMountRoot(java.nio.file.Path.of("/srv/*")));
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

    @Test
    void aValueOutOfItsRangeIsRefusedWhileParsingWithTheOptionAndTheRange() {
        String port = "is not a port from 1 to 65535";
        String seconds = "is not a number of seconds from 0.001 to 86400";
        String threads = "is not a number of threads from 1 to 1024";
        String fraction = "is not a fraction from 0 to less than 1";
        String[][] refused = {
                {"--amqp-port", "99999", port}, {"--amqp-port", "0", port}, {"--amqp-port", "-1", port}, {"--amqp-port", "x", port},
                {"--probe-interval", "0", seconds}, {"--probe-interval", "-5", seconds}, {"--probe-interval", "0.0004", seconds},
                {"--probe-interval", "NaN", seconds}, {"--probe-interval", "Infinity", seconds},
                {"--operation-timeout", "0", seconds}, {"--operation-timeout", "86401", seconds},
                {"--retry-initial", "-1", seconds}, {"--retry-max", "0", seconds}, {"--retry-max", "1e300", seconds},
                {"--retry-jitter", "1", fraction}, {"--retry-jitter", "-0.1", fraction}, {"--retry-jitter", "NaN", fraction},
                {"--operation-threads", "0", threads}, {"--operation-threads", "-3", threads},
                {"--operation-threads", "1025", threads}, {"--operation-threads", "1.5", threads},
        };
        for (String[] r : refused) {
            CommandLine.ParameterException e = assertThrows(CommandLine.ParameterException.class, () -> parse(r[0], r[1]),
                    r[0] + " " + r[1]);
            assertEquals("Invalid value for option '" + r[0] + "': '" + r[1] + "' " + r[2], e.getMessage());
        }
    }

    @Test
    void theEndsOfEachRangeAreAccepted() {
        WorkerCommand low = parse("--amqp-port", "1", "--probe-interval", "0.001", "--operation-timeout", "0.001",
                "--retry-initial", "0.001", "--retry-max", "0.001", "--retry-jitter", "0", "--operation-threads", "1");
        assertEquals(1, low.amqpPort);
        assertEquals(Duration.ofMillis(1), low.probeInterval);
        assertEquals(1, low.operationThreads);
        WorkerCommand high = parse("--amqp-port", "65535", "--probe-interval", "86400", "--retry-max", "86400",
                "--retry-jitter", "0.999", "--operation-threads", "1024");
        assertEquals(65535, high.amqpPort);
        assertEquals(Duration.ofDays(1), high.probeInterval);
        assertEquals(0.999, high.retryJitter);
    }

    @Test
    void theFirstRetryDelayMayNotExceedTheLongest() {
        CommandLine.ParameterException e = assertThrows(CommandLine.ParameterException.class,
                () -> parse("--retry-initial", "90").checkRetryDelays());
        assertEquals("--retry-initial 90 is longer than --retry-max 60", e.getMessage());
        parse("--retry-initial", "2.5", "--retry-max", "2.5").checkRetryDelays();
    }
}
