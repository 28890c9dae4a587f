/*
 * ingest: a batch goes to the server as one JSON parameter, unpacked there
 * by json_to_recordset, so a body of 1000 responses costs one round trip in
 * the common case, not one per response.
 *
 * The common case is one statement in autocommit (fast_sql): it inserts the
 * new keys (ON CONFLICT DO NOTHING) and, in the same statement, checks that
 * every key it skipped is stored with the same content. When a skipped key
 * cannot be confirmed -- stored with other content, or not visible in the
 * statement's snapshot because a concurrent transaction inserted it after
 * the statement started -- the statement raises an error on purpose, so it
 * rolls back as a whole and nothing of the body is stored. Then the body
 * takes the careful path (store_checked): BEGIN, the INSERT, a check in a
 * fresh snapshot (which waited for the concurrent inserter and sees its
 * row), COMMIT: four round trips, only for conflicts and races. Either way
 * the outcome is OUTCOME_OK (201) only once the server reported the commit (in autocommit
 * PQexecPrepared returns after the implicit COMMIT at Sync).
 *
 * A body of one object (not an array) skips the JSON: one prepared INSERT
 * with typed parameters (store_one), and a SELECT comparing the stored
 * content only when the key was already there.
 *
 * The statements are prepared once per connection, on first use: a
 * connection that does not know one (a new one, or one the pool reopened
 * after the server came back) answers 26000 and it is prepared then.
 *
 * The content check (RESPONSE_CONTENT, sqlfrag.h) compares stored rows, so
 * every writer (this module, group commit, import) encodes a response
 * through ingest_encode.h, which says how.
 */
#include "ingest.h"

#include "db.h"
#include "err.h"
#include "ingest_encode.h"
#include "ingest_priv.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const insert_sql =
    "INSERT INTO response (" RESPONSE_COLUMNS ") SELECT " RESPONSE_COLUMNS " "
    "FROM json_to_recordset($1::json) AS " INGEST_RECORD " ORDER BY i "
    "ON CONFLICT (city, id) DO NOTHING";

/*
 * The fast path: $1 as above. Returns one row: the number of rows inserted.
 * A skipped row that is not stored, as this statement's snapshot sees it,
 * with the same content makes the cast fail (22P02 naming FAST_MARK), which
 * aborts and rolls back the whole statement. The check's subquery only runs
 * when a row was skipped (an InitPlan under CASE is evaluated on demand).
 * The main query reads response as of the statement's start, so it never
 * sees the rows ins inserts: those are excluded by key.
 */
#define FAST_NAME "empirie_ingest_fast_1"
#define FAST_MARK "empirie: unconfirmed duplicate"
static const char *const fast_sql =
    "WITH x AS MATERIALIZED (SELECT * FROM json_to_recordset($1::json) AS " INGEST_RECORD "), "
    "ins AS (INSERT INTO response (" RESPONSE_COLUMNS ") SELECT " RESPONSE_COLUMNS " FROM x "
    "ORDER BY i ON CONFLICT (city, id) DO NOTHING RETURNING city, id), "
    "n AS (SELECT count(*) AS inserted FROM ins) "
    "SELECT n.inserted, CASE WHEN n.inserted < (SELECT count(*) FROM x) THEN "
    "(SELECT count(('" FAST_MARK " ' || x.i)::uuid) FROM x "
    "LEFT JOIN response r ON r.city = x.city AND r.id = x.id "
    "WHERE NOT EXISTS (SELECT 1 FROM ins WHERE ins.city = x.city AND ins.id = x.id) "
    "AND (r.id IS NULL OR " RESPONSE_OTHER_CONTENT("r", "x") ")) END FROM n";

static const char *const conflict_sql =
    "SELECT x.i FROM json_to_recordset($1::json) AS " INGEST_RECORD " "
    "JOIN response r ON r.city = x.city AND r.id = x.id "
    "WHERE " RESPONSE_OTHER_CONTENT("r", "x") " ORDER BY x.i LIMIT 1";

