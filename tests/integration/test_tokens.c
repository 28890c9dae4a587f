/* Integration: tokens as an operator manages them (create with a label and
 * an expiry, list, revoke; the same over the API for admins), revocation and
 * expiry effective at once on every route -- a submission admitted from the
 * daemon's token cache too -- and every role x route of docs/api.md's table,
 * the city coordinator's in particular. */
#include "auth.h"
#include "catalog.h"
#include "daemon.h"
#include "err.h"
#include "httpc.h"
#include "survey.h"
#include "testdb.h"

#include <criterion/criterion.h>
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SURVEY "satysfakcja-pracownikow"
#define WAVE "2025"
#define NETWORK "zasoby-miast"   /* konin and cieszyn are members, jaslo and krosno not */

enum { R_NONE, R_COLLECTOR, R_COORDINATOR, R_ANALYST, R_MINISTRY, R_ADMIN, NROLES };

static struct testdb db;
static struct daemon dmn;
static struct catalog *cat;
static char tok[NROLES][AUTH_TOKEN_SIZE];
static long long tok_id[NROLES];

static void issue(int r, enum auth_role role, const char *scope, const char *label)
{
    struct auth_token_spec spec = { .role = role, .scope = scope, .label = label };
    char err[ERR_MAX];

    cr_assert(auth_token_issue(db.conn, &spec, tok[r], &tok_id[r], NULL, err, sizeof err) == 0,
              "%s", err);
}

static void setup(void)
{
    testdb_create(&db, 1);
    testdb_load_registry(&db);
    cat = testdb_catalog(&db);
    /* 20 respondents in each of konin, jaslo, krosno and cieszyn in wave 2025 */
    testdb_fill_staff(&db, WAVE, "{konin,jaslo,krosno,cieszyn}", 20);
    issue(R_COLLECTOR, AUTH_COLLECTOR, "konin", "Konin, ankieta");
    issue(R_COORDINATOR, AUTH_COORDINATOR, "konin", "Konin, dział kadr");
    issue(R_ANALYST, AUTH_ANALYST, NETWORK, "analityk KL");
    issue(R_MINISTRY, AUTH_MINISTRY, NULL, "MFiPR");
    issue(R_ADMIN, AUTH_ADMIN, NULL, "ops");
    daemon_start(&dmn, db.conninfo, "--allow-closed-waves");
}

static void teardown(void)
{
    if (dmn.pid > 0)
        cr_expect_eq(daemon_stop(&dmn, SIGTERM), 0, "the daemon exits 0 on SIGTERM");
    catalog_free(cat);
    cat = NULL;
    testdb_drop(&db);
}

TestSuite(tokens, .init = setup, .fini = teardown, .timeout = 180);

/* A valid response of WAVE for city, id number n. */
static char *response_body(const char *city, int n)
{
    const struct catalog_wave *w = catalog_wave(cat, SURVEY, WAVE);
    const struct survey *s;
    json_t *answers = json_object(), *attrs = json_object(), *r;
    char id[40];
    char *text;

    cr_assert(w != NULL);
    s = catalog_survey(cat, SURVEY, w->survey_version);
    snprintf(id, sizeof id, "00000000-0000-4000-8000-%012d", n);
    for (size_t i = 0; i < s->nitems; i++) {
        const struct survey_item *it = &s->items[i];

        if (it->type == SURVEY_LIKERT || it->type == SURVEY_SCALE || it->type == SURVEY_NUMBER)
            json_object_set_new(answers, it->code, json_integer(it->min));
        else if (it->type == SURVEY_SINGLE && it->noptions > 0)
            json_object_set_new(answers, it->code, json_integer(it->options[0].code));
    }
    for (size_t k = 0; k < s->nattrs; k++)
        if (s->attrs[k].noptions > 0)
            json_object_set_new(attrs, s->attrs[k].code,
                                json_integer(s->attrs[k].options[0].code));
    r = json_pack("{s:s,s:s,s:s,s:s,s:o,s:o}", "survey", SURVEY, "wave", WAVE, "city", city,
                  "id", id, "answers", answers, "attributes", attrs);
    if (s->weighted)
        json_object_set_new(r, "weight", json_real(1.0));
    text = json_dumps(r, JSON_COMPACT);
    json_decref(r);
    cr_assert(text != NULL);
    return text;
}

