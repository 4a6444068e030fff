#ifndef VIGIL_CSYSTEMD_SHIM_H
#define VIGIL_CSYSTEMD_SHIM_H

#include <sys/uio.h>
#include <systemd/sd-daemon.h>
#include <systemd/sd-journal.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>

/* prctl is variadic, which Swift cannot call: ask for SIGKILL when the parent dies. */
static inline int vigil_kill_with_parent(void) {
    return prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
}

/* GNU extensions that Swift's Glibc module leaves out: a pipe and an accepted connection that
   are close-on-exec from the start, with no moment in which a child spawned by another thread
   could inherit them. */
int pipe2(int fds[2], int flags);
int accept4(int fd, struct sockaddr *address, socklen_t *length, int flags);

#endif
