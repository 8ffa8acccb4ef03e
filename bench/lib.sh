# Shared helpers for the bench scripts (sourced, not run).
# shellcheck shell=bash

bench_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$bench_dir/.." && pwd)
TEARLINE_BIN=${TEARLINE_BIN:-$repo/target/release/tearline}
# Unless LOADGEN_BIN is given, the in-tree load generator is (re)built so that
# its flags match these scripts (a no-op when up to date).
LOADGEN_REBUILD=0
[[ -n ${LOADGEN_BIN:-} ]] || LOADGEN_REBUILD=1
LOADGEN_BIN=${LOADGEN_BIN:-$repo/target/release/tearline-loadgen}
BENCH_VENV=${BENCH_VENV:-$repo/.venv-bench}

# Temp dir and processes started by this script, cleaned up at exit.
work=$(mktemp -d "${TMPDIR:-/tmp}/tearline-bench.XXXXXX")
pids=()
_bench_cleanup() {
    local rc=$?
    local p
    for p in "${pids[@]}"; do
        if kill -0 "$p" 2>/dev/null; then
            kill "$p" 2>/dev/null || true
            for _ in $(seq 50); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
            kill -9 "$p" 2>/dev/null || true
        fi
    done
    if [[ ${KEEP_TMP:-0} == 1 ]]; then echo "bench: kept $work" >&2; else rm -rf "$work"; fi
    exit "$rc"
}
trap _bench_cleanup EXIT
trap 'exit 130' INT TERM

log() { echo "bench: $*" >&2; }
die() { echo "bench: error: $*" >&2; exit 1; }

# Build the binaries if they are missing (release profile).
# ensure_bins [loadgen-only]
ensure_bins() {
    local need=()
    [[ ${1:-} == loadgen-only || -x $TEARLINE_BIN ]] || need+=(-p tearline)
    [[ -x $LOADGEN_BIN && $LOADGEN_REBUILD == 0 ]] || need+=(-p tearline-loadgen)
    if ((${#need[@]})); then
        log "building ${need[*]} (release)"
        (cd "$repo" && cargo build --release "${need[@]}") >&2 || die "cargo build failed"
    fi
    [[ ${1:-} == loadgen-only || -x $TEARLINE_BIN ]] || die "no tearline binary at $TEARLINE_BIN"
    [[ -x $LOADGEN_BIN ]] || die "no loadgen binary at $LOADGEN_BIN"
}

free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# Last non-empty stdout line of a tearline CLI command (secret, collection id).
tl_last_line() {
    local out=$work/cli.out
    "$TEARLINE_BIN" "$@" >"$out" 2>"$work/cli.err" || { cat "$out" "$work/cli.err" >&2; die "tearline $*"; }
    grep -v '^[[:space:]]*$' "$out" | tail -n 1 | tr -d '[:space:]'
}

# tearline_setup DB_URL -> sets TL_USER TL_SECRET TL_COLLECTION (api root "bench")
tearline_setup() {
    local db=$1
    TL_USER=bench-$(od -An -N3 -tx1 /dev/urandom | tr -d ' \n')
    TL_SECRET=$(tl_last_line account add "$TL_USER" --role analyst --database "$db")
    TL_COLLECTION=$(tl_last_line collection add --database "$db" --api-root bench \
        --title "bench" --read "$TL_USER" --write "$TL_USER")
}

# tearline_start DB_URL -> sets TL_PID TL_PORT TL_OBJECTS_URL (needs TL_COLLECTION)
tearline_start() {
    local db=$1
    TL_PORT=$(free_port)
    "$TEARLINE_BIN" serve --database "$db" --listen "127.0.0.1:$TL_PORT" >>"$work/tearline.log" 2>&1 &
    TL_PID=$!
    pids+=("$TL_PID")
    local i
    for i in $(seq 600); do
        kill -0 "$TL_PID" 2>/dev/null || { tail -n 20 "$work/tearline.log" >&2; die "tearline serve exited"; }
        if [[ $(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$TL_PORT/healthz") == 200 ]]; then
            break
        fi
        sleep 0.1
    done
    [[ $i -lt 600 ]] || die "tearline /healthz not up after 60 s"
    TL_OBJECTS_URL=http://127.0.0.1:$TL_PORT/taxii2/bench/collections/$TL_COLLECTION/objects/
}

stop_pid() {
    local p=$1
    kill "$p" 2>/dev/null || true
    for _ in $(seq 100); do kill -0 "$p" 2>/dev/null || return 0; sleep 0.1; done
    kill -9 "$p" 2>/dev/null || true
}

# Memory of a process in MiB: rss_mib PID VmRSS|VmHWM
rss_mib() {
    awk -v k="$2:" '$1 == k { printf "%.0f", $2 / 1024 }' "/proc/$1/status"
}

# JSON field of a loadgen --json output file: jf FILE KEY
jf() {
    python3 -c 'import json,sys; v=json.load(open(sys.argv[1])).get(sys.argv[2]); print("n/a" if v is None else v)' "$1" "$2"
}

# Float formatting / ratio helpers.
fmt() { python3 -c 'import sys
v=sys.argv[1]
try:
    f=float(v)
except ValueError:
    print(v); sys.exit()
print(f"{f:,.0f}" if abs(f) >= 100 else f"{f:.2f}" if abs(f) >= 1 else f"{f:.3f}")' "$1"; }
ratio() { python3 -c 'import sys
try:
    a, b = float(sys.argv[1]), float(sys.argv[2]); r = a / b
    print(f"{r:,.0f}x" if r >= 100 else f"{r:.1f}x" if r >= 1 else f"{r:.2f}x")
except (ValueError, ZeroDivisionError):
    print("n/a")' "$1" "$2"; }

now() { date +%s.%N; }
elapsed() { python3 -c 'import sys; print(f"{float(sys.argv[2]) - float(sys.argv[1]):.3f}")' "$1" "$2"; }
