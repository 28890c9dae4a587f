/* Integration: submissions through the daemon (POST /v1/responses wired to
 * submit_store: group commit, else alone): single and batch, duplicates, conflicts, bad bodies, scope,
 * and SIGTERM with submissions in flight. Valid responses are built from the
 * instrument in the catalog, so the test follows the survey files. */
#include "auth.h"
#include "catalog.h"
#include "daemon.h"
#include "err.h"
#include "httpc.h"
#include "registry.h"
#include "survey.h"
#include "testdb.h"

#include <criterion/criterion.h>
#include <jansson.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define SURVEY "satysfakcja-pracownikow"

static struct testdb db;
static struct daemon dmn;
static struct catalog *cat;
static const char *wave;   /* the newest wave of SURVEY */
static char admin[AUTH_TOKEN_SIZE], collector[AUTH_TOKEN_SIZE];
static char city[64], other_city[64];

static void setup(void)
{
    char err[ERR_MAX];
    const struct catalog_wave *const *waves;
    size_t nwaves = 0;
    char *c1, *c2;

    testdb_create(&db, 1);
    testdb_load_registry(&db);
    cat = testdb_catalog(&db);
    waves = catalog_waves(cat, SURVEY, &nwaves);
    cr_assert(nwaves > 0, "no waves of %s", SURVEY);
    wave = waves[nwaves - 1]->label;
    c1 = testdb_value(&db, "SELECT slug FROM city ORDER BY slug LIMIT 1");
    c2 = testdb_value(&db, "SELECT slug FROM city ORDER BY slug OFFSET 1 LIMIT 1");
    snprintf(city, sizeof city, "%s", c1);
    snprintf(other_city, sizeof other_city, "%s", c2);
    free(c1);
    free(c2);
    cr_assert(auth_token_create(db.conn, AUTH_ADMIN, NULL, admin, err, sizeof err) == 0, "%s", err);
    cr_assert(auth_token_create(db.conn, AUTH_COLLECTOR, city, collector, err, sizeof err) == 0,
              "%s", err);
    daemon_start(&dmn, db.conninfo, "--connections 64 --pool 8 --allow-closed-waves");
}

static void teardown(void)
{
    if (dmn.pid > 0)
        cr_expect_eq(daemon_stop(&dmn, SIGTERM), 0, "the daemon exits 0 on SIGTERM");
    catalog_free(cat);
    cat = NULL;
    testdb_drop(&db);
}

TestSuite(submit, .init = setup, .fini = teardown, .timeout = 120);

/* A valid response for city: the lowest value of every scaled item (shift
 * moves them up, to make different content), every attribute given. */
static json_t *make_response(const char *for_city, int n, int shift)
{
    const struct catalog_wave *w = catalog_wave(cat, SURVEY, wave);
    const struct survey *s = catalog_survey(cat, SURVEY, w->survey_version);
    json_t *answers = json_object();
    json_t *attrs = json_object();
    json_t *r;
    char id[40];

    snprintf(id, sizeof id, "00000000-0000-4000-8000-%012d", n);
    for (size_t i = 0; i < s->nitems; i++) {
        const struct survey_item *it = &s->items[i];

        if (it->type == SURVEY_LIKERT || it->type == SURVEY_SCALE || it->type == SURVEY_NUMBER)
            json_object_set_new(answers, it->code,
                                json_integer(it->min + (shift % (it->max - it->min + 1))));
        else if (it->type == SURVEY_SINGLE && it->noptions > 0)
            json_object_set_new(answers, it->code, json_integer(it->options[0].code));
    }
    for (size_t k = 0; k < s->nattrs; k++)
        if (s->attrs[k].noptions > 0)
            json_object_set_new(attrs, s->attrs[k].code,
                                json_integer(s->attrs[k].options[0].code));
    r = json_pack("{s:s,s:s,s:s,s:s,s:o,s:o}", "survey", SURVEY, "wave", wave, "city", for_city,
                  "id", id, "answers", answers, "attributes", attrs);
    if (s->weighted)
        json_object_set_new(r, "weight", json_real(1.0));
    return r;
}

static char *dump(json_t *doc)
{
    char *s = json_dumps(doc, JSON_COMPACT);

    json_decref(doc);
    cr_assert(s != NULL);
    return s;
}

