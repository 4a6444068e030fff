#!/usr/bin/env bash
# Builds Vigil (release) and installs it: the binaries, the systemd units, sysusers and tmpfiles
# files, the journal catalog and, unless one is there already, /etc/vigil/vigil.yaml.
#
#   deploy/install.sh                       build, then install into / (as root)
#   DESTDIR=/tmp/stage deploy/install.sh    install into a staging tree (what build-deb.sh does)
#   deploy/install.sh --build-only          build, and print the directory of the binaries
#
# Options:
#   --bin-dir DIR   install the binaries in DIR instead of building (they must come from
#                   `deploy/install.sh --build-only`, or the same `swift build` command; checked)
#   --strip         strip the binaries as they are installed (the Debian package does)
#   --build-only    build, print the binaries' directory on stdout, install nothing
#
# Environment:
#   DESTDIR         staging root, default empty (install into the running system)
#   PREFIX          default /usr: the binaries go to $PREFIX/bin
#   SYSTEMD_PREFIX  where the systemd files go: $SYSTEMD_PREFIX/lib/systemd/system,
#                   .../lib/sysusers.d, .../lib/tmpfiles.d, .../lib/systemd/catalog.
#                   Default: $PREFIX when it is /usr or /usr/local (systemd reads both),
#                   else /usr/local (systemd reads nothing under other prefixes).
#
# The configuration is always /etc/vigil/vigil.yaml: it is vigild's and vigil's default. An
# existing file is never overwritten: when it differs from the one shipped, the new one is put
# beside it as vigil.yaml.dist. The shipped file is deploy/vigil.yaml (a production default:
# state in $STATE_DIRECTORY, the control socket /run/vigil/control.sock, one placeholder model);
# deploy/vigil.example.yaml, whose relative paths suit the demo only, goes to the docs.
#
# The binaries link the Swift standard library and Foundation statically
# (--static-swift-stdlib), so the target needs no Swift toolchain, only the C libraries they
# name (libsqlite3, libsystemd, libcurl, libstdc++, libc). deploy/uninstall.sh removes it all.
set -euo pipefail

CALLER_PWD="$(pwd)"
cd "$(dirname "${BASH_SOURCE[0]}")/.."

say() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }
die() { printf 'install.sh: %s\n' "$*" >&2; exit 1; }

# The one release build command: build-deb.sh and check-package.sh go through this script.
# -z now: full RELRO (lintian's hardening-no-bindnow).
SWIFT_BUILD=(swift build -c release --static-swift-stdlib --disable-local-rpath -Xlinker -z -Xlinker now)

# shellcheck source=deploy/layout.sh
. "$(dirname "${BASH_SOURCE[0]}")/layout.sh"

BIN_DIR=""
STRIP=0
BUILD_ONLY=0
while [ $# -gt 0 ]; do
    case "$1" in
        --bin-dir) [ $# -ge 2 ] || die "--bin-dir needs a directory"; BIN_DIR="$2"; shift 2 ;;
        --bin-dir=*) BIN_DIR="${1#*=}"; shift ;;
        --strip) STRIP=1; shift ;;
        --build-only) BUILD_ONLY=1; shift ;;
        -h | --help) sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
        *) die "unknown argument \"$1\" (see --help)" ;;
    esac
done

ensure_swift() {
    if ! command -v swift >/dev/null 2>&1 && [ -x /opt/swift/usr/bin/swift ]; then
        export PATH="/opt/swift/usr/bin:$PATH"
    fi
    command -v swift >/dev/null 2>&1 || die "the Swift toolchain (6.1 or later) is not on PATH"
}

build() {
    ensure_swift
    say "building (release, Swift standard library linked statically): ${SWIFT_BUILD[*]}"
    "${SWIFT_BUILD[@]}" >&2
    "${SWIFT_BUILD[@]}" --show-bin-path
}

# A binary fit to install: from a release build, needing no Swift runtime library and no
# search path of its own (lintian's custom-library-search-path).
check_binary() {
    local file="$1"
    [ -x "$file" ] || die "$file: missing or not executable"
    local needed
    needed="$(objdump -p "$file")" || die "$file: not an ELF binary objdump can read"
    if grep -qE 'NEEDED +lib(swift|Foundation|dispatch|BlocksRuntime)' <<<"$needed"; then
        die "$file links the Swift runtime dynamically: build it with ${SWIFT_BUILD[*]}"
    fi
    if grep -qE '^ *(RPATH|RUNPATH) ' <<<"$needed"; then
        die "$file has a library search path (RPATH/RUNPATH): build it with ${SWIFT_BUILD[*]}"
    fi
}

if [ "$BUILD_ONLY" = 1 ]; then
    build
    exit 0
fi

if [ -z "$BIN_DIR" ]; then
    BIN_DIR="$(build)"
