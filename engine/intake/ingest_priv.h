/*
 * ingest_priv: what the ingest statements share (ingest.c: one body;
 * ingest_group.c: the bodies of several requests): the record type of the
 * JSON parameter and running a named statement. Not for other modules.
 */
#ifndef EMPIRIE_INGEST_PRIV_H
#define EMPIRIE_INGEST_PRIV_H

#include "sqlfrag.h"

#include <libpq-fe.h>

/* The row type of the JSON parameter of the ingest statements (ingest_encode.h):
 * i, the response's place in the batch, then RESPONSE_COLUMNS. */
#define INGEST_RECORD "x(i integer, " RESPONSE_COLUMN_TYPES ")"

/* True when r failed with this SQLSTATE. */
int ingest_state_is(const PGresult *r, const char *state);

/* Runs a named statement, preparing it first when this connection does not
 * know it (26000). Only in autocommit: a failed EXECUTE would abort an open
 * transaction. */
PGresult *ingest_exec_named(PGconn *conn, const char *name, const char *sql, int nparams,
                            const char *const *params);

#endif
