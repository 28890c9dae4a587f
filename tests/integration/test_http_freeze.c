/* Integration: PostgreSQL frozen under a running daemon (SIGSTOP on the
 * postmaster and every backend of a private cluster of the test's own),
 * with pooled connections open. Every request during the freeze answers
 * 503 with Retry-After within the bound (/healthz within 2 s, the rest
 * within --db-timeout plus scheduling slack); after SIGCONT the daemon
 * serves again without a restart. The cluster is thawed and destroyed at
 * the end whatever happens. */
#include "auth.h"
#include "catalog.h"
#include "daemon.h"
#include "db.h"
#include "err.h"
#include "httpc.h"
#include "migrate.h"
#include "survey.h"
#include "testdb.h"

#include <criterion/criterion.h>
#include <dirent.h>
#include <jansson.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define SURVEY "satysfakcja-pracownikow"
#define DB_TIMEOUT_S 2
#define HEALTH_BOUND_MS 2000
/* --db-timeout plus what a loaded 2-core machine and ASan add */
#define BOUND_MS (DB_TIMEOUT_S * 1000 + 1000)

static char dir[256];
static char conninfo[1024];
static struct daemon dmn;
static pid_t frozen[64];
static size_t nfrozen;

static int pg_local(const char *action)
{
    char cmd[2048];

    snprintf(cmd, sizeof cmd, "EMPIRIE_PG_DIR='%s' PGLOCAL_PORT=5434 '%s/scripts/pg-local' %s "
             ">/dev/null 2>&1", dir, testdb_root(), action);
    return system(cmd);
}

static void thaw(void)
{
    for (size_t i = 0; i < nfrozen; i++)
        kill(frozen[i], SIGCONT);
    nfrozen = 0;
}

static void setup(void)
{
    char path[512];
    FILE *f;

    snprintf(dir, sizeof dir, "/tmp/empirie-freeze.XXXXXX");
    cr_assert(mkdtemp(dir) != NULL);
    cr_assert(pg_local("start --fast") == 0, "the test's cluster did not start");
    snprintf(path, sizeof path, "%s/conninfo", dir);
    f = fopen(path, "r");
    cr_assert(f != NULL);
    cr_assert(fgets(conninfo, sizeof conninfo, f) != NULL);
    fclose(f);
    conninfo[strcspn(conninfo, "\n")] = '\0';
}

static void teardown(void)
{
    thaw();
    if (dmn.pid > 0)
        daemon_stop(&dmn, SIGKILL);
    pg_local("destroy");
    rmdir(dir);
}

/* No .timeout (see test_http_strict.c): every request has a 20 s client bound. */
TestSuite(freeze, .init = setup, .fini = teardown);

/* The postmaster (from postmaster.pid in the cluster's data folder) and
 * every process whose parent it is. */
static void find_cluster_pids(void)
{
    char path[600], loc[400];
    FILE *f;
    long pm = 0;
    DIR *proc;
    struct dirent *e;

    snprintf(path, sizeof path, "%s/location", dir);
    f = fopen(path, "r");
    if (f != NULL) {
        cr_assert(fgets(loc, sizeof loc, f) != NULL);
        fclose(f);
        loc[strcspn(loc, "\n")] = '\0';
    } else {
        snprintf(loc, sizeof loc, "%s", dir);
    }
    snprintf(path, sizeof path, "%s/pg/postmaster.pid", loc);
    f = fopen(path, "r");
    cr_assert(f != NULL, "no %s", path);
    cr_assert(fscanf(f, "%ld", &pm) == 1 && pm > 1);
    fclose(f);
    nfrozen = 0;
    frozen[nfrozen++] = (pid_t)pm;
    proc = opendir("/proc");
    cr_assert(proc != NULL);
    while ((e = readdir(proc)) != NULL && nfrozen < sizeof frozen / sizeof frozen[0]) {
        char stat[600], buf[1024];
        long pid = strtol(e->d_name, NULL, 10), ppid = 0;
        char *close_paren;

        if (pid <= 0)
            continue;
        snprintf(stat, sizeof stat, "/proc/%ld/stat", pid);
        f = fopen(stat, "r");
        if (f == NULL)
            continue;
        if (fgets(buf, sizeof buf, f) != NULL && (close_paren = strrchr(buf, ')')) != NULL &&
            sscanf(close_paren + 2, "%*c %ld", &ppid) == 1 && ppid == pm)
            frozen[nfrozen++] = (pid_t)pid;
        fclose(f);
    }
    closedir(proc);
}

static void freeze_cluster(void)
{
    find_cluster_pids();
    cr_assert(nfrozen >= 2, "the postmaster and its backends");
    for (size_t i = 0; i < nfrozen; i++)
        cr_assert(kill(frozen[i], SIGSTOP) == 0);
}

