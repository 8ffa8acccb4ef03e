#!/usr/bin/env bash
# Side-by-side: the same TAXII ingest and paged-read load against medallion
# (OASIS reference TAXII 2.1 server, memory backend) and tearline (release
# build, temp SQLite database on disk), on this machine, on loopback.
#
#   bench/compare-medallion.sh
#
# Environment (defaults in brackets):
#   OBJECTS [2000]       indicators ingested into each server (medallion's
#                        memory backend is O(n^2): keep this to a few thousand)
#   PER_BUNDLE [100]     indicators per POSTed envelope
#   CLIENTS [8]          concurrent clients (one keep-alive connection each)
#   READ_REQUESTS [400]  page requests in the read run (limit=100, match[type]=indicator)
#   READ_SECONDS [300]   cap on the read run's duration (medallion is slow)
#   TEARLINE_BIN, LOADGEN_BIN, BENCH_VENV (.venv-bench, gets medallion), KEEP_TMP=1
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

OBJECTS=${OBJECTS:-2000}
PER_BUNDLE=${PER_BUNDLE:-100}
CLIENTS=${CLIENTS:-8}
READ_REQUESTS=${READ_REQUESTS:-400}
READ_SECONDS=${READ_SECONDS:-300}
bundles=$(((OBJECTS + PER_BUNDLE - 1) / PER_BUNDLE))

ensure_bins
if [[ ! -x $BENCH_VENV/bin/medallion ]]; then
    log "creating venv $BENCH_VENV with medallion"
    python3 -m venv "$BENCH_VENV"
    echo "*" >"$BENCH_VENV/.gitignore"
    "$BENCH_VENV/bin/python" -m pip install -q medallion >&2
fi

run_load() { # NAME OBJECTS_URL USER PASSWORD
    local name=$1 url=$2 user=$3 pass=$4
    log "$name: ingest $OBJECTS objects ($bundles envelopes x $PER_BUNDLE, $CLIENTS clients)"
    "$LOADGEN_BIN" --json ingest --url "$url" --user "$user" --password "$pass" \
        --clients "$CLIENTS" --bundles "$bundles" --per-bundle "$PER_BUNDLE" >"$work/$name-ingest.json" ||
        log "$name: ingest reported errors: $(jf "$work/$name-ingest.json" first_errors)"
    log "$name: read $READ_REQUESTS pages (limit 100, $CLIENTS clients, at most ${READ_SECONDS}s)"
    "$LOADGEN_BIN" --json read --url "$url" --user "$user" --password "$pass" \
        --clients "$CLIENTS" --requests "$READ_REQUESTS" --limit 100 --duration "$READ_SECONDS" \
        >"$work/$name-read.json" ||
        log "$name: read reported errors: $(jf "$work/$name-read.json" first_errors)"
}

# --- medallion ------------------------------------------------------------------
mport=$(free_port)
mcoll=$(python3 -c 'import uuid; print(uuid.uuid4())')
"$BENCH_VENV/bin/python" "$repo/tests/interop/medallion_setup.py" --dir "$work/medallion" \
    --port "$mport" --user bench:bench-secret --collection "$mcoll:rw"
"$BENCH_VENV/bin/medallion" --host 127.0.0.1 --port "$mport" "$work/medallion/config.json" \
    >"$work/medallion.log" 2>&1 &
mpid=$!
pids+=("$mpid")
for _ in $(seq 100); do
    [[ $(curl -s -o /dev/null -w '%{http_code}' -u bench:bench-secret \
        -H 'Accept: application/taxii+json;version=2.1' "http://127.0.0.1:$mport/taxii2/") == 200 ]] && break
    sleep 0.1
done
run_load medallion "http://127.0.0.1:$mport/api1/collections/$mcoll/objects/" bench bench-secret
med_rss=$(rss_mib "$mpid" VmHWM)
stop_pid "$mpid"

# --- tearline -------------------------------------------------------------------
db="sqlite://$work/tearline.sqlite"
tearline_setup "$db"
tearline_start "$db"
run_load tearline "$TL_OBJECTS_URL" "$TL_USER" "$TL_SECRET"
tl_rss=$(rss_mib "$TL_PID" VmHWM)
stop_pid "$TL_PID"

# --- table ------------------------------------------------------------------------
m() { jf "$work/medallion-$1.json" "$2"; }
t() { jf "$work/tearline-$1.json" "$2"; }
ing="tearline-loadgen ingest --clients $CLIENTS --bundles $bundles --per-bundle $PER_BUNDLE"
rd="tearline-loadgen read --clients $CLIENTS --requests $READ_REQUESTS --limit 100 --duration $READ_SECONDS"
echo
echo "### tearline vs medallion ($OBJECTS indicators, $CLIENTS clients, loopback, $(nproc) cores)"
echo
echo "| metric | medallion 3 (memory) | tearline (SQLite) | tearline / medallion | command |"
echo "|---|---:|---:|---:|---|"
row() { # label medallion tearline ratio-direction(up|down) command
    local r
    if [[ $4 == up ]]; then r=$(ratio "$3" "$2"); else r=$(ratio "$2" "$3"); [[ $r != n/a ]] && r="$r faster"; fi
    echo "| $1 | $(fmt "$2") | $(fmt "$3") | $r | \`$5\` |"
}
row "ingest objects/s" "$(m ingest objects_per_s)" "$(t ingest objects_per_s)" up "$ing"
row "ingest POST latency p50 (ms)" "$(m ingest latency_p50_ms)" "$(t ingest latency_p50_ms)" down "$ing"
row "ingest POST latency p99 (ms)" "$(m ingest latency_p99_ms)" "$(t ingest latency_p99_ms)" down "$ing"
row "read pages/s (100 objects/page)" "$(m read pages_per_s)" "$(t read pages_per_s)" up "$rd"
row "read latency p50 (ms)" "$(m read latency_p50_ms)" "$(t read latency_p50_ms)" down "$rd"
row "read latency p95 (ms)" "$(m read latency_p95_ms)" "$(t read latency_p95_ms)" down "$rd"
row "read latency p99 (ms)" "$(m read latency_p99_ms)" "$(t read latency_p99_ms)" down "$rd"
row "read: first-page latency p50 (ms)" "$(m read latency_start_p50_ms)" "$(t read latency_start_p50_ms)" down "$rd"
row "read: next-token page latency p50 (ms)" "$(m read latency_next_p50_ms)" "$(t read latency_next_p50_ms)" down "$rd"
row "read: next-token page latency p99 (ms)" "$(m read latency_next_p99_ms)" "$(t read latency_next_p99_ms)" down "$rd"
echo "| server peak RSS (MiB, VmHWM) | $med_rss | $tl_rss | | \`/proc/PID/status\` |"
echo
echo "pages read: medallion $(m read pages) in $(fmt "$(m read seconds)") s, tearline $(t read pages) in $(fmt "$(t read seconds)") s;" \
    "errors: medallion ingest $(m ingest errors)/read $(m read errors), tearline ingest $(t ingest errors)/read $(t read errors)"
for f in "$work"/*-ingest.json "$work"/*-read.json; do
    e=$(jf "$f" errors)
    [[ $e == 0 ]] || echo "  $(basename "$f" .json): $(jf "$f" first_errors)"
done