else
    case "$BIN_DIR" in /*) ;; *) BIN_DIR="$CALLER_PWD/$BIN_DIR" ;; esac
    [ -d "$BIN_DIR" ] || die "--bin-dir $BIN_DIR: no such directory"
    BIN_DIR="$(cd "$BIN_DIR" && pwd -P)"
    [ "$(basename "$BIN_DIR")" = release ] || die "--bin-dir $BIN_DIR is not a release build's directory (…/release)"
fi
for program in vigild vigil; do check_binary "$BIN_DIR/$program"; done

say "installing into ${DESTDIR:-/} (PREFIX=$PREFIX, systemd files under $SYSTEMD_PREFIX/lib)"

install -d -m 0755 "$BINDIR"
for program in vigild vigil; do
    if [ "$STRIP" = 1 ]; then
        # As Debian's dh_strip does.
        install -m 0755 "$BIN_DIR/$program" "$BINDIR/$program.new"
        strip --remove-section=.comment --remove-section=.note --strip-unneeded "$BINDIR/$program.new"
        mv -f "$BINDIR/$program.new" "$BINDIR/$program"
    else
        install -m 0755 "$BIN_DIR/$program" "$BINDIR/$program"
    fi
done

# Units: whatever systemd/ holds. They name /usr/bin/vigild; another PREFIX is written in.
shopt -s nullglob
units=(systemd/*.service systemd/*.socket)
sysusers=(systemd/*.sysusers)
tmpfiles=(systemd/*.tmpfiles)
shopt -u nullglob
[ ${#sysusers[@]} -le 1 ] || die "more than one sysusers file in systemd/: ${sysusers[*]}"
[ ${#tmpfiles[@]} -le 1 ] || die "more than one tmpfiles file in systemd/: ${tmpfiles[*]}"
[ -f systemd/vigil.catalog ] || die "systemd/vigil.catalog is missing"

if [ ${#units[@]} -gt 0 ]; then
    install -d -m 0755 "$UNITDIR"
    for unit in "${units[@]}"; do
        sed "s#/usr/bin/vigil#$PREFIX/bin/vigil#g" "$unit" >"$UNITDIR/$(basename "$unit").new"
        chmod 0644 "$UNITDIR/$(basename "$unit").new"
        mv -f "$UNITDIR/$(basename "$unit").new" "$UNITDIR/$(basename "$unit")"
    done
else
    say "no unit files in systemd/ yet: none installed"
fi
if [ ${#sysusers[@]} -eq 1 ]; then
    install -D -m 0644 "${sysusers[0]}" "$SYSUSERSDIR/vigil.conf"
fi
if [ ${#tmpfiles[@]} -eq 1 ]; then
    install -D -m 0644 "${tmpfiles[0]}" "$TMPFILESDIR/vigil.conf"
fi
install -D -m 0644 systemd/vigil.catalog "$CATALOGDIR/vigil.catalog"

# Documentation: the full example configuration and the Alertmanager example.
install -d -m 0755 "$DOCDIR/examples"
install -m 0644 deploy/vigil.example.yaml "$DOCDIR/examples/vigil.example.yaml"
install -m 0644 deploy/alertmanager.example.yml "$DOCDIR/examples/alertmanager.example.yml"

# The configuration: installed when absent, never overwritten.
install -d -m 0755 "$CONFDIR"
if [ ! -e "$CONFDIR/vigil.yaml" ]; then
    install -m 0644 deploy/vigil.yaml "$CONFDIR/vigil.yaml"
elif cmp -s deploy/vigil.yaml "$CONFDIR/vigil.yaml"; then
    rm -f "$CONFDIR/vigil.yaml.dist"
else
    install -m 0644 deploy/vigil.yaml "$CONFDIR/vigil.yaml.dist"
    say "kept your $CONFDIR/vigil.yaml; the shipped one is beside it as vigil.yaml.dist (compare: diff -u $CONFDIR/vigil.yaml $CONFDIR/vigil.yaml.dist)"
fi

# Into the running system: register what was installed.
if [ -z "$DESTDIR" ]; then
    if command -v journalctl >/dev/null 2>&1; then
        journalctl --update-catalog || say "journalctl --update-catalog failed: run it again to get vigild's explanations in journalctl -x"
    fi
    if [ "$(id -u)" -eq 0 ]; then
        if [ ${#sysusers[@]} -eq 1 ] && command -v systemd-sysusers >/dev/null 2>&1; then
            systemd-sysusers "$SYSUSERSDIR/vigil.conf"
        fi
        if [ ${#tmpfiles[@]} -eq 1 ] && command -v systemd-tmpfiles >/dev/null 2>&1; then
            systemd-tmpfiles --create "$TMPFILESDIR/vigil.conf"
        fi
        if [ -d /run/systemd/system ]; then
            systemctl daemon-reload
        fi
    else
        say "not root: run systemd-sysusers, systemd-tmpfiles --create and systemctl daemon-reload as root"
    fi
    say "installed. Configure /etc/vigil/vigil.yaml (vigil check-config /etc/vigil/vigil.yaml), then: systemctl enable --now vigild.socket vigild.service"
fi
