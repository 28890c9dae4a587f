/* Integration: a crowd of idle and slowloris connections must not stop a
 * legitimate client (issue 17, docs/performance.md). Idle connections send
 * nothing; slowloris ones send a request head one byte a second, never
 * finishing it. Both come from many loopback addresses (127.0.1.x and
 * 127.0.2.x, under the per-address limit), and whatever the daemon closes
 * (the header deadline) is opened again at once, so the counts hold for
 * the whole run. Meanwhile a client on 127.0.0.1 asks GET /v1/surveys (a
 * database read) every 250 ms: every answer must be 200 within 1 s.
 *
 * The short form runs in `make test`; `make test-faults` runs the full one
 * (EMPIRIE_CROWD_IDLE=2000 EMPIRIE_CROWD_SLOW=200 EMPIRIE_CROWD_SECONDS=60), once
 * with the default header deadline (idle connections are closed after 10 s
 * and opened again) and once with EMPIRIE_CROWD_HEADER_TIMEOUT=120 (they
 * stay open the whole minute). */
#include "auth.h"
#include "daemon.h"
#include "err.h"
#include "httpc.h"
#include "testdb.h"

#include <criterion/criterion.h>
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define PER_ADDRESS 50   /* attacker connections per source address (limit 64) */

static struct testdb db;
static struct daemon dmn;
static char admin[AUTH_TOKEN_SIZE];

static long env_long(const char *name, long dflt)
{
    const char *v = getenv(name);

    return v != NULL && v[0] != '\0' ? strtol(v, NULL, 10) : dflt;
}

static void setup(void)
{
    char err[ERR_MAX], opts[160];

    testdb_create(&db, 1);
    testdb_load_registry(&db);
    cr_assert(auth_token_create(db.conn, AUTH_ADMIN, NULL, admin, err, sizeof err) == 0, "%s",
              err);
    /* the defaults of connections, per address and header deadline */
    snprintf(opts, sizeof opts, "--connections 4096 --per-ip 64 --header-timeout %ld",
             env_long("EMPIRIE_CROWD_HEADER_TIMEOUT", 10));
    daemon_start(&dmn, db.conninfo, opts);
}

static void teardown(void)
{
    if (dmn.pid > 0)
        cr_expect_eq(daemon_stop(&dmn, SIGTERM), 0, "the daemon exits 0 on SIGTERM");
    testdb_drop(&db);
}

/* No .timeout (see test_http_strict.c): the run ends by the clock. */
TestSuite(crowd, .init = setup, .fini = teardown);

static long now_ms(void)
{
    struct timespec t;

    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1000L + t.tv_nsec / 1000000L;
}

struct legit {
    volatile int stop;
    long requests, failures, slow, max_ms;
    long ms[4096];
};

static void *legit_client(void *arg)
{
    struct legit *l = arg;

    while (!l->stop) {
        struct httpc_resp r;
        long t0 = now_ms(), ms;
        int rc = httpc_request(dmn.port, "GET", "/v1/surveys", admin, NULL, NULL, 0, &r);

        ms = now_ms() - t0;
        if (rc != 0 || r.status != 200)
            l->failures++;
        if (rc == 0)
            httpc_free(&r);
        if (ms >= 1000)
            l->slow++;
        if (ms > l->max_ms)
            l->max_ms = ms;
        if (l->requests < (long)(sizeof l->ms / sizeof l->ms[0]))
            l->ms[l->requests] = ms;
        l->requests++;
        usleep(250 * 1000);
    }
    return NULL;
}

struct attacker {
    int fd;
    int slow;          /* slowloris: sends a byte a second */
    size_t sent;       /* bytes of the head sent */
    long next;         /* when the next byte goes */
    char source[20];
};

static const char slow_head[] = "GET /v1/surveys HTTP/1.1\r\nHost: x\r\nX-Padding: "
                                "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
                                "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";

static int cmp_long(const void *a, const void *b)
{
    long x = *(const long *)a, y = *(const long *)b;

    return (x > y) - (x < y);
}

