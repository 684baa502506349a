#!/usr/bin/env bash
# The docker-compose.yml topology without Docker: a standalone Artemis broker configured from this
# directory, and workers for hosts h1 and h2, as local processes. Ctrl-C stops them all.
#   mvn -q verify -DskipTests          # builds target/tether.jar and unpacks target/artemis/
#   broker-config/run-topology.sh [DIR] # state goes to DIR (default ./topology)
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
dir="$(mkdir -p "${1:-./topology}" && cd "${1:-./topology}" && pwd)"
artemis_home="$(ls -d "$repo"/target/artemis/apache-artemis-* 2>/dev/null | head -1)"
jar="$repo/target/tether.jar"
[ -x "$artemis_home/bin/artemis" ] || { echo "no Artemis in target/artemis: run mvn -q verify -DskipTests first" >&2; exit 1; }
[ -f "$jar" ] || { echo "no $jar: run mvn -q verify -DskipTests first" >&2; exit 1; }

if [ ! -d "$dir/broker" ]; then
  "$artemis_home/bin/artemis" create "$dir/broker" --user admin --password admin --require-login \
    --silent --no-web --no-autotune
fi
cp "$repo/broker-config/broker.xml" "$repo/broker-config/artemis-users.properties" \
   "$repo/broker-config/artemis-roles.properties" "$dir/broker/etc/"

pids=()
trap 'kill "${pids[@]}" 2>/dev/null; wait' EXIT INT TERM
"$dir/broker/bin/artemis" run > "$dir/broker.log" 2>&1 & pids+=($!)
for _ in $(seq 1 300); do (exec 3<>/dev/tcp/127.0.0.1/5672) 2>/dev/null && break; sleep 0.2; done
for h in h1 h2; do
  TETHER_BROKER_PASSWORD="$h-secret" java -jar "$jar" worker --host-id "$h" --data-dir "$dir/$h" \
    --broker-url amqp://127.0.0.1:5672 --broker-user "host-$h" > "$dir/$h.log" 2>&1 & pids+=($!)
done
echo "broker on amqp://127.0.0.1:5672 (log $dir/broker.log); workers h1, h2 (logs $dir/h1.log, $dir/h2.log)"
echo "try: TETHER_USER=engine TETHER_PASSWORD=engine-secret java -jar $jar watch"
wait
