/*
 * db: thin, checked helpers over libpq.
 *
 * Every statement with a value in it goes through db_exec with parameters,
 * never by pasting text into SQL. db_exec_script is only for the engine's own
 * constant SQL (migrations), which may hold several statements. The
 * fragments that spell the response table's rules (its columns, "same
 * content") come with it (sqlfrag.h), for every statement over that table.
 */
#ifndef EMPIRIE_DB_H
#define EMPIRIE_DB_H

#include "sqlfrag.h"

#include <libpq-fe.h>
#include <stddef.h>

/* Connects and checks the connection (with TCP keepalives and
 * tcp_user_timeout 10 s); sets client_encoding to UTF8. On failure *out is
 * NULL and err says why (libpq's message, first line). The daemon's
 * connections come from dbpool.h instead (bounded, asynchronous). */
int db_connect(const char *conninfo, PGconn **out, char *err, size_t errlen);

/*
 * Runs one parameterized statement (text parameters; NULL entries are SQL
 * NULL). On success, when res is not NULL, *res holds the result for the
 * caller to PQclear; otherwise it is cleared here. On failure nothing is
 * returned in *res, err holds the server's message, and sqlstate (when not
 * NULL, 6 bytes) the SQLSTATE code, e.g. "23505".
 */
int db_exec(PGconn *conn, const char *sql, int nparams, const char *const *params,
            PGresult **res, char *sqlstate, char *err, size_t errlen);

/*
 * One parameterized statement that answers one value: the first column of
 * its first row (an id from RETURNING, an EXISTS, a date). 1 with the
 * value copied into out (n bytes, NUL-terminated; "" for SQL NULL), 0 when
 * the statement answered no row (out ""), -1 on failure (err, as db_exec)
 * or when the value is longer than out holds.
 */
int db_value(PGconn *conn, const char *sql, int nparams, const char *const *params, char *out,
             size_t n, char *err, size_t errlen);

/* One parameterized statement (an UPDATE, a DELETE) and the number of rows
 * it changed, in *rows. 0, or -1 on failure (err, as db_exec). */
int db_exec_rows(PGconn *conn, const char *sql, int nparams, const char *const *params,
                 long *rows, char *err, size_t errlen);

/* Runs constant SQL that may hold several statements. */
int db_exec_script(PGconn *conn, const char *sql, char *err, size_t errlen);

int db_begin(PGconn *conn, char *err, size_t errlen);
int db_commit(PGconn *conn, char *err, size_t errlen);
/* Rolls back if a transaction is open; never fails in a way callers handle. */
void db_rollback(PGconn *conn);

/*
 * "The database is unavailable": the one place that decides whether a
 * failed piece of database work is the database's absence (the daemon
 * answers 503 with Retry-After; a retry later can succeed) or something
 * else (500: the daemon's own bug or bad data).
 *
 * Unavailable: the connection is broken (PQstatus not OK: the server went
 * away, restarted, was killed, or the watchdog cut a frozen one off), or
 * the calling thread's last failed statement had a SQLSTATE of class 08
 * (connection exception), 53 (insufficient resources: too many
 * connections, out of memory or disk), 57P01..57P05 (shutdown, crash,
 * cannot connect now), 57014 (statement_timeout), 55P03 (lock_timeout),
 * 40001/40P01 (serialization failure, deadlock), 58000/58030 (system/IO
 * error), or no result at all (libpq could not even build one).
 *
 * db_exec records the SQLSTATE of every statement that fails; code that
 * calls libpq directly records it with db_note_failure before PQclear.
 * db_clear_failure forgets it (before a new piece of work).
 */
int db_unavailable(const PGconn *conn);
int db_sqlstate_unavailable(const char *sqlstate);
void db_note_failure(const PGresult *r);
void db_clear_failure(void);

#endif
