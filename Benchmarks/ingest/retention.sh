#!/usr/bin/env bash
# What retention costs ingestion, and what it saves on disk. On the end-to-end benchmark's file
# and model, with an outcome for every 100th prediction (60 s after it; label_horizon 10m, so
# every segment is swept as soon as it is stored):
#   phase 1: vigild ingests the first half of the file and evaluates every window;
#   phase 2: the second half is appended; timed from then to caught-up.
# With retrain.training_window 36500d nothing is deleted; with 6h, phase 2 deletes what is more
# than 6 hours older than the newest labeled prediction (about 500,000 predictions) while it
# ingests. The two alternate, ROUNDS times (default 2).
# Usage: Benchmarks/ingest/retention.sh [VIGILD]   (default: the release build)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
lines=1000000
half=$((lines / 2))
rounds="${ROUNDS:-2}"
# shellcheck source=vigild_run.sh
source "$here/vigild_run.sh"
file="$(benchmark_file "$lines")"
vigild="${1:-}"
if [ -z "$vigild" ]; then
    (cd "$root" && swift build -c release --product vigild 2>&1 | tail -1)
    vigild="$(cd "$root" && swift build -c release --show-bin-path)/vigild"
fi

data="$(mktemp -d /tmp/vigil-retention-data.XXXXXX)"
trap 'rm -rf "$data"' EXIT
head -n "$half" "$file" >"$data/first.jsonl"
tail -n +"$((half + 1))" "$file" >"$data/second.jsonl"
python3 - "$file" "$data/outcomes.jsonl" <<'PY'
import datetime, json, sys
with open(sys.argv[1], "rb") as predictions, open(sys.argv[2], "w") as outcomes:
    for n, line in enumerate(predictions):
        if n % 100:
            continue
        record = json.loads(line)
        ts = datetime.datetime.fromisoformat(record["ts"].replace("Z", "+00:00")).timestamp() + 60
        outcomes.write(json.dumps({"id": record["id"], "ts": round(ts, 3), "label": n % 300 == 0}) + "\n")
PY

# run_phases WINDOW: one run, printing phase 2's figures.
run_phases() {
    local window="$1" work pid cpu0 started finished cpu
    work="$(mktemp -d /tmp/vigil-retention.XXXXXX)"
    cp "$data/first.jsonl" "$work/predictions.jsonl"
    write_config "$work" "$work/predictions.jsonl" "$data/outcomes.jsonl" \
        "$(printf 'label_horizon: 10m\nretrain: {on: [], training_window: %s}' "$window")"
    VIGIL_LOG_TARGET=stderr "$vigild" --config "$work/vigil.yaml" 2>"$work/vigild.log" &
    pid=$!
    until [ "$(state_query "$work" 'SELECT predictions_ingested FROM model_stats')" = "$half" ]; do sleep 0.1; done
    until [ "$(state_query "$work" "SELECT count(*) FROM windows WHERE status = 'closed'")" = "0" ]; do sleep 0.2; done
    cpu0=$(awk '{print $14 + $15}' "/proc/$pid/stat")
    started=$(date +%s.%N)
    cat "$data/second.jsonl" >>"$work/predictions.jsonl"
    until [ "$(state_query "$work" 'SELECT predictions_ingested FROM model_stats')" = "$lines" ]; do sleep 0.05; done
    finished=$(date +%s.%N)
    cpu=$(awk -v before="$cpu0" '{printf "%.2f", ($14 + $15 - before) / 100}' "/proc/$pid/stat")
    local deleted kept
    deleted=$(state_query "$work" 'SELECT predictions_deleted FROM model_stats')
    kept=$(state_query "$work" 'SELECT count(*) FROM predictions')
    kill -TERM "$pid"; wait "$pid" || true
    printf 'training_window %-7s phase 2: %.2f s, CPU %s s; %s predictions deleted, %s kept; state directory %s MB\n' \
        "$window" "$(echo "$finished - $started" | bc)" "$cpu" "$deleted" "$kept" "$(du -sm "$work/state" | cut -f1)"
    rm -rf "$work"
}

for _ in $(seq "$rounds"); do
    run_phases 36500d
    run_phases 6h
done
