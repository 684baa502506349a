#!/bin/sh
# The kernel's iSCSI target (LIO, configured through configfs) and the host side (iscsid, and
# multipathd with udevd for it) on the guest's loopback, for the real-kernel tests (runs in the
# guest). One target, $IQN, with one 64 MiB LUN, CHAP required (user $CHAP_USER, password from
# CHAP_PASSWORD), behind two portals of one portal group: 127.0.0.1:3260 and 127.0.0.1:3261.
#   iscsi-target.sh start            target, iscsid and udevd
#   iscsi-target.sh multipath        multipathd; multipath-stop: stopped, maps flushed
#   iscsi-target.sh down PORT        the portal's traffic dropped both ways (a cable pulled)
#   iscsi-target.sh up               every portal back
set -eu
IQN=iqn.2026-12.io.tether.test:disk1
CHAP_USER=tether-initiator

case "${1:-}" in
  start)
    : "${CHAP_PASSWORD:?CHAP_PASSWORD is the target's CHAP password}"
    modprobe target_core_mod
    modprobe target_core_file
    modprobe iscsi_target_mod
    modprobe iscsi_tcp
    modprobe dm_multipath
    modprobe nf_tables
    mkdir -p /srv/iscsi /etc/iscsi /etc/target
    mountpoint -q /srv/iscsi || mount -t tmpfs -o size=80m iscsi /srv/iscsi
    truncate -s 64M /srv/iscsi/disk1.img
    # LIO through configfs, as targetcli would write it (targetcli itself wants D-Bus here).
    core=/sys/kernel/config/target/core/fileio_0/disk1
    mkdir -p "$core"
    echo "fd_dev_name=/srv/iscsi/disk1.img,fd_dev_size=67108864" > "$core/control"
    echo tether-disk1 > "$core/wwn/vpd_unit_serial"
    echo 1 > "$core/enable"
    tpg="/sys/kernel/config/target/iscsi/$IQN/tpgt_1"
    mkdir -p "$tpg/lun/lun_0" "$tpg/np/127.0.0.1:3260" "$tpg/np/127.0.0.1:3261"
    ln -s "$core" "$tpg/lun/lun_0/disk1"
    # Any initiator, but only with CHAP.
    echo 1 > "$tpg/attrib/authentication"
    echo 1 > "$tpg/attrib/generate_node_acls"
    echo 0 > "$tpg/attrib/demo_mode_write_protect"
    printf %s "$CHAP_USER" > "$tpg/auth/userid"
    printf %s "$CHAP_PASSWORD" > "$tpg/auth/password"
    echo 1 > "$tpg/enable"
    # The initiator: iscsid, with a quick NOP-out so that a dropped portal shows within seconds.
    sed -i 's/^node.conn\[0\].timeo.noop_out_interval = .*/node.conn[0].timeo.noop_out_interval = 2/;
            s/^node.conn\[0\].timeo.noop_out_timeout = .*/node.conn[0].timeo.noop_out_timeout = 2/' /etc/iscsi/iscsid.conf
    mkdir -p /run/lock/iscsi /etc/iscsi/nodes /etc/iscsi/send_targets
    # open-iscsi's records are the guest's own: this machine's (another test's) must not show through.
    mount -t tmpfs -o mode=0700 nodes /etc/iscsi/nodes
    mount -t tmpfs -o mode=0700 send_targets /etc/iscsi/send_targets
    iscsid
    # udevd loads the SCSI disk driver for the LUNs (and gives multipathd their ids), as on a host.
    /lib/systemd/systemd-udevd --daemon
    nft add table inet portals
    nft add chain inet portals input '{ type filter hook input priority 0; }'
    
    ;;
  multipath)
    # Every SCSI disk is a path, checked each second.
    printf 'defaults {\n  find_multipaths no\n  user_friendly_names no\n  polling_interval 1\n}\n' > /etc/multipath.conf
    multipathd
    ;;
  multipath-stop)
    # The daemon may exit before it answers ("error -5 receiving packet"): what counts is that it is gone.
    multipathd shutdown || true
    i=0
    while pidof multipathd >/dev/null; do
      i=$((i + 1))
      [ "$i" -le 100 ] || { echo "multipathd still runs 20 s after its shutdown" >&2; exit 1; }
      sleep 0.2
    done
    multipath -F || true
    ;;
  down)
    nft add rule inet portals input tcp dport "$2" drop
    nft add rule inet portals input tcp sport "$2" drop
    ;;
  up)
    nft flush chain inet portals input
    ;;
  *) echo "usage: iscsi-target.sh start|multipath|multipath-stop|down PORT|up" >&2; exit 2 ;;
esac
