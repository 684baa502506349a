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
here="$(cd "$(dirname "$0")" && pwd)"
etc="$instance/etc"
template="$etc/tether-host.xml"
[ -f "$template" ] && grep -q 'END HOSTS' "$etc/broker.xml" || {
  echo "$instance is not set up for Tether: run setup-broker.sh $instance first" >&2
  exit 2
}
umask 077
# shellcheck source=broker-config/common.sh
. "$here/common.sh"
# One add-host at a time: two at once would each rewrite broker.xml from the same old copy.
exec 9> "$etc/.tether-add-host.lock"
flock 9

if grep -qF "tether.host.$id.requests" "$etc/broker.xml" || grep -q "^host-$id *=" "$etc/artemis-users.properties"; then
  echo "host $id is already configured" >&2
  exit 1
fi
add_user "$instance" "host-$id" hosts "host-$id"

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
echo "added host $id: user host-$id (roles hosts, host-$id), password in $instance/credentials/host-$id.password"
