#!/usr/bin/env bash
# The tests of Vigil's packaging (run by `deploy/dev.sh test` after the Swift tests):
#
#   (a) install.sh into a temporary DESTDIR gives exactly the expected tree; a second install
#       keeps a changed etc/vigil/vigil.yaml; uninstall.sh keeps etc/vigil and var/lib/vigil
#       unless --purge; PREFIX=/usr/local and /opt/vigil put the systemd files where systemd
#       reads them; the shipped configuration passes `vigil check-config`
#   (b) build-deb.sh builds vigil_<version>_amd64.deb whose control fields, maintainer
#       scripts and contents are the expected ones, and lintian reports no errors
#   (c) deploy/alertmanager.example.yml passes amtool check-config, routes Vigil's alerts to
#       on-call, and a real Alertmanager inhibits VigilDrift while VigilPerformance fires
#   (d) on a disposable machine only (root, and CI=true or VIGIL_DISPOSABLE_MACHINE=1):
#       dpkg -i the package, run vigild --version and vigil check-config /etc/vigil/vigil.yaml,
#       reinstall (an upgrade), dpkg -r, dpkg -P; elsewhere it says "skipped: ..."
#
#   deploy/check-package.sh [--bin-dir DIR]
#
# --bin-dir DIR (or VIGIL_RELEASE_BIN_DIR=DIR) reuses the binaries of a release build made by
# `deploy/install.sh --build-only`; without it, this script runs that build. Each failure
# prints one line starting "check-package.sh: FAIL:" and exits 1.
set -euo pipefail

CALLER_PWD="$(pwd)"
cd "$(dirname "${BASH_SOURCE[0]}")/.."

say() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }

PASSED=0
SKIPPED=0
WORK="$(mktemp -d)"
LOG="$WORK/last-command.log"
AM_PID=""
cleanup() {
    if [ -n "$AM_PID" ]; then
        kill "$AM_PID" 2>/dev/null || true
        wait "$AM_PID" 2>/dev/null || true
    fi
    rm -rf "$WORK"
}
trap cleanup EXIT

# One failure: the last command's output (if any) indented, then one line, then the count.
fail() {
    if [ -s "$LOG" ]; then sed 's/^/    /' "$LOG" | tail -n 15 >&2; fi
    printf 'check-package.sh: FAIL: %s\n' "$*" >&2
    printf 'check-package: %d passed, 1 failed, %d skipped\n' "$PASSED" "$SKIPPED"
    exit 1
}
pass() { PASSED=$((PASSED + 1)); printf '  ok  %s\n' "$*" >&2; }
skip() { SKIPPED=$((SKIPPED + 1)); printf 'check-package.sh: skipped: %s\n' "$*" >&2; }
# Runs a command with its output in $LOG (shown only if a check then fails).
run() { "$@" >"$LOG" 2>&1; }
# A command that fails outside a check still ends in one FAIL line.
set -E
trap 'fail "line $LINENO: \"$BASH_COMMAND\" failed unexpectedly"' ERR

BIN_DIR="${VIGIL_RELEASE_BIN_DIR:-}"
while [ $# -gt 0 ]; do
    case "$1" in
        --bin-dir) [ $# -ge 2 ] || fail "--bin-dir needs a directory"; BIN_DIR="$2"; shift 2 ;;
        --bin-dir=*) BIN_DIR="${1#*=}"; shift ;;
        -h | --help) sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
        *) fail "unknown argument \"$1\" (see --help)" ;;
    esac
done

for tool in dpkg-deb dpkg-shlibdeps lintian amtool objdump strip file; do
    command -v "$tool" >/dev/null 2>&1 || fail "$tool is missing (Debian packages: dpkg-dev lintian prometheus-alertmanager binutils file)"
done

if [ -z "$BIN_DIR" ]; then
    say "building the release binaries (deploy/install.sh --build-only)"
    BIN_DIR="$(deploy/install.sh --build-only)" || fail "the release build failed (deploy/install.sh --build-only)"
