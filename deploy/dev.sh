#!/usr/bin/env bash
# Vigil's two developer commands. On a fresh Debian 12 machine with the Swift toolchain:
#
#   deploy/dev.sh demo   build, then `vigil demo`: the whole life cycle on a simulated sepsis stream, narrated (state in vigil-demo/)
#   deploy/dev.sh test   build, start what the tests need (journald), run every test, stop what it started;
#                        then the unit and packaging checks, the fuzz targets (60 s each) and the
#                        sanitizer runs (see RELIABILITY.md)
#
# The reliability checks, also on their own (RELIABILITY.md has their figures):
#
#   deploy/dev.sh fuzz [SECONDS] [TARGET...]   the libFuzzer targets (default 60 s each)
#   deploy/dev.sh sanitize address|thread     every test under AddressSanitizer or ThreadSanitizer
#   deploy/dev.sh soak [MINUTES]              vigild under a steady writer, SIGKILLs and restarts (not in CI)
#   deploy/dev.sh memory [PREDICTIONS]        peak RSS with 10 models x 50 features (not in CI)
#
# Each installs the Debian packages it needs (as root; otherwise it prints the command to run).
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT="$(pwd)"

# Debian packages the build and the tests need.
#   libsqlite3-dev, libsystemd-dev, liblz4-dev, pkg-config: the C libraries Vigil links against
#   sqlite3: the shell the integration tests inspect state databases with
#   systemd: systemd-journald and journalctl for the real-journal tests
#   util-linux, passwd: runuser, useradd and groupadd for the tests that run vigil as other users
#   prometheus-alertmanager, prometheus, libcurl4: the Alertmanager the notifier tests post to,
#     promtool (in prometheus) that lints the metrics textfile, and the libcurl URLSession uses
#   procps: /bin/kill, which vigild.service's ExecReload= runs and deploy/check-units.sh checks
#   libcurl4-openssl-dev: the release build links Foundation statically, and with it -lcurl
#   dpkg-dev, binutils, file, lintian: build-deb.sh (dpkg-shlibdeps, strip) and check-package.sh
#   chromium, fonts-dejavu-core: the report test opens vigil report's HTML in headless Chromium
PACKAGES=(libsqlite3-dev libsystemd-dev liblz4-dev pkg-config sqlite3 systemd util-linux passwd prometheus-alertmanager prometheus libcurl4
    procps libcurl4-openssl-dev dpkg-dev binutils file lintian chromium fonts-dejavu-core)

say() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }
die() { printf 'dev.sh: %s\n' "$*" >&2; exit 1; }

ensure_swift() {
    if ! command -v swift >/dev/null 2>&1 && [ -x /opt/swift/usr/bin/swift ]; then
        export PATH="/opt/swift/usr/bin:$PATH"
    fi
    command -v swift >/dev/null 2>&1 || die "the Swift toolchain (6.1 or later) is not on PATH"
}

# ensure_packages [PACKAGE...]: PACKAGES and any others given.
ensure_packages() {
    local missing=()
    for package in "${PACKAGES[@]}" "$@"; do
        if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed"; then
            missing+=("$package")
        fi
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    if [ "$(id -u)" -ne 0 ]; then
        echo "dev.sh: missing Debian packages: ${missing[*]}" >&2
        echo "install them with:" >&2
        echo "  sudo apt-get update && sudo apt-get install -y --no-install-recommends ${missing[*]}" >&2
        exit 1
    fi
    say "installing ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# journald_accepts, ensure_journald, stop_started_journald.
source "$ROOT/deploy/journald.sh"
trap stop_started_journald EXIT

# The control tests run `vigil` as other users, as ops staff and clinical owners would: a viewer,
# a clinical owner and an admin, in the groups vigild's example configuration names.
TEST_USERS=(vigil-test-viewer:vigil vigil-test-clinical:vigil,vigil-clinical vigil-test-admin:vigil,vigil-admin)

ensure_test_users() {
    if [ "$(id -u)" -ne 0 ]; then
        echo "dev.sh: not root: the control tests that run vigil as other users will be skipped" >&2
        return 0
    fi
    for group in vigil vigil-admin vigil-clinical; do
        getent group "$group" >/dev/null || groupadd --system "$group"
    done
    for entry in "${TEST_USERS[@]}"; do
        local user="${entry%%:*}" groups="${entry#*:}"
        if ! id "$user" >/dev/null 2>&1; then
            useradd --system --no-create-home --shell /usr/sbin/nologin --groups "$groups" "$user"
        fi
    done
}

run_tests() {
    ensure_swift
    ensure_packages
    ensure_test_users
    say "building (debug)"
    swift build --build-tests
    VIGIL_BIN_DIR="$(swift build --show-bin-path)"
    export VIGIL_BIN_DIR
    ensure_journald
    say "running the tests"
    swift test --skip-build
    say "checking the systemd units (verify, security, sysusers, tmpfiles)"
    bash deploy/check-units.sh "$VIGIL_BIN_DIR"
    say "building (release, as the package ships it) and checking its commands"
    local release
    release="$(deploy/install.sh --build-only)"
    "$release/vigild" --help >/dev/null
    "$release/vigil" --help >/dev/null
    [ "$("$release/vigil" check-config deploy/vigil.example.yaml)" = "ok" ] || die "release vigil check-config rejected the example"
    say "release build: vigild --help, vigil --help and vigil check-config deploy/vigil.example.yaml all work"
    say "checking the packaging: install.sh, uninstall.sh, build-deb.sh, lintian, the Alertmanager example"
    deploy/check-package.sh --bin-dir "$release"
    say "fuzzing: each target 60 s on its seed corpus"
    deploy/fuzz.sh 60
    say "running every test under AddressSanitizer, then ThreadSanitizer, one test at a time"
    deploy/sanitize.sh address
    deploy/sanitize.sh thread
}

run_sanitize() {
    ensure_swift
    ensure_packages
    ensure_test_users
    ensure_journald
    deploy/sanitize.sh "$@"
}

run_demo() {
    ensure_swift
    ensure_packages
    say "building (release)"
    local bin
    bin="$(deploy/install.sh --build-only)"
    if journald_accepts || { [ "$(id -u)" -eq 0 ] && ensure_journald; }; then :; fi
    # A fresh start each time: the demo's state, logs and configuration live in vigil-demo/ (git-ignored).
    rm -rf "$ROOT/vigil-demo"
    "$bin/vigil" demo --dir "$ROOT/vigil-demo"
}

case "${1:-}" in
    test) run_tests ;;
    demo) run_demo ;;
    fuzz) shift; ensure_swift; ensure_packages; deploy/fuzz.sh "$@" ;;
    sanitize) shift; run_sanitize "$@" ;;
    soak) shift; ensure_swift; ensure_packages jq curl; ensure_test_users; ensure_journald; deploy/soak.sh "$@" ;;
    memory) shift; ensure_swift; ensure_packages; deploy/memory-bound.sh "$@" ;;
    *) echo "usage: deploy/dev.sh demo | test | fuzz [SECONDS] [TARGET...] | sanitize address|thread | soak [MINUTES] | memory [PREDICTIONS]" >&2; exit 64 ;;
esac
