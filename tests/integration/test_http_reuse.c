/* The daemon's computed results (engine/serve/rcache.h, engine/serve/submit.h): reused
 * while nothing they depend on changed, computed again after any write to
 * the survey's responses, voids or the registry (by the daemon or by the
 * command line: migration 0018's triggers), shared by concurrent requests,
 * dropped on SIGHUP, and always the same bytes as computed afresh.
 * Observed through GET /metrics (empirie_results_computed_total,
 * empirie_results_reused_total). */
#include "auth.h"
#include "daemon.h"
#include "err.h"
#include "httpc.h"
#include "testdb.h"

#include <criterion/criterion.h>
#include <jansson.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define SURVEY "satysfakcja-pracownikow"
#define KONIN "/v1/stats?survey=" SURVEY "&wave=2025&city=konin"

static struct testdb db;
static struct daemon dmn;
static char admin[AUTH_TOKEN_SIZE], collector[AUTH_TOKEN_SIZE];
static char out[1 << 20];

static void exec_ok(const char *sql)
{
    PGresult *res = PQexec(db.conn, sql);

    cr_assert(PQresultStatus(res) == PGRES_COMMAND_OK, "%s: %s", sql, PQresultErrorMessage(res));
    PQclear(res);
}

/* per respondents in each of three cities in wave 2025, answers 1..5 in turn */
static void setup(void)
{
    char err[ERR_MAX];

    testdb_create(&db, 1);
    testdb_load_registry(&db);
    testdb_fill_staff(&db, "2025", "{konin,jaslo,krosno}", 20);
    cr_assert(auth_token_create(db.conn, AUTH_ADMIN, NULL, admin, err, sizeof err) == 0, "%s", err);
    cr_assert(auth_token_create(db.conn, AUTH_COLLECTOR, "konin", collector, err, sizeof err) == 0,
              "%s", err);
    daemon_start(&dmn, db.conninfo, "--allow-closed-waves");
}

static void teardown(void)
{
    cr_expect_eq(daemon_stop(&dmn, SIGTERM), 0);
    testdb_drop(&db);
}

TestSuite(http_reuse, .init = setup, .fini = teardown, .timeout = 180);

/* GET path: its status, the body into *body (caller frees). */
static int get(const char *path, char **body)
{
    struct httpc_resp r;
    int status;

    cr_assert(httpc_request(dmn.port, "GET", path, admin, NULL, NULL, 0, &r) == 0, "%s", path);
    status = r.status;
    *body = strdup(r.body != NULL ? r.body : "");
    httpc_free(&r);
    cr_assert(*body != NULL);
    return status;
}

/* One counter of GET /metrics. */
static long long counter(const char *name)
{
    char *body, *p;
    char key[128];
    long long v;

    cr_assert_eq(get("/metrics", &body), 200, "%s", body);
    snprintf(key, sizeof key, "\n%s ", name);
    p = strstr(body, key);
    cr_assert(p != NULL, "no %s in %s", name, body);
    v = strtoll(p + strlen(key), NULL, 10);
    free(body);
    return v;
}

static long long computed(void)
{
    return counter("empirie_results_computed_total");
}

static long long reused(void)
{
    return counter("empirie_results_reused_total");
}

static double respondents(const char *body)
{
    json_error_t je;
    json_t *doc = json_loads(body, 0, &je);
    double n;

    cr_assert(doc != NULL, "%s: %.200s", je.text, body);
    n = json_number_value(json_object_get(json_object_get(doc, "group"), "respondents"));
    json_decref(doc);
    return n;
}

/* The same group from `empirie stats --json` (computed afresh, no daemon). */
static void expect_same_as_command(const char *body)
{
    json_error_t je;
    json_t *api, *cli;

    cr_assert_eq(testdb_run(out, sizeof out, "stats --survey " SURVEY " --wave 2025 --city konin "
                            "--json --db \"%s\" 2>/dev/null", db.conninfo), 0, "%s", out);
    cli = json_loads(out, 0, &je);
    cr_assert(cli != NULL, "%s", je.text);
    api = json_loads(body, 0, &je);
    cr_assert(api != NULL, "%s", je.text);
    cr_expect(json_equal(api, cli), "the daemon and the command disagree");
    json_decref(api);
    json_decref(cli);
}

