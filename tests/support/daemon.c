#include "daemon.h"

#include "httpc.h"

#include <criterion/criterion.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

char *daemon_log(const struct daemon *d)
{
    FILE *f = fopen(d->log, "r");
    char *s;
    long n;

    cr_assert(f != NULL, "cannot read %s", d->log);
    fseek(f, 0, SEEK_END);
    n = ftell(f);
    rewind(f);
    s = calloc(1, (size_t)n + 1);
    cr_assert(s != NULL);
    n = (long)fread(s, 1, (size_t)n, f);
    s[n] = '\0';
    fclose(f);
    return s;
}

static void pause_ms(long ms)
{
    struct timespec t = { ms / 1000, (ms % 1000) * 1000000L };

    nanosleep(&t, NULL);
}

/* The port from "listening on 127.0.0.1:PORT", or 0. */
static unsigned logged_port(const struct daemon *d)
{
    char *log = daemon_log(d);
    const char *p = strstr(log, "listening on 127.0.0.1:");
    unsigned port = 0;

    if (p != NULL)
        port = (unsigned)strtoul(p + strlen("listening on 127.0.0.1:"), NULL, 10);
    free(log);
    return port;
}

void daemon_start(struct daemon *d, const char *conninfo, const char *extra)
{
    const char *bin = getenv("EMPIRIE_BIN");
    char cmd[8192];
    int fd;

    cr_assert(bin != NULL, "EMPIRIE_BIN is not set: run the tests through 'make test'");
    memset(d, 0, sizeof *d);
    snprintf(d->log, sizeof d->log, "/tmp/empirie-daemon.XXXXXX");
    fd = mkstemp(d->log);
    cr_assert(fd >= 0);
    close(fd);
    snprintf(cmd, sizeof cmd, "exec %s serve --listen 127.0.0.1:0 --db \"%s\" %s 2>%s >/dev/null",
             bin, conninfo, extra, d->log);
    d->pid = fork();
    cr_assert(d->pid >= 0);
    if (d->pid == 0) {
        execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
        _exit(127);
    }
    for (int i = 0; i < 200 && d->port == 0; i++) {
        int status;

        if (waitpid(d->pid, &status, WNOHANG) == d->pid) {
            char *log = daemon_log(d);

            d->pid = 0;
            cr_assert_fail("the daemon exited at start: %s", log);
        }
        pause_ms(100);
        d->port = logged_port(d);
    }
    cr_assert(d->port != 0, "the daemon did not start listening");
    if (strstr(extra, "--tls-cert") != NULL) {
        /* HTTPS: the test checks it with its own client; a connection is enough here */
        for (int i = 0; i < 200; i++) {
            int s = httpc_connect(d->port);

            if (s >= 0) {
                close(s);
                return;
            }
            pause_ms(100);
        }
        cr_assert_fail("the daemon does not accept connections");
    }
    for (int i = 0; i < 200; i++) {
        struct httpc_resp r;

        if (httpc_request(d->port, "GET", "/healthz", NULL, NULL, NULL, 0, &r) == 0) {
            httpc_free(&r);
            return;
        }
        pause_ms(100);
    }
    cr_assert_fail("the daemon does not answer /healthz");
}

int daemon_stop(struct daemon *d, int sig)
{
    int status = 0;
    int rc = -1;

    if (d->pid <= 0)
        return -1;
    if (sig != 0)
        kill(d->pid, sig);
    for (int i = 0; i < 300; i++) {
        if (waitpid(d->pid, &status, WNOHANG) == d->pid) {
            rc = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
            break;
        }
        pause_ms(100);
    }
    if (rc == -1 && !WIFSIGNALED(status)) {
        kill(d->pid, SIGKILL);
        waitpid(d->pid, &status, 0);
    }
    d->pid = 0;
    if (rc != 0) {
        char *log = daemon_log(d);

        fprintf(stderr, "daemon log (%s):\n%s\n", d->log, log);
        free(log);
    }
    unlink(d->log);
    return rc;
}
