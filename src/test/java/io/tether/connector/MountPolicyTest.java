package io.tether.connector;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tether.uri.InvalidUriException;
import io.tether.uri.UriParser;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** The mount policy on its own: what the defaults let through, what they refuse, and how an operator widens them. */
class MountPolicyTest {
    private static final MountPolicy DEFAULTS = MountPolicy.defaults();

    @ParameterizedTest
    @ValueSource(strings = {
        "nfs://filer/export",
        "nfs://filer/export?version=4.1&timeo=600&retrans=6&options=soft,nosharecache,noatime,nodiratime",
        "nfs://filer/export?options=nfsvers=3,nolock,sec=sys,proto=tcp,port=2049,rsize=1048576,wsize=1048576,"
                + "actimeo=0,acregmin=1,lookupcache=none,nconnect=4,_netdev,hard,ro",
        "nfs://filer/export?options=vers=4.2,minorversion=2,relatime,local_lock=none,noresvport",
        "glusterfs://gluster1/vol0?backup-volfile-servers=g2:g3&options=log-level=WARNING,direct-io-mode=enable,acl,ro",
        "glusterfs://gluster1/vol0?options=attribute-timeout=0,entry-timeout=0,use-readdirp=no,_netdev",
        "posix://fileserver/share?vfsType=cifs&options=username=vdsm,password=p,domain=CORP,vers=3.0,sec=ntlmssp,"
                + "uid=36,gid=36,file_mode=0660,dir_mode=0770,cache=none,actimeo=0",
        "posix://fileserver/share?vfsType=smb3&options=username=vdsm,password=p,seal",
        "posix://mon1/volumes?vfsType=ceph&options=name=ovirt,secret=AQAbc,fs=cephfs,mds_namespace=x,ms_mode=secure",
        "posix:///dev/sdb1?vfsType=ext4&options=noatime,data=ordered,discard",
        "posix:///dev/vg0/lv0?vfsType=xfs&options=inode64,logbufs=8,nouuid,noatime",
        "posix:///dev/vg0/lv1?vfsType=btrfs&options=subvol=images,compress=zstd",
        "posix:///dev/mapper/shared?vfsType=gfs2&options=acl,_netdev,noatime",
        "posix:///dev/mapper/ocfs?vfsType=ocfs2&options=_netdev,data=writeback",
        "posix:///tether?vfsType=tmpfs&options=size=1m,mode=0755,nr_inodes=100,nosuid,nodev,noexec",
        "posix://filer/export?vfsType=nfs&options=soft,timeo=600",
        "posix://filer/export?vfsType=nfs4&options=soft,minorversion=1",
        "iscsi://portal/iqn.2001-04.com.example:disk/0",
        "file:///srv/data",
    })
    void theDefaultsLetWhatEnginesPassThrough(String uri) throws Exception {
        DEFAULTS.check(UriParser.parse(uri));
    }

