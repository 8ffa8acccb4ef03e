#!/usr/bin/env bash
# The ledger's costs (release builds):
#
#   bench/ledger.sh verify    # `tearline ledger verify` over LEDGER_ENTRIES (1,000,000) entries
#   bench/ledger.sh ingest    # TAXII ingest with the ledger vs without (TEARLINE_BASE_BIN)
#   bench/ledger.sh           # both
#
# verify: `tearline migrate` makes an SQLite database, `tearline-loadgen ledger-db` appends
# LEDGER_ENTRIES chained entries in one transaction (computed with the real Head::append),
# `tearline ledger checkpoint` seals the head, then `tearline ledger verify` is timed
# VERIFY_RUNS (3) times; the median is reported. Target: 1M entries in <= 10 s.
#
# ingest: the same `tearline-loadgen ingest` against TEARLINE_BASE_BIN (a server built from
# before the ledger, e.g. commit c4d72ae) and TEARLINE_BIN, ROUNDS (5) rounds, A/B order
# alternating each round (the machine is shared), each run on a fresh database; medians of
# objects/s and POST p50. Target: the ledger costs <= 10%. Knobs: CLIENTS (8), BUNDLES (200),
# PER_BUNDLE (100).
#
# Binaries: TEARLINE_BIN, LOADGEN_BIN (default: $CARGO_TARGET_DIR or target/, release).
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
target=${CARGO_TARGET_DIR:-$here/../target}
export TEARLINE_BIN=${TEARLINE_BIN:-$target/release/tearline}
export LOADGEN_BIN=${LOADGEN_BIN:-$target/release/tearline-loadgen}
# shellcheck source=lib.sh
source "$here/lib.sh"

LEDGER_ENTRIES=${LEDGER_ENTRIES:-1000000}
VERIFY_RUNS=${VERIFY_RUNS:-3}
ROUNDS=${ROUNDS:-5}
CLIENTS=${CLIENTS:-8}
BUNDLES=${BUNDLES:-200}
PER_BUNDLE=${PER_BUNDLE:-100}
parts=("$@")
((${#parts[@]})) || parts=(verify ingest)

if [[ ! -x $TEARLINE_BIN || ! -x $LOADGEN_BIN ]]; then
    log "building tearline and tearline-loadgen (release)"
    (cd "$repo" && cargo build --release -p tearline -p tearline-loadgen) >&2 || die "cargo build failed"
fi

median() { python3 -c 'import statistics,sys; print(statistics.median(float(x) for x in sys.argv[1:]))' "$@"; }

bench_verify() {
    local db="$work/ledger.sqlite" url key="$work/tearline.key"
    url="sqlite://$db"
    "$TEARLINE_BIN" migrate --database "$url" >/dev/null
    local t0 t1
    t0=$(now)
    "$LOADGEN_BIN" --json ledger-db --db "$db" --entries "$LEDGER_ENTRIES" >"$work/ledger-db.json"
    t1=$(now)
    log "built $LEDGER_ENTRIES entries in $(elapsed "$t0" "$t1") s ($(du -b "$db" | cut -f1) bytes)"
    "$TEARLINE_BIN" ledger checkpoint --database "$url" --key-file "$key" >/dev/null 2>&1
    local times=() i secs
    for i in $(seq "$VERIFY_RUNS"); do
        t0=$(now)
        "$TEARLINE_BIN" ledger verify --database "$url" --key-file "$key" >"$work/verify.out"
        t1=$(now)
        secs=$(elapsed "$t0" "$t1")
        times+=("$secs")
        log "verify run $i: wall $secs s; $(head -n 1 "$work/verify.out")"
    done
    local med
    med=$(median "${times[@]}")
    echo "| \`tearline ledger verify\` of $(fmt "$LEDGER_ENTRIES") entries, SQLite (wall s, median of $VERIFY_RUNS; target <= 10 s) | $(fmt "$med") (runs: ${times[*]}) | \`bench/ledger.sh verify\` |"
    echo "| ledger verify rate (entries/s) | $(fmt "$(python3 -c "print($LEDGER_ENTRIES / $med)")") | same |"
}

ingest_once() { # BIN TAG ROUND
    local bin=$1 tag=$2 round=$3 db
    db="sqlite://$work/ingest-$tag-$round.sqlite"
    TEARLINE_BIN=$bin tearline_setup "$db"
    TEARLINE_BIN=$bin tearline_start "$db"
    "$LOADGEN_BIN" --json ingest --url "$TL_OBJECTS_URL" --user "$TL_USER" --password "$TL_SECRET" \
        --clients "$CLIENTS" --bundles "$BUNDLES" --per-bundle "$PER_BUNDLE" >"$work/ingest-$tag-$round.json"
    stop_pid "$TL_PID"
    log "round $round $tag: $(jf "$work/ingest-$tag-$round.json" objects_per_s) objects/s, p50 $(jf "$work/ingest-$tag-$round.json" latency_p50_ms) ms, errors $(jf "$work/ingest-$tag-$round.json" errors)"
}

bench_ingest() {
    [[ -n ${TEARLINE_BASE_BIN:-} && -x $TEARLINE_BASE_BIN ]] || die "set TEARLINE_BASE_BIN to a tearline built from before the ledger (e.g. c4d72ae)"
    local r
    for r in $(seq "$ROUNDS"); do
        if ((r % 2)); then
            ingest_once "$TEARLINE_BASE_BIN" base "$r"
            ingest_once "$TEARLINE_BIN" ledger "$r"
        else
            ingest_once "$TEARLINE_BIN" ledger "$r"
            ingest_once "$TEARLINE_BASE_BIN" base "$r"
        fi
    done
    local tag key vals
    declare -A med
    for tag in base ledger; do
        for key in objects_per_s latency_p50_ms; do
            vals=()
            for r in $(seq "$ROUNDS"); do vals+=("$(jf "$work/ingest-$tag-$r.json" "$key")"); done
            med[$tag.$key]=$(median "${vals[@]}")
            log "$tag $key: ${vals[*]} (median ${med[$tag.$key]})"
        done
    done
    local cost
    cost=$(python3 -c "print(f'{(1 - ${med[ledger.objects_per_s]} / ${med[base.objects_per_s]}) * 100:.1f}%')")
    local cmd="\`tearline-loadgen ingest --clients $CLIENTS --bundles $BUNDLES --per-bundle $PER_BUNDLE\`, $ROUNDS interleaved rounds"
    echo "| TAXII ingest without ledger (c4d72ae) / with ledger, objects/s (medians) | $(fmt "${med[base.objects_per_s]}") / $(fmt "${med[ledger.objects_per_s]}") | $cmd |"
    echo "| ledger append overhead on TAXII ingest (objects/s lost, negative = faster; target <= 10%) | $cost | same |"
    echo "| ingest POST latency p50 without / with ledger (ms, medians) | $(fmt "${med[base.latency_p50_ms]}") / $(fmt "${med[ledger.latency_p50_ms]}") | same |"
}

echo "| measure | value | command |"
echo "|---|---:|---|"
for p in "${parts[@]}"; do
    case $p in
        verify) bench_verify ;;
        ingest) bench_ingest ;;
        *) die "unknown part '$p' (verify, ingest)" ;;
    esac
done
