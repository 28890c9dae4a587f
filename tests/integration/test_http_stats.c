/* GET /v1/stats: the same JSON as `empirie stats --json`, within the
 * caller's role. */
#include "auth.h"
#include "daemon.h"
#include "err.h"
#include "httpc.h"
#include "registry.h"
#include "testdb.h"

#include <criterion/criterion.h>
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SURVEY "satysfakcja-pracownikow"

static struct testdb db;
static struct daemon dmn;
static char ministry[AUTH_TOKEN_SIZE], analyst[AUTH_TOKEN_SIZE], collector[AUTH_TOKEN_SIZE];

static void setup(void)
{
    char err[ERR_MAX];

    testdb_create(&db, 1);
    testdb_load_registry(&db);
    /* 20 respondents in each of three cities in wave 2025 (instrument v2),
     * every item answered 1..5 in turn (eNPS likewise 1..5). */
    testdb_fill_staff(&db, "2025", "{konin,jaslo,krosno}", 20);
    cr_assert(auth_token_create(db.conn, AUTH_MINISTRY, NULL, ministry, err, sizeof err) == 0);
    cr_assert(auth_token_create(db.conn, AUTH_ANALYST, "kapital-ludzki", analyst, err,
                                sizeof err) == 0, "%s", err);
    cr_assert(auth_token_create(db.conn, AUTH_COLLECTOR, "konin", collector, err, sizeof err) == 0);
    daemon_start(&dmn, db.conninfo, "--allow-closed-waves");
}

static void teardown(void)
{
    cr_expect_eq(daemon_stop(&dmn, SIGTERM), 0);
    testdb_drop(&db);
}

TestSuite(http_stats, .init = setup, .fini = teardown, .timeout = 120);

static int get(const char *path, const char *token, struct httpc_resp *r)
{
    cr_assert(httpc_request(dmn.port, "GET", path, token, NULL, NULL, 0, r) == 0, "%s", path);
    return r->status;
}

Test(http_stats, same_json_as_the_command)
{
    static char out[1 << 21];
    struct httpc_resp r;
    json_error_t je;
    json_t *api, *cli;

    cr_assert_eq(get("/v1/stats?survey=" SURVEY "&wave=2025&city=konin", ministry, &r), 200,
                 "%s", r.body);
    api = json_loads(r.body, 0, &je);
    httpc_free(&r);
    cr_assert(api != NULL, "%s", je.text);
    cr_assert_eq(testdb_run(out, sizeof out, "stats --survey " SURVEY " --wave 2025 --city konin "
                            "--json --db \"%s\" 2>/dev/null", db.conninfo), 0, "%s", out);
    cli = json_loads(out, 0, &je);
    cr_assert(cli != NULL, "%s", je.text);
    cr_expect(json_equal(api, cli), "the API and the command disagree");
    cr_expect_str_eq(json_string_value(json_object_get(json_object_get(api, "group"), "slug")),
                     "konin");
    cr_expect_eq(json_number_value(json_object_get(json_object_get(api, "group"), "respondents")),
                 20);
    json_decref(api);
    json_decref(cli);
}

Test(http_stats, roles_and_scope)
{
    struct httpc_resp r;

    cr_expect_eq(get("/v1/stats?survey=" SURVEY "&city=konin", analyst, &r), 200, "%s", r.body);
    httpc_free(&r);
    cr_expect_eq(get("/v1/stats?survey=" SURVEY "&network=kapital-ludzki", analyst, &r), 200);
    httpc_free(&r);
    cr_expect_eq(get("/v1/stats?survey=" SURVEY "&network=siec-liderow", analyst, &r), 403);
    httpc_free(&r);
    cr_expect_eq(get("/v1/stats?survey=" SURVEY, analyst, &r), 403, "all cities: not theirs");
    httpc_free(&r);
    cr_expect_eq(get("/v1/stats?survey=" SURVEY "&city=warszawa", analyst, &r), 403);
    httpc_free(&r);
    cr_expect_eq(get("/v1/stats?survey=" SURVEY, ministry, &r), 200);
    httpc_free(&r);
    cr_expect_eq(get("/v1/stats?survey=" SURVEY, collector, &r), 403);
    httpc_free(&r);
    cr_expect_eq(get("/v1/stats?survey=" SURVEY, NULL, &r), 401);
    httpc_free(&r);
}

Test(http_stats, bad_queries)
{
    struct httpc_resp r;

    cr_expect_eq(get("/v1/stats", ministry, &r), 400);
    cr_expect(strstr(r.body, "\"path\":\"survey\"") != NULL, "%s", r.body);
    httpc_free(&r);
    cr_expect_eq(get("/v1/stats?survey=no-such-survey", ministry, &r), 404, "%s", r.body);
    httpc_free(&r);
    cr_expect_eq(get("/v1/stats?survey=" SURVEY "&city=konin&network=x", ministry, &r), 400);
    httpc_free(&r);
    cr_expect_eq(get("/v1/stats?survey=" SURVEY "&wave=1999", ministry, &r), 404);
    httpc_free(&r);
    cr_expect_eq(get("/v1/stats?survey=" SURVEY "&lang=de", ministry, &r), 400);
    httpc_free(&r);
}

static void exec_ok(const char *sql)
{
    PGresult *res = PQexec(db.conn, sql);

    cr_assert(PQresultStatus(res) == PGRES_COMMAND_OK, "%s: %s", sql, PQresultErrorMessage(res));
    PQclear(res);
}

/* A request for something that is not there is the client's 404; a
 * server that cannot load what it needs answers 500, not 404. */
Test(http_stats, not_found_is_404_a_failure_is_500)
{
    struct httpc_resp r;

    /* the daemon has not loaded its catalog yet: make that fail */
    exec_ok("ALTER TABLE wave RENAME TO wave_away");
    cr_expect_eq(get("/v1/stats?survey=" SURVEY, ministry, &r), 500, "%s", r.body);
    httpc_free(&r);
    exec_ok("ALTER TABLE wave_away RENAME TO wave");
    cr_expect_eq(get("/v1/stats?survey=" SURVEY, ministry, &r), 200, "%s", r.body);
    httpc_free(&r);
    cr_expect_eq(get("/v1/stats?survey=" SURVEY "&by=no_such_attribute", ministry, &r), 404,
                 "%s", r.body);
    cr_expect(strstr(r.body, "no_such_attribute") != NULL, "%s", r.body);
    httpc_free(&r);
}
