/* Integration: the daemon over real HTTP (tests/support/httpc.h) against a
 * fresh database: routes, auth, limits, timeouts, metrics, shutdown. */
#include "auth.h"
#include "daemon.h"
#include "err.h"
#include "httpc.h"
#include "registry.h"
#include "testdb.h"

#include <criterion/criterion.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static struct testdb db;
static struct daemon dmn;
static char admin[AUTH_TOKEN_SIZE], collector[AUTH_TOKEN_SIZE], analyst[AUTH_TOKEN_SIZE],
    ministry[AUTH_TOKEN_SIZE];

static void token(enum auth_role role, const char *scope, char *out)
{
    char err[ERR_MAX];

    cr_assert(auth_token_create(db.conn, role, scope, out, err, sizeof err) == 0, "%s", err);
}

static void load_registry(void)
{
    char dir[1024], err[ERR_MAX];
    struct registry *reg;

    snprintf(dir, sizeof dir, "%s/surveys/registry", testdb_root());
    cr_assert(registry_read(dir, NULL, &reg, err, sizeof err) == 0, "%s", err);
    cr_assert(registry_store(db.conn, reg, NULL, err, sizeof err) == 0, "%s", err);
    registry_free(reg);
}

static char *first_city(void)
{
    return testdb_value(&db, "SELECT slug FROM city ORDER BY slug LIMIT 1");
}

static void setup_db(void)
{
    char *city, *network;

    testdb_create(&db, 1);
    load_registry();
    city = first_city();
    network = testdb_value(&db, "SELECT slug FROM network ORDER BY slug LIMIT 1");
    token(AUTH_ADMIN, NULL, admin);
    token(AUTH_COLLECTOR, city, collector);
    token(AUTH_ANALYST, network, analyst);
    token(AUTH_MINISTRY, NULL, ministry);
    free(city);
    free(network);
}

static void setup(void)
{
    setup_db();
    daemon_start(&dmn, db.conninfo, "--body-limit 4096 --timeout 2 --allow-closed-waves");
}

static void teardown(void)
{
    if (dmn.pid > 0)
        cr_expect_eq(daemon_stop(&dmn, SIGTERM), 0, "the daemon exits 0 on SIGTERM");
    testdb_drop(&db);
}

static void get(const char *path, const char *tok, struct httpc_resp *r)
{
    cr_assert(httpc_request(dmn.port, "GET", path, tok, NULL, NULL, 0, r) == 0, "GET %s", path);
}

static void post(const char *tok, const char *ctype, const char *body, struct httpc_resp *r)
{
    cr_assert(httpc_request(dmn.port, "POST", "/v1/responses", tok, ctype, body,
                            body ? strlen(body) : 0, r) == 0);
}

/* A JSON error naming the status. */
static void expect_error(const struct httpc_resp *r, int status)
{
    char want[64], v[128];

    cr_expect_eq(r->status, status, "status %d, body %s", r->status, r->body);
    snprintf(want, sizeof want, "{\"error\":{\"status\":%d,", status);
    cr_expect(strncmp(r->body, want, strlen(want)) == 0, "body: %s", r->body);
    cr_expect(httpc_header(r, "Content-Type", v, sizeof v) != NULL &&
                  strcmp(v, "application/json") == 0,
              "%s", r->headers);
}

static long response_rows(void)
{
    return testdb_long(&db, "SELECT count(*) FROM response");
}

TestSuite(http, .init = setup, .fini = teardown, .timeout = 60);

Test(http, healthz_needs_no_token)
{
    struct httpc_resp r;

    get("/healthz", NULL, &r);
    cr_expect_eq(r.status, 200);
    cr_expect_str_eq(r.body, "{\"status\":\"ok\"}");
    httpc_free(&r);
}

Test(http, missing_or_wrong_token_is_401)
{
    static const char *const bad[] = { NULL, "emp_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
                                       "nonsense" };
    struct httpc_resp r;
    char v[128];

    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        get("/v1/surveys", bad[i], &r);
        expect_error(&r, 401);
        cr_expect(httpc_header(&r, "WWW-Authenticate", v, sizeof v) != NULL &&
                      strncmp(v, "Bearer", 6) == 0,
                  "%s", r.headers);
        httpc_free(&r);
        post(bad[i], "application/json", "{}", &r);
        expect_error(&r, 401);
        httpc_free(&r);
    }
    cr_expect_eq(response_rows(), 0);
}

