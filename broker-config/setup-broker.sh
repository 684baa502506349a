#!/usr/bin/env bash
# Makes an Apache Artemis instance Tether's broker (docs/operations.md, "One standalone broker").
#   artemis create INSTANCE --user admin --password '...' --require-login --no-web
#   broker-config/setup-broker.sh INSTANCE
#   broker-config/add-host.sh INSTANCE HOST_ID        # once per host
# What it does, and what it leaves alone:
# - puts broker-config/broker.xml into INSTANCE/etc, unless a Tether broker.xml is already there
#   (its hosts are kept);
# - adds the user "engine" with a random password, stored hashed (ENC(...)) in
#   etc/artemis-users.properties; the password itself goes to INSTANCE/credentials/engine.password
#   for the engines. The admin user that `artemis create` made is never touched;
# - makes the TLS acceptor's key store (etc/tether-broker.p12, a self-signed certificate for this
#   machine's names; replace it with one from your CA if you have one) and a trust store for
#   clients (credentials/truststore.p12, password "tether": it holds only the public certificate);
# - makes the broker's files its owner's alone: umask 077 for the broker process (etc/artemis.profile),
#   and no access for group or others to etc/, data/ and credentials/.
# Running it again changes nothing that is already set up.
set -euo pipefail
TETHER_TLS_NAMES="${TETHER_TLS_NAMES:-}"
instance="$(cd "${1:?usage: setup-broker.sh INSTANCE_DIR}" && pwd)"
here="$(cd "$(dirname "$0")" && pwd)"
etc="$instance/etc"
credentials="$instance/credentials"
[ -x "$instance/bin/artemis" ] && [ -f "$etc/artemis-users.properties" ] || {
  echo "$instance is not an Artemis instance: make it with artemis create $instance --user admin --password ... --require-login" >&2
  exit 2
}
umask 077
mkdir -p "$credentials" "$instance/data"
chmod 700 "$etc" "$credentials" "$instance/data"

if ! grep -q 'BEGIN HOSTS' "$etc/broker.xml" 2>/dev/null; then
  cp "$here/broker.xml" "$etc/broker.xml"
fi
cp "$here/host.xml" "$etc/tether-host.xml"

# hash PASSWORD: the ENC(...) value that Artemis's login module checks a password against.
hash() { "$instance/bin/artemis" mask --hash "$1" | sed -n 's/^result: //p'; }
random() { head -c 32 /dev/urandom | base64 | tr -d '/+=\n' | head -c 40; }
# append FILE LINE: adds a line, even to a file whose last line has no newline.
append() { [ -s "$1" ] && [ -n "$(tail -c 1 "$1")" ] && echo >> "$1"; echo "$2" >> "$1"; }

if ! grep -q '^engine *=' "$etc/artemis-users.properties"; then
  password="$(random)"
  append "$etc/artemis-users.properties" "engine = ENC($(hash "$password"))"
  append "$etc/artemis-roles.properties" "engine = engine"
  printf '%s\n' "$password" > "$credentials/engine.password"
  echo "added user engine; its password is in $credentials/engine.password"
fi

if [ ! -f "$etc/tether-broker.p12" ]; then
  store_password="$(random)"
  name="$(hostname -f 2>/dev/null || hostname)"
  # TETHER_TLS_NAMES: more DNS names clients use for this broker, comma-separated.
  san="dns:$name,dns:localhost,ip:127.0.0.1"
  for extra in ${TETHER_TLS_NAMES//,/ }; do san="$san,dns:$extra"; done
  keytool -genkeypair -alias tether-broker -keyalg RSA -keysize 3072 -validity 825 -storetype PKCS12 \
    -keystore "$etc/tether-broker.p12" -storepass "$store_password" -dname "CN=$name" \
    -ext "SAN=$san" >/dev/null 2>&1
  keytool -exportcert -rfc -alias tether-broker -keystore "$etc/tether-broker.p12" -storepass "$store_password" \
    > "$etc/tether-broker.crt"
  rm -f "$credentials/truststore.p12"
  keytool -importcert -noprompt -alias tether-broker -file "$etc/tether-broker.crt" -storetype PKCS12 \
    -keystore "$credentials/truststore.p12" -storepass tether >/dev/null 2>&1
  # The key store's location and password reach broker.xml's ${tether.tls.*} as system properties.
  cat >> "$etc/artemis.profile" <<PROFILE

# Tether (broker-config/setup-broker.sh): owner-only files, and the TLS acceptor's key store.
umask 077
JAVA_ARGS="\$JAVA_ARGS -Dtether.tls.keyStore=$etc/tether-broker.p12 -Dtether.tls.keyStorePassword=$store_password"
PROFILE
  echo "made the TLS key store $etc/tether-broker.p12 (certificate: $etc/tether-broker.crt, for clients: $credentials/truststore.p12)"
fi
chmod -R go-rwx "$etc" "$instance/data" "$credentials"
echo "broker instance $instance is set up for Tether; add hosts with $here/add-host.sh $instance HOST_ID"
