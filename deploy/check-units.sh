#!/usr/bin/env bash
# Checks the files in systemd/ offline, without a running service manager:
#
#   deploy/check-units.sh BIN_DIR      (BIN_DIR: the folder with the built vigild and vigil,
#                                       e.g. "$(swift build --show-bin-path)")
#
# 1. `systemd-analyze verify` on vigild.service and vigild.socket, inside a temporary root laid
#    out as the package installs them (units in /usr/lib/systemd/system, BIN_DIR's vigild and
#    vigil in /usr/bin, the host's unit files beside ours, /bin/kill for ExecReload=), so that
#    every path the units name resolves. Any output at all is a failure: verify exits 0 on
#    warnings such as an unknown setting.
# 2. `systemd-analyze security --offline=true --threshold=20` on vigild.service: the exposure
#    must be 2.0 or less; the score is printed.
# 3. vigil.sysusers and vigil.tmpfiles applied to another temporary root with systemd-sysusers
#    and systemd-tmpfiles --create: the users, groups and directories must come out as meant.
#    (systemd 252's systemd-tmpfiles has no --dry-run; creating into a temporary root is the
#    check. Giving the directories their owners needs root: run as another user, this step
#    stops after systemd-sysusers --dry-run and says so.)
#
# Needs the Debian packages systemd (systemd-analyze, systemd-sysusers, systemd-tmpfiles) and
# procps (/bin/kill, which ExecReload= names). Exits non-zero with one line on stderr at the
# first failure.
set -euo pipefail

die() { printf 'check-units.sh: %s\n' "$*" >&2; exit 1; }
say() { printf '==> %s\n' "$*" >&2; }

