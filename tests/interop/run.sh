#!/usr/bin/env bash
# TAXII 2.1 interoperability suite against a real `tearline serve`.
#
#   tests/interop/run.sh            # uses target/release/tearline, a temp SQLite db
#
# Environment:
#   TEARLINE_BIN                 tearline binary (default: target/release/tearline; not built here)
#   TEARLINE_VENV                Python venv (default: .venv-interop under the repo; created if absent)
#   TEARLINE_TEST_DATABASE_URL   postgres://... to run against PostgreSQL instead of a temp SQLite file
#   TEARLINE_API_ROOT            API root for the test collections (default: interop)
#   TEARLINE_ROLE                role of the test accounts (default: analyst)
#   KEEP_TMP=1                   keep the temp dir (database, server log) for inspection
#
#   DUTY_SCENARIOS="1 2 3"       duty-to-warn scenarios to run after the suite (default all; "" none)
#
# After the TAXII suite (interop.py), duty.py runs the duty-to-warn scenarios end to end on the
# same server: an analyst posts intelligence with taxii2-client, the release officer decides to
# warn through the management API, the partner pulls and answers with taxii2-client.
# Scenario 3 (Kerman) pushes the warning to the recipient's own TAXII server: a second
# `tearline serve` on its own temp SQLite database (whatever the producer's database), with a
# "Warnings received" collection that cert-inbound writes (the producer's push credential) and
# mois-duty-officer reads (with taxii2-client).
#
# Exit status: 0 only if every check passed.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
bin=${TEARLINE_BIN:-$repo/target/release/tearline}
venv=${TEARLINE_VENV:-$repo/.venv-interop}
api_root=${TEARLINE_API_ROOT:-interop}
role=${TEARLINE_ROLE:-analyst}

if [[ ! -x $bin ]]; then
    echo "run.sh: no tearline binary at $bin (build it: cargo build --release -p tearline, or set TEARLINE_BIN)" >&2
    exit 2
fi

# --- Python environment -----------------------------------------------------
if [[ ! -x $venv/bin/python ]]; then
    echo "run.sh: creating venv $venv"
    python3 -m venv "$venv"
    echo "*" >"$venv/.gitignore"  # keep the venv out of git status
fi
if ! "$venv/bin/python" -c 'import taxii2client.v21, stix2validator, requests' 2>/dev/null; then
    "$venv/bin/python" -m pip install -q taxii2-client stix2-validator requests
fi
py=$venv/bin/python

# --- scratch dir, database ------------------------------------------------------
work=$(mktemp -d "${TMPDIR:-/tmp}/tearline-interop.XXXXXX")
server_pid=
recipient_pid=
stop_pid() {
    local pid=$1
    if [[ -n $pid ]] && kill -0 "$pid" 2>/dev/null; then
        kill "$pid" 2>/dev/null || true
        for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        kill -9 "$pid" 2>/dev/null || true
    fi
}
cleanup() {
    local rc=$?
    stop_pid "$server_pid"
    stop_pid "$recipient_pid"
    if [[ $rc -ne 0 ]]; then
        for log in server recipient; do
            [[ -s $work/$log.log ]] || continue
            echo "---- last 40 lines of the $log log ($work/$log.log) ----" >&2
            tail -n 40 "$work/$log.log" >&2 || true
        done
    fi
    if [[ ${KEEP_TMP:-0} == 1 ]]; then echo "run.sh: kept $work" >&2; else rm -rf "$work"; fi
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# The single place that chooses the database: PostgreSQL when asked, else SQLite.
database_url=${TEARLINE_TEST_DATABASE_URL:-sqlite://$work/tearline.sqlite}
pg_schema=
case $database_url in
    postgres://* | postgresql://*)
        # A fresh schema per run, dropped at exit, so runs never see each other's accounts.
        pg_schema="interop_$$_$RANDOM"
        psql -q "$database_url" -c "CREATE SCHEMA $pg_schema" >/dev/null
        case $database_url in *\?*) sep='&' ;; *) sep='?' ;; esac
        base_url=$database_url
        database_url="$database_url${sep}options=-csearch_path%3D$pg_schema"
        trap 'psql -q "$base_url" -c "DROP SCHEMA IF EXISTS $pg_schema CASCADE" >/dev/null 2>&1 || true; cleanup' EXIT
        ;;
    sqlite://*) ;;
    *) echo "run.sh: unsupported database URL: $database_url" >&2; exit 2 ;;
esac
echo "run.sh: database $(printf %s "$database_url" | sed -E "s#//[^@/]*@#//***@#; s#\?.*##")"

