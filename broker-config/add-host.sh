#!/usr/bin/env bash
# Adds a host to a broker instance set up with setup-broker.sh: its request queue, the two security
# settings that let it (and only it) consume its requests and publish its status (host.xml), and
# its user host-HOST_ID with a random password, stored hashed; the password itself goes to
# INSTANCE/credentials/host-HOST_ID.password, for the worker's --broker-password-file.
#   broker-config/add-host.sh INSTANCE_DIR HOST_ID
# A running broker reloads broker.xml and the users within its configuration-file-refresh-period.
set -euo pipefail
instance="$(cd "${1:?usage: add-host.sh INSTANCE_DIR HOST_ID}" && pwd)"
id="${2:?usage: add-host.sh INSTANCE_DIR HOST_ID}"
[[ "$id" =~ ^[A-Za-z0-9_-]{1,64}$ ]] || { echo "host id must be 1-64 of A-Z a-z 0-9 _ -" >&2; exit 2; }
etc="$instance/etc"
template="$etc/tether-host.xml"
[ -f "$template" ] && grep -q 'END HOSTS' "$etc/broker.xml" || {
  echo "$instance is not set up for Tether: run setup-broker.sh $instance first" >&2
  exit 2
}
if grep -q "tether.host.$id.requests" "$etc/broker.xml"; then
  echo "host $id is already configured" >&2
  exit 1
fi
umask 077

# The host's part: host.xml with HOST_ID replaced, its <addresses> and <security-settings> content
# put before the END HOST ADDRESSES and END HOSTS markers (as the embedded broker does for itself).
part() { sed -n "/<$1>/,/<\/$1>/p" "$template" | sed '1d;$d' | sed "s/HOST_ID/$id/g"; }
addresses="$(part addresses)"
security="$(part security-settings)"
tmp="$(mktemp "$etc/broker.xml.XXXXXX")"
awk -v addresses="$addresses" -v security="$security" '
  /<!-- END HOST ADDRESSES -->/ { print addresses }
  /<!-- END HOSTS -->/ { print security }
  { print }' "$etc/broker.xml" > "$tmp"
mv "$tmp" "$etc/broker.xml"

# append FILE LINE: adds a line, even to a file whose last line has no newline.
append() { [ -s "$1" ] && [ -n "$(tail -c 1 "$1")" ] && echo >> "$1"; echo "$2" >> "$1"; }
password="$(head -c 32 /dev/urandom | base64 | tr -d '/+=\n' | head -c 40)"
append "$etc/artemis-users.properties" "host-$id = ENC($("$instance/bin/artemis" mask --hash "$password" | sed -n 's/^result: //p'))"
roles="$etc/artemis-roles.properties"
if grep -q '^hosts *=' "$roles"; then
  sed -i "s/^hosts *= *\(.*\)$/hosts = \1,host-$id/" "$roles"
else
  append "$roles" "hosts = host-$id"
fi
append "$roles" "host-$id = host-$id"
mkdir -p "$instance/credentials"
printf '%s\n' "$password" > "$instance/credentials/host-$id.password"
echo "added host $id: user host-$id (roles hosts, host-$id), password in $instance/credentials/host-$id.password"
