/*
 * Integration, adversarial: who may read what (policy.h), by every route
 * that reads figures. A coordinator of Konin asks for another city's, a
 * network's and all cities' figures; an analyst of Kapitał Ludzki asks for
 * the cities of another network (Warszawa: the one member of a network
 * "siec-b" made here, in no other; Gorlice: an observer of both networks
 * of the registry it is in, never a member), each with responses of its
 * own, and for that network. Each is 403 by each route, and the counts an
 * analyst reads leave those cities out; the same requests of the ministry
 * succeed, so the 403s are the policy's and not a missing group.
 */
#include "auth.h"
#include "daemon.h"
#include "err.h"
#include "httpc.h"
#include "testdb.h"

#include <criterion/criterion.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#define SURVEY "satysfakcja-pracownikow"
#define Q "?survey=" SURVEY "&wave=2025"

static struct testdb db;
static struct daemon dmn;
static char ministry[AUTH_TOKEN_SIZE], analyst[AUTH_TOKEN_SIZE], coordinator[AUTH_TOKEN_SIZE];

static void setup(void)
{
    char err[ERR_MAX];
    PGresult *res;

    testdb_create(&db, 1);
    testdb_load_registry(&db);
    testdb_fill_staff(&db, "2025", "{konin,jaslo,gorlice,warszawa}", 12);
    res = PQexec(db.conn, "INSERT INTO network (slug, name) VALUES ('siec-b', 'Sieć B'); "
                          "INSERT INTO network_member (network, city, role) "
                          "VALUES ('siec-b', 'warszawa', 'member')");
    cr_assert(PQresultStatus(res) == PGRES_COMMAND_OK, "%s", PQresultErrorMessage(res));
    PQclear(res);
    cr_assert(testdb_long(&db, "SELECT count(*) FROM network_member WHERE city = 'gorlice' "
                               "AND role = 'member'") == 0);
    cr_assert(testdb_long(&db, "SELECT count(*) FROM network_member WHERE city = 'gorlice' "
                               "AND network = 'kapital-ludzki' AND role = 'observer'") == 1);
    cr_assert(auth_token_create(db.conn, AUTH_MINISTRY, NULL, ministry, err, sizeof err) == 0);
    cr_assert(auth_token_create(db.conn, AUTH_ANALYST, "kapital-ludzki", analyst, err,
                                sizeof err) == 0, "%s", err);
    cr_assert(auth_token_create(db.conn, AUTH_COORDINATOR, "konin", coordinator, err,
                                sizeof err) == 0, "%s", err);
    daemon_start(&dmn, db.conninfo, "--allow-closed-waves");
}

static void teardown(void)
{
    cr_expect_eq(daemon_stop(&dmn, SIGTERM), 0);
    testdb_drop(&db);
}

TestSuite(http_policy, .init = setup, .fini = teardown, .timeout = 180);

static int get(const char *path, const char *token, struct httpc_resp *r)
{
    cr_assert(httpc_request(dmn.port, "GET", path, token, NULL, NULL, 0, r) == 0, "%s", path);
    return r->status;
}

/* path is 403 for token and 200 for the ministry. */
static void refused(const char *path, const char *token, const char *who)
{
    struct httpc_resp r;

    cr_expect_eq(get(path, token, &r), 403, "%s %s: %.200s", who, path,
                 r.body != NULL ? r.body : "");
    httpc_free(&r);
    cr_expect_eq(get(path, ministry, &r), 200, "ministry %s: %.200s", path,
                 r.body != NULL ? r.body : "");
    httpc_free(&r);
}

static void allowed(const char *path, const char *token, const char *who)
{
    struct httpc_resp r;

    cr_expect_eq(get(path, token, &r), 200, "%s %s: %.200s", who, path,
                 r.body != NULL ? r.body : "");
    httpc_free(&r);
}

Test(http_policy, coordinator_reads_no_other_city_nor_network)
{
    static const char *const paths[] = {
        "/v1/stats" Q "&city=jaslo",
        "/v1/stats" Q "&network=kapital-ludzki",
        "/v1/stats" Q,
        "/v1/responses/counts?survey=" SURVEY,
        "/v1/participation" Q "&city=jaslo",
        "/v1/reports/city/jaslo.xlsx" Q,
        "/v1/reports/network/kapital-ludzki.xlsx" Q,
        "/v1/reports/ministry.xlsx" Q,
    };

    for (size_t i = 0; i < sizeof paths / sizeof paths[0]; i++)
        refused(paths[i], coordinator, "coordinator of konin");
    allowed("/v1/stats" Q "&city=konin", coordinator, "coordinator of konin");
    allowed("/v1/participation" Q, coordinator, "coordinator of konin");
    allowed("/v1/reports/city/konin.xlsx" Q, coordinator, "coordinator of konin");
}

Test(http_policy, analyst_reads_no_city_of_another_network)
{
    static const char *const paths[] = {
        "/v1/stats" Q "&city=gorlice",
        "/v1/stats" Q "&city=warszawa",
        "/v1/stats" Q "&network=siec-b",
        "/v1/stats" Q,
        "/v1/participation" Q "&city=gorlice",
        "/v1/participation" Q "&city=warszawa",
        "/v1/reports/city/gorlice.xlsx" Q,
        "/v1/reports/city/warszawa.xlsx" Q,
        "/v1/reports/network/siec-b.xlsx" Q,
        "/v1/reports/ministry.xlsx" Q,
    };
    struct httpc_resp r;

    for (size_t i = 0; i < sizeof paths / sizeof paths[0]; i++)
        refused(paths[i], analyst, "analyst of kapital-ludzki");
    allowed("/v1/stats" Q "&city=konin", analyst, "analyst of kapital-ludzki");
    allowed("/v1/stats" Q "&network=kapital-ludzki", analyst, "analyst of kapital-ludzki");
    allowed("/v1/participation" Q, analyst, "analyst of kapital-ludzki");
    /* the counts: the network's members only */
    cr_assert_eq(get("/v1/responses/counts?survey=" SURVEY, analyst, &r), 200, "%s", r.body);
    cr_expect(strstr(r.body, "\"konin\"") != NULL, "%.300s", r.body);
    cr_expect(strstr(r.body, "\"gorlice\"") == NULL, "an observer's count: %.300s", r.body);
    cr_expect(strstr(r.body, "\"warszawa\"") == NULL, "%.300s", r.body);
    httpc_free(&r);
    cr_assert_eq(get("/v1/participation" Q, analyst, &r), 200, "%s", r.body);
    cr_expect(strstr(r.body, "\"gorlice\"") == NULL, "%.300s", r.body);
    httpc_free(&r);
    cr_assert_eq(get("/v1/responses/counts?survey=" SURVEY, ministry, &r), 200, "%s", r.body);
    cr_expect(strstr(r.body, "\"gorlice\"") != NULL, "%.300s", r.body);
    httpc_free(&r);
}
