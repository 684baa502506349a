#!/usr/bin/env bash
# Prepares the real-kernel tests' boot kit in DIR (default target/vm/kit): Debian's kernel package,
# its module index, and a small initramfs that mounts this machine's own root file system read-only
# over 9p with a tmpfs overlay on top, then runs src/test/vm/guest-init.sh on it. Prints the kit's
# directory. A kit is kept per kernel version: a second run with the same version does nothing.
#
# Needs: apt-get (to download the kernel package), dpkg-deb, depmod/modprobe (kmod), cpio,
# busybox-static. .ci/run installs them; docs/connectors.md, "Testing against a real kernel".
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
out="${1:-target/vm/kit}"
# The kernel: TETHER_VM_KERNEL names a Debian package; by default the one Debian's linux-image-amd64
# depends on today (the kit is kept per version, so a new one is fetched when Debian moves on).
current() {
  apt-cache depends linux-image-amd64 2>/dev/null | sed -n 's/^ *Depends: \(linux-image-[0-9].*-amd64\)$/\1/p' | head -1
}
package="${TETHER_VM_KERNEL:-}"
if [ -z "$package" ]; then
  package="$(current)"
  # A machine whose package lists were cleaned knows no kernel package until they are fetched.
  [ -n "$package" ] || { apt-get update -qq >&2 && package="$(current)"; }
  [ -n "$package" ] || { echo "prepare-kit: apt knows no linux-image-amd64; set TETHER_VM_KERNEL" >&2; exit 1; }
fi
version="${package#linux-image-}"
kit="$out/$version"
if [ -s "$kit/initrd.img" ] && [ -s "$kit/vmlinuz" ]; then
  echo "$(cd "$kit" && pwd)"
  exit 0
fi

rm -rf "$kit.tmp"
mkdir -p "$kit.tmp/deb" "$kit.tmp/initramfs"
(cd "$kit.tmp/deb" && apt-get download -q "$package" >&2)
dpkg-deb -x "$kit.tmp"/deb/*.deb "$kit.tmp/root"
rm -rf "$kit.tmp/deb"
depmod -b "$kit.tmp/root" "$version"

# The modules the initramfs loads before it can mount the root, in dependency order.
initramfs="$kit.tmp/initramfs"
mkdir -p "$initramfs"/{bin,dev,proc,sys,lower,rw,newroot,modules}
for module in virtio_pci 9pnet_virtio 9p overlay; do
  modprobe -d "$kit.tmp/root" -S "$version" --show-depends "$module"
done | awk '$1 == "insmod" && !seen[$2]++ { print $2 }' | while read -r ko; do
  name="$(basename "$ko")"
  case "$name" in
    *.xz) xz -dc "$ko" > "$initramfs/modules/${name%.xz}"; name="${name%.xz}" ;;
    *.zst) zstd -qdc "$ko" > "$initramfs/modules/${name%.zst}"; name="${name%.zst}" ;;
    *) cp "$ko" "$initramfs/modules/$name" ;;
  esac
  echo "$name" >> "$initramfs/modules/order"
done
cp /bin/busybox "$initramfs/bin/busybox"
cp "$here/initramfs-init.sh" "$initramfs/init"
chmod +x "$initramfs/init"
(cd "$initramfs" && find . | cpio -o -H newc --quiet | gzip -1) > "$kit.tmp/initrd.img"
rm -rf "$initramfs"
cp "$kit.tmp/root/boot/vmlinuz-$version" "$kit.tmp/vmlinuz"
rm -rf "$kit.tmp/root/boot" "$kit.tmp/root/usr/share"
mkdir -p "$kit.tmp/lib"
# Debian 12 keeps modules in /lib/modules, later releases in /usr/lib/modules.
if [ -d "$kit.tmp/root/usr/lib/modules" ]; then modules="$kit.tmp/root/usr/lib/modules"; else modules="$kit.tmp/root/lib/modules"; fi
mv "$modules" "$kit.tmp/lib/modules"
rm -rf "$kit.tmp/root"
rm -rf "$kit"
mv "$kit.tmp" "$kit"
echo "$(cd "$kit" && pwd)"
