#!/usr/bin/env bash
# Soak test of vigild (not run in CI): deploy/soak.sh [MINUTES]   (default 10, at least 3)
#
# In a temporary directory it runs, for MINUTES:
#   - a writer (vigil-test-logwriter steady) appending predictions for 3 models at a steady rate
#     (SOAK_RATE per model per second, default 150) and, 2 to 20 s later, outcomes for 80% of
#     them, one quarantinable line per 1,000 predictions, renaming and recreating every log every
#     30 s (logrotate's `create`), alternating 60 s stable and 60 s shifted (drift in two models,
#     an AUROC collapse in the third), so that alerts fire and resolve over and over;
#   - vigild (release build) with an Alertmanager, an alert_command that appends each alert it is
#     given to a file, and a metrics file;
#   - chaos: during the first half, vigild is killed with SIGKILL every 10 to 40 s (random) and
#     restarted after 0 to 3 s; Alertmanager is restarted (SIGTERM or SIGKILL) every 40 to 100 s
#     until the last minute; two control clients run `vigil status/alerts/history/audit/pause/
#     resume` all along (as root, and as the test users vigil-test-clinical and vigil-test-viewer
#     when `deploy/dev.sh test` has created them);
#   - a sampler reading vigild's VmRSS, VmHWM and open descriptors from /proc every 2 s.
# Then it stops the writer, lets vigild catch up, stops vigild with SIGTERM, and checks:
#   counts      every model's predictions_ingested, outcomes_ingested, joined, quarantined and
#               pending_predictions equal what the writer wrote, exactly (joined = outcomes,
#               pending = predictions - outcomes: no outcome is late enough to be orphaned);
#   duplicates  vigild promises one alert_command run per alert transition (firing once, resolved
#               once; Sources/VigilMonitor/Alerting: only transitions are sent to the command,
#               firing alerts are re-sent to Alertmanager only). A delivery is identified by
#               (rule, model, feature, subgroup, check, status, startsAt). A duplicate is a second
#               delivery of the same identity; a spurious delivery is one with no transition in the
#               state database's alert_events; the transitions of each alert in alert_events must
#               alternate firing, resolved, firing, ... A transition never delivered is "lost": the
#               command queue is in memory, so a SIGKILL may lose the transitions committed just
#               before it; a loss is allowed only when a SIGKILL came within 35 s after the
#               transition was committed (the queue drains in well under that time), else it fails.
#   alertmanager every alert firing in the state database at the end is listed by Alertmanager
#               (vigild re-sends firing alerts every 60 s and after each start; waits up to 150 s).
#               Alertmanager may also still list an alert whose resolution was lost to a SIGKILL
#               (until its endsAt, 4 minutes after vigild last sent it): counted as "stale", not a failure.
#   memory, fds vigild's RSS and descriptor count are reset by every restart, so growth is judged in
#               the longest uninterrupted run (the second half, where no SIGKILL happens: at least
#               MINUTES/2 minutes): its first 60 s (or 20%, whichever is longer) are warm-up and
#               ignored; of the rest, the median RSS of the last third may exceed the median RSS of
#               the first third by at most max(8 MiB, 10%), and the largest descriptor count of the
#               last third may exceed that of the first third by at most 4 (control connections,
#               Alertmanager requests and alert_command pipes come and go). RSS and descriptors
#               30 s after each start are printed, for comparing the segments at equal phase.
#   control     no control request failed other than with exit 69 (vigild not reachable: down, or
#               killed while answering), and some succeeded;
#   clean stop  vigild exits 0 on SIGTERM at the end.
# It prints a summary table and exits 1 if any check failed. Everything it starts is stopped on
# exit (each background job is its own process group, killed by its id).
#
# Environment: SOAK_BIN_DIR (use these vigild, vigil and vigil-test-logwriter instead of building),
# SOAK_RATE (predictions per second per model), SOAK_SEED (random seed), SOAK_KEEP=1 (keep the
# work directory, whose path is printed; else it is removed when all checks pass).
set -euo pipefail
set -m # every background job in a process group of its own, so that cleanup can stop it with its children

cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT="$(pwd)"
MINUTES="${1:-10}"
[[ "$MINUTES" =~ ^[0-9]+$ ]] && [ "$MINUTES" -ge 3 ] || { echo "usage: deploy/soak.sh [MINUTES >= 3]" >&2; exit 64; }
DURATION=$((MINUTES * 60))
RATE="${SOAK_RATE:-150}"
SEED="${SOAK_SEED:-$(date +%s)}"
RANDOM=$SEED
MODELS=(m0 m1 m2)

say() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }
die() { printf 'soak.sh: %s\n' "$*" >&2; exit 1; }
now() { date +%s.%N; }
elapsed() { awk -v s="$START" -v n="$(now)" 'BEGIN { printf "%d", n - s }'; }

for tool in jq sqlite3 curl /usr/bin/prometheus-alertmanager; do
    command -v "$tool" >/dev/null || die "needs $tool: apt-get install jq sqlite3 curl prometheus-alertmanager"
done

# --- build -------------------------------------------------------------------------------------
source deploy/release-binaries.sh
use_release_binaries "${SOAK_BIN_DIR:-}"

# --- the work directory, the configuration -----------------------------------------------------
WORK="$(mktemp -d /tmp/vigil-soak.XXXXXX)"
chmod 755 "$WORK"
mkdir -p "$WORK/logs" "$WORK/am"
cp "$BIN/vigil" "$WORK/vigil"   # a copy the test users can run, whatever the build folder's permissions
VIGIL="$WORK/vigil"
SOCKET="$WORK/control.sock"
say "work directory $WORK (seed $SEED)"

free_port() {
    local port
    while true; do
        port=$((20000 + RANDOM % 40000))
        # In use when any TCP socket has it as its local or remote port (/proc/net/tcp, hex).
        grep -q ":$(printf '%04X' "$port") " /proc/net/tcp /proc/net/tcp6 2>/dev/null || { echo "$port"; return; }
    done
}
AM_PORT="$(free_port)"
AM_URL="http://127.0.0.1:$AM_PORT"

cat >"$WORK/alert-command" <<SH
#!/bin/sh
# Appends the alert vigild gives it (one JSON line on stdin) to the deliveries file.
exec /bin/cat >>$WORK/alerts.jsonl
SH
chmod 755 "$WORK/alert-command"
: >"$WORK/alerts.jsonl"

{
    echo "state_dir: $WORK/state"
    echo "control_socket: $SOCKET"
    echo "metrics_file: $WORK/vigil.prom"
    echo "alertmanager: {url: \"$AM_URL\"}"
    echo "alert_command: $WORK/alert-command"
    echo "models:"
    for model in "${MODELS[@]}"; do
        cat <<YAML
  - name: $model
    predictions: $WORK/logs/$model-p.jsonl
    outcomes: $WORK/logs/$model-o.jsonl
    label_horizon: 1h
    features: {age: numeric, heart_rate: numeric, lactate: numeric, site: categorical}
    subgroups: [site]
    window: {predictions: 2000}
    drift: {for: 2, resolve_for: 2}
    performance: {window: 1000, min_outcomes: 100, alert_below: 0.7, reevaluate_every: 300, for: 2, resolve_for: 2}
    pipeline: {silence_after: 10m, max_quarantine_rate: 0.01}
    retrain: {on: []}
YAML
    done
} >"$WORK/vigil.yaml"
[ "$("$VIGIL" check-config "$WORK/vigil.yaml")" = ok ] || die "vigil check-config rejected $WORK/vigil.yaml"

cat >"$WORK/am/alertmanager.yml" <<'YAML'
route:
  receiver: 'null'
receivers:
  - name: 'null'
YAML

# --- processes ---------------------------------------------------------------------------------
VIGILD_PID=""
AM_PID=""
WRITER_PID=""
JOBS=()   # sampler and control clients: process-group leaders
SEGMENT=0
KILLS=0
AM_RESTARTS=0
: >"$WORK/events.tsv"     # epoch  event  detail

