#!/bin/sh
# The guest's one service, run once by init when the kernel is up (initramfs-init.sh): makes the
# guest a small host of its own (modules of the kit's kernel, network, /run), then serves the test's
# commands through the shared directory (9p tag "xfer", mounted at /xfer):
#   the test writes cmd/ID.sh (by rename, so it is whole); this loop renames it to cmd/ID.run, runs
#   it with sh in the background (several at once), and writes cmd/ID.out (stdout and stderr) and
#   then cmd/ID.rc (the exit status, renamed into place, so the output is complete when it appears).
kit=""
for word in $(cat /proc/cmdline); do
  case "$word" in tether.kit=*) kit="${word#tether.kit=}" ;; esac
done
# /run is the guest's own (daemons' pid files and sockets); everything else, /tmp included (a
# checkout may live there), is this machine's, written to the overlay's tmpfs.
mount -t tmpfs tmpfs /run
mkdir -p /dev/pts /dev/shm /lib/modules /xfer
mount -t devpts devpts /dev/pts
mount -t tmpfs tmpfs /dev/shm
mount --bind "$kit/lib/modules" /lib/modules
modprobe configfs && mount -t configfs configfs /sys/kernel/config
mount -t 9p -o trans=virtio,version=9p2000.L,msize=512000 xfer /xfer
exec > /xfer/guest.log 2>&1
hostname guest
modprobe virtio_net
ip link set lo up
ip link set eth0 up
ip addr add 10.0.2.15/24 dev eth0
ip route add default via 10.0.2.2
mkdir -p /xfer/cmd
echo "$(uname -r) $(nproc) cpus" > /xfer/ready.tmp && mv /xfer/ready.tmp /xfer/ready
cd /
while :; do
  for job in /xfer/cmd/*.sh; do
    [ -e "$job" ] || continue
    id="${job%.sh}"
    mv "$job" "$id.run"
    ( sh "$id.run" > "$id.out" 2>&1 < /dev/null; echo $? > "$id.rc.tmp"; mv "$id.rc.tmp" "$id.rc" ) &
  done
  sleep 0.2
done