Test(http, roles_limit_routes)
{
    struct httpc_resp r;

    get("/v1/responses/counts", collector, &r);
    expect_error(&r, 403);
    httpc_free(&r);
    post(ministry, "application/json", "{}", &r);
    expect_error(&r, 403);
    httpc_free(&r);
    post(analyst, "application/json", "{}", &r);
    expect_error(&r, 403);
    httpc_free(&r);
    get("/v1/responses/counts", analyst, &r);
    cr_expect_eq(r.status, 200, "%s", r.body);
    cr_expect_str_eq(r.body, "{\"counts\":[]}");
    httpc_free(&r);
    get("/v1/responses/counts", ministry, &r);
    cr_expect_eq(r.status, 200, "%s", r.body);
    httpc_free(&r);
    get("/v1/surveys", collector, &r);
    cr_expect_eq(r.status, 200, "%s", r.body);
    httpc_free(&r);
    cr_expect_eq(response_rows(), 0);
}

Test(http, unknown_route_404_wrong_method_405)
{
    struct httpc_resp r;
    char v[64];

    get("/nope", admin, &r);
    expect_error(&r, 404);
    httpc_free(&r);
    get("/v1/surveys/Not_A_Slug", admin, &r);
    expect_error(&r, 404);
    httpc_free(&r);
    get("/v1/responses", admin, &r);
    expect_error(&r, 405);
    cr_expect(httpc_header(&r, "Allow", v, sizeof v) != NULL && strcmp(v, "POST") == 0);
    httpc_free(&r);
    cr_assert(httpc_request(dmn.port, "DELETE", "/v1/surveys", admin, NULL, NULL, 0, &r) == 0);
    expect_error(&r, 405);
    httpc_free(&r);
    /* a path with a GET and a POST route: a method neither takes is the GET
     * route's to refuse */
    cr_assert(httpc_request(dmn.port, "DELETE", "/v1/links", admin, NULL, NULL, 0, &r) == 0);
    expect_error(&r, 405);
    cr_expect(httpc_header(&r, "Allow", v, sizeof v) != NULL && strcmp(v, "GET, HEAD") == 0);
    httpc_free(&r);
}

Test(http, surveys_from_the_database)
{
    struct httpc_resp r;
    PGresult *res;

    res = PQexec(db.conn, "INSERT INTO survey (slug, version, definition) VALUES"
                          " ('test-survey', 1, '{\"title\": \"T1\"}'),"
                          " ('test-survey', 2, '{\"title\": \"T2\"}');"
                          "INSERT INTO wave VALUES ('test-survey', '2024', 2, '2024-01-01', '2024-12-31')");
    cr_assert(PQresultStatus(res) == PGRES_COMMAND_OK, "%s", PQresultErrorMessage(res));
    PQclear(res);
    get("/v1/surveys", analyst, &r);
    cr_expect_eq(r.status, 200);
    cr_expect(strstr(r.body, "\"slug\":\"test-survey\"") != NULL, "%s", r.body);
    cr_expect(strstr(r.body, "\"versions\":[1,2]") != NULL, "%s", r.body);
    cr_expect(strstr(r.body, "\"label\" : \"2024\"") != NULL, "%s", r.body);
    httpc_free(&r);
    get("/v1/surveys/test-survey", collector, &r);
    cr_expect_eq(r.status, 200);
    cr_expect(strstr(r.body, "\"T2\"") != NULL, "%s", r.body);
    httpc_free(&r);
    get("/v1/surveys/test-survey?version=1", collector, &r);
    cr_expect(strstr(r.body, "\"T1\"") != NULL, "%s", r.body);
    httpc_free(&r);
    get("/v1/surveys/test-survey?version=x", collector, &r);
    expect_error(&r, 400);
    httpc_free(&r);
    get("/v1/surveys/test-survey?version=3", collector, &r);
    expect_error(&r, 404);
    httpc_free(&r);
}