static void post(const char *tok, const char *body, size_t len, struct httpc_resp *r)
{
    cr_assert(httpc_request(dmn.port, "POST", "/v1/responses", tok, "application/json", body, len,
                            r) == 0);
}

static long rows(void)
{
    return testdb_long(&db, "SELECT count(*) FROM response");
}

static void expect_error(const struct httpc_resp *r, int status)
{
    char want[64];

    cr_expect_eq(r->status, status, "status %d: %s", r->status, r->body);
    snprintf(want, sizeof want, "{\"error\":{\"status\":%d,", status);
    cr_expect(strncmp(r->body, want, strlen(want)) == 0, "%s", r->body);
}

Test(submit, single_duplicate_and_conflict)
{
    char *one = dump(make_response(city, 1, 0));
    char *changed = dump(make_response(city, 1, 1));
    struct httpc_resp r;

    post(collector, one, strlen(one), &r);
    cr_expect_eq(r.status, 201, "%s", r.body);
    cr_expect_str_eq(r.body, "{\"stored\":1,\"duplicates\":0}");
    httpc_free(&r);
    cr_expect_eq(rows(), 1);
    post(collector, one, strlen(one), &r);
    cr_expect_eq(r.status, 201, "%s", r.body);
    cr_expect_str_eq(r.body, "{\"stored\":0,\"duplicates\":1}");
    httpc_free(&r);
    cr_expect_eq(rows(), 1, "a resubmission is stored once");
    post(collector, changed, strlen(changed), &r);
    expect_error(&r, 409);
    httpc_free(&r);
    cr_expect_eq(rows(), 1);
    free(one);
    free(changed);
}

Test(submit, batch_all_or_nothing)
{
    json_t *batch = json_array();
    json_t *bad;
    struct httpc_resp r;
    char *body;

    for (int i = 0; i < 3; i++)
        json_array_append_new(batch, make_response(city, 10 + i, 0));
    body = dump(json_incref(batch));
    post(admin, body, strlen(body), &r);
    free(body);
    cr_expect_eq(r.status, 201, "%s", r.body);
    cr_expect_str_eq(r.body, "{\"stored\":3,\"duplicates\":0}");
    httpc_free(&r);
    /* One bad response in a batch: nothing of it is stored. */
    json_array_clear(batch);
    json_array_append_new(batch, make_response(city, 20, 0));
    bad = make_response(city, 21, 0);
    json_object_set_new(json_object_get(bad, "answers"), "no_such_item_xyz", json_integer(3));
    json_object_set_new(bad, "wave", json_string("1999"));
    json_array_append_new(batch, bad);
    body = dump(batch);
    post(admin, body, strlen(body), &r);
    free(body);
    expect_error(&r, 400);
    cr_expect(strstr(r.body, "\"path\":\"[1]") != NULL, "the error names the entry: %s", r.body);
    httpc_free(&r);
    cr_expect_eq(rows(), 3);
}

Test(submit, malformed_bodies_are_400)
{
    static const char *const bodies[] = { "{", "[]", "42", "{\"survey\": \"\xff\xfe\"}", "null" };
    struct httpc_resp r;

    for (size_t i = 0; i < sizeof bodies / sizeof bodies[0]; i++) {
        post(admin, bodies[i], strlen(bodies[i]), &r);
        expect_error(&r, 400);
        httpc_free(&r);
    }
    cr_expect_eq(rows(), 0);
}

Test(submit, collector_only_for_their_city)
{
    char *theirs = dump(make_response(other_city, 30, 0));
    char *own = dump(make_response(city, 31, 0));
    struct httpc_resp r;

    post(collector, theirs, strlen(theirs), &r);
    expect_error(&r, 403);
    httpc_free(&r);
    cr_expect_eq(rows(), 0);
    post(collector, own, strlen(own), &r);
    cr_expect_eq(r.status, 201, "%s", r.body);
    httpc_free(&r);
    post(admin, theirs, strlen(theirs), &r);
    cr_expect_eq(r.status, 201, "an admin may submit for any city: %s", r.body);
    httpc_free(&r);
    cr_expect_eq(rows(), 2);
    free(theirs);
    free(own);
}

