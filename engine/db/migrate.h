/*
 * migrate: brings a database's schema up to date with the migrations built
 * into the binary (queries/migrations/NNNN_name.sql).
 *
 * Each pending migration runs in its own transaction together with the row
 * that records it in schema_migration, so a migration is applied completely
 * or not at all. A transaction-scoped advisory lock makes two concurrent runs
 * safe. Running it again when nothing is pending changes nothing.
 */
#ifndef EMPIRIE_MIGRATE_H
#define EMPIRIE_MIGRATE_H

#include <libpq-fe.h>
#include <stddef.h>

/* Applies every pending migration in order. *applied (may be NULL) receives
 * how many were applied now. On failure the failing migration is rolled
 * back, earlier ones stay, and err names the file. */
int migrate_run(PGconn *conn, int *applied, char *err, size_t errlen);

#endif