/* The declared size is refused before the client sends a byte of body. */
Test(http, over_the_body_limit_413_without_reading_it)
{
    char head[512];
    struct httpc_resp r;
    int fd = httpc_connect(dmn.port);
    int n;

    cr_assert(fd >= 0);
    n = snprintf(head, sizeof head,
                 "POST /v1/responses HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\n"
                 "Content-Type: application/json\r\nContent-Length: 100000000\r\n\r\n",
                 admin);
    cr_assert(httpc_send(fd, head, (size_t)n) == 0);
    cr_assert(httpc_read(fd, &r, 5000) == 0, "no answer before the body was sent");
    expect_error(&r, 413);
    httpc_free(&r);
    close(fd);
    cr_expect_eq(response_rows(), 0);
}

Test(http, chunked_body_over_the_limit_413)
{
    char head[512], chunk[1100];
    struct httpc_resp r;
    int fd = httpc_connect(dmn.port);
    int n;

    cr_assert(fd >= 0);
    n = snprintf(head, sizeof head,
                 "POST /v1/responses HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\n"
                 "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n",
                 admin);
    cr_assert(httpc_send(fd, head, (size_t)n) == 0);
    for (int i = 0; i < 5; i++) {   /* 5 x 1000 bytes > the 4096 limit */
        n = snprintf(chunk, sizeof chunk, "3e8\r\n%01000d\r\n", 0);
        cr_assert(httpc_send(fd, chunk, (size_t)n) == 0);
    }
    cr_assert(httpc_send(fd, "0\r\n\r\n", 5) == 0);
    cr_assert(httpc_read(fd, &r, 5000) == 0);
    expect_error(&r, 413);
    httpc_free(&r);
    close(fd);
    cr_expect_eq(response_rows(), 0);
}

Test(http, not_json_is_415_empty_is_400)
{
    struct httpc_resp r;

    post(admin, "text/plain", "{}", &r);
    expect_error(&r, 415);
    httpc_free(&r);
    post(admin, NULL, "{}", &r);
    expect_error(&r, 415);
    httpc_free(&r);
    post(collector, "application/json", NULL, &r);
    expect_error(&r, 400);
    cr_expect(strstr(r.body, "empty body") != NULL, "%s", r.body);
    httpc_free(&r);
    cr_expect_eq(response_rows(), 0);
}

/* A client that stops sending is cut off after --timeout (2 s). */
Test(http, slow_client_times_out)
{
    char head[512];
    int fd = httpc_connect(dmn.port);
    int fd2 = httpc_connect(dmn.port);
    int n;

    cr_assert(fd >= 0 && fd2 >= 0);
    cr_assert(httpc_send(fd, "GET /healthz HTTP/1.1\r\nHo", 25) == 0);
    n = snprintf(head, sizeof head,
                 "POST /v1/responses HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\n"
                 "Content-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"survey\":",
                 admin);
    cr_assert(httpc_send(fd2, head, (size_t)n) == 0);
    cr_expect(httpc_closed(fd, 6000), "a stalled request head is closed");
    cr_expect(httpc_closed(fd2, 6000), "a stalled body is closed");
    close(fd);
    close(fd2);
    cr_expect_eq(response_rows(), 0);
}

/* Every line is a # HELP / # TYPE comment or a sample NAME{LABELS} VALUE. */
static void expect_prometheus(const char *text)
{
    const char *line = text;

    while (*line != '\0') {
        const char *nl = strchr(line, '\n');
        char buf[512];
        char *sp, *end;

        cr_assert(nl != NULL, "the text ends with a newline");
        snprintf(buf, sizeof buf, "%.*s", (int)(nl - line), line);
        line = nl + 1;
        if (buf[0] == '#') {
            cr_expect(strncmp(buf, "# HELP ", 7) == 0 || strncmp(buf, "# TYPE ", 7) == 0,
                      "%s", buf);
            continue;
        }
        sp = strrchr(buf, ' ');
        cr_assert(sp != NULL && sp[1] != '\0', "%s", buf);
        strtod(sp + 1, &end);
        cr_expect(*end == '\0', "value of %s", buf);
        cr_expect(strncmp(buf, "empirie_", 8) == 0, "%s", buf);
    }
}

