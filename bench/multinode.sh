#!/usr/bin/env bash
# The same TAXII ingest and paged-read load (tearline-loadgen) against tearline on
# SQLite (one node), on PostgreSQL with one node, and on PostgreSQL with three
# nodes sharing one schema (the clients spread over the nodes: one loadgen per
# node, run concurrently, results summed). Prints a markdown table.
#
#   bench/multinode.sh                 # all three setups
#   bench/multinode.sh pg1 pg3         # a subset: sqlite, pg1, pg3
#
# Environment (defaults in brackets):
#   PG_URL [$TEARLINE_TEST_DATABASE_URL or postgres://postgres@127.0.0.1:5432/test]
#                        each PostgreSQL setup gets a fresh schema in it
#                        (CREATE SCHEMA with psql, dropped at exit)
#   OBJECTS [30000]      indicators ingested per setup
#   PER_BUNDLE [100]     indicators per POSTed envelope
#   CLIENTS [9]          concurrent clients in total (split evenly over the nodes)
#   READ_REQUESTS [3000] pages read in total (limit=100, match[type]=indicator)
#   READ_SECONDS [120]   cap on each read run
#   NODES [3]            nodes in the multi-node setup
#   TEARLINE_BIN, LOADGEN_BIN, KEEP_TMP=1 (see lib.sh)
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

PG_URL=${PG_URL:-${TEARLINE_TEST_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/test}}
OBJECTS=${OBJECTS:-30000}
PER_BUNDLE=${PER_BUNDLE:-100}
CLIENTS=${CLIENTS:-9}
READ_REQUESTS=${READ_REQUESTS:-3000}
READ_SECONDS=${READ_SECONDS:-120}
NODES=${NODES:-3}
SETUPS=("$@")
((${#SETUPS[@]})) || SETUPS=(sqlite pg1 pg3)
bundles=$(((OBJECTS + PER_BUNDLE - 1) / PER_BUNDLE))

# Stop the servers before dropping their schemas, then lib.sh's cleanup.
schemas=()
_multinode_cleanup() {
    local rc=$? p s
    set +e
    for p in "${pids[@]}"; do stop_pid "$p"; done
    for s in "${schemas[@]}"; do
        psql "$PG_URL" -X -q -c "SET lock_timeout = '20s'; DROP SCHEMA IF EXISTS $s CASCADE" >/dev/null 2>&1 ||
            log "could not drop schema $s"
    done
    if [[ ${KEEP_TMP:-0} == 1 ]]; then log "kept $work"; else rm -rf "$work"; fi
    exit "$rc"
}
trap _multinode_cleanup EXIT

ensure_bins
needs_pg=0
for s in "${SETUPS[@]}"; do
    case $s in
    sqlite) ;;
    pg1 | pg3) needs_pg=1 ;;
    *) die "unknown setup '$s' (use sqlite, pg1, pg3)" ;;
    esac
done
if ((needs_pg)); then
    command -v psql >/dev/null || die "psql is needed to create the PostgreSQL schemas"
    pg_version=$(psql "$PG_URL" -X -A -t -q -c "SHOW server_version" 2>"$work/psql.err") ||
        die "PostgreSQL at $PG_URL is unreachable: $(cat "$work/psql.err")"
    pg_sync=$(psql "$PG_URL" -X -A -t -q -c "SHOW synchronous_commit")
    pg_fsync=$(psql "$PG_URL" -X -A -t -q -c "SHOW fsync")
fi

# new_pg_db NAME -> sets PG_DB to the URL of a fresh schema
new_pg_db() {
    local s
    s=tl_bench_$1_$(od -An -N4 -tx1 /dev/urandom | tr -d ' \n')
    psql "$PG_URL" -X -q -c "CREATE SCHEMA $s" >/dev/null || die "cannot create schema $s"
    schemas+=("$s")
    local sep='?'
    [[ $PG_URL == *\?* ]] && sep='&'
    PG_DB="$PG_URL${sep}options=-csearch_path%3D$s"
}

