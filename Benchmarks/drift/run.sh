#!/usr/bin/env bash
# Drift benchmark: `vigil drift` against scipy.stats.ks_2samp and NannyML on the same data.
#
#   bash Benchmarks/drift/run.sh
#
# Creates its own virtual environments under Benchmarks/ (git-ignored), builds the release
# `vigil`, generates 100,000 reference and 100,000 current rows of 20 numeric columns
# (fixed seed) under Benchmarks/drift/data/ (git-ignored), and prints the timings as JSON.
set -euo pipefail
export NML_DISABLE_USAGE_LOGGING=1 DO_NOT_TRACK=1

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BENCH="$ROOT/Benchmarks"
VENV="$BENCH/.venv"
NANNYML_VENV="$BENCH/.venv-nannyml"

if [ ! -x "$VENV/bin/python" ]; then
    python3 -m venv "$VENV"
    "$VENV/bin/pip" install --quiet numpy scipy
fi
# NannyML pins its own numpy/pandas: keep it in a separate environment; optional.
if [ ! -x "$NANNYML_VENV/bin/python" ]; then
    python3 -m venv "$NANNYML_VENV"
    # NannyML imports statsmodels without declaring it.
    "$NANNYML_VENV/bin/pip" install --quiet nannyml statsmodels || echo "NannyML did not install; skipping it" >&2
fi

(cd "$ROOT" && swift build -c release --product vigil)

"$VENV/bin/python" "$BENCH/drift/bench.py" \
    --vigil "$ROOT/.build/release/vigil" \
    --data "$BENCH/drift/data" \
    --nannyml-python "$NANNYML_VENV/bin/python"
