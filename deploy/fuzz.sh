#!/usr/bin/env bash
# Builds Vigil's libFuzzer targets (Tests/Fuzz) and runs each for a while on a copy of its seed
# corpus, with AddressSanitizer and leak detection.
#
#   deploy/fuzz.sh [SECONDS] [TARGET...]   default: 60 seconds each, every target
#
# FUZZ_ARGS adds libFuzzer flags to every run (after the script's own, so they win), e.g.
# FUZZ_ARGS="-max_len=65536" for longer inputs, or FUZZ_ARGS="-malloc_limit_mb=1" to see a
# failure reported.
#
# Fails (exit 1) if any target crashes, leaks, times out on an input (-timeout=10), runs out of
# memory (-rss_limit_mb=2048) or hangs as a whole. Prints a table of each target's executions,
# exec/s and final corpus, for BENCHMARKS-style records.
#
# The seed corpora in Tests/Fuzz/Corpus are never written to: each run works in a temporary
# copy. What a failing run leaves (the crashing input, the log) is kept in
# .build-fuzz/findings/<target>/ (git-ignored); reproduce with
#   .build-fuzz/release/<target> .build-fuzz/findings/<target>/crash-...
# and, once fixed, commit the input into Tests/Fuzz/Corpus/<target>/ with a regression test.
#
# Needs the Swift toolchain (on PATH, or at /opt/swift/usr/bin) and the Debian packages
# libsqlite3-dev libsystemd-dev liblz4-dev pkg-config.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT="$(pwd)"