# Run a tearline CLI command; its last stdout line is the result.
cli_last_line() {
    local out=$work/cli.out err=$work/cli.err
    if ! "$bin" "$@" >"$out" 2>"$err"; then
        echo "run.sh: FAILED: tearline $*" >&2
        cat "$out" "$err" >&2
        exit 1
    fi
    local last
    last=$(grep -v '^[[:space:]]*$' "$out" | tail -n 1 | tr -d '[:space:]')
    if [[ -z $last ]]; then
        echo "run.sh: tearline $1 printed nothing on stdout" >&2
        cat "$err" >&2
        exit 1
    fi
    printf '%s\n' "$last"
}

# Unique names so that a shared (PostgreSQL) database can be reused.
tag=$(od -An -N4 -tx1 /dev/urandom | tr -d ' \n')
writer=interop-writer-$tag
reader=interop-reader-$tag
outsider=interop-outsider-$tag

writer_secret=$(cli_last_line account add "$writer" --role "$role" --database "$database_url")
reader_secret=$(cli_last_line account add "$reader" --role "$role" --database "$database_url")
outsider_secret=$(cli_last_line account add "$outsider" --role "$role" --database "$database_url")
collection=$(cli_last_line collection add --database "$database_url" --api-root "$api_root" \
    --title "interop $tag" --read "$writer,$reader" --write "$writer")
outsider_collection=$(cli_last_line collection add --database "$database_url" --api-root "$api_root" \
    --title "outsider $tag" --read "$outsider" --write "$outsider")
uuid_re='^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$'
for c in "$collection" "$outsider_collection"; do
    if [[ ! $c =~ $uuid_re ]]; then
        echo "run.sh: 'tearline collection add' did not print a UUID on its last line: '$c'" >&2
        exit 1
    fi
done

# --- duty to warn: people, partners, settings --------------------------------------------
# Fixed names: the default duty profile maps SYR -> syria-gsd and RUS -> russia-fsb, and the
# fixtures carry fixed ids; both need the fresh database (or schema) every run gets.
ana_secret=$(cli_last_line account add ana --role analyst --database "$database_url")
rob_secret=$(cli_last_line account add rob --role release-officer --database "$database_url")
cli_last_line account add ada --role admin --database "$database_url" >/dev/null
intel=$(cli_last_line collection add --database "$database_url" --api-root default \
    --title "Intelligence $tag" --read ana,rob --write ana)
# NAME COUNTRY FLAGS [MEMBER] -> {"member", "secret", "identity", "collection"} on one line
# (member and secret empty when the partner has no member here).
partner_json() {
    local identity collection secret=
    identity=$("$py" -c 'import uuid; print(f"identity--{uuid.uuid4()}")') || return
    cli_last_line partner add "$1" --country "$2" --flags "$3" --identity "$identity" --database "$database_url" >/dev/null || return
    collection=$("$bin" partner show "$1" --json --database "$database_url" |
        "$py" -c 'import json, sys; print(json.load(sys.stdin)["collection_id"])') || return
    if [[ -n ${4-} ]]; then
        secret=$(cli_last_line partner member add "$1" "$4" --database "$database_url") || return
    fi
    "$py" -c 'import json, sys; print(json.dumps(dict(zip(["member", "secret", "identity", "collection"], sys.argv[1:]))))' \
        "${4-}" "$secret" "$identity" "$collection"
}
syria=$(partner_json syria-gsd SYR not-recognised gsd-liaison)
russia=$(partner_json russia-fsb RUS hostile fsb-duty-desk)
# Iran (the default profile maps IRN -> iran-mois): no member here; its warnings are pushed to
# its own TAXII server (below).
iran=$(partner_json iran-mois IRN hostile,no-diplomatic-relations)