Test(crowd, a_legitimate_client_is_answered_within_1s)
{
    long nidle = env_long("EMPIRIE_CROWD_IDLE", 400);
    long nslow = env_long("EMPIRIE_CROWD_SLOW", 100);
    long seconds = env_long("EMPIRIE_CROWD_SECONDS", 8);
    size_t n = (size_t)(nidle + nslow);
    struct attacker *a = calloc(n, sizeof *a);
    struct pollfd *pfd = calloc(n, sizeof *pfd);
    struct legit *l = calloc(1, sizeof *l);
    long reopened = 0, open_min = -1, open_sum = 0, rounds = 0, t_end, p50, p99;
    pthread_t t;

    cr_assert(a != NULL && pfd != NULL && l != NULL);
    for (size_t i = 0; i < n; i++) {
        a[i].slow = i >= (size_t)nidle;
        snprintf(a[i].source, sizeof a[i].source, "127.0.%d.%zu", a[i].slow ? 2 : 1,
                 (a[i].slow ? i - (size_t)nidle : i) / PER_ADDRESS + 1);
        a[i].fd = -1;
    }
    cr_assert(pthread_create(&t, NULL, legit_client, l) == 0);
    t_end = now_ms() + seconds * 1000L;
    while (now_ms() < t_end) {
        long now = now_ms(), open = 0;

        for (size_t i = 0; i < n; i++) {
            if (a[i].fd < 0) {
                a[i].fd = httpc_connect_from(a[i].source, dmn.port, 0);
                a[i].sent = 0;
                a[i].next = now + (long)(i % 1000);   /* spread the bytes over a second */
                if (a[i].fd >= 0)
                    reopened++;
            }
            if (a[i].fd >= 0 && a[i].slow && now >= a[i].next) {
                if (send(a[i].fd, slow_head + a[i].sent % (sizeof slow_head - 1), 1,
                         MSG_NOSIGNAL | MSG_DONTWAIT) == 1)
                    a[i].sent++;
                a[i].next = now + 1000;
            }
            pfd[i].fd = a[i].fd;
            pfd[i].events = POLLIN;
            pfd[i].revents = 0;
            open += a[i].fd >= 0;
        }
        /* after each round of reopening: what the daemon has to carry */
        if (open_min < 0 || open < open_min)
            open_min = open;
        open_sum += open;
        rounds++;
        if (poll(pfd, n, 100) > 0)
            for (size_t i = 0; i < n; i++)
                if (pfd[i].fd >= 0 && (pfd[i].revents & (POLLIN | POLLHUP | POLLERR))) {
                    /* closed by the daemon (a deadline) or answered: open again */
                    close(a[i].fd);
                    a[i].fd = -1;
                }
    }
    l->stop = 1;
    pthread_join(t, NULL);
    for (size_t i = 0; i < n; i++)
        if (a[i].fd >= 0)
            close(a[i].fd);
    reopened -= (long)n;   /* the first opening of each is not a reopening */
    {
        long k = l->requests < (long)(sizeof l->ms / sizeof l->ms[0])
                     ? l->requests
                     : (long)(sizeof l->ms / sizeof l->ms[0]);

        qsort(l->ms, (size_t)k, sizeof l->ms[0], cmp_long);
        p50 = k > 0 ? l->ms[k / 2] : -1;
        p99 = k > 0 ? l->ms[(k * 99) / 100] : -1;
    }
    fprintf(stderr,
            "crowd: idle=%ld slowloris=%ld seconds=%ld header_timeout=%ld attacker connections "
            "open: lowest=%ld mean=%ld reopened=%ld legit requests=%ld failures=%ld "
            "over_1s=%ld p50_ms=%ld p99_ms=%ld max_ms=%ld\n",
            nidle, nslow, seconds, env_long("EMPIRIE_CROWD_HEADER_TIMEOUT", 10), open_min,
            rounds > 0 ? open_sum / rounds : 0, reopened, l->requests, l->failures, l->slow,
            p50, p99, l->max_ms);
    cr_expect(l->requests >= seconds * 2, "the client got %ld answers in %ld s", l->requests,
              seconds);
    cr_expect_eq(l->failures, 0, "%ld of %ld legitimate requests failed", l->failures,
                 l->requests);
    cr_expect_eq(l->slow, 0, "%ld of %ld legitimate requests took 1 s or more (max %ld ms)",
                 l->slow, l->requests, l->max_ms);
    cr_expect(open_min >= (long)n * 9 / 10, "only %ld of %zu attacker connections were open",
              open_min, n);
    free(a);
    free(pfd);
    free(l);
}