static void set_error(struct ingest_result *res, enum outcome o, const char *path,
                      const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static void set_error(struct ingest_result *res, enum outcome o, const char *path,
                      const char *fmt, ...)
{
    char msg[sizeof res->error.message];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    res->outcome = o;
    res->created = 0;
    res->duplicates = 0;
    snprintf(res->error.path, sizeof res->error.path, "%s", path);
    if (path[0] != '\0')
        snprintf(res->error.message, sizeof res->error.message, "%s: %s", path, msg);
    else
        snprintf(res->error.message, sizeof res->error.message, "%s", msg);
}

static enum outcome db_failed(PGconn *conn, struct ingest_result *res, const char *err)
{
    if (db_unavailable(conn)) {
        set_error(res, OUTCOME_UNAVAILABLE, "", "the database is unavailable: %s", err);
        return OUTCOME_UNAVAILABLE;
    }
    db_rollback(conn);
    set_error(res, OUTCOME_INTERNAL, "", "%s", err);
    return OUTCOME_INTERNAL;
}

/* Where the responses were in the request body, for error paths. */
struct shape {
    int array;            /* the body was an array */
    const size_t *pos;    /* pos[i]: the body's index of items[i]; NULL: i */
};

/* "[3].id" when the body was an array, "id" for one object. */
static void item_path(char *buf, size_t n, size_t i, const struct shape *at, const char *field)
{
    if (at->array)
        snprintf(buf, n, "[%zu].%s", at->pos != NULL ? at->pos[i] : i, field);
    else
        snprintf(buf, n, "%s", field);
}

static int check_scope(const struct response *items, size_t n, const char *only_city,
                       const struct shape *at, struct ingest_result *res)
{
    for (size_t i = 0; only_city != NULL && i < n; i++)
        if (strcmp(items[i].city, only_city) != 0) {
            char path[64];

            item_path(path, sizeof path, i, at, "city");
            set_error(res, OUTCOME_FORBIDDEN, path, "this token may submit responses for city \"%s\" only, "
                      "got \"%s\"", only_city, items[i].city);
            return -1;
        }
    return 0;
}

/* After the INSERT: a stored row with other content is a conflict. */
static enum outcome check_conflicts(PGconn *conn, const struct response *items, const struct shape *at,
                           const char *json, struct ingest_result *res)
{
    const char *params[1] = { json };
    char err[ERR_MAX], path[64];
    PGresult *pr;
    long i;

    if (db_exec(conn, conflict_sql, 1, params, &pr, NULL, err, sizeof err) != 0)
        return db_failed(conn, res, err);
    if (PQntuples(pr) == 0) {
        PQclear(pr);
        return OUTCOME_OK;
    }
    i = strtol(PQgetvalue(pr, 0, 0), NULL, 10);
    PQclear(pr);
    db_rollback(conn);
    item_path(path, sizeof path, (size_t)i, at, "id");
    set_error(res, OUTCOME_CONFLICT, path, "a response with id \"%s\" for city \"%s\" is already stored "
              "with different content", items[i].id, items[i].city);
    return OUTCOME_CONFLICT;
}

/* The careful path: BEGIN, INSERT, the conflict check in a fresh snapshot
 * (READ COMMITTED: it sees a row a concurrent transaction committed while
 * the INSERT waited on it), COMMIT. */
static enum outcome store_checked(PGconn *conn, const struct response *items, size_t n,
                         const struct shape *at, const char *json, struct ingest_result *res)
{
    const char *params[1] = { json };
    char err[ERR_MAX];
    PGresult *pr;
    size_t inserted;

    /* inside the caller's transaction (the form's, http_form.c) no BEGIN:
     * the COMMIT below then ends that transaction */
    if (PQtransactionStatus(conn) == PQTRANS_IDLE && db_begin(conn, err, sizeof err) != 0)
        return db_failed(conn, res, err);
    if (db_exec(conn, insert_sql, 1, params, &pr, NULL, err, sizeof err) != 0)
        return db_failed(conn, res, err);
    inserted = (size_t)strtoul(PQcmdTuples(pr), NULL, 10);
    PQclear(pr);
    if (inserted < n && check_conflicts(conn, items, at, json, res) != OUTCOME_OK)
        return res->outcome;
    if (db_commit(conn, err, sizeof err) != 0)
        return db_failed(conn, res, err);
    res->outcome = OUTCOME_OK;
    res->created = inserted;
    res->duplicates = n - inserted;
    return OUTCOME_OK;
}

int ingest_state_is(const PGresult *r, const char *state)
{
    const char *s = r != NULL ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : NULL;

    return s != NULL && strcmp(s, state) == 0;
}

/* ingest_priv.h */
PGresult *ingest_exec_named(PGconn *conn, const char *name, const char *sql, int nparams,
                            const char *const *params)
{
    PGresult *r = PQexecPrepared(conn, name, nparams, params, NULL, NULL, 0);

    if (!ingest_state_is(r, "26000"))
        return r;
    PQclear(r);
    r = PQprepare(conn, name, sql, nparams, NULL);
    if (r == NULL || PQresultStatus(r) != PGRES_COMMAND_OK)
        return r;
    PQclear(r);
    return PQexecPrepared(conn, name, nparams, params, NULL, NULL, 0);
}

static PGresult *exec_fast(PGconn *conn, const char *json)
{
    const char *params[1] = { json };

    return ingest_exec_named(conn, FAST_NAME, fast_sql, 1, params);
}

/*
 * The fast path (see the top of the file). Returns 0 when it settled the
 * request (res: OUTCOME_OK, or INTERNAL/UNAVAILABLE with nothing stored), 1 when the statement
 * refused to confirm a skipped row, rolled back, and the body must take the
 * careful path.
 */
static int store_fast(PGconn *conn, size_t n, const char *json, struct ingest_result *res)
{
    PGresult *r = exec_fast(conn, json);
    char err[ERR_MAX];
    const char *msg;
    unsigned long inserted;

    if (r != NULL && PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1 &&
        !PQgetisnull(r, 0, 0)) {
        inserted = strtoul(PQgetvalue(r, 0, 0), NULL, 10);
        PQclear(r);
        if (inserted > n) {
            set_error(res, OUTCOME_INTERNAL, "", "the database reports %lu rows stored of %zu", inserted, n);
            return 0;
        }
        res->outcome = OUTCOME_OK;
        res->created = inserted;
        res->duplicates = n - inserted;
        return 0;
    }
    msg = r != NULL ? PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY) : NULL;
    if (ingest_state_is(r, "22P02") && msg != NULL && strstr(msg, FAST_MARK) != NULL) {
        PQclear(r);
        return 1;
    }
    if (r != NULL && PQresultStatus(r) == PGRES_TUPLES_OK) {
        err_set(err, sizeof err, "database: unexpected answer to the insert");
    } else {
        db_note_failure(r);
        err_set(err, sizeof err, "database: %s",
                r != NULL ? PQresultErrorMessage(r) : PQerrorMessage(conn));
    }
    PQclear(r);
    err[strcspn(err, "\n")] = '\0';
    db_failed(conn, res, err);
    return 0;
}

