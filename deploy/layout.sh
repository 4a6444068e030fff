# shellcheck shell=bash
# shellcheck disable=SC2034 # the directories are used by the scripts that source this file
# Where Vigil's files go, shared by install.sh and uninstall.sh so that the two never disagree.
# Sourced after `die` is defined; reads DESTDIR, PREFIX and SYSTEMD_PREFIX from the environment.

DESTDIR="${DESTDIR:-}"
PREFIX="${PREFIX:-/usr}"
case "$PREFIX" in /*) ;; *) die "PREFIX must be an absolute path, not \"$PREFIX\"" ;; esac
PREFIX="${PREFIX%/}"
[ -n "$PREFIX" ] || die "PREFIX must not be /"
if [ -z "${SYSTEMD_PREFIX:-}" ]; then
    case "$PREFIX" in /usr | /usr/local) SYSTEMD_PREFIX="$PREFIX" ;; *) SYSTEMD_PREFIX=/usr/local ;; esac
fi

# The target directories.
BINDIR="$DESTDIR$PREFIX/bin"
UNITDIR="$DESTDIR$SYSTEMD_PREFIX/lib/systemd/system"
SYSUSERSDIR="$DESTDIR$SYSTEMD_PREFIX/lib/sysusers.d"
TMPFILESDIR="$DESTDIR$SYSTEMD_PREFIX/lib/tmpfiles.d"
CATALOGDIR="$DESTDIR$SYSTEMD_PREFIX/lib/systemd/catalog"
CONFDIR="$DESTDIR/etc/vigil"
DOCDIR="$DESTDIR$PREFIX/share/doc/vigil"
