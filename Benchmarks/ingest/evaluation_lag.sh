#!/usr/bin/env bash
# How long the monitor takes to evaluate the drift windows of the end-to-end benchmark's file
# (200 windows of 5,000 predictions, 20 features, 3 subgroup attributes): from vigild's start
# to caught-up, then to the last window evaluated, with vigild's CPU time. Several builds run
# alternating, ROUNDS times (default 2).
# Usage: Benchmarks/ingest/evaluation_lag.sh VIGILD [...]
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
lines=1000000
rounds="${ROUNDS:-2}"
[ $# -ge 1 ] || { echo "usage: $0 VIGILD [...]" >&2; exit 64; }
# shellcheck source=vigild_run.sh
source "$here/vigild_run.sh"
file="$(benchmark_file "$lines")"

# run_until_evaluated VIGILD: one run from a fresh state directory.
run_until_evaluated() {
    local vigild="$1" work pid started caught evaluated cpu windows
    work="$(mktemp -d /tmp/vigil-evaluation-lag.XXXXXX)"
    write_config "$work" "$file" "$work/outcomes.jsonl"
    started=$(date +%s.%N)
    VIGIL_LOG_TARGET=stderr "$vigild" --config "$work/vigil.yaml" 2>"$work/vigild.log" &
    pid=$!
    until [ "$(state_query "$work" 'SELECT predictions_ingested FROM model_stats')" = "$lines" ]; do sleep 0.05; done
    caught=$(date +%s.%N)
    until [ "$(state_query "$work" "SELECT count(*) FROM windows WHERE status = 'closed'")" = "0" ]; do sleep 0.1; done
    evaluated=$(date +%s.%N)
    cpu=$(awk '{printf "%.2f", ($14 + $15) / 100}' "/proc/$pid/stat")
    windows=$(state_query "$work" "SELECT count(*) FROM evaluations WHERE kind = 'window'")
    kill -TERM "$pid"; wait "$pid" || true
    printf '%s: caught up %.2f s, %s windows evaluated %.2f s; CPU %s s\n' "$vigild" \
        "$(echo "$caught - $started" | bc)" "$windows" "$(echo "$evaluated - $started" | bc)" "$cpu"
    rm -rf "$work"
}

for _ in $(seq "$rounds"); do
    for vigild in "$@"; do run_until_evaluated "$vigild"; done
done
