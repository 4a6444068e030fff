#!/usr/bin/env bash
# A/B of vigild builds on the end-to-end benchmark's file and model (no orjson step): runs each
# binary in turn, ROUNDS times (default 3), alternating, so that a drifting machine affects
# both alike. Build each binary first (for example in a git worktree of the other commit).
# Usage: Benchmarks/ingest/ab.sh VIGILD_A VIGILD_B [...]   (ROUNDS=5 LINES=1000000 to change)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
lines="${LINES:-1000000}"
rounds="${ROUNDS:-3}"
[ $# -ge 2 ] || { echo "usage: $0 VIGILD_A VIGILD_B [...]" >&2; exit 64; }
# shellcheck source=vigild_run.sh
source "$here/vigild_run.sh"
file="$(benchmark_file "$lines")"
for round in $(seq "$rounds"); do
    for vigild in "$@"; do
        run_vigild "$vigild (round $round)" "$vigild" "$file" "$lines"
    done
done
