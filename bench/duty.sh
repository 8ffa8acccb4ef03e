#!/usr/bin/env bash
# Duty to warn: from the warn decision to the warning being readable in the recipient's own
# TAXII collection (compile, sign, store, publish, push to a second tearline instance, read back
# over TAXII), through the real servers `tearline demo` starts on loopback.
#
#   bench/duty.sh [N]        # N warnings (default 50); target: median <= 1 s
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cargo build --release -q -p tearline --manifest-path "$repo/Cargo.toml"
"$repo/target/release/tearline" demo --bench "${1:-50}" | tail -n 1