static long now_ms(void)
{
    struct timespec t;

    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1000L + t.tv_nsec / 1000000L;
}

struct call {
    const char *method, *path, *token;
    char *body;
    int status;
    int retry_after;   /* the answer had Retry-After */
    long ms;
};

static void *run_call(void *arg)
{
    struct call *c = arg;
    struct httpc_resp r;
    long t0 = now_ms();
    char v[16];

    c->status = -1;
    if (httpc_request(dmn.port, c->method, c->path, c->token,
                      c->body != NULL ? "application/json" : NULL, c->body,
                      c->body != NULL ? strlen(c->body) : 0, &r) == 0) {
        c->status = r.status;
        c->retry_after = httpc_header(&r, "Retry-After", v, sizeof v) != NULL;
        httpc_free(&r);
    }
    c->ms = now_ms() - t0;
    return NULL;
}

/* A valid response of SURVEY's newest wave for city, id number n. */
static char *response_body(PGconn *conn, const char *city, int n)
{
    struct catalog *cat;
    const struct catalog_wave *const *waves;
    const struct survey *s;
    size_t nwaves = 0;
    char err[ERR_MAX], id[40];
    json_t *answers = json_object(), *attrs = json_object(), *r;
    char *text;

    cr_assert(catalog_load(conn, &cat, err, sizeof err) == 0, "%s", err);
    waves = catalog_waves(cat, SURVEY, &nwaves);
    cr_assert(nwaves > 0);
    s = catalog_survey(cat, SURVEY, waves[nwaves - 1]->survey_version);
    for (size_t i = 0; i < s->nitems; i++)
        if (s->items[i].type == SURVEY_LIKERT || s->items[i].type == SURVEY_SCALE ||
            s->items[i].type == SURVEY_NUMBER)
            json_object_set_new(answers, s->items[i].code, json_integer(s->items[i].min));
        else if (s->items[i].type == SURVEY_SINGLE && s->items[i].noptions > 0)
            json_object_set_new(answers, s->items[i].code,
                                json_integer(s->items[i].options[0].code));
    for (size_t k = 0; k < s->nattrs; k++)
        if (s->attrs[k].noptions > 0)
            json_object_set_new(attrs, s->attrs[k].code,
                                json_integer(s->attrs[k].options[0].code));
    snprintf(id, sizeof id, "00000000-0000-4000-8000-%012d", n);
    r = json_pack("{s:s,s:s,s:s,s:s,s:o,s:o}", "survey", SURVEY, "wave",
                  waves[nwaves - 1]->label, "city", city, "id", id, "answers", answers,
                  "attributes", attrs);
    if (s->weighted)
        json_object_set_new(r, "weight", json_real(1.0));
    text = json_dumps(r, JSON_COMPACT);
    json_decref(r);
    catalog_free(cat);
    cr_assert(text != NULL);
    return text;
}

static const char *probe_token;

/* Runs n calls at once; every one must be 503 with Retry-After within its
 * bound. Meanwhile, what needs no database is answered at once: the event
 * threads never wait on it (an unknown route, /metrics with the token
 * remembered from the submission). */
static void expect_all_503(struct call *calls, size_t n)
{
    struct call probes[] = {
        { "GET", "/v1/nope", NULL, NULL, 0, 0, 0 },
        { "GET", "/metrics", probe_token, NULL, 0, 0, 0 },
    };
    pthread_t t[16];

    for (size_t i = 0; i < n; i++)
        cr_assert(pthread_create(&t[i], NULL, run_call, &calls[i]) == 0);
    usleep(200 * 1000);   /* the calls are waiting on the frozen database now */
    for (size_t i = 0; i < 2; i++) {
        run_call(&probes[i]);
        fprintf(stderr, "freeze: %s %s -> %d in %ld ms (no database needed)\n",
                probes[i].method, probes[i].path, probes[i].status, probes[i].ms);
        cr_expect_eq(probes[i].status, i == 0 ? 404 : 200, "%s during the freeze: %d",
                     probes[i].path, probes[i].status);
        cr_expect(probes[i].ms < 500, "%s answered in %ld ms while the database is frozen",
                  probes[i].path, probes[i].ms);
    }
    for (size_t i = 0; i < n; i++)
        pthread_join(t[i], NULL);
    for (size_t i = 0; i < n; i++) {
        long bound = strcmp(calls[i].path, "/healthz") == 0 ? HEALTH_BOUND_MS : BOUND_MS;

        fprintf(stderr, "freeze: %s %s -> %d in %ld ms\n", calls[i].method, calls[i].path,
                calls[i].status, calls[i].ms);
        cr_expect_eq(calls[i].status, 503, "%s %s during the freeze: %d", calls[i].method,
                     calls[i].path, calls[i].status);
        cr_expect(calls[i].retry_after, "%s %s: Retry-After", calls[i].method, calls[i].path);
        cr_expect(calls[i].ms <= bound, "%s %s answered in %ld ms (bound %ld ms)",
                  calls[i].method, calls[i].path, calls[i].ms, bound);
    }
}