Test(http_reuse, nothing_new_is_reused_byte_for_byte)
{
    char *first, *again, *en, *en2, *after;

    cr_assert_eq(get(KONIN, &first), 200, "%s", first);
    cr_expect_eq(computed(), 1);
    cr_expect_eq(reused(), 0);
    cr_assert_eq(get(KONIN, &again), 200, "%s", again);
    cr_expect_eq(computed(), 1, "nothing changed: not computed again");
    cr_expect_eq(reused(), 1);
    cr_expect_str_eq(again, first, "the reused answer is the computed one, byte for byte");
    expect_same_as_command(again);
    /* another group and language of the same survey: the same results */
    cr_assert_eq(get("/v1/stats?survey=" SURVEY "&wave=2025&network=kapital-ludzki&lang=en", &en),
                 200, "%s", en);
    cr_assert_eq(get("/v1/stats?survey=" SURVEY "&wave=2025&network=kapital-ludzki&lang=en", &en2),
                 200);
    cr_expect_str_eq(en, en2);
    cr_expect_eq(computed(), 1);
    cr_expect_eq(reused(), 3);
    /* counts read the same results */
    cr_assert_eq(get("/v1/responses/counts?survey=" SURVEY "&wave=2025", &after), 200, "%s", after);
    cr_expect(strstr(after, "{\"survey\":\"" SURVEY "\",\"wave\":\"2025\",\"city\":\"konin\","
                            "\"responses\":20") != NULL, "%s", after);
    cr_expect_eq(computed(), 1);
    free(after);
    /* SIGHUP drops them: computed again, to the same bytes */
    cr_assert(kill(dmn.pid, SIGHUP) == 0);
    cr_assert_eq(get(KONIN, &after), 200, "%s", after);
    cr_expect_eq(computed(), 2, "SIGHUP drops the computed results");
    cr_expect_str_eq(after, first, "computed afresh: the same bytes");
    free(first);
    free(again);
    free(en);
    free(en2);
    free(after);
}

static const char *response_body(const char *id)
{
    static char body[512];

    snprintf(body, sizeof body,
             "{\"survey\": \"" SURVEY "\", \"wave\": \"2025\", \"city\": \"konin\", "
             "\"id\": \"%s\", \"attributes\": {\"wydzial\": 1, \"staz\": 1}, "
             "\"answers\": {\"warunki_05\": 5}}",
             id);
    return body;
}

Test(http_reuse, every_writer_makes_the_next_request_compute)
{
    struct httpc_resp r;
    const char *body = response_body("00000000-0000-4000-8000-000000000001");
    char *s, path[256];
    FILE *f;

    cr_assert_eq(get(KONIN, &s), 200, "%s", s);
    cr_expect_eq(respondents(s), 20);
    free(s);
    /* the daemon's own POST */
    cr_assert(httpc_request(dmn.port, "POST", "/v1/responses", collector, "application/json", body,
                            strlen(body), &r) == 0);
    cr_expect_eq(r.status, 201, "%s", r.body);
    httpc_free(&r);
    cr_assert_eq(get(KONIN, &s), 200, "%s", s);
    cr_expect_eq(respondents(s), 21, "the new response counts at once");
    cr_expect_eq(computed(), 2);
    expect_same_as_command(s);
    free(s);
    /* a duplicate stores nothing: nothing to compute again */
    cr_assert(httpc_request(dmn.port, "POST", "/v1/responses", collector, "application/json", body,
                            strlen(body), &r) == 0);
    httpc_free(&r);
    cr_assert_eq(get(KONIN, &s), 200, "%s", s);
    cr_expect_eq(computed(), 2, "a duplicate changes nothing");
    free(s);
    /* `empirie import` from the command line */
    snprintf(path, sizeof path, "/tmp/empirie-reuse-%d.ndjson", (int)getpid());
    f = fopen(path, "w");
    cr_assert(f != NULL);
    fprintf(f, "%s\n", response_body("00000000-0000-4000-8000-000000000002"));
    cr_assert(fclose(f) == 0);
    cr_assert_eq(testdb_run(out, sizeof out, "import -q --allow-closed-wave --db \"%s\" %s",
                            db.conninfo, path), 0, "%s", out);
    cr_assert_eq(get(KONIN, &s), 200, "%s", s);
    cr_expect_eq(respondents(s), 22);
    cr_expect_eq(computed(), 3);
    free(s);
    /* `empirie responses void` from the command line, and its undo */
    f = fopen(path, "w");
    cr_assert(f != NULL);
    fprintf(f, "00000000-0000-4000-8000-000000000001\n00000000-0000-4000-8000-000000000002\n");
    cr_assert(fclose(f) == 0);
    cr_assert_eq(testdb_run(out, sizeof out,
                            "responses void --survey " SURVEY " --wave 2025 --city konin "
                            "--ids %s --reason 'sent twice' --db \"%s\"",
                            path, db.conninfo), 0, "%s", out);
    unlink(path);
    cr_assert_eq(get(KONIN, &s), 200, "%s", s);
    cr_expect_eq(computed(), 4);
    cr_expect_eq(respondents(s), 20);
    free(s);
    cr_assert_eq(testdb_run(out, sizeof out, "responses void --undo %ld --db \"%s\"",
                            testdb_long(&db, "SELECT max(id) FROM response_void_audit"),
                            db.conninfo), 0, "%s", out);
    cr_assert_eq(get(KONIN, &s), 200, "%s", s);
    cr_expect_eq(computed(), 5);
    cr_expect_eq(respondents(s), 22);
    free(s);
    /* the registry: a city's name is part of the figures */
    exec_ok("UPDATE city SET name = 'Konin nad Wartą' WHERE slug = 'konin'");
    cr_assert_eq(get(KONIN, &s), 200, "%s", s);
    cr_expect_eq(computed(), 6, "a registry change: computed again");
    cr_expect(strstr(s, "Konin nad Wartą") != NULL, "%.400s", s);
    expect_same_as_command(s);
    free(s);
    cr_assert_eq(get(KONIN, &s), 200, "%s", s);
    cr_expect_eq(computed(), 6);
    free(s);
}

