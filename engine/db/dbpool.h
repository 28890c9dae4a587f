/*
 * dbpool: a small, fixed set of database connections shared by the
 * daemon's workers.
 *
 * Each piece of database work borrows a PGconn for as long as it talks to
 * the database and gives it back. Slots connect lazily and reconnect by
 * themselves: a connection found broken when it is returned (PQstatus not
 * OK) is closed, and the next borrower opens a new one. So when the
 * database goes away requests fail fast (the caller answers 503) and, when
 * it is back, the next request simply works: no restart.
 *
 * Every wait is bounded by the calling thread's deadline
 * (dbpool_set_deadline; without one, now + the pool's default bound):
 *   - waiting for a free slot: until the deadline;
 *   - opening a connection: asynchronously (PQconnectStartParams and
 *     PQconnectPoll under poll()), given up at the deadline;
 *   - the work itself: a watchdog thread shuts the socket of a borrowed
 *     connection down when its borrower's deadline passes, so whatever
 *     libpq call is blocked on it (a frozen server answers nothing while
 *     the kernel still acknowledges every byte) returns at once with the
 *     connection broken. The watchdog shuts down a private dup() of the
 *     socket, so a descriptor number libpq closed and the process reused
 *     is never touched.
 * Every connection also has TCP keepalives and tcp_user_timeout (a peer
 * that vanished is noticed) and statement_timeout / lock_timeout set on
 * the server (dbpool_create's statement_ms), so the server gives up on a
 * statement before the watchdog has to.
 */
#ifndef EMPIRIE_DBPOOL_H
#define EMPIRIE_DBPOOL_H

#include <libpq-fe.h>
#include <stddef.h>
#include <time.h>

struct dbpool;

/* Makes a pool of size slots for conninfo (no connection is opened yet).
 * bound_ms: the default deadline of a borrower that set none, from the
 * moment it asks; statement_ms: statement_timeout and lock_timeout of every
 * connection (0: the server's). Starts the watchdog. On failure *out is
 * NULL. */
int dbpool_create(const char *conninfo, size_t size, unsigned bound_ms, unsigned statement_ms,
                  struct dbpool **out, char *err, size_t errlen);

/* Closes every connection and stops the watchdog. No borrower may be
 * active. */
void dbpool_free(struct dbpool *pool);

/* The calling thread's deadline (CLOCK_MONOTONIC) for its next borrows;
 * NULL clears it. */
void dbpool_set_deadline(const struct timespec *deadline);

/* The calling thread's deadline into *out: 1, or 0 when none is set. */
int dbpool_get_deadline(struct timespec *out);

/* Seconds left until the calling thread's deadline (negative when passed;
 * a large number when none is set). */
double dbpool_time_left(void);

/*
 * Borrows a connected PGconn, opening one when the slot has none. Returns
 * NULL, with err saying why, when no slot freed up in time or the database
 * cannot be reached before the deadline. Every non-NULL result goes back
 * through dbpool_put or dbpool_discard.
 */
PGconn *dbpool_get(struct dbpool *pool, char *err, size_t errlen);

/* Returns a connection: rolls back an open transaction; closes it when it is
 * broken, so the next dbpool_get reconnects. */
void dbpool_put(struct dbpool *pool, PGconn *conn);

/* Closes conn now (the borrower saw it fail) and returns the slot. */
void dbpool_discard(struct dbpool *pool, PGconn *conn);

#endif