/*
 * One response: a plain prepared INSERT with typed parameters, the same
 * work as pgbench's, no JSON on the server. Nothing is inserted when the
 * key is stored: then, in a fresh snapshot (ON CONFLICT waited for any
 * inserter of the key to finish, so its row is visible now), the stored
 * content is compared: with nothing of this body stored, there is nothing
 * to roll back. 1 round trip, 2 for a duplicate or conflict.
 */
#define ONE_NAME "empirie_ingest_one_1"
/* RESPONSE_COLUMNS as the parameters $1 to $9 (ingest_params) */
#define ONE_VALUES \
    "$1 AS city, $2::uuid AS id, $3 AS survey, $4 AS wave, $5::integer AS survey_version, " \
    "$6::smallint[] AS attrs, $7::smallint[] AS answers, $8::text[] AS texts, " \
    "$9::double precision AS weight"
static const char *const one_sql =
    "INSERT INTO response (" RESPONSE_COLUMNS ") SELECT " ONE_VALUES " "
    "ON CONFLICT (city, id) DO NOTHING";

static const char *const one_same_sql =
    "SELECT " RESPONSE_SAME_CONTENT("r", "x") " FROM response r, (SELECT " ONE_VALUES ") x "
    "WHERE r.city = x.city AND r.id = x.id";

static int result_failed(PGconn *conn, PGresult *r, ExecStatusType want,
                         struct ingest_result *res)
{
    char err[ERR_MAX];

    if (r != NULL && PQresultStatus(r) == want)
        return 0;
    db_note_failure(r);
    err_set(err, sizeof err, "database: %s",
            r != NULL ? PQresultErrorMessage(r) : PQerrorMessage(conn));
    err[strcspn(err, "\n")] = '\0';
    PQclear(r);
    db_failed(conn, res, err);
    return -1;
}