#define NSUBMIT 24

struct submitter {
    pthread_t thread;
    int n;
    int status;
};

static void *submit_one(void *arg)
{
    struct submitter *s = arg;
    json_t *doc = make_response(city, 100 + s->n, 0);
    char *body = json_dumps(doc, JSON_COMPACT);
    struct httpc_resp r;

    json_decref(doc);
    s->status = -1;
    if (body != NULL &&
        httpc_request(dmn.port, "POST", "/v1/responses", admin, "application/json", body,
                      strlen(body), &r) == 0) {
        s->status = r.status;
        httpc_free(&r);
    }
    free(body);
    return NULL;
}

/* SIGTERM while submissions are in flight: every 201 is in the database,
 * and the daemon exits 0. */
Test(submit, sigterm_loses_no_acknowledged_submission)
{
    struct submitter subs[NSUBMIT];
    long acked = 0;

    for (int i = 0; i < NSUBMIT; i++) {
        subs[i].n = i;
        cr_assert(pthread_create(&subs[i].thread, NULL, submit_one, &subs[i]) == 0);
    }
    usleep(20 * 1000);
    kill(dmn.pid, SIGTERM);
    for (int i = 0; i < NSUBMIT; i++)
        pthread_join(subs[i].thread, NULL);
    cr_expect_eq(daemon_stop(&dmn, 0), 0, "exit 0 after the drain");
    for (int i = 0; i < NSUBMIT; i++) {
        char sql[256];

        if (subs[i].status != 201)
            continue;
        acked++;
        snprintf(sql, sizeof sql,
                 "SELECT count(*) FROM response WHERE id = '00000000-0000-4000-8000-%012d'",
                 100 + i);
        cr_expect_eq(testdb_long(&db, sql), 1, "acknowledged submission %d is stored", i);
    }
    cr_expect(acked > 0, "some submissions were acknowledged");
    cr_expect_eq(rows(), acked, "nothing unacknowledged was half stored");
}

/* ---- group commit (gcommit.h) ---------------------------------------- */

#define NGROUP 24

struct grouped {
    pthread_t thread;
    pthread_barrier_t *start;
    char *body;
    int status;
    char answer[256];
};

static void *post_grouped(void *arg)
{
    struct grouped *g = arg;
    struct httpc_resp r;

    g->status = -1;
    pthread_barrier_wait(g->start);
    if (httpc_request(dmn.port, "POST", "/v1/responses", admin, "application/json", g->body,
                      strlen(g->body), &r) == 0) {
        g->status = r.status;
        snprintf(g->answer, sizeof g->answer, "%s", r.body);
        httpc_free(&r);
    }
    return NULL;
}

static long metric(const char *name)
{
    struct httpc_resp r;
    const char *at;
    long v = -1;

    cr_assert(httpc_request(dmn.port, "GET", "/metrics", admin, NULL, NULL, 0, &r) == 0);
    at = strstr(r.body, name);
    while (at != NULL && at > r.body && at[-1] != '\n')
        at = strstr(at + 1, name);
    if (at != NULL)
        v = strtol(at + strlen(name), NULL, 10);
    httpc_free(&r);
    return v;
}

/*
 * Bodies posted at the same moment share a transaction; each still gets the
 * answer it would get alone. One writer, so the concurrent requests queue
 * into groups: new responses, a batch, a resubmission (duplicate) and a
 * conflicting one among them.
 */