cleanup() {
    local status=$?
    set +e
    for pid in "${JOBS[@]}" $WRITER_PID; do kill -TERM -- "-$pid" 2>/dev/null; done
    [ -n "$VIGILD_PID" ] && kill -KILL "$VIGILD_PID" 2>/dev/null
    [ -n "$AM_PID" ] && kill -KILL "$AM_PID" 2>/dev/null
    wait 2>/dev/null
    if [ "$status" -eq 0 ] && [ "${SOAK_KEEP:-0}" != 1 ]; then
        rm -rf "$WORK"
    else
        echo "soak.sh: the work directory is kept: $WORK" >&2
    fi
    exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

start_vigild() {
    SEGMENT=$((SEGMENT + 1))
    local log="$WORK/vigild-$SEGMENT.log"
    VIGIL_LOG_TARGET=stderr "$BIN/vigild" --config "$WORK/vigil.yaml" 2>"$log" &
    VIGILD_PID=$!
    echo "$VIGILD_PID" >"$WORK/vigild.pid"
    printf '%s\tstart\t%s %s\n' "$(now)" "$SEGMENT" "$VIGILD_PID" >>"$WORK/events.tsv"
    local i
    for i in $(seq 1 600); do
        grep -q "started" "$log" 2>/dev/null && return 0
        kill -0 "$VIGILD_PID" 2>/dev/null || die "vigild exited at start: $(tail -5 "$log")"
        sleep 0.1
    done
    die "vigild did not start within 60 s: $(tail -5 "$log")"
}

kill_vigild() {
    kill -KILL "$VIGILD_PID"
    wait "$VIGILD_PID" 2>/dev/null || true
    printf '%s\tkill\t%s %s\n' "$(now)" "$SEGMENT" "$VIGILD_PID" >>"$WORK/events.tsv"
    KILLS=$((KILLS + 1))
}

start_alertmanager() {
    /usr/bin/prometheus-alertmanager --config.file="$WORK/am/alertmanager.yml" --storage.path="$WORK/am/data" \
        --web.listen-address="127.0.0.1:$AM_PORT" --cluster.listen-address= >>"$WORK/am/alertmanager.log" 2>&1 &
    AM_PID=$!
    local i
    for i in $(seq 1 600); do
        curl -sf -m 2 "$AM_URL/-/ready" >/dev/null 2>&1 && return 0
        kill -0 "$AM_PID" 2>/dev/null || die "Alertmanager exited at start: $(tail -5 "$WORK/am/alertmanager.log")"
        sleep 0.1
    done
    die "Alertmanager was not ready within 60 s"
}

restart_alertmanager() {
    local signal=TERM
    [ $((RANDOM % 2)) -eq 0 ] && signal=KILL
    kill "-$signal" "$AM_PID"
    wait "$AM_PID" 2>/dev/null || true
    sleep "0.$((RANDOM % 10))"
    start_alertmanager
    AM_RESTARTS=$((AM_RESTARTS + 1))
    printf '%s\tam-restart\t%s\n' "$(now)" "$signal" >>"$WORK/events.tsv"
}

# One control client: a random request every 0.2 to 0.7 s; each logged as `epoch user command exit`.
control_client() {
    local n="$1" users=(root) request model user status
    if [ "$(id -u)" -eq 0 ] && id vigil-test-clinical >/dev/null 2>&1 && id vigil-test-viewer >/dev/null 2>&1; then
        users+=(vigil-test-clinical vigil-test-viewer)
    fi
    RANDOM=$((SEED + n))
    while true; do
        model="${MODELS[RANDOM % ${#MODELS[@]}]}"
        user="${users[RANDOM % ${#users[@]}]}"
        case $((RANDOM % 7)) in
            0 | 1) request=(status --json) ;;
            2) request=(alerts --json) ;;
            3) request=(history "$model" --limit 3 --json) ;;
            4) request=(audit --limit 5 --json) ;;
            5) request=(pause "$model" --reason "soak drill $n") ;;
            6) request=(resume "$model" --reason "soak drill $n") ;;
        esac
        # A viewer may only read: it asks for status instead of pausing.
        if [ "$user" = vigil-test-viewer ] && { [ "${request[0]}" = pause ] || [ "${request[0]}" = resume ]; }; then
            request=(status "$model" --json)
        fi
        status=0
        if [ "$user" = root ]; then
            timeout 30 "$VIGIL" "${request[@]}" --socket "$SOCKET" >/dev/null 2>>"$WORK/control-$n.err" || status=$?
        else
            timeout 30 runuser -u "$user" -- "$VIGIL" "${request[@]}" --socket "$SOCKET" >/dev/null 2>>"$WORK/control-$n.err" || status=$?
        fi
        printf '%s\t%s\t%s\t%s\n' "$(now)" "$user" "${request[0]}" "$status" >>"$WORK/control.tsv"
        sleep "0.$((2 + RANDOM % 6))"
    done
}