SECONDS_PER_TARGET="${1:-60}"
shift $(( $# > 0 ? 1 : 0 ))
ALL_TARGETS=(FuzzRecords FuzzJSONValue FuzzConfig FuzzControl FuzzModelFile)
TARGETS=("$@")
[ ${#TARGETS[@]} -gt 0 ] || TARGETS=("${ALL_TARGETS[@]}")

die() { printf 'fuzz.sh: %s\n' "$*" >&2; exit 2; }
say() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }

[[ "$SECONDS_PER_TARGET" =~ ^[1-9][0-9]*$ ]] || die "SECONDS must be a positive whole number, not \"$SECONDS_PER_TARGET\""
for target in "${TARGETS[@]}"; do
    [[ " ${ALL_TARGETS[*]} " == *" $target "* ]] || die "unknown target $target (known: ${ALL_TARGETS[*]})"
done

if ! command -v swift >/dev/null 2>&1 && [ -x /opt/swift/usr/bin/swift ]; then
    export PATH="/opt/swift/usr/bin:$PATH"
fi
command -v swift >/dev/null 2>&1 || die "the Swift toolchain is not on PATH (nor at /opt/swift/usr/bin)"
command -v timeout >/dev/null 2>&1 || die "timeout (coreutils) is missing"

SCRATCH="$ROOT/.build-fuzz"
BIN="$SCRATCH/release"
FINDINGS="$SCRATCH/findings"

# `--sanitize=fuzzer` makes SwiftPM leave `main` to libFuzzer; swiftc keeps only the last
# -sanitize= flag it is given, so `--sanitize=fuzzer --sanitize=address` would drop the coverage
# instrumentation: the combined -sanitize=fuzzer,address (after SwiftPM's own flag) keeps both.
# The C code (Yams' libyaml) is instrumented too.
# SwiftPM can miss a source file added to the root package (a path dependency here) when it
# reuses its build plan: remove the plan so it is made afresh (what is built stays cached).
rm -f "$SCRATCH/release.yaml"
say "building the fuzz targets (release, -sanitize=fuzzer,address) in $SCRATCH"
timeout -k 30 3600 swift build -c release \
    --package-path "$ROOT/Tests/Fuzz" --scratch-path "$SCRATCH" \
    --sanitize=fuzzer -Xswiftc -sanitize=fuzzer,address -Xcc -fsanitize=fuzzer-no-link,address \
    || die "the build failed"

WORK="$(mktemp -d -t vigil-fuzz.XXXXXX)"
trap 'rm -rf "$WORK"' EXIT

# symbolize=0: a crashing binary must not sit in the symbolizer (a failure is re-run
# symbolized below, under its own timeout).
export ASAN_OPTIONS="detect_leaks=1:symbolize=0:abort_on_error=0:handle_abort=1:allocator_may_return_null=0"
export LSAN_OPTIONS="symbolize=0"

declare -A EXECS RATE CORPUS COVERAGE NEW RSS RESULT
FAILED=()

stat_of() { sed -n "s/^stat::$1: *//p" "$2" | tail -n 1; }

for target in "${TARGETS[@]}"; do
    case "$target" in
        FuzzConfig) dict="$ROOT/Tests/Fuzz/Dictionaries/yaml.dict" ;;
        *) dict="$ROOT/Tests/Fuzz/Dictionaries/json.dict" ;;
    esac
    corpus="$WORK/$target/corpus"
    found="$WORK/$target/artifacts"
    log="$WORK/$target/fuzz.log"
    mkdir -p "$corpus" "$found"
    cp "$ROOT/Tests/Fuzz/Corpus/$target/"* "$corpus/"
    seeds=$(find "$corpus" -type f | wc -l)
    say "$target: ${SECONDS_PER_TARGET}s on $seeds seeds"
    status=0
    # libFuzzer stops itself after -max_total_time; the outer timeout catches a hang libFuzzer
    # cannot report (a stuck final leak check, a hung process).
    timeout -k 10 $(( SECONDS_PER_TARGET + 120 )) "$BIN/$target" \
        -max_total_time="$SECONDS_PER_TARGET" -timeout=10 -rss_limit_mb=2048 -detect_leaks=1 \
        -print_final_stats=1 -dict="$dict" -artifact_prefix="$found/" ${FUZZ_ARGS:-} \
        "$corpus" >"$log" 2>&1 || status=$?

    EXECS[$target]="$(stat_of number_of_executed_units "$log")"
    RATE[$target]="$(stat_of average_exec_per_sec "$log")"
    NEW[$target]="$(stat_of new_units_added "$log")"
    RSS[$target]="$(stat_of peak_rss_mb "$log")"
    last="$(grep -E '(DONE|pulse|NEW|REDUCE|INITED).*cov:' "$log" | tail -n 1 || true)"
    COVERAGE[$target]="$(sed -n 's/.* cov: \([0-9]*\).*/\1/p' <<<"$last")"
    CORPUS[$target]="$(sed -n 's/.* corp: \([0-9]*\/[0-9]*[a-zA-Z]*\).*/\1/p' <<<"$last")"

    problem=""
    if [ "$status" -eq 124 ] || [ "$status" -eq 137 ]; then
        problem="hang (killed after $(( SECONDS_PER_TARGET + 120 ))s)"
    elif grep -q "ERROR: libFuzzer: timeout" "$log"; then
        problem="timeout (an input ran over 10s)"
    elif grep -q "ERROR: libFuzzer: out-of-memory" "$log"; then
        problem="out of memory (over the -rss_limit_mb or -malloc_limit_mb)"
    elif grep -q "ERROR: LeakSanitizer" "$log"; then
        problem="leak"
    elif grep -qE "ERROR: (AddressSanitizer|libFuzzer)|Fatal error|SUMMARY:" "$log"; then
        problem="crash"
    elif [ "$status" -ne 0 ]; then
        problem="exit status $status"
    elif [ -n "$(ls -A "$found")" ]; then
        problem="left artifacts"
    fi
    if [ -z "$problem" ]; then
        RESULT[$target]="ok"
        continue
    fi

    RESULT[$target]="FAILED: $problem"
    FAILED+=("$target")
    keep="$FINDINGS/$target"
    mkdir -p "$keep"
    cp "$log" "$keep/fuzz.log"
    cp "$found/"* "$keep/" 2>/dev/null || true
    printf '\n--- %s: %s; the end of its log:\n' "$target" "$problem" >&2
    grep -vE '#[0-9]+\s+(NEW|REDUCE|pulse)' "$log" | tail -n 60 >&2 || true
    for input in "$found/"*; do
        [ -f "$input" ] || continue
        printf '\n--- %s: %s, re-run symbolized:\n' "$target" "$(basename "$input")" >&2
        ASAN_OPTIONS="detect_leaks=1:symbolize=1:external_symbolizer_path=$(command -v llvm-symbolizer || echo /opt/swift/usr/bin/llvm-symbolizer)" \
        LSAN_OPTIONS="symbolize=1" \
            timeout -k 10 180 "$BIN/$target" -timeout=10 -rss_limit_mb=2048 "$input" 2>&1 | tail -n 80 >&2 || true
    done
    printf -- '--- kept in %s\n' "$keep" >&2
done

printf '\nlibFuzzer, %ss per target (-timeout=10 -rss_limit_mb=2048 -detect_leaks=1%s), %s, %s cores:\n\n' \
    "$SECONDS_PER_TARGET" "${FUZZ_ARGS:+ $FUZZ_ARGS}" "$(date -u +%Y-%m-%dT%H:%MZ)" "$(nproc)"
printf '| %-14s | %12s | %9s | %8s | %20s | %8s | %8s | %s |\n' target executions "exec/s" coverage "corpus files/size" "new" "peak MB" result
printf '|%s|\n' "----------------|-------------:|----------:|---------:|---------------------:|---------:|---------:|--------"
for target in "${TARGETS[@]}"; do
    printf '| %-14s | %12s | %9s | %8s | %20s | %8s | %8s | %s |\n' "$target" "${EXECS[$target]:--}" "${RATE[$target]:--}" \
        "${COVERAGE[$target]:--}" "${CORPUS[$target]:--}" "${NEW[$target]:--}" "${RSS[$target]:--}" "${RESULT[$target]}"
done

if [ ${#FAILED[@]} -gt 0 ]; then
    printf '\nfuzz.sh: failed: %s (inputs and logs in %s)\n' "${FAILED[*]}" "$FINDINGS" >&2
    exit 1
fi
printf '\nno crash, leak, timeout or out-of-memory.\n'