Test(freeze, every_request_answers_503_in_time_and_the_daemon_recovers)
{
    char err[ERR_MAX], tok[AUTH_TOKEN_SIZE], out[4096];
    char *city, *body1, *body2;
    struct httpc_resp r;
    PGconn *conn;
    PGresult *res;
    char extra[128];

    cr_assert(db_connect(conninfo, &conn, err, sizeof err) == 0, "%s", err);
    cr_assert(migrate_run(conn, NULL, err, sizeof err) == 0, "%s", err);
    cr_assert(testdb_run(out, sizeof out, "registry load --db '%s'", conninfo) == 0, "%s", out);
    cr_assert(auth_token_create(conn, AUTH_ADMIN, NULL, tok, err, sizeof err) == 0, "%s", err);
    res = PQexec(conn, "SELECT slug FROM city ORDER BY slug LIMIT 1");
    cr_assert(PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) == 1);
    city = strdup(PQgetvalue(res, 0, 0));
    PQclear(res);
    body1 = response_body(conn, city, 1);
    body2 = response_body(conn, city, 2);
    PQfinish(conn);
    snprintf(extra, sizeof extra, "--db-timeout %d --pool 4 --threads 8 --retry-after 2 --allow-closed-waves",
             DB_TIMEOUT_S);
    daemon_start(&dmn, conninfo, extra);
    /* pooled connections open, catalog loaded, token cached */
    cr_assert(httpc_request(dmn.port, "GET", "/v1/surveys", tok, NULL, NULL, 0, &r) == 0);
    cr_expect_eq(r.status, 200);
    httpc_free(&r);
    cr_assert(httpc_request(dmn.port, "POST", "/v1/responses", tok, "application/json", body1,
                            strlen(body1), &r) == 0);
    cr_expect_eq(r.status, 201, "%s", r.body);
    httpc_free(&r);

    probe_token = tok;
    freeze_cluster();
    {
        /* the pooled connections: every one waits on a frozen backend */
        struct call wave1[] = {
            { "GET", "/healthz", NULL, NULL, 0, 0, 0 },
            { "GET", "/v1/surveys", tok, NULL, 0, 0, 0 },
            { "GET", "/v1/responses/counts", tok, NULL, 0, 0, 0 },
            { "POST", "/v1/responses", tok, body2, 0, 0, 0 },
            { "GET", "/v1/surveys", tok, NULL, 0, 0, 0 },
            { "GET", "/healthz", NULL, NULL, 0, 0, 0 },
        };
        /* then new connections: the frozen postmaster never answers */
        struct call wave2[] = {
            { "GET", "/healthz", NULL, NULL, 0, 0, 0 },
            { "POST", "/v1/responses", tok, body2, 0, 0, 0 },
            { "GET", "/v1/stats?survey=" SURVEY, tok, NULL, 0, 0, 0 },
            { "GET", "/v1/surveys", tok, NULL, 0, 0, 0 },
        };

        expect_all_503(wave1, sizeof wave1 / sizeof wave1[0]);
        expect_all_503(wave2, sizeof wave2 / sizeof wave2[0]);
    }
    thaw();

    /* back without a restart: the same submission, retried, is stored */
    {
        int healthy = 0, stored = 0;

        for (int i = 0; i < 100 && !healthy; i++) {
            cr_assert(httpc_request(dmn.port, "GET", "/healthz", NULL, NULL, NULL, 0, &r) == 0);
            healthy = r.status == 200;
            httpc_free(&r);
            if (!healthy)
                usleep(100 * 1000);
        }
        cr_expect(healthy, "/healthz is 200 again after the thaw");
        for (int i = 0; i < 100 && !stored; i++) {
            cr_assert(httpc_request(dmn.port, "POST", "/v1/responses", tok, "application/json",
                                    body2, strlen(body2), &r) == 0);
            stored = r.status == 201;
            cr_expect(r.status == 201 || r.status == 503, "%d %s", r.status, r.body);
            httpc_free(&r);
            if (!stored)
                usleep(100 * 1000);
        }
        cr_expect(stored, "a submission succeeds after the thaw");
    }
    cr_assert(db_connect(conninfo, &conn, err, sizeof err) == 0, "%s", err);
    res = PQexec(conn, "SELECT count(*) FROM response");
    cr_expect(PQresultStatus(res) == PGRES_TUPLES_OK && strcmp(PQgetvalue(res, 0, 0), "2") == 0,
              "both responses stored once: %s", PQgetvalue(res, 0, 0));
    PQclear(res);
    PQfinish(conn);
    free(city);
    free(body1);
    free(body2);
    cr_expect_eq(daemon_stop(&dmn, SIGTERM), 0);
}
