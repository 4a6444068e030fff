#!/usr/bin/env bash
# AutoML benchmark, Vigil beside LightGBM and FLAML, all reading the same CSVs:
#   1. the tree learner alone vs LightGBM with the same parameters (100 rounds, 31 leaves,
#      learning rate 0.1, 255 bins, min_data_in_leaf 20, 2 threads, no early stopping) on the
#      synthetic clinical task (160,000 training x 30 features, 40,000 test rows): fit seconds
#      (binning + boosting; `vigil train --fixed ... --json` reports its own, LightGBM's is
#      lgb.Dataset + lgb.train) min/median/max over RUNS runs alternating Vigil and LightGBM,
#      the ratio of the medians (target <= 1.0) and the test AUROC of each (target: Vigil at most
#      0.003 below LightGBM);
#   2. `vigil train --budget 60s` vs FLAML (time_budget=60, metric roc_auc, n_jobs=2) vs
#      LightGBM defaults (LGBMClassifier(n_jobs=2)) on three data sets: scikit-learn's bundled
#      breast-cancer data, the clinical task and a patients-over-time set with a temporal shift
#      (Vigil gets --group patient_id --time ts there): test AUROC on the same held-out rows
#      (target: Vigil >= FLAML - 0.005 on each);
#   and a summary with the machine's facts, printed and written to data/results/summary.md.
#
#   bash Benchmarks/automl/run.sh
#
# Every test AUROC, Vigil's too, is sklearn.metrics.roc_auc_score on the test CSV's labels:
# Vigil's scores come from `vigil score --keep label`. A Vigil step that fails (build, train,
# score; a non-zero exit or a time-out) is recorded with its error and the run goes on, so the
# peers' figures are produced regardless. The peers run without a network (`unshare -n`) when
# the shell may create a network namespace (root), to show they reach nothing.
#
# Environment: RUNS (benchmark 1 runs of each, 3), BUDGET (seconds, 60), BUDGET_RUNS
# (benchmark 2 runs of each tool per data set, seeds 1..N, 1), DATASETS (benchmark 2's,
# "breast clinical temporal"), BENCHMARKS ("1 2"), FLAML_TEMPORAL_SPLIT (auto: FLAML's own
# choice; time or group to give it the temporal set's order or patients), SKIP_BUILD=1 (use
# .build/release/vigil as it is), VIGIL (another vigil binary to run instead; no build),
# SETTLE_LOAD (e.g. 1.0: before each benchmark 1 fit, wait until the 1-minute load average is
# below it, for at most SETTLE_MAX seconds, 300; unset: no waiting).
# Generated data and results go to Benchmarks/automl/data/ (git-ignored: regenerated when
# missing or older than generate.py); the virtual environment to Benchmarks/.venv-automl
# (versions pinned in constraints-automl.txt).
set -euo pipefail
export DO_NOT_TRACK=1
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
bench="$root/Benchmarks"
venv="$bench/.venv-automl"
python="$venv/bin/python"
data="$here/data"
results="$data/results"
RUNS="${RUNS:-3}"
BUDGET="${BUDGET:-60}"
BUDGET_RUNS="${BUDGET_RUNS:-1}"
DATASETS="${DATASETS:-breast clinical temporal}"
BENCHMARKS="${BENCHMARKS:-1 2}"
FLAML_TEMPORAL_SPLIT="${FLAML_TEMPORAL_SPLIT:-auto}"
FIXED='gbdt:rounds=100,leaves=31,learning_rate=0.1,bins=255,min_data_in_leaf=20,early_stopping=false'
FIXED_TIMEOUT=900                        # seconds for one `vigil train --fixed`
BUDGET_TIMEOUT=$((BUDGET * 3 + 300))     # and for one `vigil train --budget`
if ! command -v swift >/dev/null 2>&1 && [ -x /opt/swift/usr/bin/swift ]; then
    export PATH="/opt/swift/usr/bin:$PATH"
