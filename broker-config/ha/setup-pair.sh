#!/usr/bin/env bash
# Makes two Artemis instances a replicated primary/backup pair for Tether (docs/operations.md,
# "A cluster of brokers"): the primary is set up as one standalone broker is (setup-broker.sh,
# add-host.sh), and this script
# - puts the primary's part (broker-config/ha/primary.xml) into PRIMARY/etc/broker.xml: a core-only
#   cluster acceptor on PRIMARY_ADDR, a cluster connection to BACKUP_ADDR, the replication policy;
# - makes the pair's cluster login (user tether-cluster, a random password kept in
#   PRIMARY/etc/tether-cluster.password);
# - makes BACKUP (an `artemis create` instance of its own) the primary's copy: the same broker.xml
#   with the backup's part (broker-config/ha/backup.xml), the same users and roles (so every
#   worker's and engine's login works on both), the same TLS key store and credentials/, and the
#   same private files (umask 077).
#   broker-config/setup-broker.sh PRIMARY; broker-config/add-host.sh PRIMARY HOST_ID ...
#   broker-config/ha/setup-pair.sh PRIMARY BACKUP PRIMARY_ADDR BACKUP_ADDR   # addresses as host:port
# Run it again after add-host.sh (on the primary): it copies the new host to the backup. Run it with
# both brokers stopped, or restart the backup afterwards (users and security settings are reloaded
# by a running broker, the HA settings are not).
set -euo pipefail
usage="usage: setup-pair.sh PRIMARY_INSTANCE BACKUP_INSTANCE PRIMARY_ADDR BACKUP_ADDR (host:port, broker to broker)"
primary="$(cd "${1:?$usage}" && pwd)"
backup="$(cd "${2:?$usage}" && pwd)"
primary_addr="${3:?$usage}"
backup_addr="${4:?$usage}"
for addr in "$primary_addr" "$backup_addr"; do
  [[ "$addr" =~ ^[][A-Za-z0-9.:_-]+:[0-9]{1,5}$ ]] || { echo "$addr is not host:port" >&2; exit 2; }
done
[ "$primary" != "$backup" ] || { echo "the primary and the backup must be two instances" >&2; exit 2; }
here="$(cd "$(dirname "$0")" && pwd)"
grep -q 'END HOSTS' "$primary/etc/broker.xml" 2>/dev/null || {
  echo "$primary is not set up for Tether: run broker-config/setup-broker.sh $primary first" >&2
  exit 2
}
[ -x "$backup/bin/artemis" ] && [ -f "$backup/etc/artemis.profile" ] || {
  echo "$backup is not an Artemis instance: make it with artemis create $backup --user admin --require-login" >&2
  exit 2
}
umask 077
# shellcheck source=broker-config/common.sh
. "$here/../common.sh"

if [ ! -s "$primary/etc/tether-cluster.password" ]; then
  random_password > "$primary/etc/tether-cluster.password"
fi
cluster_password="$(cat "$primary/etc/tether-cluster.password")"

# ha_part ROLE SELF PEER ELEMENT: the inside of ELEMENT in ROLE.xml, for a node at SELF whose peer is at PEER.
# (Replaced by bash itself: the password is never a program's argument.)
ha_part() {
  local part
  part="$(sed -n "/^  <$4>/,/^  <\/$4>/p" "$here/$1.xml" | sed '1d;$d')"
  part="${part//SELF/$2}"
  part="${part//PEER/$3}"
  printf '%s\n' "${part//CLUSTER_PASSWORD/$cluster_password}"
}

# with_ha FILE ROLE SELF PEER: FILE's broker.xml without any earlier HA part, with ROLE's.
with_ha() {
  local acceptor core
  acceptor="$(ha_part "$2" "$3" "$4" acceptor)"
  core="$(ha_part "$2" "$3" "$4" core)"
  # The parts go through the environment, not awk's arguments: they hold the cluster password, and
  # every user of the machine may read a process's arguments.
  HA_ACCEPTOR="$acceptor" HA_CORE="$core" HA_ROLE="$2" awk '
    /<!-- BEGIN TETHER HA/ { skip = 1 }
    skip { if (/<!-- END TETHER HA -->/) skip = 0; next }
    /<\/acceptors>/ { print "      <!-- BEGIN TETHER HA (broker-config/ha/setup-pair.sh) -->"; print ENVIRON["HA_ACCEPTOR"]; print "      <!-- END TETHER HA -->" }
    /<\/core>/ { print "    <!-- BEGIN TETHER HA (broker-config/ha/setup-pair.sh): the " ENVIRON["HA_ROLE"] " of a replicated pair -->"; print ENVIRON["HA_CORE"]; print "    <!-- END TETHER HA -->" }
    { print }' "$1"
}

tmp="$(mktemp "$primary/etc/broker.xml.XXXXXX")"
with_ha "$primary/etc/broker.xml" primary "$primary_addr" "$backup_addr" > "$tmp"
mv "$tmp" "$primary/etc/broker.xml"

# The backup: the primary's configuration, users and credentials, with its own HA part. Paths that
# setup-broker.sh wrote into broker.xml (the TLS key store) are the backup's own.
mkdir -p "$backup/credentials" "$backup/data"
for file in artemis-users.properties artemis-roles.properties tether-host.xml tether-cluster.password \
    tether-broker.p12 tether-broker.p12.password tether-broker.crt; do
  if [ -f "$primary/etc/$file" ]; then cp "$primary/etc/$file" "$backup/etc/$file"; fi
done
cp -R "$primary/credentials/." "$backup/credentials/"
tmp="$(mktemp "$backup/etc/broker.xml.XXXXXX")"
sed "s|$primary/etc/|$backup/etc/|g" "$primary/etc/broker.xml" > "$tmp.primary"
with_ha "$tmp.primary" backup "$backup_addr" "$primary_addr" > "$tmp"
rm -f "$tmp.primary"
mv "$tmp" "$backup/etc/broker.xml"
if ! grep -qx 'umask 077' "$backup/etc/artemis.profile"; then
  printf '\n# Tether (broker-config/ha/setup-pair.sh): the broker'"'"'s files are its own user'"'"'s alone.\numask 077\n' \
    >> "$backup/etc/artemis.profile"
fi
chmod 700 "$backup/etc" "$backup/credentials" "$backup/data"
chmod -R go-rwx "$primary/etc" "$backup/etc" "$backup/data" "$backup/credentials"
echo "replicated pair: primary $primary (cluster address $primary_addr), backup $backup (cluster address $backup_addr)"
echo "workers (--broker-url) and engines (--broker): 'failover:(amqps://PRIMARY_HOST:5671,amqps://BACKUP_HOST:5671)?failover.maxReconnectAttempts=-1&failover.maxReconnectDelay=500' (docs/operations.md)"
