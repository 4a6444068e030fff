#!/usr/bin/env bash
# The memory bound (not run in CI): deploy/memory-bound.sh [PREDICTIONS]   (default 10000000)
#
# 10 models with 50 features each (every third categorical, the rest numeric, 2% of them null),
# a 30-day label horizon, PREDICTIONS predictions in all (round-robin over the models, about
# 740 bytes a line) and one outcome per 1,000 predictions: nearly every prediction stays pending
# its outcome, and pending joins live in SQLite, so vigild's peak RSS must stay under 150 MB
# (150,000,000 bytes) however many there are.
#
# vigil-test-logwriter (`wide`) writes the logs while vigild (release build) ingests them. Each
# prediction log is renamed to <log>.<n> and recreated every 100,000 of its lines; this script
# deletes a rotated file once vigild's committed checkpoint has moved past it (its `rotations` in
# file_checkpoints reached n), and the writer waits before its n-th rotation until
# <log>.<n-BACKLOG> is gone (MEMORY_ROTATED_BACKLOG, default 1), so that at most about
# 1.5 GB of logs exist at any time with the default. A larger backlog lets rotated files pile up
# beside each log ahead of vigild, which reads them within its byte budget per poll like the live
# file (before that was so, a backlog of 3 took vigild past 2 GB of RSS).
# The database keeps every prediction's
# line (the window evaluations and retraining read them back), compressed, so it grows to roughly
# two thirds of the size of the logs: 4.8 GB for 10 million, and its WAL up to about 1 GiB more (vigild truncates it past
# that; before it did, the WAL grew to 9 GB in that run), so mind the disk: the
# work directory is in MEMORY_WORK_ROOT (default /var/tmp).
#
# Each model's window is the default (5,000 predictions), evaluated for drift as it closes, with
# the first window as baseline; retraining is off (`retrain: {on: []}`: it runs in a process of its
# own and would measure the trainer, not vigild).
#
# A sampler reads VmRSS and VmHWM from /proc/PID/status every second. The run ends when every
# prediction and outcome is ingested and every closed window evaluated; it then prints peak RSS
# (VmHWM), the largest VmRSS sampled, the time taken, lines/s, the database's size and the
# machine, and exits 1 if VmHWM >= 150 MB or a count is wrong.
#
# Environment: MEMORY_BIN_DIR (use its vigild, vigil and vigil-test-logwriter instead of
# building), MEMORY_WORK_ROOT, MEMORY_KEEP=1 (keep the work directory), MEMORY_ROTATED_BACKLOG.
set -euo pipefail
set -m # background jobs in process groups of their own, stopped by id on exit

cd "$(dirname "${BASH_SOURCE[0]}")/.."
PREDICTIONS="${1:-10000000}"
[[ "$PREDICTIONS" =~ ^[0-9]+$ ]] && [ "$PREDICTIONS" -ge 10000 ] || { echo "usage: deploy/memory-bound.sh [PREDICTIONS >= 10000]" >&2; exit 64; }
MODELS=10
FEATURES=50
OUTCOME_EVERY=1000
ROTATE_EVERY=100000
LIMIT_BYTES=150000000

say() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }
die() { printf 'memory-bound.sh: %s\n' "$*" >&2; exit 1; }
command -v sqlite3 >/dev/null || die "needs the sqlite3 shell: apt-get install sqlite3"

source deploy/release-binaries.sh
use_release_binaries "${MEMORY_BIN_DIR:-}"