Test(http, metrics_in_prometheus_format)
{
    struct httpc_resp r;
    char v[128];

    get("/healthz", NULL, &r);
    httpc_free(&r);
    get("/nope", NULL, &r);
    httpc_free(&r);
    get("/metrics", admin, &r);
    cr_expect_eq(r.status, 200);
    cr_expect(httpc_header(&r, "Content-Type", v, sizeof v) != NULL &&
                  strncmp(v, "text/plain; version=0.0.4", 25) == 0,
              "%s", r.headers);
    expect_prometheus(r.body);
    cr_expect(strstr(r.body, "# TYPE empirie_http_requests_total counter") != NULL);
    cr_expect(strstr(r.body, "empirie_http_requests_total{route=\"/healthz\",status=\"200\"}") != NULL,
              "%s", r.body);
    cr_expect(strstr(r.body, "empirie_http_requests_total{route=\"other\",status=\"404\"} 1") != NULL,
              "%s", r.body);
    cr_expect(strstr(r.body, "# TYPE empirie_http_request_duration_seconds histogram") != NULL);
    cr_expect(strstr(r.body, "empirie_http_request_duration_seconds_bucket{le=\"+Inf\"}") != NULL);
    cr_expect(strstr(r.body, "empirie_responses_stored_total{result=\"created\"}") != NULL);
    httpc_free(&r);
}

/* /metrics is the admin's: 401 without a token, 403 for any other role,
 * and none of the counters in either answer. */
Test(http, metrics_need_an_admin_token)
{
    const char *const others[] = { collector, analyst, ministry };
    struct httpc_resp r;

    get("/metrics", NULL, &r);
    expect_error(&r, 401);
    cr_expect(strstr(r.body, "empirie_") == NULL, "%s", r.body);
    httpc_free(&r);
    for (size_t i = 0; i < 3; i++) {
        get("/metrics", others[i], &r);
        expect_error(&r, 403);
        cr_expect(strstr(r.body, "empirie_") == NULL, "%s", r.body);
        httpc_free(&r);
    }
    get("/metrics", admin, &r);
    cr_expect_eq(r.status, 200);
    cr_expect(strstr(r.body, "empirie_http_requests_total") != NULL, "%s", r.body);
    httpc_free(&r);
}

/* The log has one line per request and never a token, body or address. */
Test(http, request_log_lines)
{
    struct httpc_resp r;
    char *log;

    get("/v1/surveys", admin, &r);
    httpc_free(&r);
    post(collector, "application/json", "{\"secret\": \"answer\"}", &r);
    httpc_free(&r);
    /* The daemon logs a request when it completes, just after the answer
     * went out: wait (up to 5 s) for the POST's line. */
    for (int i = 0; i < 100; i++) {
        log = daemon_log(&dmn);
        if (strstr(log, "method=POST path=/v1/responses status=") != NULL)
            break;
        free(log);
        log = NULL;
        usleep(50 * 1000);
    }
    if (log == NULL)
        log = daemon_log(&dmn);
    cr_expect(strstr(log, "method=GET path=/v1/surveys status=200") != NULL, "%s", log);
    cr_expect(strstr(log, "method=POST path=/v1/responses status=") != NULL, "%s", log);
    cr_expect(strstr(log, "bytes=") != NULL && strstr(log, "duration_ms=") != NULL, "%s", log);
    cr_expect(strstr(log, admin) == NULL && strstr(log, collector) == NULL, "%s", log);
    cr_expect(strstr(log, "secret") == NULL, "%s", log);
    cr_expect(strstr(log, "127.0.0.1") == NULL || strstr(log, "listening on 127.0.0.1") != NULL);
    {
        /* The only address in the log is the listening one. */
        const char *first = strstr(log, "127.0.0.1");

        cr_expect(first == NULL || strstr(first + 1, "127.0.0.1") == NULL, "%s", log);
    }
    free(log);
}

/* A request in flight when SIGTERM arrives still gets its full answer. */
Test(http, sigterm_finishes_requests_in_flight)
{
    char head[512];
    const char *body = "{\"survey\": \"x\"}";
    struct httpc_resp r;
    int fd = httpc_connect(dmn.port);
    int n;

    cr_assert(fd >= 0);
    n = snprintf(head, sizeof head,
                 "POST /v1/responses HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\n"
                 "Content-Type: application/json\r\nContent-Length: %zu\r\n\r\n%.5s",
                 admin, strlen(body), body);
    cr_assert(httpc_send(fd, head, (size_t)n) == 0);
    usleep(300 * 1000);
    kill(dmn.pid, SIGTERM);
    usleep(300 * 1000);
    cr_assert(httpc_send(fd, body + 5, strlen(body) - 5) == 0);
    cr_assert(httpc_read(fd, &r, 10000) == 0, "the request in flight got an answer");
    cr_expect(r.status >= 200 && r.status != 413, "%d", r.status);
    httpc_free(&r);
    close(fd);
    cr_expect_eq(daemon_stop(&dmn, 0), 0, "exit 0 after the drain");
}