static int request(const char *method, const char *path, const char *token, const char *body,
                   struct httpc_resp *r)
{
    cr_assert(httpc_request(dmn.port, method, path, token, body ? "application/json" : NULL,
                            body, body ? strlen(body) : 0, r) == 0,
              "%s %s", method, path);
    return r->status;
}

static int submit(const char *token, const char *city, int n, struct httpc_resp *r)
{
    char *body = response_body(city, n);
    int status = request("POST", "/v1/responses", token, body, r);

    free(body);
    return status;
}

static long rows(void)
{
    return testdb_long(&db, "SELECT count(*) FROM response");
}

static void expect_401(struct httpc_resp *r, const char *why)
{
    cr_expect_eq(r->status, 401, "%d: %s", r->status, r->body);
    cr_expect(r->body != NULL && strstr(r->body, why) != NULL, "want \"%s\": %s", why, r->body);
    httpc_free(r);
}

/* `token revoke` (another process) while the daemon holds the token in its
 * cache: the very next submission is 401, nothing is stored, and every
 * other route refuses it too. */
Test(tokens, revoke_is_at_once_even_from_the_cache)
{
    struct httpc_resp r;
    char out[4096];
    long before;

    cr_expect_eq(submit(tok[R_COLLECTOR], "konin", 1, &r), 201, "%s", r.body);
    httpc_free(&r);
    cr_expect_eq(submit(tok[R_COLLECTOR], "konin", 2, &r), 201, "admitted from the cache: %s",
                 r.body);
    httpc_free(&r);
    before = rows();
    cr_assert_eq(testdb_run(out, sizeof out, "token revoke %lld --db \"%s\"", tok_id[R_COLLECTOR],
                            db.conninfo),
                 0, "%s", out);
    cr_expect(strstr(out, "unieważniono token ") != NULL, "%s", out);
    submit(tok[R_COLLECTOR], "konin", 3, &r);
    expect_401(&r, "the token was revoked");
    cr_expect_eq(rows(), before, "nothing stored with the revoked token");
    submit(tok[R_COLLECTOR], "konin", 4, &r);
    expect_401(&r, "the token was revoked");
    cr_expect_eq(rows(), before);
    request("GET", "/v1/surveys", tok[R_COLLECTOR], NULL, &r);
    expect_401(&r, "the token was revoked");
    /* a second revoke is a failure that says so; an unknown number too */
    cr_expect_eq(testdb_run(out, sizeof out, "token revoke %lld --db \"%s\"", tok_id[R_COLLECTOR],
                            db.conninfo),
                 1, "%s", out);
    cr_expect(strstr(out, "was revoked already") != NULL, "%s", out);
    cr_expect_eq(testdb_run(out, sizeof out, "token revoke 999 --db \"%s\"", db.conninfo), 1,
                 "%s", out);
    cr_expect(strstr(out, "no token 999") != NULL, "%s", out);
    cr_expect_eq(testdb_run(out, sizeof out, "token revoke konin --db \"%s\"", db.conninfo), 2,
                 "%s", out);
}

/* The admin's DELETE /v1/tokens/{id}: also at once, cached or not. */
Test(tokens, revoke_over_the_api)
{
    struct httpc_resp r;
    char path[64];
    long before;

    cr_expect_eq(submit(tok[R_COORDINATOR], "konin", 10, &r), 201, "%s", r.body);
    httpc_free(&r);
    before = rows();
    snprintf(path, sizeof path, "/v1/tokens/%lld", tok_id[R_COORDINATOR]);
    cr_expect_eq(request("DELETE", path, tok[R_MINISTRY], NULL, &r), 403, "%s", r.body);
    httpc_free(&r);
    cr_expect_eq(request("DELETE", path, tok[R_ADMIN], NULL, &r), 200, "%s", r.body);
    cr_expect(strstr(r.body, "\"revoked\":true") != NULL, "%s", r.body);
    httpc_free(&r);
    submit(tok[R_COORDINATOR], "konin", 11, &r);
    expect_401(&r, "the token was revoked");
    cr_expect_eq(rows(), before);
    cr_expect_eq(request("DELETE", path, tok[R_ADMIN], NULL, &r), 409, "%s", r.body);
    httpc_free(&r);
    cr_expect_eq(request("DELETE", "/v1/tokens/999", tok[R_ADMIN], NULL, &r), 404, "%s", r.body);
    httpc_free(&r);
    cr_expect_eq(request("GET", path, tok[R_ADMIN], NULL, &r), 405, "%s", r.body);
    httpc_free(&r);
}

