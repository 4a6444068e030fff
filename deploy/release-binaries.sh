# Sourced by deploy/soak.sh and deploy/memory-bound.sh, which define say and die.
# use_release_binaries [DIR]: sets BIN to DIR when one is given, else builds Vigil for release
# (deploy/install.sh --build-only) and sets BIN to that build; then checks that vigild, vigil
# and vigil-test-logwriter are there.
use_release_binaries() {
    if [ -n "${1:-}" ]; then
        BIN="$1"
    else
        say "building (release)"
        BIN="$(deploy/install.sh --build-only)"
    fi
    for program in vigild vigil vigil-test-logwriter; do
        [ -x "$BIN/$program" ] || die "$BIN/$program is missing"
    done
}
