#!/usr/bin/env bash
# A Linux guest for the real-kernel tests (docs/connectors.md, "Testing against a real kernel"):
# Debian's kernel under QEMU's software emulation, running this machine's own root file system
# read-only over 9p with a tmpfs on top, so java, the build and the storage tools are all there.
#
#   guest.sh exec 'COMMANDS'       boot, run COMMANDS with sh in the guest, print what they print,
#                                  power off; exits with their status (by hand: one case, a look)
#   guest.sh boot DIR [FWD...]     boot in the background with DIR as the shared directory (/xfer
#                                  in the guest) and wait until the guest serves commands
#   guest.sh run DIR 'COMMANDS'    run COMMANDS in that guest, print their output, exit with their status
#   guest.sh stop DIR              power it off
#   guest.sh qemu DIR [FWD...]     exec QEMU in the foreground (what boot runs; the tests run this)
# FWD is HOSTPORT:GUESTPORT: 127.0.0.1:HOSTPORT here reaches the guest's 10.0.2.15:GUESTPORT
# (QEMU's user network, restricted: the guest reaches nothing outside itself).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/../../.." && pwd)"

qemu() {
  local dir="$1"; shift
  local kit; kit="$(bash "$here/prepare-kit.sh" "$repo/target/vm/kit" | tail -1)"
  local net="user,id=n0,restrict=on"
  for fwd in "$@"; do net="$net,hostfwd=tcp:127.0.0.1:${fwd%%:*}-10.0.2.15:${fwd##*:}"; done
  exec qemu-system-x86_64 -accel tcg,thread=multi -m 2048 -smp 2 -nographic -nodefaults -no-reboot \
    -serial "file:$dir/console.log" -kernel "$kit/vmlinuz" -initrd "$kit/initrd.img" \
    -append "console=ttyS0 panic=-1 quiet tether.stage2=$here/guest-init.sh tether.kit=$kit" \
    -virtfs local,path=/,mount_tag=root,security_model=none,readonly=on,multidevs=remap \
    -virtfs "local,path=$dir,mount_tag=xfer,security_model=none,multidevs=remap" \
    -netdev "$net" -device virtio-net-pci,netdev=n0,romfile=
}

boot() {
  local dir="$1"; shift
  mkdir -p "$dir"; dir="$(cd "$dir" && pwd)"
  rm -f "$dir/ready"
  "$0" qemu "$dir" "$@" > "$dir/qemu.out" 2>&1 &
  echo $! > "$dir/qemu.pid"
  for _ in $(seq 600); do
    [ -e "$dir/ready" ] && return 0
    kill -0 "$(cat "$dir/qemu.pid")" 2>/dev/null || { cat "$dir/qemu.out" "$dir/console.log" >&2; return 1; }
    sleep 0.5
  done
  echo "the guest did not come up in 5 minutes: see $dir/console.log" >&2; return 1
}

run() {
  local dir="$1" id="by-hand-$$-$RANDOM"
  printf '%s\n' "$2" > "$dir/cmd/$id.tmp"
  mv "$dir/cmd/$id.tmp" "$dir/cmd/$id.sh"
  until [ -e "$dir/cmd/$id.rc" ]; do sleep 0.2; done
  cat "$dir/cmd/$id.out"
  return "$(cat "$dir/cmd/$id.rc")"
}

stop() {
  local dir="$1"
  [ -e "$dir/qemu.pid" ] && kill "$(cat "$dir/qemu.pid")" 2>/dev/null || true
  rm -f "$dir/qemu.pid"
}

case "${1:-}" in
  qemu) shift; qemu "$@" ;;
  boot) shift; boot "$@" ;;
  run) shift; run "$@" ;;
  stop) shift; stop "$@" ;;
  exec)
    dir="$(mktemp -d "${TMPDIR:-/tmp}/tether-guest.XXXXXX")"
    trap 'stop "$dir"; rm -rf "$dir"' EXIT
    boot "$dir"
    status=0; run "$dir" "$2" || status=$?
    exit "$status" ;;
  *) sed -n '2,17p' "$0" >&2; exit 2 ;;
esac