static enum outcome store_one(PGconn *conn, const struct response *r, struct ingest_result *res)
{
    struct ingest_params params;
    PGresult *pr;

    if (ingest_params_set(&params, r) != 0) {
        set_error(res, OUTCOME_INTERNAL, "", "out of memory");
        return res->outcome;
    }
    pr = ingest_exec_named(conn, ONE_NAME, one_sql, INGEST_NPARAMS, params.value);
    if (result_failed(conn, pr, PGRES_COMMAND_OK, res) != 0)
        goto done;
    res->created = (size_t)strtoul(PQcmdTuples(pr), NULL, 10);
    PQclear(pr);
    if (res->created == 1) {
        res->outcome = OUTCOME_OK;
        goto done;
    }
    pr = ingest_exec_named(conn, ONE_NAME "_same", one_same_sql, INGEST_NPARAMS, params.value);
    if (result_failed(conn, pr, PGRES_TUPLES_OK, res) != 0)
        goto done;
    if (PQntuples(pr) == 1 && strcmp(PQgetvalue(pr, 0, 0), "t") == 0) {
        res->outcome = OUTCOME_OK;
        res->duplicates = 1;
    } else if (PQntuples(pr) == 1) {
        set_error(res, OUTCOME_CONFLICT, "id", "a response with id \"%s\" for city \"%s\" is already stored "
                  "with different content", r->id, r->city);
    } else {
        set_error(res, OUTCOME_INTERNAL, "", "the response with id \"%s\" for city \"%s\" was neither "
                  "stored nor found", r->id, r->city);
    }
    PQclear(pr);
done:
    ingest_params_clear(&params);
    return res->outcome;
}

/* The fast statement would count a key given twice as inserted without
 * comparing its copies: such a batch (response_parse keeps one of each, but
 * ingest_batch's callers need not) takes the careful path. */
static enum outcome store(PGconn *conn, const struct response *items, size_t n, const struct shape *at,
                 const char *json, struct ingest_result *res)
{
    if (PQtransactionStatus(conn) == PQTRANS_IDLE && !response_repeats_key(items, n) &&
        store_fast(conn, n, json, res) == 0)
        return res->outcome;
    return store_checked(conn, items, n, at, json, res);
}

static enum outcome ingest_items(PGconn *conn, const struct response *items, size_t n,
                        const char *only_city, const struct shape *at, struct ingest_result *res)
{
    char *json;

    memset(res, 0, sizeof *res);
    if (check_scope(items, n, only_city, at, res) != 0)
        return res->outcome;
    if (n == 0) {
        res->outcome = OUTCOME_OK;
        return OUTCOME_OK;
    }
    if (n == 1 && !at->array && PQtransactionStatus(conn) == PQTRANS_IDLE)
        return store_one(conn, &items[0], res);
    json = ingest_batch_json(items, n);
    if (json == NULL) {
        set_error(res, OUTCOME_INTERNAL, "", "out of memory");
        return OUTCOME_INTERNAL;
    }
    store(conn, items, n, at, json, res);
    free(json);
    return res->outcome;
}

enum outcome ingest_batch(PGconn *conn, const struct response *items, size_t n,
                          const char *only_city, struct ingest_result *res)
{
    struct shape at = { n > 1, NULL };

    return ingest_items(conn, items, n, only_city, &at, res);
}

int ingest_check_scope(const struct response_batch *b, const char *only_city,
                       struct ingest_result *res)
{
    struct shape at = { b->was_array, b->pos };

    memset(res, 0, sizeof *res);
    return check_scope(b->items, b->n, only_city, &at, res);
}

enum outcome ingest_parsed(PGconn *conn, const struct response_batch *b,
                           const char *only_city, struct ingest_result *res)
{
    struct shape at = { b->was_array, b->pos };

    return ingest_items(conn, b->items, b->n, only_city, &at, res);
}

enum outcome ingest_body(PGconn *conn, const struct catalog *cat, const char *body, size_t len,
                const char *only_city, struct ingest_result *res)
{
    struct response_batch *b;

    memset(res, 0, sizeof *res);
    if (response_parse(body, len, cat, RESPONSE_MAX_BATCH, &b, &res->error) != 0) {
        res->outcome = OUTCOME_INVALID;
        return OUTCOME_INVALID;
    }
    ingest_parsed(conn, b, only_city, res);
    response_batch_free(b);
    return res->outcome;
}