# The sampler: vigild's memory and descriptors every 2 s (`epoch pid rss_kb hwm_kb fds`), and the
# alerts Alertmanager lists every 10 s.
sampler() {
    local pid rss hwm fds tick=0
    while true; do
        pid="$(cat "$WORK/vigild.pid" 2>/dev/null || true)"
        if [ -n "$pid" ] && [ -r "/proc/$pid/status" ]; then
            rss="$(awk '/^VmRSS:/ {print $2}' "/proc/$pid/status" 2>/dev/null || true)"
            hwm="$(awk '/^VmHWM:/ {print $2}' "/proc/$pid/status" 2>/dev/null || true)"
            # vigild may be killed at any moment: no failure here may end the sampler (set -e).
            fds="$(ls "/proc/$pid/fd" 2>/dev/null | wc -l || true)"
            [ -n "$rss" ] && [ "$fds" -gt 0 ] && printf '%s\t%s\t%s\t%s\t%s\n' "$(now)" "$pid" "$rss" "$hwm" "$fds" >>"$WORK/samples.tsv"
        fi
        if [ $((tick % 5)) -eq 0 ]; then
            curl -sf -m 3 "$AM_URL/api/v2/alerts" 2>/dev/null |
                jq -c '.[] | [.labels.alertname, .labels.model, (.labels.feature // ""), (.labels.subgroup // ""), (.labels.check // "")]' \
                    >>"$WORK/am-seen.jsonl" 2>/dev/null || true
        fi
        tick=$((tick + 1))
        sleep 2
    done
}

# --- run ---------------------------------------------------------------------------------------
say "starting Alertmanager on $AM_URL, vigild, the writer ($RATE predictions/s for each of ${#MODELS[@]} models), the sampler and 2 control clients for $MINUTES min"
start_alertmanager
start_vigild
START="$(now)"
"$BIN/vigil-test-logwriter" steady "$WORK/logs" --models "$(IFS=,; echo "${MODELS[*]}")" --rate "$RATE" \
    --rotate-seconds 30 --shift-period 60 --outcome-share 0.8 --outcome-delay 2:20 --bad-every 1000 \
    >"$WORK/writer.log" 2>&1 &
WRITER_PID=$!
sampler &
JOBS+=($!)
: >"$WORK/control.tsv"
for n in 1 2; do
    control_client "$n" &
    JOBS+=($!)
done

CHAOS_END=$((DURATION / 2))
AM_END=$((DURATION - 60))
next_kill=$((10 + RANDOM % 31))
next_am=$((40 + RANDOM % 61))
while true; do
    t="$(elapsed)"
    [ "$t" -ge "$DURATION" ] && break
    kill -0 "$WRITER_PID" 2>/dev/null || die "the writer exited: $(tail -3 "$WORK/writer.log")"
    kill -0 "$VIGILD_PID" 2>/dev/null || die "vigild exited by itself: $(tail -5 "$WORK/vigild-$SEGMENT.log")"
    for pid in "${JOBS[@]}"; do kill -0 "$pid" 2>/dev/null || die "a background job (the sampler or a control client, pid $pid) died"; done
    if [ "$t" -ge "$next_kill" ] && [ "$t" -lt "$CHAOS_END" ]; then
        kill_vigild
        sleep "$((RANDOM % 3)).$((RANDOM % 10))"
        start_vigild
        say "$(printf '%4ss' "$t") SIGKILL #$KILLS, vigild restarted (pid $VIGILD_PID)"
        next_kill=$((t + 10 + RANDOM % 31))
    fi
    if [ "$t" -ge "$next_am" ] && [ "$t" -lt "$AM_END" ]; then
        restart_alertmanager
        say "$(printf '%4ss' "$t") Alertmanager restarted (#$AM_RESTARTS)"
        next_am=$((t + 40 + RANDOM % 61))
    fi
    sleep 1
done

say "stopping the writer; waiting for vigild to catch up"
touch "$WORK/logs/stop"
for _ in $(seq 1 300); do [ -e "$WORK/logs/done" ] && break; sleep 0.1; done
wait "$WRITER_PID" || die "the writer failed: $(tail -3 "$WORK/writer.log")"
WRITER_PID=""
RUN_SECONDS="$(elapsed)"