[ $# -eq 1 ] || die "usage: deploy/check-units.sh BIN_DIR (the folder with the built vigild and vigil)"
BIN_DIR="$(cd "$1" 2>/dev/null && pwd)" || die "$1 is not a directory"
cd "$(dirname "${BASH_SOURCE[0]}")/.."
UNITS_DIR="$(pwd)/systemd"
for program in vigild vigil; do
    [ -x "$BIN_DIR/$program" ] || die "$BIN_DIR/$program is missing or not executable: build first (swift build)"
done
for tool in systemd-analyze systemd-sysusers systemd-tmpfiles; do
    command -v "$tool" >/dev/null 2>&1 || die "$tool not found: install the Debian package systemd"
done
[ -x /bin/kill ] || die "/bin/kill not found (ExecReload= needs it): install the Debian package procps"
[ -d /usr/lib/systemd/system ] || die "/usr/lib/systemd/system not found: install the Debian package systemd"
for file in vigild.service vigild.socket vigil.sysusers vigil.tmpfiles; do
    [ -f "$UNITS_DIR/$file" ] || die "systemd/$file is missing"
done

SCRATCH="$(mktemp -d -t vigil-check-units.XXXXXX)"
trap 'rm -rf "$SCRATCH"' EXIT

# --- 1. systemd-analyze verify -------------------------------------------------------------
say "systemd-analyze verify vigild.service vigild.socket (in a temporary root)"
ROOT="$SCRATCH/root"
mkdir -p "$ROOT/usr/lib/systemd" "$ROOT/usr/bin" "$ROOT/etc"
# Debian 12 is merged-/usr: /bin and /lib are links into /usr, and ExecReload= says /bin/kill.
ln -s usr/bin "$ROOT/bin"
ln -s usr/lib "$ROOT/lib"
# The host's units (sysinit.target, sockets.target, network.target, …) that ours are ordered
# against and pulled in by.
cp -a /usr/lib/systemd/system "$ROOT/usr/lib/systemd/"
cp "$UNITS_DIR/vigild.service" "$UNITS_DIR/vigild.socket" "$ROOT/usr/lib/systemd/system/"
cp "$BIN_DIR/vigild" "$BIN_DIR/vigil" "$ROOT/usr/bin/"
cp /bin/kill "$ROOT/usr/bin/kill"

verify_output="$SCRATCH/verify.out"
status=0
systemd-analyze verify --root="$ROOT" vigild.service vigild.socket >"$verify_output" 2>&1 || status=$?
if [ "$status" -ne 0 ] || [ -s "$verify_output" ]; then
    cat "$verify_output" >&2
    [ "$status" -ne 0 ] || die "systemd-analyze verify warned about the units (above): fix every warning"
    die "systemd-analyze verify failed (exit $status): see above"
fi
echo "verify: vigild.service and vigild.socket: no errors, no warnings"

# --- 2. systemd-analyze security ------------------------------------------------------------
say "systemd-analyze security --offline=true --threshold=20 vigild.service"
security_output="$SCRATCH/security.out"
status=0
systemd-analyze security --offline=true --threshold=20 --root="$ROOT" vigild.service >"$security_output" 2>&1 || status=$?
score_line="$(grep -m1 'Overall exposure level' "$security_output" || true)"
if [ "$status" -ne 0 ] || [ -z "$score_line" ]; then
    cat "$security_output" >&2
    die "systemd-analyze security: vigild.service is above the threshold of 2.0 (exit $status): see above"
fi
echo "security: ${score_line#→ }"

# --- 3. sysusers and tmpfiles ---------------------------------------------------------------
say "systemd-sysusers and systemd-tmpfiles on vigil.sysusers and vigil.tmpfiles (in a temporary root)"
USERS_ROOT="$SCRATCH/users-root"
mkdir -p "$USERS_ROOT/etc"
sysusers_output="$SCRATCH/sysusers.out"
status=0
systemd-sysusers --dry-run --root="$USERS_ROOT" "$UNITS_DIR/vigil.sysusers" >"$sysusers_output" 2>&1 || status=$?
if [ "$status" -ne 0 ] || grep -qiE 'ignoring|fail|invalid|unknown' "$sysusers_output"; then
    cat "$sysusers_output" >&2
    die "systemd-sysusers --dry-run rejected systemd/vigil.sysusers (exit $status): see above"
fi
if [ "$(id -u)" -ne 0 ]; then
    echo "sysusers: parsed; creating them and the tmpfiles directories in a temporary root needs root: skipped" >&2
    exit 0
fi
status=0
systemd-sysusers --root="$USERS_ROOT" "$UNITS_DIR/vigil.sysusers" >"$sysusers_output" 2>&1 || status=$?
[ "$status" -eq 0 ] || { cat "$sysusers_output" >&2; die "systemd-sysusers could not apply systemd/vigil.sysusers (exit $status): see above"; }

# name:uid:gid:home:shell, and the groups, as written into the temporary root.
passwd_entry="$(grep '^vigil:' "$USERS_ROOT/etc/passwd" || true)"
IFS=: read -r _ _ vigil_uid vigil_gid _ vigil_home vigil_shell <<<"$passwd_entry"
[ -n "$passwd_entry" ] || die "systemd-sysusers created no user vigil"
[ "$vigil_home" = /var/lib/vigil ] || die "user vigil's home is $vigil_home, not /var/lib/vigil"
[ "$vigil_shell" = /usr/sbin/nologin ] || die "user vigil's shell is $vigil_shell, not /usr/sbin/nologin"
[ "$vigil_uid" -lt 1000 ] || die "user vigil has uid $vigil_uid: not a system user"
for group in vigil vigil-admin vigil-clinical; do
    grep -q "^$group:" "$USERS_ROOT/etc/group" || die "systemd-sysusers created no group $group"
done
[ "$(grep '^vigil:' "$USERS_ROOT/etc/group" | cut -d: -f3)" = "$vigil_gid" ] || die "user vigil's primary group is not group vigil"

tmpfiles_output="$SCRATCH/tmpfiles.out"
status=0
systemd-tmpfiles --root="$USERS_ROOT" --create "$UNITS_DIR/vigil.tmpfiles" >"$tmpfiles_output" 2>&1 || status=$?
if [ "$status" -ne 0 ] || [ -s "$tmpfiles_output" ]; then
    cat "$tmpfiles_output" >&2
    [ "$status" -ne 0 ] || die "systemd-tmpfiles --create warned about systemd/vigil.tmpfiles (above): fix every warning"
    die "systemd-tmpfiles --create failed on systemd/vigil.tmpfiles (exit $status): see above"
fi
expect_directory() {
    local path="$1" expected="$2" actual
    actual="$(stat -c '%a %u:%g' "$USERS_ROOT$path" 2>/dev/null || echo "missing")"
    [ "$actual" = "$expected" ] || die "systemd-tmpfiles made $path \"$actual\", expected \"$expected\""
}
expect_directory /etc/vigil "755 0:0"
expect_directory /var/lib/vigil "750 $vigil_uid:$vigil_gid"
echo "sysusers: user vigil (system, home /var/lib/vigil, nologin), groups vigil, vigil-admin, vigil-clinical"
echo "tmpfiles: /etc/vigil 0755 root:root, /var/lib/vigil 0750 vigil:vigil"