else
    case "$BIN_DIR" in /*) ;; *) BIN_DIR="$CALLER_PWD/$BIN_DIR" ;; esac
fi
[ -x "$BIN_DIR/vigild" ] && [ -x "$BIN_DIR/vigil" ] || fail "no vigild and vigil in $BIN_DIR"
VIGIL="$BIN_DIR/vigil"
VERSION="$(sed -n 's/.*static let current = "\([^"]*\)".*/\1/p' Sources/VigilMonitor/VigilVersion.swift)"
[ -n "$VERSION" ] || fail "no version in Sources/VigilMonitor/VigilVersion.swift"

# What systemd/ holds decides which unit, sysusers and tmpfiles files are expected.
shopt -s nullglob
UNIT_FILES=(systemd/*.service systemd/*.socket)
SYSUSERS_FILES=(systemd/*.sysusers)
TMPFILES_FILES=(systemd/*.tmpfiles)
shopt -u nullglob
UNITS=()
for unit in "${UNIT_FILES[@]}"; do UNITS+=("$(basename "$unit")"); done

# The expected files for PREFIX and SYSTEMD_PREFIX, as "mode path" lines (paths relative to
# the root), with every parent directory (drwxr-xr-x) added, sorted by path.
expected_files() {
    local prefix="${1#/}" systemd="${2#/}"
    {
        echo "-rw-r--r-- etc/vigil/vigil.yaml"
        echo "-rwxr-xr-x $prefix/bin/vigil"
        echo "-rwxr-xr-x $prefix/bin/vigild"
        echo "-rw-r--r-- $systemd/lib/systemd/catalog/vigil.catalog"
        for unit in "${UNITS[@]}"; do echo "-rw-r--r-- $systemd/lib/systemd/system/$unit"; done
        if [ ${#SYSUSERS_FILES[@]} -gt 0 ]; then echo "-rw-r--r-- $systemd/lib/sysusers.d/vigil.conf"; fi
        if [ ${#TMPFILES_FILES[@]} -gt 0 ]; then echo "-rw-r--r-- $systemd/lib/tmpfiles.d/vigil.conf"; fi
        echo "-rw-r--r-- $prefix/share/doc/vigil/examples/alertmanager.example.yml"
        echo "-rw-r--r-- $prefix/share/doc/vigil/examples/vigil.example.yaml"
        local extra
        for extra in "${@:3}"; do echo "$extra"; done
    } | with_directories
}
with_directories() {
    local mode path
    while read -r mode path; do
        echo "$mode $path"
        while [ "${path%/*}" != "$path" ]; do
            path="${path%/*}"
            echo "drwxr-xr-x $path"
        done
    done | sort -u -k2,2
}
# The tree under $1 as "mode path" lines, sorted by path.
actual_tree() { (cd "$1" && find . -mindepth 1 -printf '%M %P\n' | sort -k2,2); }
compare_tree() {
    local root="$1" expected="$2" what="$3"
    actual_tree "$root" >"$WORK/actual"
    if ! diff -u "$expected" "$WORK/actual" >"$LOG"; then
        fail "$what: the tree differs from the expected one (- expected, + found)"
    fi
}

# --- (a) install.sh and uninstall.sh into a temporary DESTDIR --------------------------------
say "(a) install.sh and uninstall.sh into a temporary DESTDIR"

run "$VIGIL" check-config deploy/vigil.yaml || fail "vigil check-config rejects deploy/vigil.yaml (the installed configuration)"
sed -E -e '/window: \{duration/d' -e 's/^( *)# ([a-z_]+: )/\1\2/' deploy/vigil.yaml >"$WORK/uncommented.yaml"
run "$VIGIL" check-config "$WORK/uncommented.yaml" || fail "deploy/vigil.yaml with its commented keys uncommented is not a valid configuration"
pass "deploy/vigil.yaml, and with every commented key uncommented, passes vigil check-config"

DEST="$WORK/dest"
run env DESTDIR="$DEST" deploy/install.sh --bin-dir "$BIN_DIR" || fail "DESTDIR=$DEST deploy/install.sh failed"
expected_files /usr /usr >"$WORK/expected-usr"
compare_tree "$DEST" "$WORK/expected-usr" "install.sh (PREFIX=/usr)"
pass "install.sh installs exactly the expected files with the expected modes (PREFIX=/usr)"

cmp -s deploy/vigil.yaml "$DEST/etc/vigil/vigil.yaml" || fail "etc/vigil/vigil.yaml is not deploy/vigil.yaml"
cmp -s systemd/vigil.catalog "$DEST/usr/lib/systemd/catalog/vigil.catalog" || fail "the installed catalog differs from systemd/vigil.catalog"
for unit in "${UNIT_FILES[@]}"; do
    cmp -s "$unit" "$DEST/usr/lib/systemd/system/$(basename "$unit")" || fail "usr/lib/systemd/system/$(basename "$unit") differs from $unit (PREFIX=/usr must not change it)"
done
if [ ${#SYSUSERS_FILES[@]} -gt 0 ]; then cmp -s "${SYSUSERS_FILES[0]}" "$DEST/usr/lib/sysusers.d/vigil.conf" || fail "sysusers.d/vigil.conf differs from ${SYSUSERS_FILES[0]}"; fi
if [ ${#TMPFILES_FILES[@]} -gt 0 ]; then cmp -s "${TMPFILES_FILES[0]}" "$DEST/usr/lib/tmpfiles.d/vigil.conf" || fail "tmpfiles.d/vigil.conf differs from ${TMPFILES_FILES[0]}"; fi
[ "$("$DEST/usr/bin/vigild" --version 2>&1)" = "$VERSION" ] || fail "the installed vigild --version does not print $VERSION"
run "$DEST/usr/bin/vigil" check-config "$DEST/etc/vigil/vigil.yaml" || fail "the installed vigil check-config rejects the installed etc/vigil/vigil.yaml"
pass "the installed files are the sources' (units unchanged), vigild --version prints $VERSION, the installed config checks ok"

printf '# changed by the administrator\n' >>"$DEST/etc/vigil/vigil.yaml"
cp "$DEST/etc/vigil/vigil.yaml" "$WORK/changed.yaml"
run env DESTDIR="$DEST" deploy/install.sh --bin-dir "$BIN_DIR" || fail "a second install.sh into $DEST failed"
cmp -s "$WORK/changed.yaml" "$DEST/etc/vigil/vigil.yaml" || fail "a second install.sh overwrote the changed etc/vigil/vigil.yaml"
cmp -s deploy/vigil.yaml "$DEST/etc/vigil/vigil.yaml.dist" || fail "a second install.sh did not put the shipped configuration beside the changed one as vigil.yaml.dist"
grep -q 'vigil.yaml.dist' "$LOG" || fail "a second install.sh did not say that it kept the configuration and wrote vigil.yaml.dist"
expected_files /usr /usr "-rw-r--r-- etc/vigil/vigil.yaml.dist" >"$WORK/expected-dist"
compare_tree "$DEST" "$WORK/expected-dist" "a second install.sh"
pass "a second install keeps the changed etc/vigil/vigil.yaml and writes vigil.yaml.dist beside it, and says so"

cp deploy/vigil.yaml "$DEST/etc/vigil/vigil.yaml"
run env DESTDIR="$DEST" deploy/install.sh --bin-dir "$BIN_DIR" || fail "a third install.sh into $DEST failed"
compare_tree "$DEST" "$WORK/expected-usr" "an install over an unchanged configuration"
pass "an install over the shipped configuration leaves no vigil.yaml.dist"

printf '# changed\n' >>"$DEST/etc/vigil/vigil.yaml"
mkdir -p "$DEST/var/lib/vigil"
printf 'state\n' >"$DEST/var/lib/vigil/vigil.db"
run env DESTDIR="$DEST" deploy/uninstall.sh || fail "DESTDIR=$DEST deploy/uninstall.sh failed"
(cd "$DEST" && find . -type f -printf '%P\n' | sort) >"$WORK/left"
printf 'etc/vigil/vigil.yaml\nvar/lib/vigil/vigil.db\n' >"$WORK/expected-left"
diff -u "$WORK/expected-left" "$WORK/left" >"$LOG" || fail "uninstall.sh did not remove exactly the binaries, units, sysusers, tmpfiles, catalog and docs (- expected left, + left)"
pass "uninstall.sh removes everything but etc/vigil and var/lib/vigil"

run env DESTDIR="$DEST" deploy/uninstall.sh --purge || fail "DESTDIR=$DEST deploy/uninstall.sh --purge failed"
[ -z "$(cd "$DEST" && find . -type f)" ] || { (cd "$DEST" && find . -type f) >"$LOG"; fail "uninstall.sh --purge left files behind"; }
[ ! -e "$DEST/etc/vigil" ] && [ ! -e "$DEST/var/lib/vigil" ] || fail "uninstall.sh --purge left etc/vigil or var/lib/vigil"
pass "uninstall.sh --purge removes etc/vigil and var/lib/vigil too"

for prefix in /usr/local /opt/vigil; do
    systemd_prefix=/usr/local
    DEST="$WORK/dest-${prefix//\//_}"
    run env DESTDIR="$DEST" PREFIX="$prefix" deploy/install.sh --bin-dir "$BIN_DIR" || fail "DESTDIR=$DEST PREFIX=$prefix deploy/install.sh failed"
    expected_files "$prefix" "$systemd_prefix" >"$WORK/expected-prefix"
    compare_tree "$DEST" "$WORK/expected-prefix" "install.sh (PREFIX=$prefix)"
    for unit in "${UNITS[@]}"; do
        installed="$DEST$systemd_prefix/lib/systemd/system/$unit"
        if grep -q '/usr/bin/vigil' "$installed"; then
            grep -n '/usr/bin/vigil' "$installed" >"$LOG"
            fail "PREFIX=$prefix: $unit still names /usr/bin/vigil*"
        fi
        sed "s#/usr/bin/vigil#$prefix/bin/vigil#g" "systemd/$unit" | cmp -s - "$installed" || fail "PREFIX=$prefix: $unit is not systemd/$unit with $prefix/bin"
    done
    run env DESTDIR="$DEST" PREFIX="$prefix" deploy/uninstall.sh || fail "DESTDIR=$DEST PREFIX=$prefix deploy/uninstall.sh failed"
    [ "$(cd "$DEST" && find . -type f -printf '%P\n')" = "etc/vigil/vigil.yaml" ] || fail "PREFIX=$prefix: uninstall.sh left more than etc/vigil/vigil.yaml"
done
pass "PREFIX=/usr/local and /opt/vigil: binaries under PREFIX, systemd files under /usr/local/lib naming PREFIX/bin; uninstall removes them"

# --- (b) the Debian package -------------------------------------------------------------------
say "(b) build-deb.sh and lintian"
OUT="$WORK/deb"
run deploy/build-deb.sh --out "$OUT" --bin-dir "$BIN_DIR" || fail "deploy/build-deb.sh failed"
DEB="$OUT/vigil_${VERSION}_amd64.deb"
[ -f "$DEB" ] || fail "build-deb.sh did not write $DEB"
[ "$(tail -n 1 "$LOG")" = "$DEB" ] || fail "build-deb.sh did not print the package's path last"
pass "build-deb.sh builds $(basename "$DEB") ($(du -h "$DEB" | cut -f1))"

field() { dpkg-deb --field "$DEB" "$1"; }
[ "$(field Package)" = vigil ] || fail "Package: is \"$(field Package)\", not vigil"
[ "$(field Version)" = "$VERSION" ] || fail "Version: is \"$(field Version)\", not $VERSION"
[ "$(field Architecture)" = amd64 ] || fail "Architecture: is \"$(field Architecture)\", not amd64"
for name in Maintainer Section Priority Installed-Size Description; do
    [ -n "$(field "$name")" ] || fail "the control file has no $name:"
done
[ "$(dpkg-deb --field "$DEB" Description | wc -l)" -ge 5 ] || fail "Description: has no extended description"
DEPENDS="$(field Depends)"
for library in libc6 libsqlite3-0 libsystemd0 liblz4-1 libcurl4 libstdc++6 libgcc-s1; do
    [[ ", $DEPENDS" == *", $library"* ]] || fail "Depends: lacks $library: $DEPENDS"
done
if [[ "$DEPENDS" == *swift* ]]; then fail "Depends: names a Swift package: $DEPENDS"; fi
if [ ${#SYSUSERS_FILES[@]} -gt 0 ]; then
    [[ "$DEPENDS" == *"systemd | systemd-standalone-sysusers | systemd-sysusers"* ]] || fail "Depends: lacks systemd-sysusers: $DEPENDS"
fi
pass "control: Package vigil, Version $VERSION, Architecture amd64, Depends $DEPENDS"

CONTROL="$WORK/control"
dpkg-deb --control "$DEB" "$CONTROL"
[ "$(cat "$CONTROL/conffiles")" = "/etc/vigil/vigil.yaml" ] || fail "DEBIAN/conffiles is not exactly /etc/vigil/vigil.yaml"
for script in postinst prerm postrm; do
    [ -x "$CONTROL/$script" ] || fail "DEBIAN/$script is missing or not executable"
    [ "$(head -n 1 "$CONTROL/$script")" = "#!/bin/sh" ] || fail "DEBIAN/$script does not start with #!/bin/sh"
    grep -qx 'set -e' "$CONTROL/$script" || fail "DEBIAN/$script does not set -e"
    run sh -n "$CONTROL/$script" || fail "DEBIAN/$script is not valid sh"
    if grep -q '@[A-Z_]*@' "$CONTROL/$script"; then fail "DEBIAN/$script has an unfilled placeholder"; fi
    [ "$(sed -n 's/^UNITS="\(.*\)"$/\1/p' "$CONTROL/$script" | tr ' ' '\n' | sort | xargs)" = "$(printf '%s\n' "${UNITS[@]}" | sort | xargs)" ] ||
        fail "DEBIAN/$script does not name exactly the units in systemd/ (${UNITS[*]})"
done
grep -q 'systemd-sysusers' "$CONTROL/postinst" && grep -q 'systemd-tmpfiles' "$CONTROL/postinst" &&
    grep -q 'journalctl --update-catalog' "$CONTROL/postinst" && grep -q 'daemon-reload' "$CONTROL/postinst" ||
    fail "postinst lacks systemd-sysusers, systemd-tmpfiles, journalctl --update-catalog or daemon-reload"
grep -q 'deb-systemd-invoke stop' "$CONTROL/prerm" || fail "prerm does not stop the units"
grep -q 'rm -rf "${DPKG_ROOT:-}/etc/vigil" "${DPKG_ROOT:-}/var/lib/vigil"' "$CONTROL/postrm" || fail "postrm does not remove /etc/vigil and /var/lib/vigil on purge"
pass "DEBIAN: conffiles /etc/vigil/vigil.yaml; postinst, prerm, postrm valid sh with set -e, naming ${UNITS[*]:-no units}"

# "drwxr-xr-x root/root 0 2026-11-29 15:55 ./usr/bin/" -> "drwxr-xr-x usr/bin" (the root itself left out).
dpkg-deb --contents "$DEB" | awk '{ print $1, $6 }' | sed 's# \./# #; s#/$##' | awk 'NF == 2' | sort -k2,2 >"$WORK/deb-tree"
dpkg-deb --contents "$DEB" | awk '$2 != "root/root" { print }' >"$LOG"
[ ! -s "$LOG" ] || fail "the package has files not owned by root/root"
expected_files /usr /usr \
    "-rw-r--r-- usr/share/doc/vigil/copyright" \
    "-rw-r--r-- usr/share/doc/vigil/changelog.gz" \
    "-rw-r--r-- usr/share/lintian/overrides/vigil" >"$WORK/expected-deb"
diff -u "$WORK/expected-deb" "$WORK/deb-tree" >"$LOG" || fail "dpkg-deb --contents differs from the expected files (- expected, + in the package)"
pass "dpkg-deb --contents: exactly the install.sh tree plus copyright, changelog.gz and the lintian overrides, all root/root"

EXTRACT="$WORK/extract"
dpkg-deb --extract "$DEB" "$EXTRACT"
for program in vigild vigil; do
    file -b "$EXTRACT/usr/bin/$program" | grep -q ', stripped' || fail "usr/bin/$program is not stripped"
    objdump -p "$EXTRACT/usr/bin/$program" >"$LOG"
    if grep -qE 'NEEDED +lib(swift|Foundation|dispatch)' "$LOG"; then fail "usr/bin/$program needs a Swift runtime library"; fi
    if grep -qE '^ *(RPATH|RUNPATH) ' "$LOG"; then fail "usr/bin/$program has an RPATH/RUNPATH"; fi
done
[ "$("$EXTRACT/usr/bin/vigild" --version 2>&1)" = "$VERSION" ] || fail "the packaged vigild --version does not print $VERSION"
pass "the packaged binaries are stripped, need no Swift runtime library nor RPATH, and run"

lintian --allow-root --fail-on error "$DEB" >"$WORK/lintian" 2>&1 && status=0 || status=$?
cp "$WORK/lintian" "$LOG"
[ "$status" -eq 0 ] || fail "lintian exited $status"
if grep -q '^E:' "$WORK/lintian"; then fail "lintian reports errors"; fi
warnings="$(grep -c '^W:' "$WORK/lintian" || true)"
pass "lintian: no errors ($warnings warnings: $(grep '^W:' "$WORK/lintian" | awk '{ print $3 }' | sort -u | xargs))"

# --- (c) the Alertmanager example ----------------------------------------------------------
say "(c) deploy/alertmanager.example.yml"
AM_CONFIG=deploy/alertmanager.example.yml
run amtool check-config "$AM_CONFIG" || fail "amtool check-config $AM_CONFIG failed"
pass "amtool check-config $AM_CONFIG"

route() { amtool config routes test --config.file="$AM_CONFIG" "$@" 2>/dev/null; }
[ "$(route alertname=VigilDrift model=sepsis-risk severity=warning)" = vigil-oncall ] || fail "VigilDrift is not routed to vigil-oncall"
[ "$(route alertname=VigilPerformance model=sepsis-risk severity=critical)" = vigil-oncall ] || fail "VigilPerformance is not routed to vigil-oncall"
[ "$(route alertname=VigilPipeline model=sepsis-risk severity=warning check=silence)" = vigil-oncall ] || fail "VigilPipeline is not routed to vigil-oncall"
[ "$(route alertname=NodeDown instance=db1)" = default ] || fail "an alert that is not Vigil's is routed to vigil-oncall"
pass "amtool config routes test: Vigil* to vigil-oncall, others to default"

if command -v prometheus-alertmanager >/dev/null 2>&1 || command -v alertmanager >/dev/null 2>&1; then
    am_binary="$(command -v prometheus-alertmanager || command -v alertmanager)"
    "$am_binary" --config.file="$AM_CONFIG" --storage.path="$WORK/am-data" --web.listen-address=127.0.0.1:0 \
        --cluster.listen-address= >"$WORK/am.log" 2>&1 &
    AM_PID=$!
    am_url=""
    for _ in $(seq 1 100); do
        address="$(sed -n 's/.*msg="Listening on" address=\([0-9.:]*\).*/\1/p' "$WORK/am.log" | head -n 1)"
        if [ -n "$address" ]; then am_url="http://$address"; break; fi
        kill -0 "$AM_PID" 2>/dev/null || break
        sleep 0.1
    done
    cp "$WORK/am.log" "$LOG"
    [ -n "$am_url" ] || fail "Alertmanager did not start on $AM_CONFIG"
    amtool_am() { amtool --alertmanager.url="$am_url" "$@"; }
    run amtool_am alert add VigilPerformance model=a severity=critical --annotation=summary=test &&
        run amtool_am alert add VigilDrift model=a severity=warning feature=lactate &&
        run amtool_am alert add VigilDrift model=b severity=warning feature=lactate ||
        fail "amtool alert add to the test Alertmanager failed"
    # alert query shows the active alerts; with --inhibited, the ones an inhibit rule holds back.
    alerts() {
        amtool_am alert query "$@" -o extended 2>/dev/null |
            sed -n 's/^alertname="\([A-Za-z]*\)".* model="\([a-z]*\)".*/\1:\2/p' | sort | xargs
    }
    inhibited=""
    for _ in $(seq 1 50); do
        active="$(alerts || true)"
        held="$(alerts --inhibited || true)"
        if [ "$active" = "VigilDrift:b VigilPerformance:a" ] && [ "$held" = "VigilDrift:a" ]; then
            inhibited=yes
            break
        fi
        sleep 0.1
    done
    printf 'active: %s\ninhibited: %s\n' "$active" "$held" >"$LOG"
    [ -n "$inhibited" ] || fail "Alertmanager did not inhibit model a's VigilDrift (only) while its VigilPerformance fired"
    kill "$AM_PID" 2>/dev/null || true
    wait "$AM_PID" 2>/dev/null || true
    AM_PID=""
    pass "a real Alertmanager holds back VigilDrift for model a while a's VigilPerformance fires, not b's"
else
    skip "the live inhibition test: no prometheus-alertmanager binary"
fi

# --- (d) dpkg -i on a disposable machine --------------------------------------------------
say "(d) dpkg -i, dpkg -r, dpkg -P"
if [ "$(id -u)" -ne 0 ]; then
    skip "dpkg -i of the package: not root"
elif [ "${CI:-}" != true ] && [ "${VIGIL_DISPOSABLE_MACHINE:-}" != 1 ]; then
    skip "dpkg -i of the package: this is not a disposable machine (set VIGIL_DISPOSABLE_MACHINE=1, or CI=true, to install and remove it here)"
else
    if dpkg-query -W -f='${Status}' vigil 2>/dev/null | grep -q 'ok installed'; then
        say "vigil $(dpkg-query -W -f='${Version}' vigil) is installed already: it will be upgraded, then purged"
    fi
    if ! run dpkg -i "$DEB"; then
        say "dpkg -i stopped (dependencies missing?): apt-get install -f"
        run env DEBIAN_FRONTEND=noninteractive apt-get install -y -f --no-install-recommends || fail "apt-get install -f could not complete the installation of $DEB"
    fi
    dpkg-query -W -f='${Status}' vigil 2>/dev/null | grep -q 'install ok installed' || fail "after dpkg -i, vigil is not installed"
    [ "$(/usr/bin/vigild --version 2>&1)" = "$VERSION" ] || fail "the installed /usr/bin/vigild --version does not print $VERSION"
    run /usr/bin/vigil check-config /etc/vigil/vigil.yaml || fail "vigil check-config /etc/vigil/vigil.yaml fails after dpkg -i"
    [ "$(cat "$LOG")" = ok ] || fail "vigil check-config /etc/vigil/vigil.yaml did not print ok"
    if [ -e /usr/lib/sysusers.d/vigil.conf ]; then
        getent passwd vigil >/dev/null || fail "postinst did not create the user vigil (systemd-sysusers)"
    fi
    if command -v journalctl >/dev/null 2>&1; then
        run journalctl --list-catalog || true
        grep -q 'e8f9144884ca4a3cac6db61bfe9b4181' "$LOG" || fail "postinst did not compile the catalog: journalctl --list-catalog lacks vigild's entries"
    fi
    pass "dpkg -i: vigild --version prints $VERSION, vigil check-config /etc/vigil/vigil.yaml prints ok, user and catalog in place"

    run dpkg -i "$DEB" || fail "dpkg -i over the installed package (an upgrade) failed"
    pass "dpkg -i again (the upgrade path of the maintainer scripts)"

    run dpkg -r vigil || fail "dpkg -r vigil failed"
    [ ! -e /usr/bin/vigild ] && [ ! -e /usr/bin/vigil ] || fail "dpkg -r left /usr/bin/vigild or /usr/bin/vigil"
    for unit in "${UNITS[@]}"; do [ ! -e "/usr/lib/systemd/system/$unit" ] || fail "dpkg -r left /usr/lib/systemd/system/$unit"; done
    [ -e /etc/vigil/vigil.yaml ] || fail "dpkg -r removed the conffile /etc/vigil/vigil.yaml (only a purge should)"
    if command -v journalctl >/dev/null 2>&1; then
        run journalctl --list-catalog || true
        if grep -q 'e8f9144884ca4a3cac6db61bfe9b4181' "$LOG"; then fail "after dpkg -r, journalctl --list-catalog still lists vigild's entries"; fi
    fi
    pass "dpkg -r removes the binaries, units and catalog entries, keeps /etc/vigil/vigil.yaml"

    run dpkg -P vigil || fail "dpkg -P vigil failed"
    [ ! -e /etc/vigil ] && [ ! -e /var/lib/vigil ] || fail "dpkg -P left /etc/vigil or /var/lib/vigil"
    pass "dpkg -P removes /etc/vigil and /var/lib/vigil"
fi

printf 'check-package: %d passed, 0 failed, %d skipped\n' "$PASSED" "$SKIPPED"