/* A token past its expiry is refused by every route, from the cache too. */
Test(tokens, expired_is_refused)
{
    struct httpc_resp r;
    long before;

    cr_expect_eq(submit(tok[R_COLLECTOR], "konin", 20, &r), 201, "%s", r.body);
    httpc_free(&r);
    before = rows();
    free(testdb_value(&db, "UPDATE api_token SET expires_at = now() - interval '1 second' "
                           "WHERE role = 'collector' RETURNING 1"));
    submit(tok[R_COLLECTOR], "konin", 21, &r);
    expect_401(&r, "the token expired");
    cr_expect_eq(rows(), before, "nothing stored with the expired token");
    request("GET", "/v1/surveys", tok[R_COLLECTOR], NULL, &r);
    expect_401(&r, "the token expired");
}

/* The admin's token API: create (the token shown once), list, and what a
 * bad request is told. */
Test(tokens, create_and_list_over_the_api)
{
    struct httpc_resp r;
    json_error_t je;
    json_t *doc, *t;
    const char *made;
    size_t i;
    int found = 0;

    cr_expect_eq(request("POST", "/v1/tokens", tok[R_ADMIN],
                         "{\"role\":\"coordinator\",\"scope\":\"jaslo\","
                         "\"label\":\"Jasło, kadry\",\"expires\":\"2099-12-31\"}",
                         &r),
                 201, "%s", r.body);
    doc = json_loads(r.body, 0, &je);
    httpc_free(&r);
    cr_assert(doc != NULL, "%s", je.text);
    made = json_string_value(json_object_get(doc, "token"));
    cr_assert(made != NULL && strncmp(made, "emp_", 4) == 0);
    /* the new token works at once, within its scope */
    cr_expect_eq(request("GET", "/v1/stats?survey=" SURVEY "&city=jaslo", made, NULL, &r), 200,
                 "%s", r.body);
    httpc_free(&r);
    cr_expect_eq(request("GET", "/v1/stats?survey=" SURVEY "&city=konin", made, NULL, &r), 403,
                 "%s", r.body);
    httpc_free(&r);
    json_decref(doc);

    cr_expect_eq(request("GET", "/v1/tokens", tok[R_ADMIN], NULL, &r), 200, "%s", r.body);
    doc = json_loads(r.body, 0, &je);
    httpc_free(&r);
    cr_assert(doc != NULL, "%s", je.text);
    cr_expect_eq(json_array_size(json_object_get(doc, "tokens")), 6);
    json_array_foreach(json_object_get(doc, "tokens"), i, t) {
        if (strcmp(json_string_value(json_object_get(t, "label")), "Jasło, kadry") != 0)
            continue;
        found = 1;
        cr_expect_str_eq(json_string_value(json_object_get(t, "role")), "coordinator");
        cr_expect_str_eq(json_string_value(json_object_get(t, "scope")), "jaslo");
        cr_expect_str_eq(json_string_value(json_object_get(t, "expires")), "2099-12-31");
        /* used a moment ago: today */
        cr_expect(json_is_string(json_object_get(t, "last_used")), "last_used is a day");
        cr_expect(json_object_get(t, "token") == NULL, "a listed token is never shown");
    }
    cr_expect(found, "the new token is listed");
    json_decref(doc);

    cr_expect_eq(request("GET", "/v1/tokens", tok[R_ANALYST], NULL, &r), 403, "%s", r.body);
    httpc_free(&r);
    cr_expect_eq(request("POST", "/v1/tokens", tok[R_ADMIN], "{\"role\":\"boss\",\"label\":\"x\"}",
                         &r),
                 400, "%s", r.body);
    cr_expect(strstr(r.body, "unknown role 'boss'") != NULL, "%s", r.body);
    httpc_free(&r);
    cr_expect_eq(request("POST", "/v1/tokens", tok[R_ADMIN],
                         "{\"role\":\"coordinator\",\"scope\":\"atlantis\"}", &r),
                 400, "%s", r.body);
    cr_expect(strstr(r.body, "no city 'atlantis'") != NULL, "%s", r.body);
    httpc_free(&r);
    cr_expect_eq(request("POST", "/v1/tokens", tok[R_ADMIN], "{\"role\":\"admin\",\"colour\":1}",
                         &r),
                 400, "%s", r.body);
    cr_expect(strstr(r.body, "colour: unknown field") != NULL, "%s", r.body);
    httpc_free(&r);
    cr_expect_eq(request("POST", "/v1/tokens", tok[R_ADMIN], "[", &r), 400, "%s", r.body);
    httpc_free(&r);
    cr_expect_eq(testdb_long(&db, "SELECT count(*) FROM api_token"), 6, "no token from a bad "
                                                                         "request");
}

