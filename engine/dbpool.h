/*
 * dbpool: a small, fixed set of database connections shared by the
 * daemon's request threads.
 *
 * libpq calls block, and the daemon runs one thread per HTTP connection, so
 * each request borrows a PGconn for as long as it talks to the database and
 * gives it back. Slots connect lazily and reconnect by themselves: a
 * connection found broken when it is returned (PQstatus not OK) is closed,
 * and the next borrower opens a new one. So when the database goes away
 * requests fail fast (the caller answers 503) and, when it is back, the next
 * request simply works: no restart.
 *
 * A borrower that finds every slot taken waits on a condition variable, up
 * to wait_ms; the daemon sizes its HTTP connection limit near the pool size
 * so the wait is short.
 */
#ifndef EMPIRIE_DBPOOL_H
#define EMPIRIE_DBPOOL_H

#include <libpq-fe.h>
#include <stddef.h>

struct dbpool;

/* Makes a pool of size slots for conninfo (no connection is opened yet).
 * connect_timeout (seconds, 0 = libpq's default) bounds each connection
 * attempt. On failure *out is NULL. */
int dbpool_create(const char *conninfo, size_t size, unsigned connect_timeout, unsigned wait_ms,
                  struct dbpool **out, char *err, size_t errlen);

/* Closes every connection. No borrower may be active. */
void dbpool_free(struct dbpool *pool);

/*
 * Borrows a connected PGconn, opening one when the slot has none. Returns
 * NULL, with err saying why, when no slot freed up in time or the database
 * cannot be reached. Every non-NULL result goes back through dbpool_put.
 */
PGconn *dbpool_get(struct dbpool *pool, char *err, size_t errlen);

/* Returns a connection: rolls back an open transaction; closes it when it is
 * broken, so the next dbpool_get reconnects. */
void dbpool_put(struct dbpool *pool, PGconn *conn);

/* Closes conn now (the borrower saw it fail) and returns the slot. */
void dbpool_discard(struct dbpool *pool, PGconn *conn);

#endif
