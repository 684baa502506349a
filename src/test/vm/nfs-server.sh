#!/bin/sh
# The kernel's NFS server on the guest's loopback, for the real-kernel tests (runs in the guest).
#   nfs-server.sh start     nfsd for 127.0.0.1: NFSv4 under the pseudo-root /srv/nfs (fsid=0), so
#                           nfs://127.0.0.1/export is /srv/nfs/export; NFSv3 at its real path
#                           (/srv/nfs/export). Both are tmpfs, as the guest's root (9p with an
#                           overlay) cannot be exported.
#   nfs-server.sh stop      no nfsd threads: port 2049 refuses, mounts stop answering
#   nfs-server.sh resume    the threads back
#   nfs-server.sh replace   a new file system in place of /srv/nfs/export: what clients hold of the
#                           old one is a stale file handle (ESTALE)
set -eu
threads=4
export_options="rw,no_root_squash,no_subtree_check,insecure"

exports() {
  printf '/srv/nfs 127.0.0.1(%s,fsid=0,crossmnt)\n/srv/nfs/export 127.0.0.1(%s,fsid=%s)\n' \
    "$export_options" "$export_options" "$1" > /etc/exports
  exportfs -ra
}

case "${1:-}" in
  start)
    modprobe nfsd
    mountpoint -q /proc/fs/nfsd || mount -t nfsd nfsd /proc/fs/nfsd
    mkdir -p /var/lib/nfs/rpc_pipefs /var/lib/nfs/v4recovery /srv/nfs
    mountpoint -q /var/lib/nfs/rpc_pipefs || mount -t rpc_pipefs sunrpc /var/lib/nfs/rpc_pipefs
    rpcbind -w
    mount -t tmpfs -o size=16m nfsroot /srv/nfs
    mkdir -p /srv/nfs/export
    mount -t tmpfs -o size=64m export1 /srv/nfs/export
    echo 1 > /srv/nfs/export/generation
    exports 1
    rpc.mountd
    # A short grace period: after a stop and resume, NFSv4 clients reclaim their state in seconds.
    echo 10 > /proc/fs/nfsd/nfsv4gracetime 2>/dev/null || true
    echo 10 > /proc/fs/nfsd/nfsv4leasetime 2>/dev/null || true
    rpc.nfsd "$threads"
    ;;
  stop) rpc.nfsd 0 ;;
  resume) rpc.nfsd "$threads" ;;
  replace)
    generation=$(( $(cat /srv/nfs/export/generation) + 1 ))
    umount -l /srv/nfs/export
    mount -t tmpfs -o size=64m "export$generation" /srv/nfs/export
    echo "$generation" > /srv/nfs/export/generation
    exports "$generation"
    exportfs -f
    ;;
  *) echo "usage: nfs-server.sh start|stop|resume|replace" >&2; exit 2 ;;
esac