fi
offline=()
if unshare -n true 2>/dev/null; then offline=(unshare -n); fi
peer() { "${offline[@]}" "$python" "$@"; }
calc() { awk "BEGIN { printf \"%.${2:-3}f\", $1 }"; }
# The value of a flat numeric or string field in a one-line JSON object.
field() { sed -n "s/.*\"$2\" *: *\"\{0,1\}\([^\",}]*\).*/\1/p" "$1" | sed -n 1p; }

echo "== virtual environment"
if [ ! -x "$python" ]; then
    python3 -m venv "$venv"
    # xgboost-cpu: xgboost without CUDA, so that FLAML's default learners are all there.
    "$venv/bin/pip" install --quiet -c "$here/constraints-automl.txt" flaml lightgbm scikit-learn pandas xgboost-cpu
fi

echo "== data"
if [ ! -s "$data/meta.json" ] || [ "$here/generate.py" -nt "$data/meta.json" ]; then
    peer "$here/generate.py" "$data"
fi
for file in "$data"/*_train.csv "$data"/*_test.csv; do
    echo "$(basename "$file"): $(($(wc -l <"$file") - 1)) rows, $(wc -c <"$file") bytes"
done
mkdir -p "$results"

echo "== release build"
vigil="${VIGIL:-$root/.build/release/vigil}"
build_error=""
if [ "${SKIP_BUILD:-0}" != 1 ] && [ -z "${VIGIL:-}" ]; then
    if ! (cd "$root" && swift build -c release --product vigil >"$results/build.log" 2>&1); then
        build_error="swift build -c release --product vigil failed: $(tail -n 3 "$results/build.log" | tr '\n' ' ')"
    fi
    tail -n 1 "$results/build.log"
fi
[ -n "$build_error" ] || [ -x "$vigil" ] || build_error="no $vigil"
[ -z "$build_error" ] || echo "Vigil's steps are skipped: $build_error" >&2
commit="$(git -C "$root" rev-parse --short HEAD)$(git -C "$root" diff --quiet HEAD -- Sources Package.swift || echo '+changes')"

echo "== machine"
cpu="$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')"
ram="$(awk '/MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo)"
swift_version="$(swift --version 2>&1 | sed -n 1p)"
load_start="$(cut -d' ' -f1-3 /proc/loadavg)"
echo "nproc: $(nproc); cpu: $cpu; RAM: $ram; $(. /etc/os-release && echo "$PRETTY_NAME"); $swift_version"
echo "load average at start: $load_start"

# vigil_run PREFIX DATASET MODE RUN TIMEOUT TRAIN_ARGS...: `vigil train` (model PREFIX.model.json,
# stdout and stderr in PREFIX.train.*) then `vigil score` on the test CSV (PREFIX.scores.csv), and
# the result line PREFIX.result.json (always written; never fails).
vigil_run() {
    local prefix="$1" dataset="$2" mode="$3" run="$4" limit="$5"
    shift 5
    local model="$prefix.model.json" scores="$prefix.scores.csv" started train_exit=0 score_exit=""
    rm -f "$model" "$scores"
    if [ -n "$build_error" ]; then
        "$python" "$here/vigil_result.py" "$data" --dataset "$dataset" --mode "$mode" --run "$run" --train-exit 1 \
            --train-stdout /dev/null --train-stderr /dev/null --wall 0 --note "$build_error" >"$prefix.result.json"
        return 0
    fi
    started=$EPOCHREALTIME
    timeout "$limit" "$vigil" train --data "$data/${dataset}_train.csv" --target label --out "$model" --json "$@" \
        >"$prefix.train.stdout" 2>"$prefix.train.stderr" || train_exit=$?
    local wall
    wall="$(calc "$EPOCHREALTIME - $started")"
    local score_args=()
    if [ "$train_exit" -eq 0 ]; then
        score_exit=0
        timeout 600 "$vigil" score --model "$model" --data "$data/${dataset}_test.csv" --out "$scores" --keep label \
            >"$prefix.score.stdout" 2>"$prefix.score.stderr" || score_exit=$?
        score_args=(--score-exit "$score_exit" --score-stderr "$prefix.score.stderr" --scores "$scores")
    fi
    "$python" "$here/vigil_result.py" "$data" --dataset "$dataset" --mode "$mode" --run "$run" \
        --train-exit "$train_exit" --train-stdout "$prefix.train.stdout" --train-stderr "$prefix.train.stderr" \
        --wall "$wall" "${score_args[@]}" >"$prefix.result.json"
}

# With SETTLE_LOAD set, wait (at most SETTLE_MAX s) for the 1-minute load average to drop below it.
settle() {
    [ -n "${SETTLE_LOAD:-}" ] || return 0
    local waited=0
    while awk -v limit="$SETTLE_LOAD" '{ exit !($1 >= limit) }' /proc/loadavg && [ "$waited" -lt "${SETTLE_MAX:-300}" ]; do
        sleep 5
        waited=$((waited + 5))
    done
    [ "$waited" -eq 0 ] || echo "waited ${waited} s for the load average ($(cut -d' ' -f1 /proc/loadavg)) to settle"
}

# A result line's gist on one line.
show() {
    if [ "$(field "$1" tool)" = vigil ] && [ "$(field "$1" ok)" != true ]; then
        echo "vigil: failed: $(field "$1" error | cut -c1-200)"
    else
        echo "$(field "$1" tool): fit $(field "$1" fit_seconds | tr -d '[]') s, load $(field "$1" load_seconds) s, test AUROC $(field "$1" test_auroc)"
    fi
}

if [[ " $BENCHMARKS " == *" 1 "* ]]; then
    echo "== 1. tree learner vs LightGBM, same parameters, clinical ($RUNS runs each, alternating)"
    rm -rf "$results/bench1"
    mkdir -p "$results/bench1"
    fixed_vigil() {
        settle
        vigil_run "$results/bench1/vigil-$1" clinical fixed "$1" "$FIXED_TIMEOUT" \
            --fixed "$FIXED" --threads 2 --seed 1
        echo "run $1 $(show "$results/bench1/vigil-$1.result.json")"
    }
    fixed_lightgbm() {
        settle
        peer "$here/peer_lightgbm.py" "$data" --mode fixed --dataset clinical --run "$1" >"$results/bench1/lightgbm-$1.result.json"
        echo "run $1 $(show "$results/bench1/lightgbm-$1.result.json")"
    }
    for run in $(seq "$RUNS"); do
        # A B B A ...: neither tool always runs first on a machine whose load changes.
        if [ $((run % 2)) -eq 1 ]; then fixed_vigil "$run"; fixed_lightgbm "$run"
        else fixed_lightgbm "$run"; fixed_vigil "$run"; fi
    done
fi

if [[ " $BENCHMARKS " == *" 2 "* ]]; then
    echo "== 2. vigil train --budget ${BUDGET}s vs FLAML vs LightGBM defaults ($DATASETS)"
    rm -rf "$results/bench2"
    mkdir -p "$results/bench2"
    for dataset in $DATASETS; do
        group_args=()
        split=auto
        if [ "$dataset" = temporal ]; then
            group_args=(--group patient_id --time ts)
            split="$FLAML_TEMPORAL_SPLIT"
        fi
        for run in $(seq "$BUDGET_RUNS"); do
            prefix="$results/bench2"
            vigil_run "$prefix/vigil-$dataset-$run" "$dataset" budget "$run" "$BUDGET_TIMEOUT" \
                --budget "${BUDGET}s" --seed "$run" "${group_args[@]}"
            echo "$dataset $run $(show "$prefix/vigil-$dataset-$run.result.json")"
            peer "$here/peer_flaml.py" "$data" --dataset "$dataset" --budget "$BUDGET" --seed "$run" \
                --split-type "$split" >"$prefix/flaml-$dataset-$run.result.json"
            echo "$dataset $run $(show "$prefix/flaml-$dataset-$run.result.json"); best $(field "$prefix/flaml-$dataset-$run.result.json" best_estimator)"
            peer "$here/peer_lightgbm.py" "$data" --mode defaults --dataset "$dataset" --run "$run" \
                >"$prefix/lightgbm-$dataset-$run.result.json"
            echo "$dataset $run $(show "$prefix/lightgbm-$dataset-$run.result.json")"
        done
    done
fi

echo "== summary"
"$python" "$here/summary.py" "$data" --swift-version "$swift_version" --commit "$commit" --load-start "$load_start"
