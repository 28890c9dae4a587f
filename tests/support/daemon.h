/*
 * daemon: runs the sanitized `empirie serve` ($EMPIRIE_BIN) for a test on a
 * free loopback port (--listen 127.0.0.1:0; the port is read from its log),
 * waits until it answers, and stops it with SIGTERM.
 */
#ifndef EMPIRIE_DAEMON_H
#define EMPIRIE_DAEMON_H

#include <sys/types.h>

struct daemon {
    pid_t pid;
    unsigned port;
    char log[256];   /* its stderr */
};

/* Starts the daemon on conninfo with extra options (may be ""). Aborts the
 * test when it does not come up within 20 s (answering /healthz; with
 * --tls-cert in extra, accepting a connection). */
void daemon_start(struct daemon *d, const char *conninfo, const char *extra);

/* Sends sig (0: none) and waits up to 30 s for the exit; returns the exit
 * status, or -1 when it was killed by a signal or did not exit (it is then
 * killed). Prints the log on stderr when the status is not 0. */
int daemon_stop(struct daemon *d, int sig);

/* Its log so far (caller frees). */
char *daemon_log(const struct daemon *d);

#endif
