#!/bin/sh
# The kernel's NVMe over TCP target (nvmet, configured through configfs) on the guest's loopback,
# for the real-kernel tests (runs in the guest). Subsystem $NQN, any host, one 64 MiB namespace,
# behind two ports: 127.0.0.1:4420 and 127.0.0.1:4421. (Debian 12's kernel builds nvmet without
# DH-HMAC-CHAP, CONFIG_NVME_TARGET_AUTH, so no subsystem here can require a key.)
#   nvme-target.sh start            target, and the host's NVMe/TCP driver
#   nvme-target.sh down PORT        the port's traffic dropped both ways (a cable pulled)
#   nvme-target.sh up               every port back
#   nvme-target.sh sysfs DIR        the host's controllers' sysfs attributes the connector reads, copied to DIR
set -eu
NQN=nqn.2026-12.io.tether.test:nvme1
cfg=/sys/kernel/config/nvmet

subsystem() { # NQN FILE: a subsystem with one namespace, backed by FILE
  mkdir -p "$cfg/subsystems/$1/namespaces/1"
  truncate -s 64M "$2"
  echo "$2" > "$cfg/subsystems/$1/namespaces/1/device_path"
  # The file is on a tmpfs, which has no O_DIRECT, nvmet's default for a file.
  echo 1 > "$cfg/subsystems/$1/namespaces/1/buffered_io"
  echo 1 > "$cfg/subsystems/$1/namespaces/1/enable"
}

case "${1:-}" in
  start)
    modprobe nvmet
    modprobe nvmet_tcp
    modprobe nvme_tcp
    modprobe nf_tables
    mkdir -p /srv/nvme
    mountpoint -q /srv/nvme || mount -t tmpfs -o size=160m nvme /srv/nvme
    subsystem "$NQN" /srv/nvme/disk1.img
    echo 1 > "$cfg/subsystems/$NQN/attr_allow_any_host"
    id=1
    for port in 4420 4421; do
      mkdir -p "$cfg/ports/$id"
      echo tcp > "$cfg/ports/$id/addr_trtype"
      echo ipv4 > "$cfg/ports/$id/addr_adrfam"
      echo 127.0.0.1 > "$cfg/ports/$id/addr_traddr"
      echo "$port" > "$cfg/ports/$id/addr_trsvcid"
      for s in "$cfg"/subsystems/*; do
        ln -s "$s" "$cfg/ports/$id/subsystems/${s##*/}"
      done
      id=$((id + 1))
    done
    nft add table inet nvmeports
    nft add chain inet nvmeports input '{ type filter hook input priority 0; }'
    ;;
  down)
    nft add rule inet nvmeports input tcp dport "$2" drop
    nft add rule inet nvmeports input tcp sport "$2" drop
    ;;
  up)
    nft flush chain inet nvmeports input
    ;;
  sysfs)
    # What NvmeControllers reads, laid out as /sys/class/nvme-subsystem: links resolved, nothing else.
    for s in /sys/class/nvme-subsystem/nvme-subsys*; do
      [ -e "$s" ] || continue
      out="$2/${s##*/}"
      mkdir -p "$out"
      cat "$s/subsysnqn" > "$out/subsysnqn"
      for c in "$s"/nvme*; do
        name=${c##*/}
        case "$name" in
          *n[0-9]*) mkdir -p "$out/$name"; cat "$c/size" > "$out/$name/size"; continue ;;
        esac
        mkdir -p "$out/$name"
        for f in transport address state subsysnqn; do cat "$c/$f" > "$out/$name/$f"; done
        for p in "$c"/nvme*c*n*; do
          [ -e "$p/ana_state" ] || continue
          mkdir -p "$out/$name/${p##*/}"
          cat "$p/ana_state" > "$out/$name/${p##*/}/ana_state"
        done
      done
    done
    ;;
  *) echo "usage: nvme-target.sh start|down PORT|up|sysfs DIR" >&2; exit 2 ;;
esac
