#include "testdb.h"

#include "catalog.h"
#include "err.h"
#include "migrate.h"
#include "registry.h"

#include <criterion/criterion.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static const char *base_conninfo(void)
{
    const char *url = getenv("DATABASE_URL");

    cr_assert(url != NULL && url[0] != '\0',
              "DATABASE_URL is not set: run the tests through 'make test'");
    return url;
}

const char *testdb_root(void)
{
    const char *root = getenv("EMPIRIE_ROOT");

    return root != NULL && root[0] != '\0' ? root : ".";
}

/* Rebuilds the base conninfo with another dbname, quoting every value. */
static void with_dbname(const char *base, const char *dbname, char *out, size_t n)
{
    char *errmsg = NULL;
    PQconninfoOption *opts = PQconninfoParse(base, &errmsg);
    size_t len = 0;

    cr_assert(opts != NULL, "bad DATABASE_URL: %s", errmsg != NULL ? errmsg : "?");
    out[0] = '\0';
    for (PQconninfoOption *o = opts; o->keyword != NULL; o++) {
        const char *v = strcmp(o->keyword, "dbname") == 0 ? dbname : o->val;

        if (v == NULL)
            continue;
        len += (size_t)snprintf(out + len, n - len, "%s%s='", len ? " " : "", o->keyword);
        for (const char *p = v; *p != '\0' && len + 3 < n; p++) {
            if (*p == '\'' || *p == '\\')
                out[len++] = '\\';
            out[len++] = *p;
        }
        len += (size_t)snprintf(out + len, n - len, "'");
    }
    PQconninfoFree(opts);
}

static void admin_exec(const char *sql)
{
    PGconn *admin = PQconnectdb(base_conninfo());
    PGresult *res;

    cr_assert(PQstatus(admin) == CONNECTION_OK, "cannot connect: %s", PQerrorMessage(admin));
    res = PQexec(admin, sql);
    cr_assert(PQresultStatus(res) == PGRES_COMMAND_OK, "%s: %s", sql,
              PQresultErrorMessage(res));
    PQclear(res);
    PQfinish(admin);
}

void testdb_create(struct testdb *t, int migrated)
{
    static int counter;
    char sql[160];
    char err[ERR_MAX];

    memset(t, 0, sizeof *t);
    snprintf(t->name, sizeof t->name, "t_%ld_%d", (long)getpid(), counter++);
    snprintf(sql, sizeof sql, "CREATE DATABASE %s", t->name);
    admin_exec(sql);
    with_dbname(base_conninfo(), t->name, t->conninfo, sizeof t->conninfo);
    t->conn = PQconnectdb(t->conninfo);
    cr_assert(PQstatus(t->conn) == CONNECTION_OK, "cannot connect to %s: %s", t->name,
              PQerrorMessage(t->conn));
    if (migrated)
        cr_assert(migrate_run(t->conn, NULL, err, sizeof err) == 0, "migrate: %s", err);
}

void testdb_load_registry(struct testdb *t)
{
    char dir[1024], sdir[1024], err[ERR_MAX];
    struct registry *reg;

    snprintf(dir, sizeof dir, "%s/surveys/registry", testdb_root());
    snprintf(sdir, sizeof sdir, "%s/surveys", testdb_root());
    cr_assert(registry_read(dir, sdir, &reg, err, sizeof err) == 0, "%s", err);
    cr_assert(registry_store(t->conn, reg, NULL, err, sizeof err) == 0, "%s", err);
    registry_free(reg);
}

struct catalog *testdb_catalog(struct testdb *t)
{
    struct catalog *cat = NULL;
    char err[ERR_MAX];

    cr_assert(catalog_load(t->conn, &cat, err, sizeof err) == 0, "%s", err);
    return cat;
}

void testdb_fill_staff(struct testdb *t, const char *wave, const char *cities, int per_city)
{
    char n[16];
    const char *params[3] = { wave, cities, n };
    PGresult *res;

    snprintf(n, sizeof n, "%d", per_city);
    res = PQexecParams(
        t->conn,
        "INSERT INTO response (city, id, survey, wave, survey_version, attrs, answers) "
        "SELECT c, gen_random_uuid(), w.survey, w.label, w.survey_version, '{1,1,1}', "
        "array_fill((1 + (i + k) % 5)::smallint, "
        "ARRAY[(SELECT jsonb_array_length(s.definition->'items') FROM survey s "
        "WHERE s.slug = w.survey AND s.version = w.survey_version)]) "
        "FROM wave w, unnest($2::text[]) WITH ORDINALITY AS t(c, k), "
        "generate_series(1, $3::int) AS i "
        "WHERE w.survey = 'satysfakcja-pracownikow' AND w.label = $1",
        3, NULL, params, NULL, NULL, 0);
    cr_assert(PQresultStatus(res) == PGRES_COMMAND_OK, "%s", PQresultErrorMessage(res));
    cr_assert(strcmp(PQcmdTuples(res), "0") != 0, "no wave %s of the staff survey", wave);
    PQclear(res);
}

void testdb_drop(struct testdb *t)
{
    char sql[160];

    if (t->conn != NULL)
        PQfinish(t->conn);
    t->conn = NULL;
    if (t->name[0] == '\0')
        return;
    snprintf(sql, sizeof sql, "DROP DATABASE IF EXISTS %s WITH (FORCE)", t->name);
    admin_exec(sql);
    t->name[0] = '\0';
}

char *testdb_value(struct testdb *t, const char *sql)
{
    PGresult *res = PQexec(t->conn, sql);
    char *v;

    cr_assert(PQresultStatus(res) == PGRES_TUPLES_OK, "%s: %s", sql,
              PQresultErrorMessage(res));
    v = strdup(PQntuples(res) > 0 ? PQgetvalue(res, 0, 0) : "");
    PQclear(res);
    cr_assert(v != NULL);
    return v;
}

long testdb_long(struct testdb *t, const char *sql)
{
    char *v = testdb_value(t, sql);
    long n = strtol(v, NULL, 10);

    free(v);
    return n;
}

int testdb_run(char *out, size_t n, const char *fmt, ...)
{
    const char *bin = getenv("EMPIRIE_BIN");
    char args[4096];
    char cmd[8192];
    va_list ap;
    FILE *p;
    size_t len = 0;
    int status;

    cr_assert(bin != NULL, "EMPIRIE_BIN is not set: run the tests through 'make test'");
    va_start(ap, fmt);
    vsnprintf(args, sizeof args, fmt, ap);
    va_end(ap);
    snprintf(cmd, sizeof cmd, "%s %s 2>&1", bin, args);
    p = popen(cmd, "r");
    cr_assert(p != NULL);
    while (len + 1 < n) {
        size_t got = fread(out + len, 1, n - 1 - len, p);

        if (got == 0)
            break;
        len += got;
    }
    out[len] = '\0';
    /* Drain whatever did not fit so the child is not killed by SIGPIPE. */
    while (fgetc(p) != EOF)
        ;
    status = pclose(p);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}