status_json() { "$VIGIL" status --state-dir "$WORK/state" --json 2>/dev/null; }
expected_counts() {
    # model predictions outcomes bad rotations → JSON {model: {...}}
    awk -F'\t' 'BEGIN { printf "{" } { printf "%s\"%s\":{\"p\":%s,\"o\":%s,\"b\":%s,\"r\":%s}", (NR > 1 ? "," : ""), $1, $2, $3, $4, $5 } END { print "}" }' "$WORK/logs/counts.tsv"
}
EXPECTED="$(expected_counts)"
caught_up() {
    status_json | jq -e --argjson want "$EXPECTED" '
        [.models[] | select($want[.name] != null) |
         (.predictions_ingested == $want[.name].p and .outcomes_ingested == $want[.name].o and .quarantined == $want[.name].b)]
        | length == ($want | length) and all' >/dev/null 2>&1
}
CATCHUP_START="$(now)"
for _ in $(seq 1 1800); do caught_up && break; sleep 0.1; done
CATCHUP_SECONDS="$(awk -v s="$CATCHUP_START" -v n="$(now)" 'BEGIN { printf "%.1f", n - s }')"
sleep 1   # nothing more may arrive

# Stop the control clients, then compare what Alertmanager lists with what is firing.
{
    for pid in "${JOBS[@]}"; do kill -TERM -- "-$pid" || true; done
    wait "${JOBS[@]}" || true
} 2>/dev/null
JOBS=()
db_firing() {
    sqlite3 "file:$WORK/state/vigil.db?mode=ro" "SELECT json_array(json_extract(alert,'\$.key.rule'), model,
        coalesce(feature,''), coalesce(subgroup,''), coalesce(\"check\",'')) FROM alert_states WHERE state = 'firing' AND alert IS NOT NULL" |
        jq -c '.[0] |= {"drift":"VigilDrift","performance":"VigilPerformance","calibration":"VigilCalibration","data_quality":"VigilDataQuality","pipeline":"VigilPipeline"}[.]' | sort
}
am_active() {
    curl -sf -m 5 "$AM_URL/api/v2/alerts?active=true" |
        jq -c '.[] | [.labels.alertname, .labels.model, (.labels.feature // ""), (.labels.subgroup // ""), (.labels.check // "")]' | sort
}
AM_MISSING="?"
for _ in $(seq 1 75); do
    AM_MISSING="$(comm -23 <(db_firing) <(am_active) | wc -l)"
    [ "$AM_MISSING" -eq 0 ] && break
    sleep 2
done
FIRING_AT_END="$(db_firing | wc -l)"
AM_STALE="$(comm -13 <(db_firing) <(am_active) | wc -l)"
AM_SEEN="$(sort -u "$WORK/am-seen.jsonl" 2>/dev/null | wc -l)"

FINAL_STATUS="$(status_json)"
printf '%s\tstop\t%s %s\n' "$(now)" "$SEGMENT" "$VIGILD_PID" >>"$WORK/events.tsv"
kill -TERM "$VIGILD_PID"
STOP_STATUS=0
wait "$VIGILD_PID" || STOP_STATUS=$?
VIGILD_PID=""
kill -TERM "$AM_PID"; wait "$AM_PID" 2>/dev/null || true; AM_PID=""

# --- checks ------------------------------------------------------------------------------------
FAILED=()
check() { # name ok(0/1) detail
    if [ "$2" -eq 0 ]; then FAILED+=("$1: $3"); fi
}

# Counts, per model and in total.
COUNT_REPORT="$(jq -r --argjson want "$EXPECTED" '
    .models[] | select($want[.name] != null) | $want[.name] as $w |
    [.name, $w.p, .predictions_ingested, $w.o, .outcomes_ingested, .joined, $w.b, .quarantined, ($w.p - $w.o), .pending_predictions, $w.r,
     ([.files[].rotations] | add),
     (if .predictions_ingested == $w.p and .outcomes_ingested == $w.o and .joined == $w.o and .quarantined == $w.b
         and .pending_predictions == ($w.p - $w.o) and .pending_outcomes == 0 and .outcomes_orphaned == 0 then "ok" else "MISMATCH" end)]
    | @tsv' <<<"$FINAL_STATUS")"
WRITTEN_P="$(awk -F'\t' '{s += $2} END {print s}' "$WORK/logs/counts.tsv")"
WRITTEN_O="$(awk -F'\t' '{s += $3} END {print s}' "$WORK/logs/counts.tsv")"
WRITTEN_B="$(awk -F'\t' '{s += $4} END {print s}' "$WORK/logs/counts.tsv")"
INGESTED_P="$(jq '[.models[].predictions_ingested] | add' <<<"$FINAL_STATUS")"
INGESTED_O="$(jq '[.models[].outcomes_ingested] | add' <<<"$FINAL_STATUS")"
JOINED="$(jq '[.models[].joined] | add' <<<"$FINAL_STATUS")"
QUARANTINED="$(jq '[.models[].quarantined] | add' <<<"$FINAL_STATUS")"
check counts "$(grep -c MISMATCH <<<"$COUNT_REPORT" | awk '{print ($1 == 0)}')" "$(grep MISMATCH <<<"$COUNT_REPORT" | tr '\n' ';')"

# Alert deliveries against the state database's transitions.
jq -r 'def ms: if . == null then "" else (capture("^(?<s>[^.Z]+)(?<f>\\.[0-9]+)?Z$") |
        ((.s + "Z") | fromdateiso8601) * 1000 + ((("0" + (.f // ".0")) | tonumber) * 1000 | round)) end;
    [.rule, .model, (.feature // ""), (.subgroup // ""), (.check // ""), .status, (.startsAt | ms)] | @tsv' \
    "$WORK/alerts.jsonl" >"$WORK/deliveries.tsv"
awk -F'\t' '$2 == "kill" {print $1}' "$WORK/events.tsv" >"$WORK/kills.tsv"
ANALYSIS="$(sqlite3 -separator ' ' ":memory:" <<SQL
CREATE TABLE deliveries (rule, model, feature, subgroup, chk, status, starts INTEGER);
CREATE TABLE kills (at REAL);
.mode tabs
.import $WORK/deliveries.tsv deliveries
.import $WORK/kills.tsv kills
.mode list
.separator ' '
ATTACH 'file:$WORK/state/vigil.db?mode=ro' AS state;
CREATE TABLE events AS SELECT seq, at, json_extract(alert,'\$.key.rule') AS rule, model,
    coalesce(json_extract(alert,'\$.key.feature'),'') AS feature, coalesce(json_extract(alert,'\$.key.subgroup'),'') AS subgroup,
    coalesce(json_extract(alert,'\$.key.check'),'') AS chk, status, CAST(round(json_extract(alert,'\$.startsAt') * 1000) AS INTEGER) AS starts
    FROM state.alert_events;
CREATE TABLE matched AS SELECT e.seq, count(d.rowid) AS n FROM events e LEFT JOIN deliveries d
    ON d.rule = e.rule AND d.model = e.model AND d.feature = e.feature AND d.subgroup = e.subgroup AND d.chk = e.chk
       AND d.status = e.status AND abs(d.starts - e.starts) <= 2
    GROUP BY e.seq;
SELECT
  (SELECT count(*) FROM events),
  (SELECT count(*) FROM events WHERE status = 'firing'),
  (SELECT count(*) FROM deliveries),
  (SELECT coalesce(sum(c - 1), 0) FROM (SELECT count(*) AS c FROM deliveries GROUP BY rule, model, feature, subgroup, chk, status, starts)),
  (SELECT count(*) FROM deliveries d WHERE NOT EXISTS (SELECT 1 FROM events e WHERE d.rule = e.rule AND d.model = e.model
       AND d.feature = e.feature AND d.subgroup = e.subgroup AND d.chk = e.chk AND d.status = e.status AND abs(d.starts - e.starts) <= 2)),
  (SELECT count(*) FROM matched WHERE n = 0),
  (SELECT count(*) FROM matched m JOIN events e USING (seq) WHERE m.n = 0
       AND NOT EXISTS (SELECT 1 FROM kills k WHERE k.at >= e.at AND k.at <= e.at + 35)),
  (SELECT count(*) FROM (SELECT status, lag(status) OVER (PARTITION BY rule, model, feature, subgroup, chk ORDER BY seq) AS before
       FROM events) WHERE status = before OR (before IS NULL AND status = 'resolved'));
SQL
)"
read -r EVENTS FIRINGS DELIVERIES DUPLICATES SPURIOUS LOST LOST_UNEXPLAINED ALTERNATION <<<"$ANALYSIS"
check "duplicate deliveries" "$([ "$DUPLICATES" -eq 0 ] && echo 1 || echo 0)" "$DUPLICATES alert_command deliveries repeated a transition"
check "spurious deliveries" "$([ "$SPURIOUS" -eq 0 ] && echo 1 || echo 0)" "$SPURIOUS deliveries match no transition in alert_events"
check "lost deliveries" "$([ "$LOST_UNEXPLAINED" -eq 0 ] && echo 1 || echo 0)" "$LOST_UNEXPLAINED transitions were never delivered, with no SIGKILL within 35 s after them"
check "alert state" "$([ "$ALTERNATION" -eq 0 ] && echo 1 || echo 0)" "$ALTERNATION transitions in alert_events repeat the previous status of their alert"
check "alerts fired" "$([ "$FIRINGS" -gt 0 ] && echo 1 || echo 0)" "no alert fired: the run proves nothing about alerts"
check alertmanager "$([ "$AM_MISSING" = 0 ] && echo 1 || echo 0)" "$AM_MISSING of the $FIRING_AT_END alerts firing at the end are not listed by Alertmanager"

# Control requests.
CONTROL_OK="$(awk -F'\t' '$4 == 0' "$WORK/control.tsv" | wc -l)"
CONTROL_UNREACHABLE="$(awk -F'\t' '$4 == 69' "$WORK/control.tsv" | wc -l)"
CONTROL_FAILED="$(awk -F'\t' '$4 != 0 && $4 != 69' "$WORK/control.tsv" | wc -l)"
check control "$([ "$CONTROL_FAILED" -eq 0 ] && [ "$CONTROL_OK" -gt 0 ] && echo 1 || echo 0)" \
    "$CONTROL_FAILED requests failed (not counting exit 69), $CONTROL_OK succeeded; see $WORK/control-*.err"
check "clean stop" "$([ "$STOP_STATUS" -eq 0 ] && echo 1 || echo 0)" "vigild exited $STOP_STATUS on SIGTERM"

# Memory and descriptors: the longest segment (the PID with the longest span of samples).
read -r LONG_PID LONG_SECONDS <<<"$(awk -F'\t' '{ if (!($2 in a)) a[$2] = $1; b[$2] = $1 } END { for (p in a) print p, b[p] - a[p] }' "$WORK/samples.tsv" | sort -k2 -g | tail -1)"
read -r RSS_FIRST RSS_LAST FD_FIRST FD_LAST GROWTH_SAMPLES <<<"$(awk -F'\t' -v pid="$LONG_PID" '
    BEGIN { n = 0 }
    $2 == pid { t[n] = $1; r[n] = $3; f[n] = $5; n++ }
    function median(lo, hi,   k, m, i, j, x) { m = 0; for (i = lo; i < hi; i++) v[m++] = r[i]
        for (i = 1; i < m; i++) { x = v[i]; for (j = i - 1; j >= 0 && v[j] > x; j--) v[j + 1] = v[j]; v[j + 1] = x }
        return m % 2 ? v[int(m / 2)] : (v[m / 2 - 1] + v[m / 2]) / 2 }
    function maxfd(lo, hi,   i, m) { m = 0; for (i = lo; i < hi; i++) if (f[i] > m) m = f[i]; return m }
    END { warm = 60; if ((t[n - 1] - t[0]) * 0.2 > warm) warm = (t[n - 1] - t[0]) * 0.2
          for (s = 0; s < n && t[s] - t[0] < warm; s++) ;
          k = int((n - s) / 3); if (k < 1) { print 0, 0, 0, 0, 0; exit }
          printf "%d %d %d %d %d\n", median(s, s + k), median(n - k, n), maxfd(s, s + k), maxfd(n - k, n), n - s }' "$WORK/samples.tsv")"
PEAK_RSS="$(awk -F'\t' '$4 > m { m = $4 } END { print m + 0 }' "$WORK/samples.tsv")"
FD_MIN="$(awk -F'\t' 'NR == 1 || $5 < m { m = $5 } END { print m + 0 }' "$WORK/samples.tsv")"
FD_MAX="$(awk -F'\t' '$5 > m { m = $5 } END { print m + 0 }' "$WORK/samples.tsv")"
RSS_ALLOWED="$(awk -v a="$RSS_FIRST" 'BEGIN { x = a * 0.10; if (x < 8192) x = 8192; printf "%d", x }')"
check "memory growth" "$([ "$GROWTH_SAMPLES" -ge 6 ] && [ $((RSS_LAST - RSS_FIRST)) -le "$RSS_ALLOWED" ] && echo 1 || echo 0)" \
    "in the longest run (pid $LONG_PID, ${LONG_SECONDS%.*} s, $GROWTH_SAMPLES samples after warm-up) median RSS went from $RSS_FIRST to $RSS_LAST KiB (allowed +$RSS_ALLOWED)"
check "descriptor growth" "$([ "$GROWTH_SAMPLES" -ge 6 ] && [ "$FD_LAST" -le $((FD_FIRST + 4)) ] && echo 1 || echo 0)" \
    "in the longest run the largest descriptor count went from $FD_FIRST to $FD_LAST"

# --- report ------------------------------------------------------------------------------------
mib() { awk -v k="$1" 'BEGIN { printf "%.1f MiB", k / 1024 }'; }
echo
echo "per model: model | written p | ingested p | written o | ingested o | joined | bad lines | quarantined | expected pending | pending | writer rotations | vigild rotations (both logs) | result"
tr '\t' '|' <<<"$COUNT_REPORT" | sed 's/|/ | /g'
echo
echo "RSS and descriptors 30 s after each start (segment: RSS, fds):"
awk -F'\t' '$2 == "start" { split($3, a, " "); start[a[2]] = $1; order[++n] = a[2] }
    END { for (i = 1; i <= n; i++) print order[i], start[order[i]] }' "$WORK/events.tsv" |
    while read -r pid started; do
        awk -F'\t' -v pid="$pid" -v s="$started" '$2 == pid && $1 - s >= 30 { printf "  pid %s: %s KiB, %s fds\n", pid, $3, $5; found = 1; exit }
            END { if (!found) printf "  pid %s: ran under 30 s\n", pid }' "$WORK/samples.tsv"
    done
echo
printf '%-42s %s\n' "check" "value"
printf '%-42s %s\n' "------------------------------------------" "----------------------------------------"
printf '%-42s %s\n' "duration (writer running)" "${RUN_SECONDS} s ($MINUTES min requested), catch-up after stop ${CATCHUP_SECONDS} s"
printf '%-42s %s\n' "predictions written / ingested" "$WRITTEN_P / $INGESTED_P"
printf '%-42s %s\n' "outcomes written / ingested / joined" "$WRITTEN_O / $INGESTED_O / $JOINED"
printf '%-42s %s\n' "bad lines written / quarantined" "$WRITTEN_B / $QUARANTINED"
printf '%-42s %s\n' "vigild SIGKILLs survived (restarts)" "$KILLS ($SEGMENT starts)"
printf '%-42s %s\n' "Alertmanager restarts" "$AM_RESTARTS"
printf '%-42s %s\n' "control requests ok / unreachable / failed" "$CONTROL_OK / $CONTROL_UNREACHABLE / $CONTROL_FAILED"
printf '%-42s %s\n' "alert transitions (firing) in alert_events" "$EVENTS ($FIRINGS)"
printf '%-42s %s\n' "alert_command deliveries" "$DELIVERIES"
printf '%-42s %s\n' "duplicate / spurious deliveries" "$DUPLICATES / $SPURIOUS"
printf '%-42s %s\n' "lost deliveries (unexplained by a SIGKILL)" "$LOST ($LOST_UNEXPLAINED)"
printf '%-42s %s\n' "alert state alternation violations" "$ALTERNATION"
printf '%-42s %s\n' "firing at end / missing from AM / stale" "$FIRING_AT_END / $AM_MISSING / $AM_STALE (distinct alerts seen in AM: $AM_SEEN)"
printf '%-42s %s\n' "peak RSS (VmHWM, any run)" "$(mib "$PEAK_RSS")"
printf '%-42s %s\n' "longest run: median RSS first/last third" "$(mib "$RSS_FIRST") / $(mib "$RSS_LAST") (pid $LONG_PID, ${LONG_SECONDS%.*} s)"
printf '%-42s %s\n' "open descriptors min / max (all runs)" "$FD_MIN / $FD_MAX; longest run, max first/last third: $FD_FIRST / $FD_LAST"
printf '%-42s %s\n' "vigild exit on SIGTERM" "$STOP_STATUS"
echo
if [ ${#FAILED[@]} -gt 0 ]; then
    printf 'FAILED: %s\n' "${FAILED[@]}"
    exit 1
fi
echo "all checks passed"
