/* Integration: the daemon against hostile requests (docs/security.md):
 * encoded control characters and NUL in the target, ambiguous framing
 * (repeated or conflicting Content-Length, Content-Length with
 * Transfer-Encoding), the log never holding a raw request byte, clients
 * that trickle their headers or body, and the per-address and overall
 * connection limits. */
#include "auth.h"
#include "daemon.h"
#include "err.h"
#include "httpc.h"
#include "testdb.h"

#include <criterion/criterion.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static struct testdb db;
static struct daemon dmn;
static char admin[AUTH_TOKEN_SIZE];

#define HEADER_TIMEOUT 3
#define BODY_TIMEOUT 3
#define PER_IP 20
#define CONNECTIONS 40

static void setup(void)
{
    char err[ERR_MAX], opts[256];

    testdb_create(&db, 1);
    testdb_load_registry(&db);
    cr_assert(auth_token_create(db.conn, AUTH_ADMIN, NULL, admin, err, sizeof err) == 0, "%s",
              err);
    snprintf(opts, sizeof opts,
             "--timeout 30 --header-timeout %d --body-timeout %d --per-ip %d --connections %d",
             HEADER_TIMEOUT, BODY_TIMEOUT, PER_IP, CONNECTIONS);
    daemon_start(&dmn, db.conninfo, opts);
}

static void teardown(void)
{
    if (dmn.pid > 0)
        cr_expect_eq(daemon_stop(&dmn, SIGTERM), 0, "the daemon exits 0 on SIGTERM");
    testdb_drop(&db);
}

/* No .timeout: Criterion 2.4's runner leaks a timer entry (LeakSanitizer) when
 * such suites run beside each other; every wait below has its own bound. */
TestSuite(strict, .init = setup, .fini = teardown);

static long now_ms(void)
{
    struct timespec t;

    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1000L + t.tv_nsec / 1000000L;
}

/* Sends raw bytes on a new connection and reads one answer. */
static int raw(const char *req, size_t len, struct httpc_resp *r)
{
    int fd = httpc_connect(dmn.port);
    int rc;

    cr_assert(fd >= 0);
    cr_assert(httpc_send(fd, req, len) == 0);
    rc = httpc_read(fd, r, 5000);
    close(fd);
    return rc;
}

static void get_status(const char *path, int want)
{
    struct httpc_resp r;

    cr_assert(httpc_request(dmn.port, "GET", path, admin, NULL, NULL, 0, &r) == 0, "GET %s", path);
    cr_expect_eq(r.status, want, "GET %s: %d %s", path, r.status, r.body);
    httpc_free(&r);
}

/* The daemon's log once it holds needle (up to 5 s), caller frees. */
static char *log_with(const char *needle)
{
    char *log = NULL;

    for (int i = 0; i < 100; i++) {
        log = daemon_log(&dmn);
        if (strstr(log, needle) != NULL)
            break;
        free(log);
        log = NULL;
        usleep(50 * 1000);
    }
    return log != NULL ? log : daemon_log(&dmn);
}

Test(strict, encoded_control_characters_and_nul_are_400)
{
    static const char *const bad[] = {
        "/v1/surveys/satysfakcja-pracownikow%00junk",   /* was routed as the survey */
        "/v1/surveys%0a",
        "/healthz%0d%0aX-Forged:%20yes",
        "/v1/surveys/x%1b[31m",
        "/v1/surveys/x%7f",
        "/v1/responses/counts?survey=a%00b",
    };

    get_status("/v1/surveys/satysfakcja-pracownikow", 200);
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        get_status(bad[i], 400);
    /* %-encoded printable characters are fine */
    get_status("/v1/surveys/satysfakcja%2Dpracownikow", 200);
}

/* A %0a in the path cannot forge a log line; raw bytes outside printable
 * ASCII are written escaped, never as they came. */
Test(strict, the_log_holds_no_raw_request_byte)
{
    static const char forged[] =
        "GET /healthz%0a2026-01-01T00:00:00.000Z%20info%20request%20method=GET%20path=/forged"
        " HTTP/1.1\r\nHost: x\r\n\r\n";
    static const char high[] = "GET /v1/\xc3\xa9t\x7f\xff HTTP/1.1\r\nHost: x\r\n\r\n";
    struct httpc_resp r;
    char *log;

    cr_assert(raw(forged, sizeof forged - 1, &r) == 0);
    cr_expect_eq(r.status, 400, "%s", r.body);
    httpc_free(&r);
    if (raw(high, sizeof high - 1, &r) == 0) {
        cr_expect_eq(r.status, 400, "%s", r.body);
        httpc_free(&r);
    }
    log = log_with("path=/v1/\\xc3\\xa9t\\x7f\\xff");
    cr_expect(strstr(log, "\n2026-01-01T00:00:00.000Z") == NULL, "a forged line: %s", log);
    cr_expect(strstr(log, "path=/healthz%0a2026-01-01T00:00:00.000Z") != NULL, "%s", log);
    cr_expect(strstr(log, "path=/v1/\\xc3\\xa9t\\x7f\\xff status=400") != NULL, "%s", log);
    for (const char *p = log; *p != '\0'; p++)
        cr_expect((*p >= 0x20 && *p < 0x7f) || *p == '\n', "a raw byte 0x%02x in the log",
                  (unsigned char)*p);
    free(log);
}

