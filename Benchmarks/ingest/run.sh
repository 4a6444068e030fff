#!/usr/bin/env bash
# Ingest parse benchmarks, in one run:
#   1. generate the 1,000,000-line prediction files (fixed seed) under data/ (git-ignored);
#   2. the Python baseline: orjson.loads on every line, nothing else;
#   3. the Swift benchmark: RecordParser.parsePrediction on every line (release build);
# and print the figures. Usage: Benchmarks/ingest/run.sh [LINES]
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
lines="${1:-1000000}"
export DO_NOT_TRACK=1
if ! command -v swift >/dev/null 2>&1 && [ -x /opt/swift/usr/bin/swift ]; then
    export PATH="/opt/swift/usr/bin:$PATH"
fi

echo "== machine"
echo "nproc: $(nproc)"
echo "cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')"
echo "swift: $(swift --version 2>&1 | head -1)"
echo "python: $(python3 --version)"

echo "== data"
mkdir -p "$here/data"
for precision in rounded full; do
    file="$here/data/predictions-$precision-$lines.jsonl"
    [ -s "$file" ] || python3 "$here/generate.py" "$file" --lines "$lines" --precision "$precision"
    echo "$file: $(wc -l <"$file") lines, $(wc -c <"$file") bytes, $(( $(wc -c <"$file") / $(wc -l <"$file") )) bytes/line"
done

echo "== python baseline (orjson)"
venv="$root/Benchmarks/.venv-ingest"
if [ ! -x "$venv/bin/python" ]; then
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet orjson
fi
"$venv/bin/python" -c 'import orjson, sys; print("orjson", orjson.__version__)'
for precision in rounded full; do
    "$venv/bin/python" "$here/baseline_orjson.py" "$here/data/predictions-$precision-$lines.jsonl"
done

echo "== swift (release)"
(cd "$here" && swift build -c release --product IngestBench 2>&1 | tail -1)
bench="$(cd "$here" && swift build -c release --show-bin-path)/IngestBench"
for precision in rounded full; do
    "$bench" "$here/data/predictions-$precision-$lines.jsonl" --repeat 3
done
"$bench" "$here/data/predictions-rounded-$lines.jsonl" --mode tree --repeat 1