/* `token list`: the columns, padded by display width (Polish labels). */
Test(tokens, list_command)
{
    char out[8192];
    char *line;

    cr_assert_eq(testdb_run(out, sizeof out, "token list --db \"%s\"", db.conninfo), 0, "%s", out);
    cr_expect(strncmp(out, "nr  etykieta", 12) == 0, "%s", out);
    cr_expect(strstr(out, "  utworzony  ") != NULL && strstr(out, "  wygasa  ") != NULL &&
                  strstr(out, "  ostatnio użyty\n") != NULL,
              "%s", out);
    /* "Konin, dział kadr" (17 characters, 18 bytes) and "Konin, ankieta"
     * (14) are padded to the same column: the role starts at the same place */
    line = strstr(out, "Konin, dział kadr");
    cr_assert(line != NULL, "%s", out);
    cr_expect(strncmp(line + strlen("Konin, dział kadr") + 2, "coordinator", 11) == 0, "%s", out);
    line = strstr(out, "Konin, ankieta");
    cr_assert(line != NULL, "%s", out);
    cr_expect(strncmp(line + strlen("Konin, ankieta") + 5, "collector", 9) == 0, "%s", out);
    cr_expect_eq(testdb_run(out, sizeof out, "token revoke %lld --db \"%s\"", tok_id[R_MINISTRY],
                            db.conninfo),
                 0, "%s", out);
    cr_assert_eq(testdb_run(out, sizeof out, "token list --db \"%s\"", db.conninfo), 0, "%s", out);
    cr_expect(strstr(out, "MFiPR") == NULL, "a revoked token is not live: %s", out);
    cr_assert_eq(testdb_run(out, sizeof out, "token list --all --db \"%s\"", db.conninfo), 0,
                 "%s", out);
    cr_expect(strstr(out, "MFiPR") != NULL && strstr(out, "  unieważniony\n") != NULL, "%s",
              out);
    cr_assert_eq(testdb_run(out, sizeof out, "--lang en token list --all --db \"%s\"", db.conninfo),
                 0, "%s", out);
    cr_expect(strncmp(out, "id  label", 9) == 0 && strstr(out, "  last used  ") != NULL &&
                  strstr(out, "  revoked\n") != NULL,
              "%s", out);
    cr_expect_eq(testdb_run(out, sizeof out, "token list --role admin --db \"%s\"", db.conninfo),
                 2, "%s", out);
    cr_expect_eq(testdb_run(out, sizeof out, "token frobnicate"), 2, "%s", out);
}

/*
 * Every route x role of the table in docs/api.md. The city routes ask for
 * konin, the scope of the collector and the coordinator and a member of the
 * analyst's network; the "other" rows for jaslo and krosno, neither the
 * coordinator's city nor in the analyst's network.
 */
