# Sourced by deploy/dev.sh and deploy/sanitize.sh, which define say and die: a real
# systemd-journald for the tests, which send real entries and read them back. One is started
# only when none accepts entries (root only), and stop_started_journald stops only that one.
# A socket file can exist while nothing listens on it, so the check is the process and a real send.
STARTED_JOURNALD_PID=""

journald_accepts() {
    pgrep -x systemd-journal >/dev/null 2>&1 &&
        printf 'journald probe\n' | timeout 5 systemd-cat -t vigil-dev-probe >/dev/null 2>&1
}

ensure_journald() {
    journald_accepts && return 0
    [ "$(id -u)" -eq 0 ] || die "journald is not running and only root can start it: run as root, or start systemd-journald"
    say "starting systemd-journald (no journald was running)"
    /lib/systemd/systemd-journald >/dev/null 2>&1 &
    STARTED_JOURNALD_PID=$!
    for _ in $(seq 1 50); do
        journald_accepts && return 0
        sleep 0.1
    done
    die "systemd-journald did not start accepting entries"
}

stop_started_journald() {
    if [ -n "$STARTED_JOURNALD_PID" ]; then
        kill "$STARTED_JOURNALD_PID" 2>/dev/null || true
        wait "$STARTED_JOURNALD_PID" 2>/dev/null || true
        STARTED_JOURNALD_PID=""
    fi
}
