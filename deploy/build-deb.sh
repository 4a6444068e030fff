#!/usr/bin/env bash
# Builds the Debian package vigil_<version>_amd64.deb from a release build.
#
#   deploy/build-deb.sh [--out DIR] [--bin-dir DIR]
#
#   --out DIR       where the .deb goes (default .build/deb); its path is printed on stdout
#   --bin-dir DIR   package the binaries of an existing release build (from
#                   `deploy/install.sh --build-only`) instead of building
#
# The package is staged by deploy/install.sh (DESTDIR=<temp>, PREFIX=/usr, binaries stripped),
# so it holds exactly what a from-source install does. Its version is VigilVersion.current;
# Depends comes from dpkg-shlibdeps over the binaries (the Swift runtime is linked statically,
# so only Debian's C libraries appear), plus systemd-sysusers for the vigil user.
# Maintainer scripts: deploy/debian/{postinst,prerm,postrm}.in with the units filled in.
# Environment: DEBFULLNAME and DEBEMAIL name the maintainer (default: Vigil maintainers);
# SOURCE_DATE_EPOCH dates the changelog and the files (default: the last commit's time).
set -euo pipefail

CALLER_PWD="$(pwd)"
cd "$(dirname "${BASH_SOURCE[0]}")/.."

say() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }
die() { printf 'build-deb.sh: %s\n' "$*" >&2; exit 1; }

OUT=".build/deb"
INSTALL_ARGS=()
while [ $# -gt 0 ]; do
    case "$1" in
        --out) [ $# -ge 2 ] || die "--out needs a directory"; OUT="$2"; shift 2 ;;
        --out=*) OUT="${1#*=}"; shift ;;
        --bin-dir) [ $# -ge 2 ] || die "--bin-dir needs a directory"; INSTALL_ARGS+=(--bin-dir "$2"); shift 2 ;;
        --bin-dir=*) INSTALL_ARGS+=(--bin-dir "${1#*=}"); shift ;;
        -h | --help) sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
        *) die "unknown argument \"$1\" (see --help)" ;;
    esac
done
case "$OUT" in /*) ;; *) OUT="$CALLER_PWD/$OUT" ;; esac
# install.sh runs from the repository root: make a relative --bin-dir absolute from here.
if [ ${#INSTALL_ARGS[@]} -eq 2 ]; then
    case "${INSTALL_ARGS[1]}" in /*) ;; *) INSTALL_ARGS[1]="$CALLER_PWD/${INSTALL_ARGS[1]}" ;; esac
fi

for tool in dpkg-deb dpkg-shlibdeps objdump strip gzip; do
    command -v "$tool" >/dev/null 2>&1 || die "$tool is missing (Debian packages dpkg-dev and binutils)"
done

VERSION="$(sed -n 's/.*static let current = "\([^"]*\)".*/\1/p' Sources/VigilMonitor/VigilVersion.swift)"
[ -n "$VERSION" ] || die "no version in Sources/VigilMonitor/VigilVersion.swift (static let current = \"…\")"
[[ "$VERSION" =~ ^[0-9][A-Za-z0-9.+~]*$ ]] || die "version \"$VERSION\" is not a Debian version (digits, letters, . + ~)"
ARCH=amd64
[ "$(dpkg --print-architecture)" = "$ARCH" ] || die "this builds $ARCH packages; this machine is $(dpkg --print-architecture)"
MAINTAINER="${DEBFULLNAME:-Vigil maintainers} <${DEBEMAIL:-maintainers@vigil.example}>"
if [ -z "${SOURCE_DATE_EPOCH:-}" ]; then
    SOURCE_DATE_EPOCH="$(git log -1 --format=%ct 2>/dev/null || date +%s)"
fi
export SOURCE_DATE_EPOCH

WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
STAGE="$WORK/vigil"

say "staging vigil $VERSION with deploy/install.sh"
DESTDIR="$STAGE" PREFIX=/usr SYSTEMD_PREFIX=/usr deploy/install.sh --strip "${INSTALL_ARGS[@]}"