struct cell {
    const char *method, *path;
    int post_city;          /* POST /v1/responses: which city's response (1 konin, 2 jaslo) */
    int want[NROLES];       /* none, collector, coordinator, analyst, ministry, admin */
};

#define S "?survey=" SURVEY "&wave=" WAVE

static const struct cell table[] = {
    { "POST", "/v1/responses", 1, { 401, 201, 201, 403, 403, 201 } },
    { "POST", "/v1/responses", 2, { 401, 403, 403, 403, 403, 201 } },
    { "GET", "/v1/responses/counts", 0, { 401, 403, 403, 200, 200, 200 } },
    { "GET", "/v1/surveys", 0, { 401, 200, 200, 200, 200, 200 } },
    { "GET", "/v1/surveys/" SURVEY, 0, { 401, 200, 200, 200, 200, 200 } },
    { "GET", "/v1/stats" S "&city=konin", 0, { 401, 403, 200, 200, 200, 200 } },
    { "GET", "/v1/stats" S "&city=jaslo", 0, { 401, 403, 403, 403, 200, 200 } },
    { "GET", "/v1/stats" S "&network=" NETWORK, 0, { 401, 403, 403, 200, 200, 200 } },
    { "GET", "/v1/stats" S, 0, { 401, 403, 403, 403, 200, 200 } },
    { "GET", "/v1/reports/city/konin.xlsx" S, 0, { 401, 403, 200, 200, 200, 200 } },
    { "GET", "/v1/reports/city/krosno.xlsx" S, 0, { 401, 403, 403, 403, 200, 200 } },
    { "GET", "/v1/reports/network/" NETWORK ".xlsx" S, 0, { 401, 403, 403, 200, 200, 200 } },
    { "GET", "/v1/reports/ministry.json" S, 0, { 401, 403, 403, 403, 200, 200 } },
    { "GET", "/v1/participation" S, 0, { 401, 403, 200, 200, 200, 200 } },
    { "GET", "/v1/participation" S "&city=jaslo", 0, { 401, 403, 403, 403, 200, 200 } },
    { "GET", "/v1/tokens", 0, { 401, 403, 403, 403, 403, 200 } },
    { "POST", "/v1/tokens", 0, { 401, 403, 403, 403, 403, 201 } },
    { "DELETE", "/v1/tokens/", 0, { 401, 403, 403, 403, 403, 200 } },
    { "GET", "/healthz", 0, { 200, 200, 200, 200, 200, 200 } },
};

Test(tokens, every_role_by_every_route)
{
    static const char *const names[NROLES] = { "no token", "collector", "coordinator",
                                               "analyst",  "ministry",  "admin" };
    struct auth_token_spec spare = { .role = AUTH_MINISTRY, .label = "spare" };
    char spare_tok[AUTH_TOKEN_SIZE], err[ERR_MAX], path[256];
    long long spare_id = 0;
    int n = 100;

    cr_assert(auth_token_issue(db.conn, &spare, spare_tok, &spare_id, NULL, err, sizeof err) == 0,
              "%s", err);
    for (size_t i = 0; i < sizeof table / sizeof table[0]; i++) {
        const struct cell *c = &table[i];

        for (int role = 0; role < NROLES; role++) {
            const char *token = role == R_NONE ? NULL : tok[role];
            struct httpc_resp r;
            int got;

            snprintf(path, sizeof path, "%s", c->path);
            if (strcmp(c->path, "/v1/tokens/") == 0)
                snprintf(path, sizeof path, "/v1/tokens/%lld", spare_id);
            if (c->post_city != 0)
                got = submit(token, c->post_city == 1 ? "konin" : "jaslo", n++, &r);
            else if (strcmp(c->method, "POST") == 0)
                got = request("POST", path, token, "{\"role\":\"ministry\",\"label\":\"m\"}", &r);
            else
                got = request(c->method, path, token, NULL, &r);
            cr_expect_eq(got, c->want[role], "%s %s%s as %s: %d, expected %d: %.200s", c->method,
                         path, c->post_city == 2 ? " (another city)" : "", names[role], got,
                         c->want[role], r.body != NULL ? r.body : "");
            httpc_free(&r);
        }
    }
}