Test(submit, concurrent_bodies_each_get_their_own_answer)
{
    struct grouped g[NGROUP];
    pthread_barrier_t start;
    char *first = dump(make_response(city, 500, 0));
    json_t *batch = json_array();
    struct httpc_resp r;
    long stored_bodies;

    cr_assert_eq(daemon_stop(&dmn, SIGTERM), 0);
    daemon_start(&dmn, db.conninfo, "--connections 64 --pool 4 --writers 1 --allow-closed-waves");
    post(admin, first, strlen(first), &r);
    cr_assert_eq(r.status, 201, "%s", r.body);
    httpc_free(&r);
    for (int i = 0; i < 5; i++)
        json_array_append_new(batch, make_response(city, 600 + i, 0));
    cr_assert(pthread_barrier_init(&start, NULL, NGROUP) == 0);
    for (int i = 0; i < NGROUP; i++) {
        g[i].start = &start;
        if (i == 0)
            g[i].body = dump(make_response(city, 500, 1));   /* conflict */
        else if (i == 1)
            g[i].body = strdup(first);                        /* duplicate */
        else if (i == 2)
            g[i].body = dump(json_incref(batch));             /* 5 new ones */
        else
            g[i].body = dump(make_response(city, 700 + i, 0));
        cr_assert(g[i].body != NULL);
        cr_assert(pthread_create(&g[i].thread, NULL, post_grouped, &g[i]) == 0);
    }
    for (int i = 0; i < NGROUP; i++)
        pthread_join(g[i].thread, NULL);
    pthread_barrier_destroy(&start);
    cr_expect_eq(g[0].status, 409, "the conflicting body: %s", g[0].answer);
    cr_expect_eq(g[1].status, 201, "%s", g[1].answer);
    cr_expect_str_eq(g[1].answer, "{\"stored\":0,\"duplicates\":1}");
    cr_expect_eq(g[2].status, 201, "%s", g[2].answer);
    cr_expect_str_eq(g[2].answer, "{\"stored\":5,\"duplicates\":0}");
    for (int i = 3; i < NGROUP; i++) {
        cr_expect_eq(g[i].status, 201, "body %d: %s", i, g[i].answer);
        cr_expect_str_eq(g[i].answer, "{\"stored\":1,\"duplicates\":0}");
    }
    cr_expect_eq(rows(), 1 + 5 + (NGROUP - 3), "every new response once, the conflict not");
    cr_expect_eq(testdb_long(&db, "SELECT count(*) FROM response WHERE id = "
                                  "'00000000-0000-4000-8000-000000000500' AND answers[1] = "
                                  "(SELECT answers[1] FROM response WHERE id = "
                                  "'00000000-0000-4000-8000-000000000600')"),
                 1, "the stored response 500 keeps its first content");
    /* Every body went through a group (alone only after a group refused it). */
    stored_bodies = metric("empirie_group_bodies_total{outcome=\"stored\"} ");
    cr_expect(stored_bodies + metric("empirie_group_bodies_total{outcome=\"alone\"} ") >= NGROUP + 1,
              "group metrics count the bodies");
    cr_expect(metric("empirie_group_commits_total ") <= NGROUP + 1);
    for (int i = 0; i < NGROUP; i++)
        free(g[i].body);
    json_decref(batch);
    free(first);
}

/* A token is admitted from the daemon's cache, but deleting it still
 * refuses its next submission: the storing statement checks it again. */
Test(submit, deleted_token_is_refused_though_cached)
{
    char *one = dump(make_response(city, 800, 0));
    char *two = dump(make_response(city, 801, 0));
    struct httpc_resp r;

    post(collector, one, strlen(one), &r);
    cr_expect_eq(r.status, 201, "%s", r.body);
    httpc_free(&r);
    free(testdb_value(&db, "DELETE FROM api_token WHERE role = 'collector' RETURNING 1"));
    post(collector, two, strlen(two), &r);
    expect_error(&r, 401);
    httpc_free(&r);
    cr_expect_eq(rows(), 1, "nothing stored with the deleted token");
    /* and it stays refused (no longer cached) */
    post(collector, two, strlen(two), &r);
    expect_error(&r, 401);
    httpc_free(&r);
    cr_expect_eq(rows(), 1);
    free(one);
    free(two);
}

static char *batch_of(int first, int n, int shift_at, const char *for_city)
{
    json_t *batch = json_array();

    for (int i = 0; i < n; i++)
        json_array_append_new(batch, make_response(for_city, first + i,
                                                   first + i == shift_at ? 1 : 0));
    return dump(batch);
}

/* A body of 100 responses is a group large enough to go in by COPY: new
 * rows are stored, a resubmission is answered as duplicates, a conflict
 * anywhere in it stores nothing, and a deleted token stores nothing. */