# share TOTAL PARTS INDEX -> this part's share of TOTAL (the first ones get the remainder)
share() { echo $(($1 / $2 + ($3 < $1 % $2 ? 1 : 0))); }

# run_setup NAME DB_URL NODES
run_setup() {
    local name=$1 db=$2 n=$3 i urls=() node_pids=() lg=() rc
    log "$name: setup ($n node(s), $db)"
    tearline_setup "$db"
    for ((i = 0; i < n; i++)); do
        tearline_start "$db"
        urls+=("$TL_OBJECTS_URL")
        node_pids+=("$TL_PID")
    done
    log "$name: ingest $OBJECTS objects ($bundles envelopes x $PER_BUNDLE, $CLIENTS clients over $n node(s))"
    for ((i = 0; i < n; i++)); do
        "$LOADGEN_BIN" --json ingest --url "${urls[i]}" --user "$TL_USER" --password "$TL_SECRET" \
            --clients "$(share "$CLIENTS" "$n" "$i")" --bundles "$(share "$bundles" "$n" "$i")" \
            --per-bundle "$PER_BUNDLE" >"$work/$name-ingest-$i.json" &
        lg+=($!)
    done
    for ((i = 0; i < n; i++)); do
        wait "${lg[i]}" || log "$name: ingest via node $i reported errors: $(jf "$work/$name-ingest-$i.json" first_errors)"
    done
    lg=()
    log "$name: read $READ_REQUESTS pages (limit 100, $CLIENTS clients over $n node(s))"
    for ((i = 0; i < n; i++)); do
        "$LOADGEN_BIN" --json read --url "${urls[i]}" --user "$TL_USER" --password "$TL_SECRET" \
            --clients "$(share "$CLIENTS" "$n" "$i")" --requests "$(share "$READ_REQUESTS" "$n" "$i")" \
            --limit 100 --duration "$READ_SECONDS" >"$work/$name-read-$i.json" &
        lg+=($!)
    done
    for ((i = 0; i < n; i++)); do
        wait "${lg[i]}" || log "$name: read via node $i reported errors: $(jf "$work/$name-read-$i.json" first_errors)"
    done
    # Every node serves the whole collection (a cheap cross-node check).
    for ((i = 0; i < n; i++)); do
        rc=$(curl -s -o /dev/null -w '%{http_code}' -u "$TL_USER:$TL_SECRET" \
            -H 'Accept: application/taxii+json;version=2.1' "${urls[i]}?limit=1")
        [[ $rc == 200 ]] || log "$name: node $i answered $rc"
    done
    for i in "${node_pids[@]}"; do stop_pid "$i"; done
}

# agg NAME KIND -> JSON summary of the per-node loadgen outputs (sums, wall time = slowest,
# percentiles = the worst node's)
agg() {
    python3 - "$work" "$1" "$2" <<'EOF'
import glob, json, sys
work, name, kind = sys.argv[1:]
runs = [json.load(open(f)) for f in sorted(glob.glob(f"{work}/{name}-{kind}-*.json"))]
def worst(k):
    v = [r[k] for r in runs if r.get(k) is not None]
    return max(v) if v else None
secs = worst("seconds") or float("nan")
out = {"nodes": len(runs), "seconds": secs, "errors": sum(r.get("errors", 0) for r in runs)}
if kind == "ingest":
    objs = sum(r.get("objects_ok", 0) for r in runs)
    reqs = sum(r.get("requests", 0) for r in runs)
    out.update(objects=objs, objects_per_s=objs / secs, requests_per_s=reqs / secs,
               p50=worst("latency_p50_ms"), p99=worst("latency_p99_ms"), max=worst("latency_max_ms"),
               p50_each=[r.get("latency_p50_ms") for r in runs])
else:
    pages = sum(r.get("pages", 0) for r in runs)
    objs = sum(r.get("objects", 0) for r in runs)
    out.update(pages=pages, pages_per_s=pages / secs, objects_per_s=objs / secs if objs else None,
               p50=worst("latency_p50_ms"), p95=worst("latency_p95_ms"), p99=worst("latency_p99_ms"),
               p50_each=[r.get("latency_p50_ms") for r in runs])
print(json.dumps(out))
EOF
}