    /** Each URI is refused; the message names what ({@code what}) and the worker option that would allow it. */
    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', quoteCharacter = '"', value = {
        // Types whose helper runs a program the request names, or that a request must not pick.
        "posix://h.invalid/p?vfsType=fuse.sshfs|type 'fuse.sshfs'|--allow-vfs-type fuse.sshfs",
        "posix:///usr/bin/touch?vfsType=fuse|type 'fuse'|--allow-vfs-type fuse",
        "posix:///p?vfsType=fuse.bash|type 'fuse.bash'|--allow-vfs-type fuse.bash",
        "posix:///p?vfsType=fuse3|type 'fuse3'|--allow-vfs-type fuse3",
        "posix:///p?vfsType=fuseblk|type 'fuseblk'|--allow-vfs-type fuseblk",
        "posix://h/p?vfsType=sshfs|type 'sshfs'|--allow-vfs-type sshfs",
        "posix:///etc/volfile?vfsType=glusterfs|type 'glusterfs'|--allow-vfs-type glusterfs",
        "posix:///etc?vfsType=none&options=bind|type 'none'|--allow-vfs-type none",
        "posix:///dev/sdb1?vfsType=auto|type 'auto'|--allow-vfs-type auto",
        "posix:///p?vfsType=overlay&options=lowerdir=/etc|type 'overlay'|--allow-vfs-type overlay",
        "posix:///p?vfsType=proc|type 'proc'|--allow-vfs-type proc",
        "posix:///p?vfsType=debugfs|type 'debugfs'|--allow-vfs-type debugfs",
        "posix:///p?vfsType=ntfs-3g|type 'ntfs-3g'|--allow-vfs-type ntfs-3g",
        // util-linux options that run a helper, make directories, or change who may mount.
        "nfs://filer/export?options=helper=evil|option 'helper'|--allow-mount-option nfs:helper",
        "posix:///dev/sdb1?vfsType=ext4&options=uhelper=evil|option 'uhelper'|--allow-mount-option ext4:uhelper",
        "posix:///dev/sdb1?vfsType=ext4&options=X-mount.mkdir|option 'X-mount.mkdir'|--allow-mount-option ext4:X-mount.mkdir",
        "posix:///dev/sdb1?vfsType=ext4&options=user|option 'user'|--allow-mount-option ext4:user",
        "posix:///dev/sdb1?vfsType=ext4&options=remount|option 'remount'|--allow-mount-option ext4:remount",
        // Loop devices and bind mounts: a host file as a disk, a host directory as storage.
        "posix:///var/lib/x.img?vfsType=ext4&options=loop|option 'loop'|--allow-mount-option ext4:loop",
        "posix:///var/lib/x.img?vfsType=ext4&options=offset=1024|option 'offset'|--allow-mount-option ext4:offset",
        "posix:///var/lib/x.img?vfsType=xfs&options=sizelimit=1|option 'sizelimit'|--allow-mount-option xfs:sizelimit",
        "posix:///tether?vfsType=tmpfs&options=bind|option 'bind'|--allow-mount-option tmpfs:bind",
        "nfs://filer/export?options=rbind|option 'rbind'|--allow-mount-option nfs:rbind",
        // Per type: files read or written as root, another device, cluster locking off, a daemon left behind.
        "glusterfs://g/v?options=log-file=/etc/cron.d/x|option 'log-file'|--allow-mount-option glusterfs:log-file",
        "glusterfs://g/v?options=volfile=/tmp/x.vol|option 'volfile'|--allow-mount-option glusterfs:volfile",
        "glusterfs://g/v?options=dump-fuse=/etc/x|option 'dump-fuse'|--allow-mount-option glusterfs:dump-fuse",
        "glusterfs://g/v?options=xlator-option=x.y=z|option 'xlator-option'|--allow-mount-option glusterfs:xlator-option",
        "glusterfs://g/v?options=fuse-mountopts=allow_other|option 'fuse-mountopts'|--allow-mount-option glusterfs:fuse-mountopts",
        "glusterfs://g/v?options=allow_other|option 'allow_other'|--allow-mount-option glusterfs:allow_other",
        "posix://s/share?vfsType=cifs&options=credentials=/etc/shadow|option 'credentials'|--allow-mount-option cifs:credentials",
        "posix://s/share?vfsType=cifs&options=cred=/root/x|option 'cred'|--allow-mount-option cifs:cred",
        "posix://s/share?vfsType=cifs&options=iocharset=x|option 'iocharset'|--allow-mount-option cifs:iocharset",
        "posix://s/share?vfsType=cifs&options=cruid=0|option 'cruid'|--allow-mount-option cifs:cruid",
        "posix://s/share?vfsType=cifs&options=sep=.|option 'sep'|--allow-mount-option cifs:sep",
        "posix://m/p?vfsType=ceph&options=secretfile=/etc/shadow|option 'secretfile'|--allow-mount-option ceph:secretfile",
        "posix://m/p?vfsType=ceph&options=conf=/root/x.conf|option 'conf'|--allow-mount-option ceph:conf",
        "posix:///dev/sdb1?vfsType=ext4&options=journal_path=/dev/sda1|option 'journal_path'|--allow-mount-option ext4:journal_path",
        "posix:///dev/sdb1?vfsType=xfs&options=logdev=/dev/sda1|option 'logdev'|--allow-mount-option xfs:logdev",
        "posix:///dev/sdb1?vfsType=btrfs&options=device=/dev/sda1|option 'device'|--allow-mount-option btrfs:device",
        "posix:///dev/mapper/s?vfsType=gfs2&options=lockproto=lock_nolock|option 'lockproto'|--allow-mount-option gfs2:lockproto",
        "posix:///dev/mapper/s?vfsType=ocfs2&options=heartbeat=none|option 'heartbeat'|--allow-mount-option ocfs2:heartbeat",
        "nfs://filer/export?options=bg|option 'bg'|--allow-mount-option nfs:bg",
        "nfs://filer/export?options=context=system_u:object_r:x|option 'context'|--allow-mount-option nfs:context",
        "posix:///dev/sdb1?vfsType=ext4&options=errors=panic|option 'errors'|--allow-mount-option ext4:errors",
    })
    void theDefaultsRefuse(String uri, String what, String hint) throws Exception {
        MountPolicy.NotAllowed e = assertThrows(MountPolicy.NotAllowed.class, () -> DEFAULTS.check(UriParser.parse(uri)));
        assertTrue(e.getMessage().contains(what), e.getMessage());
        assertTrue(e.getMessage().endsWith(hint), e.getMessage());
    }

    @Test
    void theOperatorWidensOneTypeAtATime() throws Exception {
        String sshfs = "posix://h.invalid/p?vfsType=fuse.sshfs&options=reconnect,ssh_command=%2Ftmp%2Fx%2Fmarker.sh";
        MountPolicy typeOnly = DEFAULTS.allowingVfsType("fuse.sshfs");
        MountPolicy.NotAllowed e = assertThrows(MountPolicy.NotAllowed.class, () -> typeOnly.check(UriParser.parse(sshfs)));
        assertEquals("mount option 'reconnect' is not allowed for fuse.sshfs; the host's operator can allow it with"
                + " --allow-mount-option fuse.sshfs:reconnect", e.getMessage());

        MountPolicy reconnect = typeOnly.allowingOption("fuse.sshfs", "reconnect");
        e = assertThrows(MountPolicy.NotAllowed.class, () -> reconnect.check(UriParser.parse(sshfs)));
        assertEquals("mount option 'ssh_command' is not allowed for fuse.sshfs; the host's operator can allow it with"
                + " --allow-mount-option fuse.sshfs:ssh_command", e.getMessage());
        reconnect.check(UriParser.parse("posix://h.invalid/p?vfsType=fuse.sshfs&options=reconnect,ro,nosuid"));

        // An option allowed for one type is not allowed for another, and the defaults stay as they were.
        MountPolicy bind = DEFAULTS.allowingVfsType("none").allowingOption("none", "bind");
        bind.check(UriParser.parse("posix:///srv/images?vfsType=none&options=bind"));
        assertThrows(MountPolicy.NotAllowed.class, () -> bind.check(UriParser.parse("posix:///srv/x?vfsType=tmpfs&options=bind")));
        assertThrows(MountPolicy.NotAllowed.class, () -> DEFAULTS.check(UriParser.parse("posix:///srv/images?vfsType=none&options=bind")));
        assertFalse(DEFAULTS.vfsTypes().contains("none"));

        // An option can be allowed for nfs:// without a type entry: the scheme is its type.
        DEFAULTS.allowingOption("nfs", "fsc").check(UriParser.parse("nfs://filer/export?options=fsc"));
    }

    @Test
    void optionNamesMatchExactly() throws Exception {
        MountPolicy proxy = DEFAULTS.allowingVfsType("fuse.sshfs").allowingOption("fuse.sshfs", "ServerAliveInterval");
        proxy.check(UriParser.parse("posix://h/p?vfsType=fuse.sshfs&options=ServerAliveInterval=15"));
        // sshfs takes ssh options in any case: only the spelling the operator allowed passes.
        assertThrows(MountPolicy.NotAllowed.class,
                () -> proxy.check(UriParser.parse("posix://h/p?vfsType=fuse.sshfs&options=serveraliveinterval=15")));
        assertThrows(MountPolicy.NotAllowed.class,
                () -> proxy.check(UriParser.parse("posix://h/p?vfsType=fuse.sshfs&options=ServerAliveIntervalX=15")));
    }

    /** Without secret=, mount.ceph takes a key from the host's keyrings for the client the URI names. */
    @Test
    void aCephMountBringsItsOwnKey() throws Exception {
        for (String uri : List.of("posix://m/p?vfsType=ceph&options=name=admin", "posix://m/p?vfsType=ceph",
                "posix://m/p?vfsType=ceph&options=name=admin,fs=cephfs")) {
            MountPolicy.NotAllowed e = assertThrows(MountPolicy.NotAllowed.class, () -> DEFAULTS.check(UriParser.parse(uri)), uri);
            assertTrue(e.getMessage().startsWith("a ceph mount needs the client's key as secret="), e.getMessage());
        }
        DEFAULTS.check(UriParser.parse("posix://m/p?vfsType=ceph&options=name=admin,secret=AQAbc"));
        DEFAULTS.allowingOption("ceph", "secretfile").check(UriParser.parse("posix://m/p?vfsType=ceph&options=secretfile=%2Fetc%2Fceph%2Fk"));
    }

    @Test
    void secretValuesAreNeverInAMessage() throws Exception {
        String secret = "Hunter2-" + System.nanoTime();
        for (String uri : new String[] {
            "posix://s/share?vfsType=cifs&options=password=" + secret + ",credentials=/etc/x",
            "posix://s/share?vfsType=cifs&options=password=" + secret + ",a" + secret,
            "posix://s/share?vfsType=cifs&options=password2=" + secret,
            "posix://m/p?vfsType=ceph&options=secretfile=" + secret,
            "posix://m/p?vfsType=ceph&options=mysecret=" + secret,
            "posix://h/p?vfsType=fuse.sshfs&options=password=" + secret,
            "nfs://filer/export?options=pass=" + secret,
        }) {
            MountPolicy.NotAllowed e = assertThrows(MountPolicy.NotAllowed.class, () -> DEFAULTS.check(UriParser.parse(uri)), uri);
            assertFalse(e.getMessage().contains(secret), e.getMessage());
        }
    }

    /**
     * A secret's value never reaches a command line (it goes to mount.cifs in a file of the worker's
     * own), so it may hold what no other value may: quotes and backslashes, which libmount would
     * read as quoting.
     */
    @Test
    void aSecretValueMayHoldQuotesAndBackslashes() throws Exception {
        DEFAULTS.check(UriParser.parse("posix://s/share?vfsType=cifs&options=username=u,password=Hunter2%22x%5Cy"));
    }

    @Test
    void quotesAndBackslashesInValuesAreRefusedWhenTheUriIsParsed() throws Exception {
        // libmount reads username="a,credentials=/etc/x" as one option whose value hides a second one.
        InvalidUriException quote = assertThrows(InvalidUriException.class,
                () -> UriParser.parse("posix://s/share?vfsType=cifs&options=username=%22a,domain=b%22"));
        assertEquals("mount option 1 of 2 has a value that may hold only letters, digits, '.', '_', '-', '+', '@', '=',"
                + " ':', '/', '%', '~', '[' and ']'", quote.getMessage());
        assertEquals("options", quote.component());
        assertThrows(InvalidUriException.class, () -> UriParser.parse("posix://s/share?vfsType=cifs&options=domain=a%5Cb"));
        // A name that is not a plain name is not echoed at all.
        InvalidUriException odd = assertThrows(InvalidUriException.class,
                () -> UriParser.parse("nfs://filer/export?options=soft,%22ro%22"));
        assertEquals("mount option 2 of 2 does not start with an option name (1 to 64 letters, digits, '_', '.', '-')",
                odd.getMessage());
        assertThrows(InvalidUriException.class, () -> UriParser.parse("nfs://filer/export?options=" + "a".repeat(65)));
        assertThrows(InvalidUriException.class, () -> UriParser.parse("nfs://filer/export?options==x"));
    }

    /**
     * suid and dev would undo the nosuid,nodev every mount gets: refused for every type the operator
     * did not exempt, even when allowed as options; the operator's --allow-suid-dev exempts a type.
     */
    @Test
    void aRequestCannotUndoNosuidNodev() throws Exception {
        for (String uri : List.of("posix:///dev/sdb1?vfsType=ext4&options=suid", "nfs://filer/export?options=ro,dev")) {
            MountPolicy allowed = DEFAULTS.allowingOption("ext4", "suid").allowingOption("nfs", "dev");
            MountPolicy.NotAllowed e = assertThrows(MountPolicy.NotAllowed.class, () -> allowed.check(UriParser.parse(uri)));
            assertTrue(e.getMessage().contains("would honour setuid programs or device nodes, and this host mounts"), e.getMessage());
            assertTrue(e.getMessage().endsWith("can lift that with --allow-suid-dev " + MountPolicy.fsType(UriParser.parse(uri))),
                    e.getMessage());
        }
        MountPolicy lifted = DEFAULTS.allowingSuidDev("ext4").allowingOption("ext4", "suid");
        lifted.check(UriParser.parse("posix:///dev/sdb1?vfsType=ext4&options=suid"));
        assertThrows(MountPolicy.NotAllowed.class, () -> DEFAULTS.allowingSuidDev("ext4")
                .check(UriParser.parse("posix:///dev/sdb1?vfsType=ext4&options=suid")), "lifted, but still no such option");
        DEFAULTS.check(UriParser.parse("posix:///dev/sdb1?vfsType=ext4&options=nosuid,nodev,noexec"));
    }

    /**
     * A command line is every local user's to read: a secret goes only where its helper takes it in
     * a file (cifs and smb3 password=, ceph secret=), any other is refused, whatever the allow lists.
     */
    @Test
    void aSecretOptionIsAllowedOnlyWhereItsHelperTakesItOffTheCommandLine() throws Exception {
        DEFAULTS.check(UriParser.parse("posix://s/share?vfsType=cifs&options=username=u,password=x"));
        DEFAULTS.check(UriParser.parse("posix://s/share?vfsType=smb3&options=username=u,password=x"));
        DEFAULTS.check(UriParser.parse("posix://m/p?vfsType=ceph&options=name=admin,secret=x"));
        MountPolicy wide = DEFAULTS.allowingOption("cifs", "password2").allowingOption("nfs", "pass")
                .allowingVfsType("fuse.sshfs").allowingOption("fuse.sshfs", "password");
        for (String uri : List.of("posix://s/share?vfsType=cifs&options=password2=x",
                "nfs://filer/export?options=pass=x", "posix://h/p?vfsType=fuse.sshfs&options=password=x")) {
            MountPolicy.NotAllowed e = assertThrows(MountPolicy.NotAllowed.class, () -> wide.check(UriParser.parse(uri)), uri);
            assertTrue(e.getMessage().contains("holds a secret, and mount."), e.getMessage());
            assertTrue(e.getMessage().endsWith("Tether passes a secret only as cifs and smb3 password= and ceph secret=,"
                    + " in a file of its own"), e.getMessage());
        }
        assertThrows(MountPolicy.NotAllowed.class, () -> DEFAULTS.check(UriParser.parse(
                "posix://s/share?vfsType=cifs&options=password2=x")), "password2 is no default any more");
    }

    /** A ',' in a password makes its tail an option of its own: an option after a secret is refused without its name. */
    @Test
    void anOptionAfterASecretIsNotNamed() throws Exception {
        MountPolicy.NotAllowed e = assertThrows(MountPolicy.NotAllowed.class, () -> DEFAULTS.check(UriParser.parse(
                "posix://s/share?vfsType=cifs&options=username=u,password=Hunter,2tail")));
        assertEquals("mount option 3 of 3 (not named: it may be a piece of the secret before it) is not allowed for cifs;"
                + " the host's operator can allow it with --allow-mount-option cifs:NAME", e.getMessage());
        e = assertThrows(MountPolicy.NotAllowed.class, () -> DEFAULTS.check(UriParser.parse(
                "posix://s/share?vfsType=cifs&options=bogus,password=Hunter")));
        assertEquals("mount option 'bogus' is not allowed for cifs; the host's operator can allow it with"
                + " --allow-mount-option cifs:bogus", e.getMessage());
    }

    @Test
    void theOperatorsValuesAreCheckedToo() {
        assertThrows(IllegalArgumentException.class, () -> DEFAULTS.allowingVfsType("FUSE"));
        assertThrows(IllegalArgumentException.class, () -> DEFAULTS.allowingVfsType("ext4,fuse"));
        assertThrows(IllegalArgumentException.class, () -> DEFAULTS.allowingVfsType(""));
        IllegalArgumentException withValue = assertThrows(IllegalArgumentException.class,
                () -> DEFAULTS.allowingOption("fuse.sshfs", "ssh_command=/bin/true"));
        assertTrue(withValue.getMessage().contains("name only"), withValue.getMessage());
        assertThrows(IllegalArgumentException.class, () -> DEFAULTS.allowingOption("fuse.sshfs", ""));
        assertThrows(IllegalArgumentException.class, () -> DEFAULTS.allowingOption("fuse.sshfs", "a,b"));
        assertThrows(IllegalArgumentException.class, () -> DEFAULTS.allowingOption("NFS", "fsc"));
        assertDoesNotThrow(() -> DEFAULTS.allowingOption("fuse.sshfs", "ServerAliveInterval"));
    }

    @Test
    void fsTypeIsWhatMountIsGiven() throws Exception {
        assertEquals("nfs", MountPolicy.fsType(UriParser.parse("nfs://filer/export")));
        assertEquals("glusterfs", MountPolicy.fsType(UriParser.parse("glusterfs://g/v")));
        assertEquals("fuse.sshfs", MountPolicy.fsType(UriParser.parse("posix://h/p?vfsType=fuse.sshfs")));
        assertEquals(null, MountPolicy.fsType(UriParser.parse("file:///srv/x")));
    }

    /** mount.cifs splits username=user%password: a password in an option nobody treats as one. */
    @Test
    void aCifsUserNameCarriesNoPassword() throws Exception {
        DEFAULTS.check(UriParser.parse("posix://s/share?vfsType=cifs&options=username=bob,password=x"));
        MountPolicy.NotAllowed e = assertThrows(MountPolicy.NotAllowed.class,
                () -> DEFAULTS.check(UriParser.parse("posix://s/share?vfsType=cifs&options=username=bob%25Hunter2")));
        assertTrue(e.getMessage().contains("password="), e.getMessage());
        assertFalse(e.getMessage().contains("Hunter2"), e.getMessage());
    }

    @Test
    void nvmeUrisGiveTimersAndQueuesAndAnotherHostsIdentityOnlyWhereTheOperatorAllowsIt() throws Exception {
        String nqn = "nqn.2026-12.io.tether.test:nvme1";
        assertDoesNotThrow(() -> DEFAULTS.check(UriParser.parse("nvme+tcp://h/" + nqn
                + "?ctrl-loss-tmo=600&reconnect-delay=10&nr-io-queues=4")));
        var asAnother = UriParser.parse("nvme+tcp://h/" + nqn + "?hostnqn=nqn.2014-08.org.nvmexpress:uuid:"
                + "0f8fad5b-d9cb-469f-a165-70867728950e");
        MountPolicy.NotAllowed e = assertThrows(MountPolicy.NotAllowed.class, () -> DEFAULTS.check(asAnother));
        assertEquals("nvme+tcp parameter 'hostnqn' is not allowed on this host; the host's operator can allow it with"
                + " --allow-nvme-parameter hostnqn", e.getMessage());
        assertDoesNotThrow(() -> DEFAULTS.allowingNvmeParameter("hostnqn").check(asAnother));
        IllegalArgumentException unknown = assertThrows(IllegalArgumentException.class,
                () -> DEFAULTS.allowingNvmeParameter("keyring"));
        assertTrue(unknown.getMessage().contains("is not an nvme+tcp parameter"), unknown.getMessage());
    }
}