# --- the recipient's own TAXII server (scenario 3: Iran's), always on its own SQLite file ---------
free_port() { "$py" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
recipient_db=sqlite://$work/recipient.sqlite
inbound_secret=$(cli_last_line account add cert-inbound --role analyst --database "$recipient_db")
mois_secret=$(cli_last_line account add mois-duty-officer --role analyst --database "$recipient_db")
inbox=$(cli_last_line collection add --database "$recipient_db" --api-root default \
    --title "Warnings received" --read cert-inbound,mois-duty-officer --write cert-inbound)
if [[ ! $inbox =~ $uuid_re ]]; then
    echo "run.sh: 'tearline collection add' (recipient) did not print a UUID on its last line: '$inbox'" >&2
    exit 1
fi
recipient_port=$(free_port)
recipient_base=http://127.0.0.1:$recipient_port

# TLP:AMBER goes only to the producer's clients: all three partners are. [duty]: the default
# profile, a fast scheduler, and the push target for iran-mois (read at server start).
clients=$("$py" -c 'import json, sys; print(json.dumps([json.loads(a)["identity"] for a in sys.argv[1:]]))' "$syria" "$russia" "$iran")
printf '%s\n' "key_file = \"$work/tearline.key\"" "" \
    "[organisation]" "name = \"Interop Test National CERT\"" "country = \"USA\"" "" \
    "[releases]" "clients = $clients" "" "[duty]" "tick_seconds = 1" "" \
    "[duty.push.iran-mois]" \
    "collection_url = \"$recipient_base/taxii2/default/collections/$inbox/\"" \
    "token = \"$inbound_secret\"" >"$work/tearline.toml"
"$py" -c '
import json, sys
out, ana, rob, intel, fixtures, syria, russia, iran, rbase, inbox, mois = sys.argv[1:]
with open(out, "w") as f:
    json.dump({"analyst": {"user": "ana", "secret": ana}, "officer": {"user": "rob", "secret": rob},
               "intel_collection": intel, "fixtures": fixtures,
               "partners": {"syria-gsd": json.loads(syria), "russia-fsb": json.loads(russia),
                            "iran-mois": json.loads(iran)},
               "recipient": {"discovery": rbase + "/taxii2/", "collection": inbox, "collection_title": "Warnings received",
                             "reader": {"user": "mois-duty-officer", "secret": mois}}}, f)
' "$work/duty-setup.json" "$ana_secret" "$rob_secret" "$intel" "$repo/data/demo" "$syria" "$russia" "$iran" \
    "$recipient_base" "$inbox" "$mois_secret"

# --- servers ------------------------------------------------------------------------
# PID BASE WHAT: wait until BASE/healthz answers 200 (30 s at most).
wait_up() {
    for _ in $(seq 300); do
        if ! kill -0 "$1" 2>/dev/null; then
            echo "run.sh: $3 exited during startup" >&2
            exit 1
        fi
        if "$py" -c "import sys, urllib.request; sys.exit(0 if urllib.request.urlopen('$2/healthz', timeout=1).status == 200 else 1)" 2>/dev/null; then
            return 0
        fi
        sleep 0.1
    done
    echo "run.sh: $3: /healthz not 200 after 30 s" >&2
    exit 1
}
"$bin" serve --database "$recipient_db" --key-file "$work/recipient.key" --listen "127.0.0.1:$recipient_port" >"$work/recipient.log" 2>&1 &
recipient_pid=$!
echo "run.sh: recipient's tearline serve pid $recipient_pid on $recipient_base"
wait_up "$recipient_pid" "$recipient_base" "the recipient's tearline serve"

port=$(free_port)
base=http://127.0.0.1:$port
"$bin" serve --config "$work/tearline.toml" --database "$database_url" --listen "127.0.0.1:$port" >"$work/server.log" 2>&1 &
server_pid=$!
echo "run.sh: tearline serve pid $server_pid on $base"
wait_up "$server_pid" "$base" "tearline serve"

# --- the suite --------------------------------------------------------------------------
set +e
"$py" "$here/interop.py" \
    --discovery "$base/taxii2/" \
    --user "$writer" --password "$writer_secret" \
    --collection "$collection" \
    --reader-user "$reader" --reader-password "$reader_secret" \
    --outsider-user "$outsider" --outsider-password "$outsider_secret" \
    --outsider-collection "$outsider_collection" \
    "$@"
rc=$?
scenarios=${DUTY_SCENARIOS-1 2 3}
if [[ -n $scenarios ]]; then
    echo
    echo "run.sh: duty to warn, scenario(s) $scenarios (duty.py)"
    duty_args=()
    for n in $scenarios; do duty_args+=(--scenario "$n"); done
    "$py" "$here/duty.py" --discovery "$base/taxii2/" --setup "$work/duty-setup.json" "${duty_args[@]}"
    duty_rc=$?
    if [[ $duty_rc -ne 0 ]]; then rc=$duty_rc; fi
fi
set -e
if ! kill -0 "$server_pid" 2>/dev/null; then
    echo "run.sh: the server died during the suite" >&2
    rc=1
fi
if ! kill -0 "$recipient_pid" 2>/dev/null; then
    echo "run.sh: the recipient's server died during the suite" >&2
    rc=1
fi
exit "$rc"
