#!/usr/bin/env bash
# Adds a host to the broker configuration in this directory: its user, its roles, and the two
# security entries that let it (and only it) consume its request queue and publish its status.
#   broker-config/add-host.sh HOST_ID PASSWORD
# Then copy broker.xml and the two .properties files to the broker's etc/ (a running broker
# reloads them; see docs/operations.md).
set -euo pipefail
id="${1:?usage: add-host.sh HOST_ID PASSWORD}"
password="${2:?usage: add-host.sh HOST_ID PASSWORD}"
[[ "$id" =~ ^[A-Za-z0-9_-]{1,64}$ ]] || { echo "host id must be 1-64 of A-Z a-z 0-9 _ -" >&2; exit 2; }
cd "$(dirname "$0")"
if grep -q "tether.host.$id.requests" broker.xml; then
  echo "host $id is already configured" >&2
  exit 1
fi
entries=$(cat <<XML
      <security-setting match="tether.host.$id.requests">
        <permission type="send" roles="engine,amq"/>
        <permission type="consume" roles="host-$id"/>
        <permission type="createAddress" roles="engine,host-$id,amq"/>
        <permission type="createDurableQueue" roles="engine,host-$id,amq"/>
      </security-setting>
      <security-setting match="tether.host.$id.status">
        <permission type="send" roles="host-$id"/>
        <permission type="consume" roles="engine,amq"/>
        <permission type="createAddress" roles="engine,host-$id,amq"/>
        <permission type="createNonDurableQueue" roles="engine,amq"/>
        <permission type="deleteNonDurableQueue" roles="engine,amq"/>
      </security-setting>
XML
)
tmp=$(mktemp)
awk -v entries="$entries" '/<!-- END HOSTS -->/ { print entries } { print }' broker.xml > "$tmp" && mv "$tmp" broker.xml
echo "host-$id = $password" >> artemis-users.properties
sed -i "s/^hosts = \(.*\)$/hosts = \1,host-$id/" artemis-roles.properties
echo "host-$id = host-$id" >> artemis-roles.properties
echo "added host $id: user host-$id, roles hosts,host-$id"
