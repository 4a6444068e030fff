#ifndef VIGIL_CSYSTEMD_SHIM_H
#define VIGIL_CSYSTEMD_SHIM_H

#ifndef _GNU_SOURCE
#define _GNU_SOURCE 1
#endif
#include <errno.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <systemd/sd-daemon.h>
#include <systemd/sd-journal.h>

/// Reads SO_PEERCRED from a connected Unix socket. `struct ucred` needs _GNU_SOURCE,
/// which Swift's Glibc module does not define, so the call lives here.
/// Returns 0, or the errno value on failure.
static inline int vigil_peer_credentials(int fd, pid_t *pid, uid_t *uid, gid_t *gid) {
    struct ucred credentials;
    socklen_t length = sizeof(credentials);
    if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &credentials, &length) != 0) {
        return errno;
    }
    *pid = credentials.pid;
    *uid = credentials.uid;
    *gid = credentials.gid;
    return 0;
}

#endif
