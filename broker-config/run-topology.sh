#!/usr/bin/env bash
# The docker-compose.yml topology without Docker: a standalone Artemis broker set up as
# docs/operations.md says, and workers for hosts h1 and h2, as local processes. Ctrl-C stops them.
#   mvn -q verify -DskipTests                       # builds target/tether.jar, unpacks target/artemis/
#   broker-config/run-topology.sh [DIR]             # state goes to DIR (default ./topology)
#   broker-config/run-topology.sh --prepare [DIR]   # only make the broker instance (docker compose uses it)
# The admin password is made at random into DIR/admin.password; the engine's and the hosts' are in
# DIR/broker/credentials/.
set -euo pipefail
prepare=false
if [ "${1:-}" = "--prepare" ]; then prepare=true; shift; fi
repo="$(cd "$(dirname "$0")/.." && pwd)"
dir="$(mkdir -p "${1:-./topology}" && cd "${1:-./topology}" && pwd)"
artemis_home="$(ls -d "$repo"/target/artemis/apache-artemis-* 2>/dev/null | head -1)"
jar="$repo/target/tether.jar"
[ -x "$artemis_home/bin/artemis" ] || { echo "no Artemis in target/artemis: run mvn -q verify -DskipTests first" >&2; exit 1; }
[ -f "$jar" ] || { echo "no $jar: run mvn -q verify -DskipTests first" >&2; exit 1; }

if [ ! -d "$dir/broker" ]; then
  umask 077
  head -c 32 /dev/urandom | base64 | tr -d '/+=\n' | head -c 32 > "$dir/admin.password"
  "$artemis_home/bin/artemis" create "$dir/broker" --user admin --password "$(cat "$dir/admin.password")" \
    --require-login --silent --no-web --no-autotune >/dev/null
  # "broker" is the broker's name on docker compose's network.
  TETHER_TLS_NAMES=broker "$repo/broker-config/setup-broker.sh" "$dir/broker"
  for h in h1 h2; do "$repo/broker-config/add-host.sh" "$dir/broker" "$h"; done
fi
if $prepare; then
  echo "broker instance ready in $dir/broker"
  exit 0
fi

pids=()
trap 'kill "${pids[@]}" 2>/dev/null; wait' EXIT INT TERM
"$dir/broker/bin/artemis" run > "$dir/broker.log" 2>&1 & pids+=($!)
for _ in $(seq 1 300); do (exec 3<>/dev/tcp/127.0.0.1/5672) 2>/dev/null && break; sleep 0.2; done
for h in h1 h2; do
  java -jar "$jar" worker --host-id "$h" --data-dir "$dir/$h" --broker-url amqp://127.0.0.1:5672 \
    --broker-user "host-$h" --broker-password-file "$dir/broker/credentials/host-$h.password" > "$dir/$h.log" 2>&1 & pids+=($!)
done
echo "broker on amqp://127.0.0.1:5672 and amqps://localhost:5671 (log $dir/broker.log); workers h1, h2 (logs $dir/h1.log, $dir/h2.log)"
echo "try: java -jar $jar watch --user engine --password-file $dir/broker/credentials/engine.password"
wait