Test(submit, large_groups_by_copy)
{
    char *fresh = batch_of(1000, 100, -1, city);
    /* 1099 is stored (by fresh), here with other content */
    char *conflict = batch_of(1099, 100, 1099, city);
    char *later = batch_of(1300, 100, -1, city);
    struct httpc_resp r;

    post(collector, fresh, strlen(fresh), &r);
    cr_expect_eq(r.status, 201, "%s", r.body);
    cr_expect_str_eq(r.body, "{\"stored\":100,\"duplicates\":0}");
    httpc_free(&r);
    cr_expect_eq(rows(), 100);
    post(collector, fresh, strlen(fresh), &r);
    cr_expect_eq(r.status, 201, "%s", r.body);
    cr_expect_str_eq(r.body, "{\"stored\":0,\"duplicates\":100}");
    httpc_free(&r);
    cr_expect_eq(rows(), 100, "a resubmitted batch is stored once");
    post(collector, conflict, strlen(conflict), &r);
    expect_error(&r, 409);
    cr_expect(strstr(r.body, "\"path\":\"[0].id\"") != NULL, "%s", r.body);
    httpc_free(&r);
    cr_expect_eq(rows(), 100, "nothing of a conflicting batch is stored");
    cr_expect_eq(metric("empirie_group_bodies_total{outcome=\"stored\"} "), 1);
    cr_expect_eq(metric("empirie_group_bodies_total{outcome=\"alone\"} "), 2);
    free(testdb_value(&db, "DELETE FROM api_token WHERE role = 'collector' RETURNING 1"));
    post(collector, later, strlen(later), &r);
    expect_error(&r, 401);
    httpc_free(&r);
    cr_expect_eq(rows(), 100, "nothing stored with a deleted token");
    free(fresh);
    free(conflict);
    free(later);
}

static long ms_now(void)
{
    struct timespec t;

    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1000L + t.tv_nsec / 1000000L;
}

/*
 * A database that cannot take the work (here: the response table locked,
 * so the server's lock_timeout fires, with the connection still fine) is
 * 503 with Retry-After at every step: the group, the group's retry, the
 * body alone, a read. It used to be 500 when the group failed with the
 * connection fine and the body alone failed again. Nothing is stored; once
 * the lock is gone the same bodies are stored.
 */
Test(submit, database_unable_is_503_never_500)
{
    json_t *batch = json_array();
    char *one, *many;
    struct httpc_resp r;
    char v[16];
    PGresult *res;

    cr_assert_eq(daemon_stop(&dmn, SIGTERM), 0);
    daemon_start(&dmn, db.conninfo, "--db-timeout 2 --retry-after 3 --allow-closed-waves");
    one = dump(make_response(city, 1, 0));
    for (int i = 0; i < 100; i++)   /* 64 rows and more go in by COPY */
        json_array_append_new(batch, make_response(city, 100 + i, 0));
    many = dump(batch);
    res = PQexec(db.conn, "BEGIN; LOCK TABLE response IN ACCESS EXCLUSIVE MODE");
    cr_assert(PQresultStatus(res) == PGRES_COMMAND_OK, "%s", PQerrorMessage(db.conn));
    PQclear(res);
    for (int k = 0; k < 3; k++) {
        long t0 = ms_now();

        if (k < 2)
            post(admin, k == 0 ? one : many, strlen(k == 0 ? one : many), &r);
        else
            cr_assert(httpc_request(dmn.port, "GET", "/v1/responses/counts", admin, NULL, NULL,
                                    0, &r) == 0);
        cr_expect_eq(r.status, 503, "step %d: %d %s", k, r.status, r.body);
        cr_expect(httpc_header(&r, "Retry-After", v, sizeof v) != NULL && strcmp(v, "3") == 0,
                  "%s", r.headers);
        cr_expect(ms_now() - t0 < 3500, "step %d answered in %ld ms (bound 2 s)", k,
                  ms_now() - t0);
        httpc_free(&r);
    }
    res = PQexec(db.conn, "COMMIT");
    PQclear(res);
    cr_expect_eq(rows(), 0);
    post(admin, one, strlen(one), &r);
    cr_expect_eq(r.status, 201, "%s", r.body);
    httpc_free(&r);
    post(admin, many, strlen(many), &r);
    cr_expect_eq(r.status, 201, "%s", r.body);
    httpc_free(&r);
    cr_expect_eq(rows(), 101);
    free(one);
    free(many);
}