Test(strict, repeated_or_conflicting_length_and_mixed_framing_are_400)
{
    static const char *const framing[] = {
        "Content-Length: 2\r\nContent-Length: 2\r\n",
        "Content-Length: 2\r\nContent-Length: 40\r\n",
        "Content-Length: 2\r\nTransfer-Encoding: chunked\r\n",
        "Transfer-Encoding: gzip, chunked\r\n",
    };

    for (size_t i = 0; i < sizeof framing / sizeof framing[0]; i++) {
        char req[1024];
        struct httpc_resp r;
        char v[64];
        int n = snprintf(req, sizeof req,
                         "POST /v1/responses HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\n"
                         "Content-Type: application/json\r\n%s\r\n2\r\n{}\r\n0\r\n\r\n",
                         admin, framing[i]);

        cr_assert(raw(req, (size_t)n, &r) == 0, "%s", framing[i]);
        cr_expect_eq(r.status, 400, "%s: %d %s", framing[i], r.status, r.body);
        cr_expect(httpc_header(&r, "Connection", v, sizeof v) != NULL && strcmp(v, "close") == 0,
                  "%s", r.headers);
        httpc_free(&r);
    }
    cr_expect_eq(testdb_long(&db, "SELECT count(*) FROM response"), 0);
}

/* One byte every 500 ms keeps MHD's inactivity timeout (30 s here) happy
 * for ever; the header deadline closes the connection all the same. */
Test(strict, trickled_headers_are_closed_at_the_deadline)
{
    static const char head[] = "GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: aaaaaaaaaaaaaaaaaaaaaaaaa";
    int fd = httpc_connect(dmn.port);
    long t0 = now_ms(), closed_at = -1;

    cr_assert(fd >= 0);
    for (size_t i = 0; i < sizeof head - 1; i++) {
        if (httpc_send(fd, head + i, 1) != 0 || httpc_closed(fd, 500)) {
            closed_at = now_ms() - t0;
            break;
        }
    }
    close(fd);
    cr_expect(closed_at >= (HEADER_TIMEOUT - 1) * 1000L && closed_at <= (HEADER_TIMEOUT + 2) * 1000L,
              "closed after %ld ms (header deadline %d s)", closed_at, HEADER_TIMEOUT);
}

Test(strict, trickled_body_is_closed_at_the_deadline)
{
    char head[512];
    int fd = httpc_connect(dmn.port);
    long t0, closed_at = -1;
    int n;

    cr_assert(fd >= 0);
    n = snprintf(head, sizeof head,
                 "POST /v1/responses HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\n"
                 "Content-Type: application/json\r\nContent-Length: 200\r\n\r\n", admin);
    cr_assert(httpc_send(fd, head, (size_t)n) == 0);
    t0 = now_ms();
    for (int i = 0; i < 20; i++) {
        if (httpc_send(fd, " ", 1) != 0 || httpc_closed(fd, 500)) {
            closed_at = now_ms() - t0;
            break;
        }
    }
    close(fd);
    cr_expect(closed_at >= (BODY_TIMEOUT - 1) * 1000L && closed_at <= (BODY_TIMEOUT + 2) * 1000L,
              "closed after %ld ms (body deadline %d s)", closed_at, BODY_TIMEOUT);
}

/* PER_IP connections from one address: the next from it is closed at once;
 * another address is still served. */
Test(strict, per_address_limit)
{
    int fds[PER_IP + 1];
    int extra;

    for (int i = 0; i < PER_IP; i++) {
        fds[i] = httpc_connect_from("127.0.0.2", dmn.port, 0);
        cr_assert(fds[i] >= 0);
    }
    usleep(200 * 1000);   /* accepted by the daemon */
    extra = httpc_connect_from("127.0.0.2", dmn.port, 0);
    cr_assert(extra >= 0);
    cr_expect(httpc_closed(extra, 1000), "the connection over the per-address limit is closed");
    close(extra);
    get_status("/v1/surveys", 200);
    for (int i = 0; i < PER_IP; i++)
        close(fds[i]);
}

/* CONNECTIONS open (from two addresses, under the per-address limit): a
 * request on one more is answered 503 with Retry-After, not left hanging. */
Test(strict, overall_limit_is_503)
{
    int fds[CONNECTIONS];
    struct httpc_resp r;
    char v[32];
    long t0;

    for (int i = 0; i < CONNECTIONS; i++) {
        fds[i] = httpc_connect_from(i % 2 ? "127.0.0.3" : "127.0.0.4", dmn.port, 0);
        cr_assert(fds[i] >= 0);
    }
    usleep(200 * 1000);
    t0 = now_ms();
    cr_assert(httpc_request(dmn.port, "GET", "/v1/surveys", admin, NULL, NULL, 0, &r) == 0);
    cr_expect_eq(r.status, 503, "%d %s", r.status, r.body);
    cr_expect(httpc_header(&r, "Retry-After", v, sizeof v) != NULL, "%s", r.headers);
    cr_expect(now_ms() - t0 < 1000, "answered in %ld ms", now_ms() - t0);
    httpc_free(&r);
    for (int i = 0; i < CONNECTIONS; i++)
        close(fds[i]);
    usleep(300 * 1000);
    get_status("/v1/surveys", 200);
}
