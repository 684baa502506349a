#!/usr/bin/env bash
# make-fixture.sh COMMIT OUTDIR
#
# Makes an upgrade fixture (issue 29, "Never lose a CID"): the database a given version of Tether
# leaves behind after managing a fixed set of CIDs, for tests that open it with newer code.
#
# What it does, all in a temporary directory:
#   1. checks COMMIT out in a temporary `git worktree` of the repository this script lives in, and
#      builds it there (mvn -q -o package -DskipTests; again without -o if offline fails);
#   2. starts that version's worker (root; a fresh data dir; a free port for the embedded broker;
#      --http-address off and --allow-file-root /srv where that version has them) and waits for
#      its banner;
#   3. with that version's own CLI manages the CIDs below (a secret-bearing URI through
#      --uri-file when that version has it), unmanages fx-gone, and saves `list --json`
#      (or the table, for a CLI without --json) to OUTDIR/list-before.json;
#   4. stops the worker with SIGTERM and waits for it;
#   5. copies into OUTDIR/db/ only what the worker keeps about CIDs: tether.mv.db and
#      credentials.key (not the broker journal), compacting the H2 file first if it is over 1 MB;
#   6. writes OUTDIR/README.md: commit, date, every manage/unmanage and its answer, the last
#      event seq, and the tables as H2's Shell prints them (read from a copy, since opening
#      may upgrade the file).
# The worktree, the temporary data dir and the worker (and anything it started) are removed or
# killed on exit, failure included. /srv/tether-fixture is never created: the worker fails to
# connect most CIDs (no servers), which is fine: only the stored rows matter.
#
# Rerun (as root, from anywhere in the repository; needs JDK 17, Maven, python3, git):
#   src/test/resources/upgrade/make-fixture.sh dab6ffa src/test/resources/upgrade/dab6ffa
#   src/test/resources/upgrade/make-fixture.sh 217ec80 src/test/resources/upgrade/217ec80
# OUTDIR is replaced (its db/, list-before.json and README.md). The files differ on every run
# (timestamps, the random credentials.key), not in what they hold.
set -euo pipefail

