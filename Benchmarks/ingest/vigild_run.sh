# shellcheck shell=bash
# Sourced by the scripts beside it. run_vigild runs one vigild binary on a prediction file, from a fresh
# state directory to caught-up, and prints one line of figures.
#
# The model declares the file's 20 features and 3 subgroup attributes, as a deployment would:
# every stored prediction also goes into its drift window (5,000 to a window), and the monitor
# thread evaluates each window as it closes, during the run.

# benchmark_file LINES: the path of the benchmark's prediction file (made by generate.py, fixed
# seed, when missing); also checks for the sqlite3 shell that the runs poll the state with.
benchmark_file() {
    local lines="$1" dir file
    command -v sqlite3 >/dev/null || { echo "needs the sqlite3 shell (apt-get install sqlite3)" >&2; return 1; }
    dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
    file="$dir/data/predictions-rounded-$lines.jsonl"
    [ -s "$file" ] || python3 "$dir/generate.py" "$file" --lines "$lines" --precision rounded >&2
    echo "$file"
}

# write_config WORK PREDICTIONS OUTCOMES [YAML]: WORK/vigil.yaml for the benchmark's model, its
# state in WORK/state; YAML (lines such as `label_horizon: 10m`) is added to the model's settings.
write_config() {
    local work="$1" predictions="$2" outcomes="$3" extra="${4:-}"
    cat >"$work/vigil.yaml" <<YAML
state_dir: $work/state
models:
  - name: sepsis-risk
    predictions: $predictions
    outcomes: $outcomes
    features: {age: numeric, hr: numeric, rr: numeric, temp_c: numeric, sbp: numeric, dbp: numeric, spo2: numeric,
               lactate: numeric, wbc: numeric, creat: numeric, plt: numeric, bili: numeric, glucose: numeric, sodium: numeric,
               site: categorical, arrival: categorical, triage: categorical,
               on_pressors: numeric, on_abx: numeric, immunosupp: numeric}
    subgroups: [site, sex, age_band]
    pipeline: {silence_after: off}
YAML
    [ -z "$extra" ] || printf '%s\n' "$extra" | sed 's/^/    /' >>"$work/vigil.yaml"
}

# state_query WORK SQL: one query on the state database (empty while it does not exist yet).
state_query() {
    sqlite3 "$1/state/vigil.db" "$2" 2>/dev/null || true
}

# run_vigild LABEL VIGILD FILE LINES
run_vigild() {
    local label="$1" vigild="$2" file="$3" lines="$4"
    local work pid started finished hwm cpu n bytes
    bytes=$(wc -c <"$file")
    work="$(mktemp -d /tmp/vigil-ingest-bench.XXXXXX)"
    write_config "$work" "$file" "$work/outcomes.jsonl"
    started=$(date +%s.%N)
    VIGIL_LOG_TARGET=stderr "$vigild" --config "$work/vigil.yaml" 2>"$work/vigild.log" &
    pid=$!
    # shellcheck disable=SC2064  # expanded now, on purpose: these are this run's.
    trap "kill $pid 2>/dev/null || true; rm -rf '$work'" EXIT
    while true; do
        n=$(state_query "$work" "SELECT predictions_ingested FROM model_stats")
        [ "$n" = "$lines" ] && break
        if ! kill -0 "$pid" 2>/dev/null; then
            echo "$label: vigild exited"; cat "$work/vigild.log"; rm -rf "$work"; return 1
        fi
        sleep 0.05
    done
    finished=$(date +%s.%N)
    hwm=$(awk '/VmHWM/ {print $2}' /proc/$pid/status)
    cpu=$(awk '{printf "%.2f", ($14 + $15) / 100}' /proc/$pid/stat)
    kill -TERM "$pid"; wait "$pid" || true
    rm -rf "$work"
    trap - EXIT
    python3 - "$label" "$started" "$finished" "$lines" "$bytes" "$hwm" "$cpu" <<'PY'
import sys
label = sys.argv[1]
started, finished, lines, size, hwm, cpu = map(float, sys.argv[2:])
seconds = finished - started
print(f"{label}: {lines:.0f} lines in {seconds:.2f} s = {lines / seconds:,.0f} lines/s, "
      f"{size / seconds / 1e6:.1f} MB/s; peak RSS {hwm / 1024:.1f} MiB; CPU {cpu:.2f} s")
PY
}