# Documentation Debian requires: the copyright file and a changelog (a native package's is
# changelog.gz), compressed without a timestamp.
DOC="$STAGE/usr/share/doc/vigil"
install -m 0644 deploy/debian/copyright "$DOC/copyright"
install -D -m 0644 deploy/debian/lintian-overrides "$STAGE/usr/share/lintian/overrides/vigil"
{
    printf 'vigil (%s) unstable; urgency=medium\n\n' "$VERSION"
    printf '  * Vigil %s, built from commit %s.\n' "$VERSION" "$(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
    printf '    See the project'"'"'s history for the changes.\n\n'
    printf ' -- %s  %s\n' "$MAINTAINER" "$(date -R -u -d "@$SOURCE_DATE_EPOCH")"
} | gzip -9n >"$DOC/changelog.gz"
chmod 0644 "$DOC/changelog.gz"

# The units the maintainer scripts enable-track, restart and stop: whatever was staged.
UNITS=""
for unit in "$STAGE"/usr/lib/systemd/system/*.socket "$STAGE"/usr/lib/systemd/system/*.service; do
    [ -e "$unit" ] || continue
    UNITS="${UNITS:+$UNITS }$(basename "$unit")"
done
[ -n "$UNITS" ] || say "no unit files staged (systemd/ has none yet): the package ships no service"

# Depends: the shared libraries the binaries need (dpkg-shlibdeps wants a debian/control
# beside the tree it reads), and systemd-sysusers for the vigil user the units run as.
mkdir -p "$WORK/shlibs/debian"
printf 'Source: vigil\n\nPackage: vigil\nArchitecture: %s\n' "$ARCH" >"$WORK/shlibs/debian/control"
SHLIBS="$(cd "$WORK/shlibs" && dpkg-shlibdeps -O "$STAGE/usr/bin/vigild" "$STAGE/usr/bin/vigil" 2>"$WORK/shlibdeps.err")" ||
    die "dpkg-shlibdeps failed: $(head -n 3 "$WORK/shlibdeps.err")"
DEPENDS="${SHLIBS#shlibs:Depends=}"
[ -n "$DEPENDS" ] && [ "$DEPENDS" != "$SHLIBS" ] || die "dpkg-shlibdeps gave no dependencies: $SHLIBS"
for library in libsqlite3-0 libsystemd0 liblz4-1; do
    [[ "$DEPENDS" == *"$library"* ]] || die "dpkg-shlibdeps did not find $library among the dependencies: $DEPENDS"
done
if [ -e "$STAGE/usr/lib/sysusers.d/vigil.conf" ]; then
    DEPENDS="$DEPENDS, systemd | systemd-standalone-sysusers | systemd-sysusers"
fi

# DEBIAN/: control, conffiles, maintainer scripts.
install -d -m 0755 "$STAGE/DEBIAN"
INSTALLED_SIZE="$(du -k -s --apparent-size --exclude=DEBIAN "$STAGE" | cut -f1)"
sed -e "s|@VERSION@|$VERSION|" -e "s|@MAINTAINER@|$MAINTAINER|" -e "s|@INSTALLED_SIZE@|$INSTALLED_SIZE|" \
    -e "s/@DEPENDS@/$DEPENDS/" deploy/debian/control.in >"$STAGE/DEBIAN/control"
if grep -q '@[A-Z_]*@' "$STAGE/DEBIAN/control"; then die "deploy/debian/control.in has a placeholder this script does not fill"; fi
printf '/etc/vigil/vigil.yaml\n' >"$STAGE/DEBIAN/conffiles"
chmod 0644 "$STAGE/DEBIAN/control" "$STAGE/DEBIAN/conffiles"
for script in postinst prerm postrm; do
    sed "s/@UNITS@/$UNITS/" "deploy/debian/$script.in" >"$STAGE/DEBIAN/$script"
    chmod 0755 "$STAGE/DEBIAN/$script"
    sh -n "$STAGE/DEBIAN/$script" || die "DEBIAN/$script is not valid sh"
done
# md5sums, as dpkg-deb expects from debhelper's dh_md5sums.
(cd "$STAGE" && find . -path ./DEBIAN -prune -o -type f -printf '%P\0' | LC_ALL=C sort -z | xargs -0 md5sum) >"$STAGE/DEBIAN/md5sums"
chmod 0644 "$STAGE/DEBIAN/md5sums"

mkdir -p "$OUT"
DEB="$OUT/vigil_${VERSION}_${ARCH}.deb"
say "building $DEB"
dpkg-deb --build --root-owner-group "$STAGE" "$DEB" >&2
echo "$DEB"
