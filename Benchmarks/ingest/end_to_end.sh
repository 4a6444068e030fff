#!/usr/bin/env bash
# End-to-end ingest benchmark, in one run beside its Python peer:
#   1. the 1,000,000-line prediction file from generate.py (fixed seed; git-ignored under data/);
#   2. vigild (release) ingesting it from start to caught-up into a fresh state directory:
#      seconds, lines/s, MB/s, and vigild's peak RSS (VmHWM) and CPU time;
#   3. the orjson baseline parsing the same file and doing nothing else.
# Usage: Benchmarks/ingest/end_to_end.sh [LINES]
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
lines="${1:-1000000}"
export DO_NOT_TRACK=1
if ! command -v swift >/dev/null 2>&1 && [ -x /opt/swift/usr/bin/swift ]; then
    export PATH="/opt/swift/usr/bin:$PATH"
fi
command -v sqlite3 >/dev/null || { echo "needs the sqlite3 shell (apt-get install sqlite3)" >&2; exit 1; }

echo "== machine"
echo "nproc: $(nproc); cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//'); $(swift --version 2>&1 | head -1)"

mkdir -p "$here/data"
file="$here/data/predictions-rounded-$lines.jsonl"
[ -s "$file" ] || python3 "$here/generate.py" "$file" --lines "$lines" --precision rounded
bytes=$(wc -c <"$file")
echo "== data: $file: $lines lines, $bytes bytes"

echo "== vigild (release), start to caught-up"
(cd "$root" && swift build -c release --product vigild 2>&1 | tail -1)
vigild="$(cd "$root" && swift build -c release --show-bin-path)/vigild"
work="$(mktemp -d /tmp/vigil-ingest-bench.XXXXXX)"
trap 'kill "$pid" 2>/dev/null || true; rm -rf "$work"' EXIT
# The model declares the file's 20 features and 3 subgroup attributes, as a deployment would:
# every stored prediction also goes into its drift window (5,000 to a window), and the
# monitor thread evaluates each window as it closes, during the run.
cat >"$work/vigil.yaml" <<YAML
state_dir: $work/state
models:
  - name: sepsis-risk
    predictions: $file
    outcomes: $work/outcomes.jsonl
    features: {age: numeric, hr: numeric, rr: numeric, temp_c: numeric, sbp: numeric, dbp: numeric, spo2: numeric,
               lactate: numeric, wbc: numeric, creat: numeric, plt: numeric, bili: numeric, glucose: numeric, sodium: numeric,
               site: categorical, arrival: categorical, triage: categorical,
               on_pressors: numeric, on_abx: numeric, immunosupp: numeric}
    subgroups: [site, sex, age_band]
    pipeline: {silence_after: off}
YAML
started=$(date +%s.%N)
VIGIL_LOG_TARGET=stderr "$vigild" --config "$work/vigil.yaml" 2>"$work/vigild.log" &
pid=$!
while true; do
    n=$(sqlite3 "$work/state/vigil.db" "SELECT predictions_ingested FROM model_stats" 2>/dev/null || true)
    [ "$n" = "$lines" ] && break
    kill -0 "$pid" 2>/dev/null || { echo "vigild exited"; cat "$work/vigild.log"; exit 1; }
    sleep 0.05
done
finished=$(date +%s.%N)
hwm=$(awk '/VmHWM/ {print $2}' /proc/$pid/status)
cpu=$(awk '{printf "%.2f", ($14 + $15) / 100}' /proc/$pid/stat)
kill -TERM "$pid"; wait "$pid" || true
python3 - "$started" "$finished" "$lines" "$bytes" "$hwm" "$cpu" <<'PY'
import sys
started, finished, lines, size, hwm, cpu = map(float, sys.argv[1:])
seconds = finished - started
print(f"vigild: {lines:.0f} lines in {seconds:.2f} s = {lines / seconds:,.0f} lines/s, "
      f"{size / seconds / 1e6:.1f} MB/s; peak RSS {hwm / 1024:.1f} MiB; CPU {cpu:.2f} s")
PY

echo "== python baseline (orjson.loads per line, nothing else)"
venv="$root/Benchmarks/.venv-ingest"
if [ ! -x "$venv/bin/python" ]; then
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet orjson
fi
"$venv/bin/python" "$here/baseline_orjson.py" "$file"