/* ---- concurrent requests for a survey nothing was computed for ---- */

#define CROWD 8

static pthread_barrier_t gate;

struct crowd {
    int status;
    char *body;
};

static void *crowd_get(void *arg)
{
    struct crowd *c = arg;
    struct httpc_resp r;

    pthread_barrier_wait(&gate);
    if (httpc_request(dmn.port, "GET", KONIN, admin, NULL, NULL, 0, &r) == 0) {
        c->status = r.status;
        c->body = strdup(r.body != NULL ? r.body : "");
        httpc_free(&r);
    }
    return NULL;
}

Test(http_reuse, concurrent_requests_share_one_computation)
{
    pthread_t t[CROWD];
    struct crowd c[CROWD];
    long long before;

    /* a computation long enough for the others to wait */
    testdb_fill_staff(&db, "2025", "{konin,jaslo,krosno}", 3000);
    before = computed();
    memset(c, 0, sizeof c);
    cr_assert(pthread_barrier_init(&gate, NULL, CROWD) == 0);
    for (int i = 0; i < CROWD; i++)
        cr_assert(pthread_create(&t[i], NULL, crowd_get, &c[i]) == 0);
    for (int i = 0; i < CROWD; i++)
        pthread_join(t[i], NULL);
    pthread_barrier_destroy(&gate);
    for (int i = 0; i < CROWD; i++) {
        cr_assert_eq(c[i].status, 200, "request %d: %s", i, c[i].body);
        cr_expect_str_eq(c[i].body, c[0].body);
    }
    cr_expect_eq(respondents(c[0].body), 3020);
    cr_expect_eq(computed() - before, 1, "%d requests, one computation", CROWD);
    cr_expect_eq(reused(), CROWD - 1);
    for (int i = 0; i < CROWD; i++)
        free(c[i].body);
}

/* Each breakdown is an entry of its own, each reused. */
Test(http_reuse, each_breakdown_its_own_results)
{
    static const char *const by[] = { NULL, "wydzial", "staz" };
    char *s, path[256];

    for (int round = 0; round < 2; round++)
        for (size_t i = 0; i < sizeof by / sizeof by[0]; i++) {
            snprintf(path, sizeof path, "/v1/stats?survey=" SURVEY "%s%s", by[i] ? "&by=" : "",
                     by[i] ? by[i] : "");
            cr_assert_eq(get(path, &s), 200, "%s: %s", path, s);
            free(s);
        }
    cr_expect_eq(computed(), 3, "one per breakdown");
    cr_expect_eq(reused(), 3);
}

/* GET /v1/participation reads the daemon's computed results too (split by
 * the department attribute, an entry of its own): computed once, then
 * reused while nothing changed, byte for byte; a new response makes the
 * next request compute, and its counts follow. */
Test(http_reuse, participation_reuses_the_computed_results)
{
    const char *path = "/v1/participation?survey=" SURVEY "&wave=2025";
    char *a, *b, *c;
    long long c0 = computed(), c1;

    cr_assert_eq(get(path, &a), 200, "%s", a);
    c1 = computed();
    cr_expect_eq(c1, c0 + 1, "the first request computes");
    cr_assert_eq(get(path, &b), 200, "%s", b);
    cr_expect_eq(computed(), c1, "nothing changed: not computed again");
    cr_expect_gt(reused(), 0);
    cr_expect_str_eq(b, a, "the reused answer is the computed one, byte for byte");
    testdb_fill_staff(&db, "2025", "{konin,jaslo,krosno}", 1);
    cr_assert_eq(get(path, &c), 200, "%s", c);
    cr_expect_eq(computed(), c1 + 1, "a new response: computed again");
    cr_expect_str_neq(c, a, "the counts follow the new responses");
    free(a);
    free(b);
    free(c);
}
