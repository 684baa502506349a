#!/bin/busybox sh
# The initramfs's /init (prepare-kit.sh puts it there): loads virtio and 9p, mounts this machine's
# root file system read-only over 9p (tag "root") under a tmpfs overlay, and runs the stage the
# kernel command line names (tether.stage2=PATH, a path on that root) as the new root's init.
/bin/busybox --install -s /bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
while read -r module; do
  insmod "/modules/$module" || echo "initramfs: insmod $module failed"
done < /modules/order
stage2=""
for word in $(cat /proc/cmdline); do
  case "$word" in tether.stage2=*) stage2="${word#tether.stage2=}" ;; esac
done
fail() { echo "initramfs: $1"; poweroff -f; }
mount -t 9p -o trans=virtio,version=9p2000.L,ro,msize=512000,cache=loose root /lower || fail "no root over 9p"
mount -t tmpfs -o size=75% tmpfs /rw
mkdir -p /rw/upper /rw/work
mount -t overlay overlay -o lowerdir=/lower,upperdir=/rw/upper,workdir=/rw/work /newroot || fail "no overlay"
for fs in proc sys dev; do mount --move "/$fs" "/newroot/$fs"; done
# busybox's init as PID 1 reaps orphans (a killed worker must not linger as a zombie) and runs the
# stage once.
# (busybox picks its applet by its file's name)
mkdir -p /newroot/.tether
cp /bin/busybox /newroot/.tether/init
printf '::once:/bin/sh %s\n' "$stage2" > /newroot/etc/inittab
exec switch_root /newroot /.tether/init