Test(http, token_create_command)
{
    char out[4096], sql[512], tok[AUTH_TOKEN_SIZE];
    char *city = first_city();

    cr_expect_eq(testdb_run(out, sizeof out,
                            "token create --db \"%s\" --role collector --scope %s --label 'Łódź, kadry'",
                            db.conninfo, city),
                 0, "%s", out);
    /* the token on stdout, its number and how to revoke it on stderr */
    cr_expect(strstr(out, "empirie token: utworzono token 5 (collector ") != NULL, "%s", out);
    cr_expect(strstr(out, "empirie token revoke 5") != NULL, "%s", out);
    cr_assert(strstr(out, "\nemp_") != NULL || strncmp(out, "emp_", 4) == 0, "%s", out);
    snprintf(tok, sizeof tok, "%.*s", AUTH_TOKEN_SIZE - 1,
             strncmp(out, "emp_", 4) == 0 ? out : strstr(out, "\nemp_") + 1);
    cr_expect_eq(strspn(tok + 4, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"),
                 AUTH_TOKEN_SIZE - 5, "%s", out);
    /* Stored as the SHA-256 of the token, checked with PostgreSQL's own. */
    snprintf(sql, sizeof sql,
             "SELECT count(*) FROM api_token WHERE hash = sha256(convert_to('%s', 'UTF8'))"
             " AND role = 'collector' AND scope = '%s' AND label = 'Łódź, kadry'",
             tok, city);
    cr_expect_eq(testdb_long(&db, sql), 1);
    /* every mistake in the arguments is a usage error (2), named */
    cr_expect_eq(testdb_run(out, sizeof out, "token create --db \"%s\" --role boss --label x",
                            db.conninfo), 2, "%s", out);
    cr_expect(strstr(out, "unknown role 'boss'") != NULL, "%s", out);
    cr_expect_eq(testdb_run(out, sizeof out, "token create --db \"%s\" --role admin", db.conninfo),
                 2, "%s", out);
    cr_expect(strstr(out, "--label jest wymagane") != NULL, "%s", out);
    cr_expect_eq(testdb_run(out, sizeof out, "--lang en token create --db \"%s\" --role admin",
                            db.conninfo),
                 2, "%s", out);
    cr_expect(strstr(out, "--label is required") != NULL, "%s", out);
    cr_expect_eq(testdb_run(out, sizeof out,
                            "token create --db \"%s\" --role collector --scope atlantis --label x",
                            db.conninfo),
                 2, "%s", out);
    cr_expect(strstr(out, "--scope: brak miasta 'atlantis'") != NULL, "%s", out);
    cr_expect_eq(testdb_run(out, sizeof out, "token create --db \"%s\" --role analyst --label x",
                            db.conninfo), 2, "%s", out);
    cr_expect(strstr(out, "needs --scope (a network slug)") != NULL, "%s", out);
    cr_expect_eq(testdb_run(out, sizeof out, "token create --db \"%s\" --role admin --scope %s --label x",
                            db.conninfo, city),
                 2, "%s", out);
    cr_expect_eq(testdb_run(out, sizeof out,
                            "token create --db \"%s\" --role admin --label x --expires 2020-01-01",
                            db.conninfo), 2, "%s", out);
    cr_expect(strstr(out, "must be after today") != NULL, "%s", out);
    cr_expect_eq(testdb_run(out, sizeof out,
                            "token create --db \"%s\" --role admin --label x --expires 2030-02-30",
                            db.conninfo), 2, "%s", out);
    cr_expect(strstr(out, "expected a date YYYY-MM-DD") != NULL, "%s", out);
    cr_expect_eq(testdb_long(&db, "SELECT count(*) FROM api_token"), 5);
    free(city);
}
