#include "db.h"

#include "err.h"

#include <assert.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* libpq messages end in a newline and may run over several lines; one line
 * reads better inside our own message. */
static void first_line(char *s)
{
    char *nl = strchr(s, '\n');

    if (nl != NULL)
        *nl = '\0';
}

/* The SQLSTATE of the calling thread's last failed statement: "" none,
 * "?????" a failure without a result. */
static _Thread_local char last_state[6];

void db_note_failure(const PGresult *r)
{
    const char *state = r != NULL ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : NULL;

    snprintf(last_state, sizeof last_state, "%s", state != NULL ? state : "?????");
}

void db_clear_failure(void)
{
    last_state[0] = '\0';
}

int db_sqlstate_unavailable(const char *s)
{
    static const char *const exact[] = { "57P01", "57P02", "57P03", "57P04", "57P05", "57014",
                                         "55P03", "40001", "40P01", "58000", "58030", "?????" };

    if (s == NULL || s[0] == '\0')
        return 0;
    if (strncmp(s, "08", 2) == 0 || strncmp(s, "53", 2) == 0)
        return 1;
    for (size_t i = 0; i < sizeof exact / sizeof exact[0]; i++)
        if (strcmp(s, exact[i]) == 0)
            return 1;
    return 0;
}

int db_unavailable(const PGconn *conn)
{
    if (conn == NULL || PQstatus(conn) != CONNECTION_OK)
        return 1;
    return db_sqlstate_unavailable(last_state);
}

int db_connect(const char *conninfo, PGconn **out, char *err, size_t errlen)
{
    /* TCP keepalives and tcp_user_timeout (a peer that vanished is noticed
     * within seconds, not after the kernel's 15 minutes of retransmits);
     * given after the conninfo, they override the same keys in it. Unix
     * sockets ignore them. */
    const char *keys[] = { "dbname", "keepalives", "keepalives_idle", "keepalives_interval",
                           "keepalives_count", "tcp_user_timeout", NULL };
    const char *vals[] = { conninfo, "1", "10", "5", "3", "10000", NULL };
    PGconn *conn = PQconnectdbParams(keys, vals, 1);

    *out = NULL;
    if (conn == NULL)
        return err_set(err, errlen, "database: out of memory");
    if (PQstatus(conn) != CONNECTION_OK) {
        err_set(err, errlen, "database: %s", PQerrorMessage(conn));
        first_line(err);
        PQfinish(conn);
        return -1;
    }
    if (PQsetClientEncoding(conn, "UTF8") != 0) {
        err_set(err, errlen, "database: cannot set client encoding UTF8");
        PQfinish(conn);
        return -1;
    }
    *out = conn;
    return 0;
}

/* A failed statement: its SQLSTATE recorded, the message (first line) in
 * err, r cleared. Returns -1. */
static int failed(PGconn *conn, PGresult *r, char *err, size_t errlen)
{
    db_note_failure(r);
    err_set(err, errlen, "database: %s", r != NULL ? PQresultErrorMessage(r) : PQerrorMessage(conn));
    first_line(err);
    PQclear(r);
    return -1;
}

int db_exec(PGconn *conn, const char *sql, int nparams, const char *const *params,
            PGresult **res, char *sqlstate, char *err, size_t errlen)
{
    PGresult *r = PQexecParams(conn, sql, nparams, NULL, params, NULL, NULL, 0);
    ExecStatusType st = r != NULL ? PQresultStatus(r) : PGRES_FATAL_ERROR;

    if (res != NULL)
        *res = NULL;
    if (sqlstate != NULL)
        sqlstate[0] = '\0';
    if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
        const char *state = r != NULL ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : NULL;

        if (sqlstate != NULL && state != NULL)
            snprintf(sqlstate, 6, "%s", state);
        return failed(conn, r, err, errlen);
    }
    if (res != NULL)
        *res = r;
    else
        PQclear(r);
    return 0;
}

int db_value(PGconn *conn, const char *sql, int nparams, const char *const *params, char *out,
             size_t n, char *err, size_t errlen)
{
    PGresult *r;
    int rows;

    assert(out != NULL && n > 0);
    out[0] = '\0';
    if (db_exec(conn, sql, nparams, params, &r, NULL, err, errlen) != 0)
        return -1;
    rows = PQntuples(r) > 0 && PQnfields(r) > 0;
    if (rows && (size_t)PQgetlength(r, 0, 0) >= n) {
        PQclear(r);
        return err_set(err, errlen, "database: a value longer than %zu bytes", n - 1);
    }
    if (rows)
        memcpy(out, PQgetvalue(r, 0, 0), (size_t)PQgetlength(r, 0, 0) + 1);
    PQclear(r);
    return rows;
}

int db_exec_rows(PGconn *conn, const char *sql, int nparams, const char *const *params,
                 long *rows, char *err, size_t errlen)
{
    PGresult *r;
    char *end;

    *rows = 0;
    if (db_exec(conn, sql, nparams, params, &r, NULL, err, errlen) != 0)
        return -1;
    errno = 0;
    *rows = strtol(PQcmdTuples(r), &end, 10);
    if (errno != 0 || end == PQcmdTuples(r) || *end != '\0') {
        PQclear(r);
        *rows = 0;
        return err_set(err, errlen, "database: no count of the rows changed");
    }
    PQclear(r);
    return 0;
}

int db_exec_script(PGconn *conn, const char *sql, char *err, size_t errlen)
{
    /* checksrc: allow PQexec: the engine's own constant scripts (db.h), several statements */
    PGresult *r = PQexec(conn, sql);
    ExecStatusType st = r != NULL ? PQresultStatus(r) : PGRES_FATAL_ERROR;

    if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK)
        return failed(conn, r, err, errlen);
    PQclear(r);
    return 0;
}

int db_begin(PGconn *conn, char *err, size_t errlen)
{
    return db_exec(conn, "BEGIN", 0, NULL, NULL, NULL, err, errlen);
}

int db_commit(PGconn *conn, char *err, size_t errlen)
{
    return db_exec(conn, "COMMIT", 0, NULL, NULL, NULL, err, errlen);
}

void db_rollback(PGconn *conn)
{
    if (PQtransactionStatus(conn) != PQTRANS_IDLE)
        PQclear(PQexec(conn, "ROLLBACK"));
}