WORK="$(mktemp -d "${MEMORY_WORK_ROOT:-/var/tmp}/vigil-memory.XXXXXX")"
mkdir -p "$WORK/logs"
VIGILD_PID=""
WRITER_PID=""
SAMPLER_PID=""
cleanup() {
    local status=$?
    set +e
    [ -n "$SAMPLER_PID" ] && kill -TERM -- "-$SAMPLER_PID" 2>/dev/null
    [ -n "$WRITER_PID" ] && kill -TERM -- "-$WRITER_PID" 2>/dev/null
    [ -n "$VIGILD_PID" ] && kill -TERM "$VIGILD_PID" 2>/dev/null
    wait 2>/dev/null
    if [ "${MEMORY_KEEP:-0}" = 1 ]; then echo "memory-bound.sh: kept $WORK" >&2; else rm -rf "$WORK"; fi
    exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

names=()
for ((m = 0; m < MODELS; m++)); do names+=("$(printf 'm%02d' "$m")"); done
features=""
for ((f = 0; f < FEATURES; f++)); do
    if [ $((f % 3)) -eq 2 ]; then features+="$(printf 'c%02d: categorical' "$f")"; else features+="$(printf 'n%02d: numeric' "$f")"; fi
    [ "$f" -lt $((FEATURES - 1)) ] && features+=", "
done
{
    echo "state_dir: $WORK/state"
    echo "models:"
    for name in "${names[@]}"; do
        cat <<YAML
  - name: $name
    predictions: $WORK/logs/$name-p.jsonl
    outcomes: $WORK/logs/$name-o.jsonl
    label_horizon: 30d
    features: {$features}
    subgroups: [site]
    retrain: {on: []}
YAML
    done
} >"$WORK/vigil.yaml"
[ "$("$BIN/vigil" check-config "$WORK/vigil.yaml")" = ok ] || die "check-config rejected $WORK/vigil.yaml"

say "machine: $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//'), $(awk '/MemTotal/ {printf "%.1f GiB", $2 / 1048576}' /proc/meminfo); $(. /etc/os-release && echo "$PRETTY_NAME")"
say "work directory $WORK; $PREDICTIONS predictions over $MODELS models x $FEATURES features"

started=$(date +%s.%N)
VIGIL_LOG_TARGET=stderr "$BIN/vigild" --config "$WORK/vigil.yaml" 2>"$WORK/vigild.log" &
VIGILD_PID=$!
"$BIN/vigil-test-logwriter" wide "$WORK/logs" "$PREDICTIONS" --models "$MODELS" --features "$FEATURES" \
    --outcome-every "$OUTCOME_EVERY" --rotate-every "$ROTATE_EVERY" --keep "${MEMORY_ROTATED_BACKLOG:-1}" >"$WORK/writer.log" 2>&1 &
WRITER_PID=$!

# VmRSS and VmHWM every second: `seconds rss_kb hwm_kb`.
(
    while kill -0 "$VIGILD_PID" 2>/dev/null; do
        awk -v t="$(date +%s)" '/^VmRSS:/ {r = $2} /^VmHWM:/ {h = $2} END {print t, r, h}' "/proc/$VIGILD_PID/status" 2>/dev/null
        sleep 1
    done
) >"$WORK/samples.txt" &
SAMPLER_PID=$!

db="$WORK/state/vigil.db"
query() { sqlite3 -cmd ".timeout 5000" "file:$db?mode=ro" "$1" 2>/dev/null || true; }
last_report=0
max_logs=0
max_state=0
while true; do
    kill -0 "$VIGILD_PID" 2>/dev/null || die "vigild exited: $(tail -5 "$WORK/vigild.log")"
    # Delete each rotated prediction log vigild has read to its end (committed).
    while IFS='|' read -r model rotations; do
        [ -n "$model" ] || continue
        for file in "$WORK/logs/$model-p.jsonl".*; do
            [ -e "$file" ] || continue
            n="${file##*.}"
            [ "$n" -le "$rotations" ] && rm -f "$file"
        done
    done <<<"$(query "SELECT model, rotations FROM file_checkpoints WHERE stream = 'predictions'")"
    logs=$(du -sk "$WORK/logs" | cut -f1)
    [ "$logs" -gt "$max_logs" ] && max_logs=$logs
    state=$(du -sk "$WORK/state" 2>/dev/null | cut -f1 || true)
    state=${state:-0}
    [ "$state" -gt "$max_state" ] && max_state=$state
    ingested="$(query "SELECT sum(predictions_ingested) FROM model_stats")"
    ingested="${ingested:-0}"
    now=$(date +%s)
    if [ $((now - last_report)) -ge 30 ]; then
        say "$(awk -v s="$started" -v n="$(date +%s.%N)" 'BEGIN { printf "%5.0f s", n - s }'): $ingested predictions ingested; RSS $(awk '/^VmRSS:/ {printf "%.1f MiB", $2 / 1024}' "/proc/$VIGILD_PID/status"), peak $(awk '/^VmHWM:/ {printf "%.1f MiB", $2 / 1024}' "/proc/$VIGILD_PID/status"); logs $((logs / 1024)) MiB, database $(du -sm "$WORK/state" | cut -f1) MiB"
        last_report=$now
    fi
    if [ -n "$WRITER_PID" ] && ! kill -0 "$WRITER_PID" 2>/dev/null; then
        wait "$WRITER_PID" || die "the writer failed: $(tail -3 "$WORK/writer.log")"
        WRITER_PID=""
    fi
    if [ -z "$WRITER_PID" ] && [ "$ingested" = "$PREDICTIONS" ]; then
        outcomes_written=$(awk -F'\t' '{s += $3} END {print s}' "$WORK/logs/counts.tsv")
        outcomes="$(query "SELECT sum(outcomes_ingested) FROM model_stats")"
        unevaluated="$(query "SELECT count(*) FROM windows WHERE status = 'closed'")"
        [ "$outcomes" = "$outcomes_written" ] && [ "$unevaluated" = 0 ] && break
    fi
    sleep 2
done
finished=$(date +%s.%N)
hwm_kb=$(awk '/^VmHWM:/ {print $2}' "/proc/$VIGILD_PID/status")
rss_kb=$(awk '/^VmRSS:/ {print $2}' "/proc/$VIGILD_PID/status")
cpu=$(awk '{printf "%.0f", ($14 + $15) / 100}' "/proc/$VIGILD_PID/stat")
read -r pending joined windows evaluated <<<"$(query "SELECT (SELECT sum(pending_predictions) FROM model_stats), (SELECT sum(joined) FROM model_stats),
    (SELECT count(*) FROM windows), (SELECT count(*) FROM windows WHERE status = 'evaluated')" | tr '|' ' ')"
kill -TERM "$VIGILD_PID"
stop_status=0
wait "$VIGILD_PID" || stop_status=$?
VIGILD_PID=""
max_rss_kb=$(awk '$2 > m {m = $2} END {print m + 0}' "$WORK/samples.txt")
db_bytes=$(du -sb "$WORK/state" | cut -f1)
seconds=$(awk -v s="$started" -v f="$finished" 'BEGIN { printf "%.0f", f - s }')

echo
printf '%-36s %s\n' "predictions (models x features)" "$PREDICTIONS ($MODELS x $FEATURES), outcomes $outcomes_written, joined $joined"
printf '%-36s %s\n' "pending predictions at the end" "$pending"
printf '%-36s %s\n' "windows (evaluated)" "$windows ($evaluated)"
printf '%-36s %s\n' "time to caught up" "$seconds s ($(awk -v n="$PREDICTIONS" -v s="$seconds" 'BEGIN { printf "%.0f", n / s }') predictions/s), vigild CPU $cpu s"
printf '%-36s %s\n' "peak RSS (VmHWM)" "$(awk -v k="$hwm_kb" 'BEGIN { printf "%.1f MiB = %.1f MB", k / 1024, k * 1.024 / 1000 }') (limit 150 MB)"
printf '%-36s %s\n' "largest VmRSS sampled / at the end" "$(awk -v a="$max_rss_kb" -v b="$rss_kb" 'BEGIN { printf "%.1f MiB / %.1f MiB", a / 1024, b / 1024 }')"
printf '%-36s %s\n' "state directory after the stop" "$(awk -v b="$db_bytes" 'BEGIN { printf "%.2f GB", b / 1e9 }') (at most $(awk -v k="$max_state" 'BEGIN { printf "%.2f GB", k * 1024 / 1e9 }') with the WAL, while running)"
printf '%-36s %s\n' "logs on disk at most" "$(awk -v k="$max_logs" 'BEGIN { printf "%.2f GB", k * 1024 / 1e9 }')"
printf '%-36s %s\n' "vigild exit on SIGTERM" "$stop_status"
echo
[ "$pending" = "$((PREDICTIONS - joined))" ] || die "pending predictions $pending, expected $((PREDICTIONS - joined))"
[ "$stop_status" = 0 ] || die "vigild exited $stop_status on SIGTERM"
if [ $((hwm_kb * 1024)) -ge "$LIMIT_BYTES" ]; then
    echo "FAILED: peak RSS $((hwm_kb * 1024)) bytes >= $LIMIT_BYTES"
    exit 1
fi
echo "ok: peak RSS under 150 MB"
