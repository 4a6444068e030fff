#!/usr/bin/env bash
# Removes what deploy/install.sh installed, with the same DESTDIR, PREFIX and SYSTEMD_PREFIX.
#
#   deploy/uninstall.sh            stop vigild, remove the binaries, units, sysusers, tmpfiles,
#                                  catalog and docs; keep /etc/vigil (configuration) and
#                                  /var/lib/vigil (state: the database, model versions)
#   deploy/uninstall.sh --purge    the same, and remove /etc/vigil and /var/lib/vigil too
#
# The user and groups (vigil, vigil-admin, vigil-clinical) are left, as Debian leaves system
# users: files owned by them may remain (backups, logs). Remove them with userdel/groupdel.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

say() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }
die() { printf 'uninstall.sh: %s\n' "$*" >&2; exit 1; }

# shellcheck source=deploy/layout.sh
. "$(dirname "${BASH_SOURCE[0]}")/layout.sh"

PURGE=0
while [ $# -gt 0 ]; do
    case "$1" in
        --purge) PURGE=1; shift ;;
        -h | --help) sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
        *) die "unknown argument \"$1\" (see --help)" ;;
    esac
done

# The units install.sh installs: those in systemd/ now, and the two it has always had.
units=(vigild.service vigild.socket)
shopt -s nullglob
for unit in systemd/*.service systemd/*.socket; do
    name="$(basename "$unit")"
    if [[ " ${units[*]} " != *" $name "* ]]; then units+=("$name"); fi
done
shopt -u nullglob

if [ -z "$DESTDIR" ] && [ -d /run/systemd/system ]; then
    [ "$(id -u)" -eq 0 ] || die "run as root: vigild's units must be stopped and disabled first"
    installed=()
    for unit in "${units[@]}"; do
        if [ -e "$UNITDIR/$unit" ]; then installed+=("$unit"); fi
    done
    if [ ${#installed[@]} -gt 0 ]; then
        say "stopping and disabling ${installed[*]}"
        systemctl disable --now "${installed[@]}" || true
    fi
fi

say "removing Vigil from ${DESTDIR:-/} (PREFIX=$PREFIX, systemd files under $SYSTEMD_PREFIX/lib)"
rm -f "$BINDIR/vigild" "$BINDIR/vigil"
for unit in "${units[@]}"; do
    rm -f "$UNITDIR/$unit"
done
rm -f "$SYSUSERSDIR/vigil.conf" "$TMPFILESDIR/vigil.conf" "$CATALOGDIR/vigil.catalog"
rm -rf "$DOCDIR"

if [ "$PURGE" = 1 ]; then
    say "purging the configuration ($DESTDIR/etc/vigil) and the state ($DESTDIR/var/lib/vigil)"
    rm -rf "$CONFDIR" "$DESTDIR/var/lib/vigil"
else
    for kept in /etc/vigil /var/lib/vigil; do
        if [ -e "$DESTDIR$kept" ]; then say "kept $DESTDIR$kept (remove it with --purge)"; fi
    done
fi

if [ -z "$DESTDIR" ]; then
    if command -v journalctl >/dev/null 2>&1; then
        journalctl --update-catalog || true
    fi
    if [ -d /run/systemd/system ]; then
        systemctl daemon-reload
    fi
fi
