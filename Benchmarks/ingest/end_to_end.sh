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
# shellcheck source=vigild_run.sh
source "$here/vigild_run.sh"
run_vigild vigild "$vigild" "$file" "$lines"

echo "== python baseline (orjson.loads per line, nothing else)"
venv="$root/Benchmarks/.venv-ingest"
if [ ! -x "$venv/bin/python" ]; then
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet orjson
fi
"$venv/bin/python" "$here/baseline_orjson.py" "$file"