labels=() cols=()
for s in "${SETUPS[@]}"; do
    case $s in
    sqlite)
        run_setup sqlite "sqlite://$work/tearline.sqlite" 1
        labels+=("SQLite, 1 node") ;;
    pg1)
        new_pg_db one
        run_setup pg1 "$PG_DB" 1
        labels+=("PostgreSQL, 1 node") ;;
    pg3)
        new_pg_db three
        run_setup pg3 "$PG_DB" "$NODES"
        labels+=("PostgreSQL, $NODES nodes") ;;
    esac
    agg "$s" ingest >"$work/$s-ingest.sum"
    agg "$s" read >"$work/$s-read.sum"
    cols+=("$s")
done

# --- table ------------------------------------------------------------------------
v() { jf "$work/$1-$2.sum" "$3"; }
header="| metric |"
sep="|---|"
for l in "${labels[@]}"; do header+=" $l |"; sep+="---:|"; done
header+=" command (per node: see below) |"
sep+="---|"
ing="tearline-loadgen ingest --clients $CLIENTS --bundles $bundles --per-bundle $PER_BUNDLE"
rd="tearline-loadgen read --clients $CLIENTS --requests $READ_REQUESTS --limit 100"
row() { # label kind key [raw]
    local line="| $1 |" s x cmd=$ing
    for s in "${cols[@]}"; do
        x=$(v "$s" "$2" "$3")
        [[ ${4:-} == raw ]] || x=$(fmt "$x")
        line+=" $x |"
    done
    [[ $2 == read ]] && cmd=$rd
    echo "$line \`$cmd\` |"
}
echo
echo "### SQLite vs PostgreSQL, one node vs $NODES ($OBJECTS indicators, $CLIENTS clients, loopback, $(nproc) cores)"
echo
[[ -n ${pg_version:-} ]] && echo "PostgreSQL $pg_version on the same machine (synchronous_commit=$pg_sync, fsync=$pg_fsync)." && echo
echo "$header"
echo "$sep"
row "ingest objects/s" ingest objects_per_s
row "ingest POST requests/s" ingest requests_per_s
row "ingest POST latency p50 (ms, worst node)" ingest p50
row "ingest POST latency p99 (ms, worst node)" ingest p99
row "read pages/s (100 objects/page)" read pages_per_s
row "read objects/s" read objects_per_s
row "read latency p50 (ms, worst node)" read p50
row "read latency p95 (ms, worst node)" read p95
row "read latency p99 (ms, worst node)" read p99
row "ingest errors" ingest errors raw
row "read errors" read errors raw
echo
echo "Commands (one loadgen per node, run concurrently; throughput = sum over the loadgens /"
echo "the slowest one's seconds; latency percentiles = the worst loadgen's):"
echo
for s in "${cols[@]}"; do
    n=$(v "$s" ingest nodes)
    for ((i = 0; i < n; i++)); do
        echo "- $s node $i: \`tearline-loadgen ingest --clients $(share "$CLIENTS" "$n" "$i") --bundles $(share "$bundles" "$n" "$i") --per-bundle $PER_BUNDLE\`," \
            "\`tearline-loadgen read --clients $(share "$CLIENTS" "$n" "$i") --requests $(share "$READ_REQUESTS" "$n" "$i") --limit 100 --duration $READ_SECONDS\`"
    done
done
echo
echo "Per-node p50 (ms): $(for s in "${cols[@]}"; do printf '%s ingest %s read %s; ' "$s" "$(v "$s" ingest p50_each)" "$(v "$s" read p50_each)"; done)"
for s in "${cols[@]}"; do
    e=$(( $(v "$s" ingest errors) + $(v "$s" read errors) ))
    ((e == 0)) || echo "  $s: $e errors; see $work (KEEP_TMP=1)"
done
