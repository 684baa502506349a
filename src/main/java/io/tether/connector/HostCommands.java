package io.tether.connector;

import io.tether.argv.Address;
import io.tether.argv.Arg;
import io.tether.argv.ControllerName;
import io.tether.argv.Decimal;
import io.tether.argv.DirectoryItself;
import io.tether.argv.Host;
import io.tether.argv.Iqn;
import io.tether.argv.IscsiIface;
import io.tether.argv.IscsiUrl;
import io.tether.argv.Joined;
import io.tether.argv.LocalPath;
import io.tether.argv.Nqn;
import io.tether.argv.Portal;
import io.tether.argv.Program;
import io.tether.argv.SessionId;
import io.tether.argv.Word;
import io.tether.uri.IscsiScheme;

/**
 * The commands the connectors run on the host, mount's aside ({@link MountCommand}), each made of
 * fixed words and checked parts only ({@link io.tether.argv.Arg}): the parts a URI names are made
 * again here from the URI's fields, so a value that did not pass the URI parser's check of that
 * part cannot reach a program even if it got into a URI some other way.
 */
final class HostCommands {
    private HostCommands() {
    }

    /** {@code stat -c %F MOUNTPOINT}: whether the mount answers. */
    static Command stat(LocalPath mountPoint) {
        return Command.of(Program.STAT).arg(Word.FORMAT, Word.FILE_TYPE, mountPoint);
    }

    /** {@code realpath -e -- DIR/.}: the directory's real path, or a failure if it is none. */
    static Command realDirectory(LocalPath directory) {
        return Command.of(Program.REALPATH).arg(Word.EXISTING, Word.END_OF_OPTIONS, new DirectoryItself(directory));
    }

    /** {@code umount MOUNTPOINT}. */
    static Command umount(LocalPath mountPoint) {
        return Command.of(Program.UMOUNT).arg(mountPoint);
    }

    /** {@code umount -l MOUNTPOINT}: detached at once, even when busy or hung. */
    static Command umountLazy(LocalPath mountPoint) {
        return Command.of(Program.UMOUNT).arg(Word.LAZY, mountPoint);
    }

    /**
     * {@code dd if=FILE of=/dev/null bs=4096 count=1 iflag=direct,nofollow}: the first block, past
     * the page cache, of the file itself, never of what a link there points to.
     */
    static Command readFirstBlock(LocalPath file) {
        return Command.of(Program.DD).arg(new Joined(Word.IF, file), Word.OF_NULL, Word.BS_4096, Word.COUNT_1,
                Word.IFLAG_DIRECT_NOFOLLOW);
    }

    /** {@code iscsiadm -m node -T IQN -I IFACE -p HOST:PORT[,TPGT]}, to which an operation is added. */
    static Command iscsiNode(IscsiScheme.Target target) {
        return Command.of(Program.ISCSIADM).arg(Word.MODE, Word.NODE, Word.TARGET, new Iqn(target.iqn()),
                Word.INTERFACE, new IscsiIface(target.ifaceOrDefault()), Word.PORTAL, portal(target));
    }

    /** {@code iscsiadm -m node ... --op=update -n NAME -v VALUE}. */
    static Command iscsiNodeUpdate(IscsiScheme.Target target, Word name, Arg value) {
        return iscsiNode(target).arg(Word.OP_UPDATE, Word.NAME, name, Word.VALUE, value);
    }

    /** {@code iscsiadm -m session -r SID ACTION} ({@code -u}, {@code --rescan}). */
    static Command iscsiSession(SessionId session, Word action) {
        return Command.of(Program.ISCSIADM).arg(Word.MODE, Word.SESSION, Word.RECORD, session, action);
    }

    /** {@code iscsi-inq -i INITIATOR iscsi://HOST:PORT/IQN/LUN}; credentials go in its environment. */
    static Command iscsiInquiry(Iqn initiator, IscsiScheme.Target target, int lun) {
        return Command.of(Program.ISCSI_INQ).arg(Word.INITIATOR, initiator,
                new IscsiUrl(new Host(target.host()), target.port(), new Iqn(target.iqn()), lun));
    }

    /**
     * {@code nvme connect --transport=tcp --traddr=ADDRESS --trsvcid=PORT --nqn=NQN --hostnqn=HOSTNQN
     * [--hostid=ID] --config=FILE|none}, to which the URI's settings are added ({@link #nvmeSetting}).
     */
    static Command nvmeConnect(Address address, int port, Nqn nqn, NvmeHost.Identity host, boolean hostIdGiven,
            Arg config) {
        Command connect = Command.of(Program.NVME).arg(Word.NVME_CONNECT, Word.NVME_TCP, new Joined(Word.NVME_TRADDR, address),
                new Joined(Word.NVME_TRSVCID, new Decimal(port)), new Joined(Word.NVME_NQN, nqn),
                new Joined(Word.NVME_HOSTNQN, host.hostNqn()));
        if (hostIdGiven) {
            connect.arg(new Joined(Word.NVME_HOSTID, host.hostId()));
        }
        return connect.arg(config);
    }

    /** {@code --ctrl-loss-tmo=N} and the like: {@code option} and its number as one argument. */
    static Arg nvmeSetting(Word option, int value) {
        return new Joined(option, new Decimal(value));
    }

    /** {@code nvme disconnect --device=nvmeN}. */
    static Command nvmeDisconnect(ControllerName controller) {
        return Command.of(Program.NVME).arg(Word.NVME_DISCONNECT, new Joined(Word.NVME_DEVICE, controller));
    }

    private static Portal portal(IscsiScheme.Target target) {
        return new Portal(new Host(target.host()), target.port(), target.tpgt() == null ? null : Integer.valueOf(target.tpgt()));
    }
}
