/* Integration: the database goes away under a running daemon and comes
 * back. Uses a second private cluster of its own (scripts/pg-local in a
 * temporary folder), destroyed at the end whatever happens. */
#include "auth.h"
#include "daemon.h"
#include "db.h"
#include "err.h"
#include "httpc.h"
#include "migrate.h"
#include "testdb.h"

#include <criterion/criterion.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char dir[256];
static char conninfo[1024];
static struct daemon dmn;

/* Runs scripts/pg-local ACTION on the cluster in dir. */
static int pg_local(const char *action)
{
    char cmd[2048];

    snprintf(cmd, sizeof cmd, "EMPIRIE_PG_DIR='%s' PGLOCAL_PORT=5433 '%s/scripts/pg-local' %s "
             ">/dev/null 2>&1", dir, testdb_root(), action);
    return system(cmd);
}

static void setup(void)
{
    char path[512];
    FILE *f;

    snprintf(dir, sizeof dir, "/tmp/empirie-outage.XXXXXX");
    cr_assert(mkdtemp(dir) != NULL);
    cr_assert(pg_local("start --fast") == 0, "the second cluster did not start");
    snprintf(path, sizeof path, "%s/conninfo", dir);
    f = fopen(path, "r");
    cr_assert(f != NULL);
    cr_assert(fgets(conninfo, sizeof conninfo, f) != NULL);
    fclose(f);
    conninfo[strcspn(conninfo, "\n")] = '\0';
}

static void teardown(void)
{
    if (dmn.pid > 0)
        daemon_stop(&dmn, SIGKILL);
    pg_local("destroy");
    rmdir(dir);
}

TestSuite(outage, .init = setup, .fini = teardown, .timeout = 120);

static void get(const char *path, const char *tok, struct httpc_resp *r)
{
    cr_assert(httpc_request(dmn.port, "GET", path, tok, NULL, NULL, 0, r) == 0, "GET %s", path);
}

Test(outage, database_away_503_then_recovers_without_restart)
{
    char err[ERR_MAX], tok[AUTH_TOKEN_SIZE], v[32];
    struct httpc_resp r;
    PGconn *conn;

    cr_assert(db_connect(conninfo, &conn, err, sizeof err) == 0, "%s", err);
    cr_assert(migrate_run(conn, NULL, err, sizeof err) == 0, "%s", err);
    cr_assert(auth_token_create(conn, AUTH_ADMIN, NULL, tok, err, sizeof err) == 0, "%s", err);
    PQfinish(conn);
    daemon_start(&dmn, conninfo, "--retry-after 7 --allow-closed-waves");
    get("/v1/surveys", tok, &r);   /* fills the pool with a live connection */
    cr_expect_eq(r.status, 200);
    httpc_free(&r);
    get("/metrics", tok, &r);      /* the admin token is cached for /metrics now */
    cr_expect_eq(r.status, 200);
    httpc_free(&r);

    cr_assert(pg_local("stop") == 0);
    get("/healthz", NULL, &r);
    cr_expect_eq(r.status, 503, "%s", r.body);
    cr_expect(httpc_header(&r, "Retry-After", v, sizeof v) != NULL && strcmp(v, "7") == 0,
              "%s", r.headers);
    cr_expect(strstr(r.body, "\"status\":503") != NULL, "%s", r.body);
    httpc_free(&r);
    get("/v1/surveys", tok, &r);
    cr_expect_eq(r.status, 503, "%s", r.body);
    httpc_free(&r);
    cr_assert(httpc_request(dmn.port, "POST", "/v1/responses", tok, "application/json", "{}", 2,
                            &r) == 0);
    cr_expect_eq(r.status, 503, "%s", r.body);
    httpc_free(&r);
    get("/metrics", tok, &r);   /* no database needed: the token is cached */
    cr_expect_eq(r.status, 200, "%s", r.body);
    httpc_free(&r);

    cr_assert(pg_local("start --fast") == 0);
    get("/healthz", NULL, &r);
    cr_expect_eq(r.status, 200, "the daemon reconnected by itself: %s", r.body);
    httpc_free(&r);
    get("/v1/surveys", tok, &r);
    cr_expect_eq(r.status, 200, "%s", r.body);
    httpc_free(&r);
    cr_expect_eq(daemon_stop(&dmn, SIGTERM), 0);
}
