#!/usr/bin/env bash
# tearline against the physical limits of this machine.
#
#   bench/limits.sh [all|raw|import|read]...     (default: all)
#
#   raw     JSON parse and SQLite insert rates of the generated indicators
#           (tearline-loadgen raw): the ceiling for any ingest path.
#   import  `tearline import` of IMPORT_OBJECTS generated indicators into a
#           fresh SQLite database, as objects/s and as a fraction of the raw
#           SQLite insert rates.
#   read    paged TAXII reads (limit 100, match[type]=indicator, next tokens,
#           random restarts) with READ_SIZES objects stored (loaded with
#           `tearline import`), and the server's RSS while serving them.
#
# Environment (defaults in brackets):
#   RAW_OBJECTS [200000]  IMPORT_OBJECTS [200000]  READ_SIZES ["10000 1000000"]
#   READ_REQUESTS [3000]  CLIENTS [8]  PER_FILE [10000]
#   TEARLINE_BIN, LOADGEN_BIN, KEEP_TMP=1
# Prints a markdown table (ready for the README) with the command behind
# each figure.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

RAW_OBJECTS=${RAW_OBJECTS:-200000}
IMPORT_OBJECTS=${IMPORT_OBJECTS:-200000}
READ_SIZES=${READ_SIZES:-"10000 1000000"}
READ_REQUESTS=${READ_REQUESTS:-3000}
CLIENTS=${CLIENTS:-8}
PER_FILE=${PER_FILE:-10000}

what=("$@")
((${#what[@]})) || what=(all)
want() { local w; for w in "${what[@]}"; do [[ $w == all || $w == "$1" ]] && return 0; done; return 1; }

if [[ ${what[*]} == raw ]]; then ensure_bins loadgen-only; else ensure_bins; fi
rows=()
add_row() { rows+=("| $1 | $2 | \`$3\` |"); }

# gen_files N DIR
gen_files() {
    log "generating $1 indicators into $2"
    "$LOADGEN_BIN" --json gen --objects "$1" --per-file "$PER_FILE" --out "$2" >"$work/gen-$1.json"
}

# import_into DB DIR -> sets IMPORT_SECONDS (and creates account + collection)
import_into() {
    local db=$1 dir=$2
    tearline_setup "$db"
    local t0 t1
    t0=$(now)
    "$TEARLINE_BIN" import --database "$db" --collection "$TL_COLLECTION" --quiet "$dir"/*.json \
        >"$work/import.out" 2>&1 || { tail -n 20 "$work/import.out" >&2; die "tearline import failed"; }
    t1=$(now)
    IMPORT_SECONDS=$(elapsed "$t0" "$t1")
}

raw_json=$work/raw.json
if want raw || want import; then
    log "raw limits over $RAW_OBJECTS indicators"
    "$LOADGEN_BIN" --json raw --objects "$RAW_OBJECTS" --dir "$work" >"$raw_json"
    cmd="tearline-loadgen raw --objects $RAW_OBJECTS"
    add_row "JSON parse, bytes -> serde_json::Value (objects/s)" "$(fmt "$(jf "$raw_json" json_parse_objects_per_s)")" "$cmd"
    add_row "JSON parse (MB/s)" "$(fmt "$(jf "$raw_json" json_parse_mb_per_s)")" "$cmd"
    add_row "SQLite insert, WAL, 50k-object transactions, synchronous=NORMAL (objects/s)" \
        "$(fmt "$(jf "$raw_json" sqlite_insert_big_txn_objects_per_s)")" "$cmd"
    add_row "SQLite insert, WAL, 100-object transactions, synchronous=FULL (objects/s)" \
        "$(fmt "$(jf "$raw_json" sqlite_insert_txn100_full_objects_per_s)")" "$cmd"
fi

if want import; then
    dir=$work/gen-import
    gen_files "$IMPORT_OBJECTS" "$dir"
    db="sqlite://$work/import.sqlite"
    import_into "$db" "$dir"
    rate=$(python3 -c "print($IMPORT_OBJECTS / $IMPORT_SECONDS)")
    cmd="tearline import --collection ID bundle-*.json  # $IMPORT_OBJECTS objects, $PER_FILE per file"
    add_row "\`tearline import\` of $IMPORT_OBJECTS indicators (objects/s; $(fmt "$IMPORT_SECONDS") s)" "$(fmt "$rate")" "$cmd"
    add_row "import rate / raw SQLite big-transaction insert rate" \
        "$(ratio "$rate" "$(jf "$raw_json" sqlite_insert_big_txn_objects_per_s)")" "$cmd"
    add_row "import rate / raw JSON parse rate" \
        "$(ratio "$rate" "$(jf "$raw_json" json_parse_objects_per_s)")" "$cmd"
    db_bytes=$(du -cb "$work"/import.sqlite* | tail -n1 | cut -f1)
    add_row "database size after import (bytes/object)" "$(fmt "$(python3 -c "print($db_bytes / $IMPORT_OBJECTS)")")" "du -cb import.sqlite*"
    rm -rf "$dir" "$work"/import.sqlite*
fi

if want read; then
    for n in $READ_SIZES; do
        dir=$work/gen-$n
        gen_files "$n" "$dir"
        db="sqlite://$work/read-$n.sqlite"
        log "importing $n indicators"
        import_into "$db" "$dir"
        rm -rf "$dir"
        add_row "\`tearline import\` of $n indicators (objects/s; $(fmt "$IMPORT_SECONDS") s)" \
            "$(fmt "$(python3 -c "print($n / $IMPORT_SECONDS)")")" "tearline import --collection ID bundle-*.json"
        tearline_start "$db"
        idle=$(rss_mib "$TL_PID" VmRSS)
        log "read load with $n stored: $READ_REQUESTS pages, $CLIENTS clients"
        out=$work/read-$n.json
        "$LOADGEN_BIN" --json read --url "$TL_OBJECTS_URL" --user "$TL_USER" --password "$TL_SECRET" \
            --clients "$CLIENTS" --requests "$READ_REQUESTS" --limit 100 >"$out" ||
            log "read at $n reported errors: $(jf "$out" first_errors)"
        rss=$(rss_mib "$TL_PID" VmRSS)
        hwm=$(rss_mib "$TL_PID" VmHWM)
        stop_pid "$TL_PID"
        cmd="tearline-loadgen read --clients $CLIENTS --requests $READ_REQUESTS --limit 100 --type indicator"
        add_row "paged read with $n stored: latency p50 (ms)" "$(fmt "$(jf "$out" latency_p50_ms)")" "$cmd"
        add_row "paged read with $n stored: latency p95 / p99 (ms)" \
            "$(fmt "$(jf "$out" latency_p95_ms)") / $(fmt "$(jf "$out" latency_p99_ms)")" "$cmd"
        add_row "paged read with $n stored: pages/s (100 objects each)" "$(fmt "$(jf "$out" pages_per_s)")" "$cmd"
        [[ $(jf "$out" errors) == 0 ]] || add_row "paged read with $n stored: ERRORS" "$(jf "$out" errors)" "$(jf "$out" first_errors | cut -c1-200)"
        add_row "server RSS serving $n objects: idle / after load / peak (MiB)" "$idle / $rss / $hwm" \
            "grep -E 'VmRSS|VmHWM' /proc/PID/status"
        rm -f "$work"/read-"$n".sqlite*
    done
fi

echo
echo "### tearline vs the limits of this machine ($(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo) RAM, $(date -u +%Y-%m-%d))"
echo
echo "| measure | value | command |"
echo "|---|---:|---|"
printf '%s\n' "${rows[@]}"
