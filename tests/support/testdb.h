/*
 * testdb: a fresh database per test inside the throwaway cluster that
 * scripts/test-run starts ($DATABASE_URL), so tests can run in parallel and
 * never see each other's rows. Also helpers to run the empirie binary.
 */
#ifndef EMPIRIE_TESTDB_H
#define EMPIRIE_TESTDB_H

#include <libpq-fe.h>
#include <stddef.h>

struct testdb {
    char name[64];
    char conninfo[1024];  /* keyword=value conninfo of the fresh database */
    PGconn *conn;         /* open connection to it */
};

/* Creates an empty database; when migrated is true, runs migrate_run on it.
 * Aborts the test (cr_assert) on failure. */
void testdb_create(struct testdb *t, int migrated);

/* Loads the repository's registry and instruments (surveys/) into the
 * database, as `empirie registry load` would. */
void testdb_load_registry(struct testdb *t);

/* The database's catalog (catalog_load); cr_assert on failure. The caller
 * frees it (catalog_free). */
struct catalog;
struct catalog *testdb_catalog(struct testdb *t);

/* Stores per_city responses of the staff survey (satysfakcja-pracownikow)
 * in wave for each of cities, a PostgreSQL array literal ("{konin,jaslo}"):
 * attributes {1,1,1}; in the k-th city (from 1), the i-th respondent
 * (from 1) answers every item (1 + (i + k) % 5), eNPS alike. cr_assert
 * on failure. */
void testdb_fill_staff(struct testdb *t, const char *wave, const char *cities, int per_city);

/* Closes the connection and drops the database. */
void testdb_drop(struct testdb *t);

/* Runs one SQL statement (no parameters: test-only constants) and returns the
 * first column of the first row as a newly allocated string ("" when no
 * row). The caller frees it. */
char *testdb_value(struct testdb *t, const char *sql);

/* Same, as a long. */
long testdb_long(struct testdb *t, const char *sql);

/* Runs `$EMPIRIE_BIN ARGS` through /bin/sh with stdout and stderr captured
 * into out (NUL-terminated, truncated to n). Returns the exit status, or -1
 * when it did not exit normally. */
int testdb_run(char *out, size_t n, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* The project root ($EMPIRIE_ROOT, else "."). */
const char *testdb_root(void);

#endif
