#!/usr/bin/env bash
# Makes an Apache Artemis instance Tether's broker (docs/operations.md, "One standalone broker").
#   artemis create INSTANCE --user admin --require-login --no-web     # asks for the admin password
#   broker-config/setup-broker.sh [--vdsm-stomp JAR] INSTANCE
#   broker-config/add-host.sh INSTANCE HOST_ID        # once per host
# What it does, and what it leaves alone:
# - puts broker-config/broker.xml into INSTANCE/etc, unless a Tether broker.xml is already there
#   (its hosts are kept); the broker.xml it replaces is kept as broker.xml.orig;
# - adds the user "engine" with a random password, stored hashed (ENC(...)) in
#   etc/artemis-users.properties; the password itself goes to INSTANCE/credentials/engine.password
#   for the engines. The admin user that `artemis create` made is never touched;
# - makes the TLS acceptor's key store (etc/tether-broker.p12, a self-signed certificate for this
#   machine's names and those in TETHER_TLS_NAMES, comma-separated; replace it with one from your
#   CA if you have one) and a trust store for clients (credentials/truststore.p12, password
#   "tether": it holds only the public certificate), and writes its location and password into
#   etc/broker.xml;
# - adds the JAAS domain "vdsm" to etc/login.config, which the VDSM STOMP acceptor in broker.xml
#   names (off unless uncommented; docs/operations.md, "Migrating from VDSM"): every connection
#   there is user and role vdsm-engine, the engine having proved who it is with its TLS certificate;
# - adds the user "vdsm-gateway" (roles engine and vdsm-gateway) with a random password, stored
#   hashed; the password goes to INSTANCE/credentials/vdsm-gateway.password, for the worker whose
#   --vdsm-gateway-password-file answers the engine's VDSM requests;
# - puts Tether's VDSM_STOMP protocol, which that acceptor speaks, into INSTANCE/lib (the broker reads
#   it at its next start): the JAR given with --vdsm-stomp (the build's target/tether-*-vdsm-stomp.jar
#   in a checkout), else tether-vdsm-stomp.jar next to this script (where the package installs it);
#   with neither, the acceptor stays unusable and nothing else changes;
# - makes the broker's files its owner's alone: umask 077 for the broker process (etc/artemis.profile),
#   and no access for group or others to etc/, data/ and credentials/.
# Running it again changes nothing that is already set up, and finishes what a failed run left.
set -euo pipefail
usage="usage: setup-broker.sh [--vdsm-stomp JAR] INSTANCE_DIR"
here="$(cd "$(dirname "$0")" && pwd)"
vdsm_stomp="$here/tether-vdsm-stomp.jar"
if [ "${1:-}" = --vdsm-stomp ]; then
  vdsm_stomp="${2:?$usage}"
  [ -f "$vdsm_stomp" ] || { echo "--vdsm-stomp: no file $vdsm_stomp" >&2; exit 2; }
  shift 2
fi
instance="$(cd "${1:?$usage}" && pwd)"
etc="$instance/etc"
credentials="$instance/credentials"
[ -x "$instance/bin/artemis" ] && [ -f "$etc/artemis-users.properties" ] || {
  echo "$instance is not an Artemis instance: make it with artemis create $instance --user admin --require-login" >&2
  exit 2
}
umask 077
mkdir -p "$credentials" "$instance/data"
chmod 700 "$etc" "$credentials" "$instance/data"
# shellcheck source=broker-config/common.sh
. "$here/common.sh"

if ! grep -q 'BEGIN HOSTS' "$etc/broker.xml" 2>/dev/null; then
  [ -f "$etc/broker.xml" ] && cp "$etc/broker.xml" "$etc/broker.xml.orig"
  cp "$here/broker.xml" "$etc/broker.xml"
fi
cp "$here/host.xml" "$etc/tether-host.xml"

if ! grep -q '^engine *=' "$etc/artemis-users.properties"; then
  add_user "$instance" engine engine
  echo "added user engine; its password is in $credentials/engine.password"
fi

if ! grep -q '^vdsm-gateway *=' "$etc/artemis-users.properties"; then
  add_user "$instance" vdsm-gateway engine vdsm-gateway
  echo "added user vdsm-gateway; its password is in $credentials/vdsm-gateway.password"
fi

if [ ! -f "$etc/tether-broker.p12" ]; then
  random_password > "$etc/tether-broker.p12.password"
  name="$(hostname -f 2>/dev/null || hostname)"
  san="dns:$name,dns:localhost,ip:127.0.0.1"
  IFS=, read -r -a extra_names <<< "${TETHER_TLS_NAMES:-}"
  for extra in "${extra_names[@]}"; do [ -n "$extra" ] && san="$san,dns:$extra"; done
  # -storepass:file keeps the password off the command line, where ps would show it.
  keytool -genkeypair -alias tether-broker -keyalg RSA -keysize 3072 -validity 825 -storetype PKCS12 \
    -keystore "$etc/tether-broker.p12" -storepass:file "$etc/tether-broker.p12.password" -dname "CN=$name" \
    -ext "SAN=$san" >/dev/null 2>&1
  keytool -exportcert -rfc -alias tether-broker -keystore "$etc/tether-broker.p12" \
    -storepass:file "$etc/tether-broker.p12.password" > "$etc/tether-broker.crt"
  rm -f "$credentials/truststore.p12"
  keytool -importcert -noprompt -alias tether-broker -file "$etc/tether-broker.crt" -storetype PKCS12 \
    -keystore "$credentials/truststore.p12" -storepass tether >/dev/null
  echo "made the TLS key store $etc/tether-broker.p12 (certificate: $etc/tether-broker.crt, for clients: $credentials/truststore.p12)"
fi
# broker.xml's TLS acceptor names its key store and password as placeholders until they exist.
if grep -qF '${tether.tls.keyStore}' "$etc/broker.xml"; then
  store_password="$(cat "$etc/tether-broker.p12.password")"
  sed -i -e "s|\${tether.tls.keyStore}|$etc/tether-broker.p12|" \
         -e "s|\${tether.tls.keyStorePassword}|$store_password|" "$etc/broker.xml"
fi
if ! grep -q '^vdsm {' "$etc/login.config"; then
  cat >> "$etc/login.config" <<'LOGIN'

/* Tether (broker-config/setup-broker.sh): VDSM's engine client on the vdsm-stomp acceptor, whose
   TLS trust store admits only the engine's certificate; it sends no login. */
vdsm {
   org.apache.activemq.artemis.spi.core.security.jaas.GuestLoginModule required
       org.apache.activemq.jaas.guest.user="vdsm-engine"
       org.apache.activemq.jaas.guest.role="vdsm-engine";
};
LOGIN
fi
# The same name whatever the build's version, so a newer one replaces the older at the next setup.
if [ -f "$vdsm_stomp" ] && ! cmp -s "$vdsm_stomp" "$instance/lib/tether-vdsm-stomp.jar"; then
  mkdir -p "$instance/lib"
  install -m 0644 "$vdsm_stomp" "$instance/lib/tether-vdsm-stomp.jar"
  echo "put VDSM_STOMP into $instance/lib/tether-vdsm-stomp.jar; the broker loads it when it next starts"
fi
if ! grep -qx 'umask 077' "$etc/artemis.profile"; then
  printf '\n# Tether (broker-config/setup-broker.sh): the broker'"'"'s files are its own user'"'"'s alone.\numask 077\n' \
    >> "$etc/artemis.profile"
fi
chmod -R go-rwx "$etc" "$instance/data" "$credentials"
echo "broker instance $instance is set up for Tether; add hosts with $here/add-host.sh $instance HOST_ID"