if [[ $# -ne 2 ]]; then
    echo "usage: $0 COMMIT OUTDIR" >&2
    exit 64
fi
COMMIT_ARG=$1
OUTDIR=$2

SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(git -C "$SCRIPT_DIR" rev-parse --show-toplevel)
COMMIT=$(git -C "$REPO" rev-parse --verify "$COMMIT_ARG^{commit}")
SHORT=$(git -C "$REPO" rev-parse --short=7 "$COMMIT")
mkdir -p "$OUTDIR"
OUTDIR=$(cd "$OUTDIR" && pwd)

HOST_ID=fixture
# The spellings the parser of main at 217ec80 refuses (issue 29), all accepted by earlier versions.
CURRENT_REFUSES=(fx-nfs-short fx-nfs-octal fx-nfs-hex fx-nfs-zone)

WORK=$(mktemp -d /tmp/tether-fixture-XXXXXX)   # 0700, root's: the worker wants a private data dir
SRC=$WORK/src
DATA=$WORK/data
WORKER_PID=

cleanup() {
    local rc=$?
    set +e
    if [[ -n $WORKER_PID ]]; then
        if kill -0 "$WORKER_PID" 2>/dev/null; then
            kill -TERM "$WORKER_PID" 2>/dev/null
            for _ in $(seq 60); do kill -0 "$WORKER_PID" 2>/dev/null || break; sleep 1; done
        fi
        # The worker ran in a session of its own (setsid): end whatever it left (mount helpers...).
        kill -KILL -- "-$WORKER_PID" 2>/dev/null
    fi
    if git -C "$REPO" worktree list --porcelain | grep -qx "worktree $SRC"; then
        git -C "$REPO" worktree remove --force "$SRC"
    fi
    git -C "$REPO" worktree prune
    rm -rf "$WORK"
    exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

log() { echo "[make-fixture $SHORT] $*" >&2; }

# 1. Build that version.
log "worktree of $COMMIT in $SRC"
git -C "$REPO" worktree add --quiet --detach "$SRC" "$COMMIT"
log "building (mvn -q -o package -DskipTests)"
BUILD_NOTE="built with \`mvn -q -o package -DskipTests\`"
if ! (cd "$SRC" && mvn -q -o package -DskipTests >"$WORK/build.log" 2>&1); then
    log "offline build failed (tail of log below); trying online"
    tail -n 20 "$WORK/build.log" >&2
    (cd "$SRC" && mvn -q package -DskipTests)
    BUILD_NOTE="built with \`mvn -q package -DskipTests\` (offline, a dependency was missing: $(grep -o 'the artifact [^ ]*' "$WORK/build.log" | head -n1 || true))"
fi
JAR=$SRC/target/tether.jar
[[ -f $JAR ]] || { log "no $JAR after the build"; exit 1; }

H2_VERSION=$(sed -n 's:.*<h2.version>\(.*\)</h2.version>.*:\1:p' "$SRC/pom.xml" | head -n1)
H2_JAR=$HOME/.m2/repository/com/h2database/h2/$H2_VERSION/h2-$H2_VERSION.jar
[[ -f $H2_JAR ]] || { log "no H2 jar $H2_JAR"; exit 1; }

# 2. Start its worker.
WORKER_HELP=$(java -jar "$JAR" worker --help 2>&1 || true)
MANAGE_HELP=$(java -jar "$JAR" manage --help 2>&1 || true)
LIST_HELP=$(java -jar "$JAR" list --help 2>&1 || true)
has_opt() { grep -q -e "$2" <<<"$1"; }

PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')
WORKER_ARGS=(worker --host-id "$HOST_ID" --data-dir "$DATA" --amqp-port "$PORT")
has_opt "$WORKER_HELP" '--http-address' && WORKER_ARGS+=(--http-address off)
has_opt "$WORKER_HELP" '--allow-file-root' && WORKER_ARGS+=(--allow-file-root /srv)

CLI_ARGS=(--broker "amqp://127.0.0.1:$PORT" --timeout 60)
has_opt "$MANAGE_HELP" '--data-dir' && CLI_ARGS+=(--data-dir "$DATA")   # engine-credentials, sealing key

log "starting: java -jar tether.jar ${WORKER_ARGS[*]}"
setsid java -jar "$JAR" "${WORKER_ARGS[@]}" >"$WORK/worker.log" 2>&1 </dev/null &
WORKER_PID=$!
for i in $(seq 300); do
    if grep -q 'Stop with Ctrl-C' "$WORK/worker.log"; then break; fi
    if ! kill -0 "$WORKER_PID" 2>/dev/null; then log "worker exited:"; cat "$WORK/worker.log" >&2; exit 1; fi
    if [[ $i -eq 300 ]]; then log "worker not running after 300 s:"; cat "$WORK/worker.log" >&2; exit 1; fi
    sleep 1
done
log "worker $WORKER_PID running on port $PORT"

# 3. The fixed set of CIDs, in that version's spelling.
PROTOCOL_DOC=$SRC/docs/protocol.md
if grep -q 'user\[%password\]@' "$PROTOCOL_DOC"; then
    CHAP_URI='iscsi://fxuser%secretpw@192.0.2.20/iqn.2003-01.org.example:disk1/0'
else
    CHAP_URI='iscsi://fxuser:secretpw@192.0.2.20/iqn.2003-01.org.example:disk1/0'
fi
if grep -E '^\| NFS \|' "$PROTOCOL_DOC" | grep -q 'options=a,b'; then
    NFS_OPTS='version=4.1&options=ro'
else
    log "docs/protocol.md of $SHORT gives no options=a,b for NFS; look up its syntax"; exit 1
fi
CIDS=(fx-file-1 fx-file-2 fx-file-3 fx-nfs-1 fx-nfs-short fx-nfs-octal fx-nfs-hex fx-nfs-zone
      fx-nfs-v6a fx-nfs-v6b fx-iscsi-chap fx-gone)
declare -A URI=(
    [fx-file-1]='file:///srv/tether-fixture/a'
    [fx-file-2]='file:///srv/tether-fixture/a'
    [fx-file-3]='file:///srv/tether-fixture/b'
    [fx-nfs-1]="nfs://192.0.2.10/export/a?$NFS_OPTS"
    [fx-nfs-short]='nfs://127.1:1/x'
    [fx-nfs-octal]='nfs://0177.0.0.1:1/x'
    [fx-nfs-hex]='nfs://0x7f.0.0.1:1/x'
    [fx-nfs-zone]='nfs://[fe80::1%25lo]:1/x'
    [fx-nfs-v6a]='nfs://[2001:db8::1]/export?version=4.1'
    [fx-nfs-v6b]='nfs://[2001:0db8:0:0:0:0:0:1]/export?version=3'
    [fx-iscsi-chap]="$CHAP_URI"
    [fx-gone]='file:///srv/tether-fixture/c'
)
USE_URI_FILE=no
has_opt "$MANAGE_HELP" '--uri-file' && USE_URI_FILE=yes

RESULTS=$WORK/results.md
: >"$RESULTS"
REFUSED=()
for cid in "${CIDS[@]}"; do
    uri=${URI[$cid]}
    shown=$uri
    [[ $cid == fx-iscsi-chap ]] && shown=${uri/secretpw/***}
    if [[ $cid == fx-iscsi-chap && $USE_URI_FILE == yes ]]; then
        install -m 0600 /dev/null "$WORK/chap.uri"
        printf '%s\n' "$uri" >"$WORK/chap.uri"
        how="--uri-file (0600)"
        set +e; out=$(java -jar "$JAR" manage "${CLI_ARGS[@]}" --host "$HOST_ID" "$cid" --uri-file "$WORK/chap.uri" 2>&1); rc=$?; set -e
    else
        how="argument"
        set +e; out=$(java -jar "$JAR" manage "${CLI_ARGS[@]}" --host "$HOST_ID" "$cid" "$uri" 2>&1); rc=$?; set -e
    fi
    out=${out//secretpw/***}
    [[ $rc -ne 0 ]] && REFUSED+=("$cid")
    log "manage $cid -> exit $rc: $out"
    printf -- '- `manage %s %s` (URI as %s): exit %d: `%s`\n' "$cid" "$shown" "$how" "$rc" "$(tr '\n' ' ' <<<"$out")" >>"$RESULTS"
done
set +e; out=$(java -jar "$JAR" unmanage "${CLI_ARGS[@]}" --host "$HOST_ID" fx-gone 2>&1); rc=$?; set -e
log "unmanage fx-gone -> exit $rc: $out"
printf -- '- `unmanage fx-gone`: exit %d: `%s`\n' "$rc" "$(tr '\n' ' ' <<<"$out")" >>"$RESULTS"
[[ $rc -eq 0 ]] || { log "unmanage failed"; exit 1; }

if has_opt "$LIST_HELP" '--json'; then
    LIST_NOTE="\`list --json\`"
    java -jar "$JAR" list "${CLI_ARGS[@]}" --host "$HOST_ID" --json >"$WORK/list-before.json"
else
    LIST_NOTE="\`list\` (this CLI has no --json: the table)"
    java -jar "$JAR" list "${CLI_ARGS[@]}" --host "$HOST_ID" >"$WORK/list-before.json"
fi
LIST_SEQ=$(grep -o '"seq" *: *[0-9]*' "$WORK/list-before.json" | tail -n1 | grep -o '[0-9]*$' || true)
[[ -n $LIST_SEQ ]] || LIST_SEQ=$(grep -o '(seq [0-9]*)' "$WORK/list-before.json" | grep -o '[0-9]*' || echo '?')

# 4. Stop it cleanly.
log "stopping the worker (SIGTERM)"
kill -TERM "$WORKER_PID"
STOPPED=no
for _ in $(seq 120); do
    if ! kill -0 "$WORKER_PID" 2>/dev/null; then STOPPED=yes; break; fi
    sleep 1
done
[[ $STOPPED == yes ]] || { log "worker still running 120 s after SIGTERM"; exit 1; }
set +e; wait "$WORKER_PID"; WORKER_RC=$?; set -e
log "worker exited with $WORKER_RC"
kill -KILL -- "-$WORKER_PID" 2>/dev/null || true   # anything it left in its session
WORKER_PID=

# 5. Copy what it keeps about CIDs.
h2() {   # h2 DBBASE SQL: one statement through H2's Shell
    java -cp "$H2_JAR" org.h2.tools.Shell -url "jdbc:h2:file:$1" -user tether -password '' -sql "$2"
}
DB=$DATA/db
SIZE=$(stat -c %s "$DB/tether.mv.db")
COMPACT_NOTE="not needed: the H2 file was $SIZE bytes as the worker left it"
if [[ $SIZE -gt 1048576 ]]; then
    h2 "$DB/tether" 'SHUTDOWN COMPACT' >/dev/null
    COMPACT_NOTE="the worker left $SIZE bytes; compacted with H2 $H2_VERSION's SHUTDOWN COMPACT to $(stat -c %s "$DB/tether.mv.db")"
fi
DB_FILES=$(cd "$DB" && ls -l)
rm -rf "$OUTDIR/db" "$OUTDIR/list-before.json" "$OUTDIR/README.md"
mkdir -p "$OUTDIR/db"
cp "$DB/tether.mv.db" "$DB/credentials.key" "$OUTDIR/db/"
chmod 0644 "$OUTDIR/db/tether.mv.db" "$OUTDIR/db/credentials.key"
cp "$WORK/list-before.json" "$OUTDIR/list-before.json"

# 6. README, with the tables read from a copy.
mkdir "$WORK/inspect"
cp "$OUTDIR/db/tether.mv.db" "$WORK/inspect/"
Q_CIDS='SELECT cid, connection_key, uri, secret IS NULL AS secret_is_null, managed_at FROM managed_cid ORDER BY cid'
Q_OUTBOX='SELECT MAX(seq) FROM event_outbox'
Q_SEQ='SELECT * FROM event_seq'
Q_FLYWAY='SELECT "version", "description", "success" FROM "flyway_schema_history" ORDER BY "installed_rank"'
OUT_CIDS=$(h2 "$WORK/inspect/tether" "$Q_CIDS")
OUT_OUTBOX=$(h2 "$WORK/inspect/tether" "$Q_OUTBOX")
OUT_SEQ=$(h2 "$WORK/inspect/tether" "$Q_SEQ")
OUT_FLYWAY=$(h2 "$WORK/inspect/tether" "$Q_FLYWAY" 2>&1 || true)
LAST_EVENT_LOG=$(grep -o 'seq[=" :]*[0-9][0-9]*' "$WORK/worker.log" | tail -n1 || true)
WORKER_LOG_TAIL=$(tail -n 15 "$WORK/worker.log" | sed "s|$WORK|WORK|g")
H2_TRACE=$(cat "$DB/tether.trace.db" 2>/dev/null | sed "s|$WORK|WORK|g" || true)

{
    echo "# Upgrade fixture: Tether $SHORT"
    echo
    echo "Made by \`../make-fixture.sh $COMMIT_ARG <this dir>\` on $(date -u +%Y-%m-%dT%H:%M:%SZ)"
    echo "from commit $COMMIT ($(git -C "$REPO" log -1 --format='%ci, "%s"' "$COMMIT")),"
    echo "$BUILD_NOTE."
    echo
    echo "The worker (\`$(sed "s|$DATA|DATA|g" <<<"${WORKER_ARGS[*]}")\`) managed these CIDs with"
    echo "its own CLI, then unmanaged \`fx-gone\`, listed (\`list-before.json\`: $LIST_NOTE), and"
    echo "stopped on SIGTERM (exit $WORKER_RC). \`db/\` is what it keeps about CIDs: the H2 file and"
    echo "\`credentials.key\` (the key that encrypts \`managed_cid.secret\`); not the broker journal."
    echo "Git holds them 0644: a test copies them to a temporary data dir and makes it 0700 (the"
    echo "worker refuses a data or db dir others may read)."
    echo
    echo "## Requests and answers"
    echo
    sed "s|$DATA|DATA|g" "$RESULTS"
    echo
    if [[ ${#REFUSED[@]} -eq 0 ]]; then
        echo "This version refused none of them."
    else
        echo "This version refused: ${REFUSED[*]} (not stored)."
    fi
    echo
    echo "The parser of main at 217ec80 refuses ${CURRENT_REFUSES[*]}"
    echo "(\`nfs://127.1:1/x\`, \`nfs://0177.0.0.1:1/x\`, \`nfs://0x7f.0.0.1:1/x\`, \`nfs://[fe80::1%25lo]:1/x\`; issue 29)."
    echo
    echo "## Last event seq"
    echo
    echo "- the list's \`seq\`: $LIST_SEQ"
    echo "- the worker's log, last seq it mentions: ${LAST_EVENT_LOG:-none (it logs no seqs)}"
    echo "- after the stop: \`$Q_OUTBOX\` and \`$Q_SEQ\` below (events published and trimmed from the"
    echo "  outbox advance event_seq; the highest seq is the greater of the two)."
    echo
    echo "## What it stored (H2 $H2_VERSION's Shell, on a copy)"
    echo
    echo "Compaction: $COMPACT_NOTE. The worker's db dir held (only the first two are copied):"
    echo
    echo '```'
    echo "$DB_FILES"
    echo '```'
    echo
    for pair in "Q_CIDS:OUT_CIDS" "Q_OUTBOX:OUT_OUTBOX" "Q_SEQ:OUT_SEQ" "Q_FLYWAY:OUT_FLYWAY"; do
        q=${pair%%:*}; o=${pair##*:}
        echo "\`${!q}\`:"
        echo
        echo '```'
        echo "${!o}"
        echo '```'
        echo
    done
    echo "## The worker's last log lines"
    echo
    echo '```'
    echo "$WORKER_LOG_TAIL"
    echo '```'
    if [[ -n $H2_TRACE ]]; then
        echo
        echo "H2's \`tether.trace.db\` (not copied):"
        echo
        echo '```'
        echo "$H2_TRACE"
        echo '```'
    fi
} >"$OUTDIR/README.md"
log "done: $OUTDIR"
ls -l "$OUTDIR" "$OUTDIR/db" >&2
