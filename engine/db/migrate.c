#include "migrate.h"

#include "db.h"
#include "err.h"
#include "queries.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Arbitrary constant: the advisory-lock key that serializes migrate runs. */
#define MIGRATE_LOCK_KEY "7226541"

/* "migrations/0007_add_x.sql" -> 7 and "add_x"; -1 when not a migration. */
static int parse_name(const char *file, char *name, size_t n)
{
    const char *base;
    const char *us;
    char *end;
    long v;

    if (strncmp(file, "migrations/", 11) != 0)
        return -1;
    base = file + 11;
    v = strtol(base, &end, 10);
    if (end == base || *end != '_' || v <= 0 || v > 9999)
        return -1;
    us = end + 1;
    snprintf(name, n, "%.*s", (int)(strlen(us) > 4 ? strlen(us) - 4 : 0), us);
    return (int)v;
}

static int is_applied(PGconn *conn, int version, int *applied, char *err, size_t errlen)
{
    char vbuf[16], yes[8];
    const char *params[1] = { vbuf };

    snprintf(vbuf, sizeof vbuf, "%d", version);
    if (db_value(conn, "SELECT EXISTS (SELECT 1 FROM schema_migration WHERE version = $1::int)",
                 1, params, yes, sizeof yes, err, errlen) < 0)
        return -1;
    *applied = strcmp(yes, "t") == 0;
    return 0;
}

static int table_exists(PGconn *conn, int *exists, char *err, size_t errlen)
{
    char yes[8];

    if (db_value(conn, "SELECT to_regclass('schema_migration') IS NOT NULL", 0, NULL, yes,
                 sizeof yes, err, errlen) < 0)
        return -1;
    *exists = strcmp(yes, "t") == 0;
    return 0;
}

static int apply_one(PGconn *conn, const struct queries_file *f, int version,
                     const char *name, int *applied, char *err, size_t errlen)
{
    char vbuf[16];
    const char *params[2] = { vbuf, name };
    int exists = 0;
    int done = 0;

    snprintf(vbuf, sizeof vbuf, "%d", version);
    if (db_begin(conn, err, errlen) != 0)
        return -1;
    if (db_exec(conn, "SELECT pg_advisory_xact_lock(" MIGRATE_LOCK_KEY ")", 0, NULL,
                NULL, NULL, err, errlen) != 0)
        goto fail;
    if (table_exists(conn, &exists, err, errlen) != 0)
        goto fail;
    if (exists && is_applied(conn, version, &done, err, errlen) != 0)
        goto fail;
    if (done) {
        db_rollback(conn);
        return 0;
    }
    if (db_exec_script(conn, f->sql, err, errlen) != 0)
        goto fail;
    if (db_exec(conn, "INSERT INTO schema_migration (version, name) VALUES ($1::int, $2)",
                2, params, NULL, NULL, err, errlen) != 0)
        goto fail;
    if (db_commit(conn, err, errlen) != 0)
        goto fail;
    (*applied)++;
    return 0;
fail:
    db_rollback(conn);
    return err_prefix(err, errlen, "migration %s", f->name);
}

int migrate_run(PGconn *conn, int *applied, char *err, size_t errlen)
{
    int count = 0;
    int last = 0;

    for (size_t i = 0; i < queries_nfiles; i++) {
        char name[256];
        int version = parse_name(queries_files[i].name, name, sizeof name);

        if (version < 0)
            continue;
        if (version == last)
            return err_set(err, errlen, "two migrations numbered %04d", version);
        last = version;
        if (apply_one(conn, &queries_files[i], version, name, &count, err, errlen) != 0) {
            if (applied != NULL)
                *applied = count;
            return -1;
        }
    }
    if (applied != NULL)
        *applied = count;
    return 0;
}
