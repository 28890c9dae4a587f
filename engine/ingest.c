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
 * the answer is 201 only once the server reported the commit (in autocommit
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
 * The content check needs every writer (this module and import) to encode a
 * response the same way: answers and attrs as smallint[] in instrument
 * order with NULL for no answer, texts NULL when the instrument has no text
 * item, else one element per item, weight NULL when not weighted.
 */
#include "ingest.h"

#include "copyrow.h"
#include "db.h"
#include "err.h"

#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define INGEST_RECORD \
    "x(i integer, city text, id uuid, survey text, wave text, v integer, attrs smallint[], " \
    "answers smallint[], texts text[], weight double precision)"

static const char *const insert_sql =
    "INSERT INTO response (city, id, survey, wave, survey_version, attrs, answers, texts, "
    "weight) SELECT city, id, survey, wave, v, attrs, answers, texts, weight "
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
    "ins AS (INSERT INTO response (city, id, survey, wave, survey_version, attrs, answers, "
    "texts, weight) SELECT city, id, survey, wave, v, attrs, answers, texts, weight FROM x "
    "ORDER BY i ON CONFLICT (city, id) DO NOTHING RETURNING city, id), "
    "n AS (SELECT count(*) AS inserted FROM ins) "
    "SELECT n.inserted, CASE WHEN n.inserted < (SELECT count(*) FROM x) THEN "
    "(SELECT count(('" FAST_MARK " ' || x.i)::uuid) FROM x "
    "LEFT JOIN response r ON r.city = x.city AND r.id = x.id "
    "WHERE NOT EXISTS (SELECT 1 FROM ins WHERE ins.city = x.city AND ins.id = x.id) "
    "AND (r.id IS NULL OR (r.survey, r.wave, r.survey_version, r.attrs, r.answers, r.texts, "
    "r.weight) IS DISTINCT FROM (x.survey, x.wave, x.v, x.attrs, x.answers, x.texts, "
    "x.weight))) END FROM n";

static const char *const conflict_sql =
    "SELECT x.i FROM json_to_recordset($1::json) AS " INGEST_RECORD " "
    "JOIN response r ON r.city = x.city AND r.id = x.id "
    "WHERE (r.survey, r.wave, r.survey_version, r.attrs, r.answers, r.texts, r.weight) "
    "IS DISTINCT FROM (x.survey, x.wave, x.v, x.attrs, x.answers, x.texts, x.weight) "
    "ORDER BY x.i LIMIT 1";

/*
 * The batch as the JSON text of the statements' parameter, written
 * straight into one growing buffer: building a jansson tree first (one
 * allocation per value) and dumping it cost a sixth of the daemon's CPU on
 * batches. Strings come from a validated body (valid UTF-8), so escaping
 * the quote, the backslash and control characters is all JSON needs.
 */
struct jbuf {
    char *p;
    size_t len, cap;
    int failed;   /* out of memory: p is freed and NULL */
};

static void jb_fail(struct jbuf *b)
{
    free(b->p);
    b->p = NULL;
    b->len = b->cap = 0;
    b->failed = 1;
}

/* Room for more bytes; -1 (and the buffer failed) when out of memory. */
static int jb_reserve(struct jbuf *b, size_t more)
{
    size_t cap;
    char *p;

    if (b->failed)
        return -1;
    if (more <= b->cap - b->len)
        return 0;
    cap = b->cap > 0 ? b->cap : 256;
    while (cap - b->len < more) {
        if (cap > SIZE_MAX / 2) {
            jb_fail(b);
            return -1;
        }
        cap *= 2;
    }
    p = realloc(b->p, cap);
    if (p == NULL) {
        jb_fail(b);
        return -1;
    }
    b->p = p;
    b->cap = cap;
    return 0;
}

static void jb_put(struct jbuf *b, const char *s, size_t n)
{
    if (jb_reserve(b, n) != 0)
        return;
    memcpy(b->p + b->len, s, n);
    b->len += n;
}

#define JB_LIT(b, lit) jb_put((b), (lit), sizeof(lit) - 1)

static void jb_string(struct jbuf *b, const char *s)
{
    static const char hex[] = "0123456789abcdef";
    size_t n = strlen(s);

    /* worst case: every byte as \u00XX, plus the quotes */
    if (n > (SIZE_MAX - 2) / 6) {
        jb_fail(b);
        return;
    }
    if (jb_reserve(b, 6 * n + 2) != 0)
        return;
    b->p[b->len++] = '"';
    for (const unsigned char *c = (const unsigned char *)s; *c != '\0'; c++) {
        if (*c == '"' || *c == '\\') {
            b->p[b->len++] = '\\';
            b->p[b->len++] = (char)*c;
        } else if (*c < 0x20) {
            memcpy(b->p + b->len, "\\u00", 4);
            b->p[b->len + 4] = hex[*c >> 4];
            b->p[b->len + 5] = hex[*c & 15];
            b->len += 6;
        } else {
            b->p[b->len++] = (char)*c;
        }
    }
    b->p[b->len++] = '"';
}

static void jb_long(struct jbuf *b, long v)
{
    char tmp[24];
    size_t i = sizeof tmp;
    unsigned long u = v < 0 ? 0UL - (unsigned long)v : (unsigned long)v;

    do {
        tmp[--i] = (char)('0' + u % 10);
        u /= 10;
    } while (u > 0);
    if (v < 0)
        tmp[--i] = '-';
    jb_put(b, tmp + i, sizeof tmp - i);
}

static void jb_int16_array(struct jbuf *b, const int16_t *v, size_t n)
{
    JB_LIT(b, "[");
    for (size_t i = 0; i < n; i++) {
        if (i > 0)
            JB_LIT(b, ",");
        if (v[i] == SURVEY_NA)
            JB_LIT(b, "null");
        else
            jb_long(b, v[i]);
    }
    JB_LIT(b, "]");
}

static void jb_record(struct jbuf *b, const struct response *r, size_t i)
{
    JB_LIT(b, "{\"i\":");
    jb_long(b, (long)i);
    JB_LIT(b, ",\"city\":");
    jb_string(b, r->city);
    JB_LIT(b, ",\"id\":");
    jb_string(b, r->id);
    JB_LIT(b, ",\"survey\":");
    jb_string(b, r->survey);
    JB_LIT(b, ",\"wave\":");
    jb_string(b, r->wave);
    JB_LIT(b, ",\"v\":");
    jb_long(b, r->instrument->version);
    JB_LIT(b, ",\"attrs\":");
    jb_int16_array(b, r->attrs, r->instrument->nattrs);
    JB_LIT(b, ",\"answers\":");
    jb_int16_array(b, r->answers, r->instrument->nitems);
    JB_LIT(b, ",\"texts\":");
    if (r->texts == NULL) {
        JB_LIT(b, "null");
    } else {
        JB_LIT(b, "[");
        for (size_t k = 0; k < r->instrument->nitems; k++) {
            if (k > 0)
                JB_LIT(b, ",");
            if (r->texts[k] != NULL)
                jb_string(b, r->texts[k]);
            else
                JB_LIT(b, "null");
        }
        JB_LIT(b, "]");
    }
    JB_LIT(b, ",\"weight\":");
    if (r->weight > 0 && isfinite(r->weight)) {
        char w[40];
        /* 17 significant digits: the double comes back exactly */
        int k = snprintf(w, sizeof w, "%.17g", r->weight);

        if (k > 0 && (size_t)k < sizeof w)
            jb_put(b, w, (size_t)k);
        else
            jb_fail(b);
    } else {
        JB_LIT(b, "null");
    }
    JB_LIT(b, "}");
}

/* NUL-terminated JSON text of the responses of every part, numbered in
 * order; NULL when out of memory. */
static char *parts_json(const struct ingest_part *parts, size_t nparts)
{
    struct jbuf b = { 0 };
    size_t total = 0, i = 0;

    for (size_t p = 0; p < nparts; p++)
        total += parts[p].n;
    /* a first guess that fits a typical response without regrowing */
    jb_reserve(&b, total * 384 + 16);
    JB_LIT(&b, "[");
    for (size_t p = 0; p < nparts; p++)
        for (size_t k = 0; k < parts[p].n; k++, i++) {
            if (i > 0)
                JB_LIT(&b, ",");
            jb_record(&b, &parts[p].items[k], i);
        }
    jb_put(&b, "]", 2);
    return b.failed ? NULL : b.p;
}

/* NUL-terminated JSON text of the batch; NULL when out of memory. */
static char *batch_json(const struct response *items, size_t n)
{
    struct ingest_part part = { .items = items, .n = n };

    return parts_json(&part, 1);
}

static void set_error(struct ingest_result *res, int status, const char *path, const char *fmt,
                      ...) __attribute__((format(printf, 4, 5)));

static void set_error(struct ingest_result *res, int status, const char *path, const char *fmt,
                      ...)
{
    char msg[sizeof res->error.message];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    res->status = status;
    res->created = 0;
    res->duplicates = 0;
    snprintf(res->error.path, sizeof res->error.path, "%s", path);
    if (path[0] != '\0')
        snprintf(res->error.message, sizeof res->error.message, "%s: %s", path, msg);
    else
        snprintf(res->error.message, sizeof res->error.message, "%s", msg);
}

static int db_failed(PGconn *conn, struct ingest_result *res, const char *err)
{
    if (db_unavailable(conn)) {
        set_error(res, 503, "", "the database is unavailable: %s", err);
        return 503;
    }
    db_rollback(conn);
    set_error(res, 500, "", "%s", err);
    return 500;
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
            set_error(res, 403, path, "this token may submit responses for city \"%s\" only, "
                      "got \"%s\"", only_city, items[i].city);
            return -1;
        }
    return 0;
}

/* After the INSERT: a stored row with other content is a conflict. */
static int check_conflicts(PGconn *conn, const struct response *items, const struct shape *at,
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
        return 0;
    }
    i = strtol(PQgetvalue(pr, 0, 0), NULL, 10);
    PQclear(pr);
    db_rollback(conn);
    item_path(path, sizeof path, (size_t)i, at, "id");
    set_error(res, 409, path, "a response with id \"%s\" for city \"%s\" is already stored "
              "with different content", items[i].id, items[i].city);
    return 409;
}

/* The careful path: BEGIN, INSERT, the conflict check in a fresh snapshot
 * (READ COMMITTED: it sees a row a concurrent transaction committed while
 * the INSERT waited on it), COMMIT. */
static int store_checked(PGconn *conn, const struct response *items, size_t n,
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
    if (inserted < n && check_conflicts(conn, items, at, json, res) != 0)
        return res->status;
    if (db_commit(conn, err, sizeof err) != 0)
        return db_failed(conn, res, err);
    res->status = 201;
    res->created = inserted;
    res->duplicates = n - inserted;
    return 201;
}

static int state_is(const PGresult *r, const char *state)
{
    const char *s = r != NULL ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : NULL;

    return s != NULL && strcmp(s, state) == 0;
}

/* Runs a named statement, preparing it first when this connection does not
 * know it (26000). Only in autocommit: a failed EXECUTE would abort an open
 * transaction. */
static PGresult *exec_named(PGconn *conn, const char *name, const char *sql, int nparams,
                            const char *const *params)
{
    PGresult *r = PQexecPrepared(conn, name, nparams, params, NULL, NULL, 0);

    if (!state_is(r, "26000"))
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

    return exec_named(conn, FAST_NAME, fast_sql, 1, params);
}

/*
 * The fast path (see the top of the file). Returns 0 when it settled the
 * request (res: 201, or 500/503 with nothing stored), 1 when the statement
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
            set_error(res, 500, "", "the database reports %lu rows stored of %zu", inserted, n);
            return 0;
        }
        res->status = 201;
        res->created = inserted;
        res->duplicates = n - inserted;
        return 0;
    }
    msg = r != NULL ? PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY) : NULL;
    if (state_is(r, "22P02") && msg != NULL && strstr(msg, FAST_MARK) != NULL) {
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
 * A group: the bodies of several requests in one statement, one commit
 * (group commit, gcommit.h). Every row must be new and every token of the
 * group still known (a token deleted since the request was admitted makes
 * the count fall short): then the statement inserts them all. Anything
 * else -- a duplicate, a conflict, a row a concurrent transaction holds, a
 * revoked token -- inserts nothing, on purpose: the cast fails (22P02
 * naming GROUP_MARK) and each body is then stored alone, with its own
 * answer (ingest_parsed), as if there had been no group.
 */
#define GROUP_NAME "empirie_ingest_group_1"
/* From this many rows a group goes in by COPY (group_copy). */
#define INGEST_GROUP_COPY_ROWS 64
#define GROUP_MARK "empirie: group not confirmed"
/* True when every hex hash of the text[] parameter P is a live token of
 * api_token (neither revoked nor expired). */
#define TOKENS_KNOWN(P) \
    "(SELECT count(*) FROM api_token WHERE revoked_at IS NULL " \
    "AND (expires_at IS NULL OR expires_at > now()) AND hash IN " \
    "(SELECT decode(h, 'hex') FROM unnest(" P "::text[]) AS h)) = cardinality(" P "::text[])"
static const char *const group_sql =
    "WITH x AS MATERIALIZED (SELECT * FROM json_to_recordset($1::json) AS " INGEST_RECORD "), "
    "t AS MATERIALIZED (SELECT " TOKENS_KNOWN("$2") " AS ok), "
    "ins AS (INSERT INTO response (city, id, survey, wave, survey_version, attrs, answers, "
    "texts, weight) SELECT city, id, survey, wave, v, attrs, answers, texts, weight FROM x "
    "WHERE (SELECT ok FROM t) "
    "ORDER BY i ON CONFLICT (city, id) DO NOTHING RETURNING 1), "
    "n AS (SELECT count(*) AS inserted FROM ins) "
    "SELECT CASE WHEN n.inserted = (SELECT count(*) FROM x) THEN n.inserted "
    "ELSE length((('" GROUP_MARK " ' || n.inserted)::uuid)::text) END FROM n";

/*
 * A large group goes in by COPY, the server's cheapest way in: BEGIN and
 * COPY in one round trip, the rows, the token check, COMMIT. COPY has no
 * ON CONFLICT: a key already stored (or being stored) fails it with a
 * unique violation, which rolls everything back, as the group statement's
 * refusal does: then each body is stored alone.
 */
static const char *const group_tokens_sql = "SELECT " TOKENS_KNOWN("$1");

/* Records a failure of group_copy's statements: FAILED, with its message. */
static void copy_failed(PGconn *conn, const PGresult *r, int *rc, char *err, size_t errlen)
{
    *rc = INGEST_GROUP_FAILED;
    if (r != NULL)
        db_note_failure(r);
    err_set(err, errlen, "database: %s",
            r != NULL ? PQresultErrorMessage(r) : PQerrorMessage(conn));
    err[strcspn(err, "\n")] = '\0';
}

static int group_copy(PGconn *conn, const struct ingest_part *parts, size_t nparts,
                      const char *tokens, char *err, size_t errlen)
{
    struct copybuf rows = { 0 };
    const char *params[1] = { tokens };
    PGresult *r;
    int ok, rc;

    for (size_t p = 0; p < nparts; p++)
        for (size_t k = 0; k < parts[p].n; k++)
            if (copyrow_append(&rows, &parts[p].items[k], 0) != 0) {
                free(rows.p);
                err_set(err, errlen, "out of memory");
                return INGEST_GROUP_FAILED;
            }
    /* ALONE unless something failed that a body alone would not fix:
     * then FAILED with err (the caller logs it and still goes alone) */
    rc = INGEST_GROUP_ALONE;
    r = PQexec(conn, "BEGIN; COPY response (city, id, survey, wave, survey_version, attrs, answers,"
                     " texts, weight) FROM STDIN");
    ok = r != NULL && PQresultStatus(r) == PGRES_COPY_IN;
    if (!ok)
        copy_failed(conn, r, &rc, err, errlen);
    PQclear(r);
    if (ok) {
        ok = PQputCopyData(conn, rows.p, (int)rows.len) == 1 && PQputCopyEnd(conn, NULL) == 1;
        while ((r = PQgetResult(conn)) != NULL) {
            if (PQresultStatus(r) != PGRES_COMMAND_OK) {
                ok = 0;
                /* a key stored already, or by a concurrent insert: alone */
                if (!state_is(r, "23505"))
                    copy_failed(conn, r, &rc, err, errlen);
            }
            PQclear(r);
        }
    }
    free(rows.p);
    if (ok) {
        /* false (a token was deleted) leaves rc ALONE: each body then gets 401 */
        r = PQexecParams(conn, group_tokens_sql, 1, NULL, params, NULL, NULL, 0);
        ok = r != NULL && PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1 &&
             strcmp(PQgetvalue(r, 0, 0), "t") == 0;
        if (r == NULL || PQresultStatus(r) != PGRES_TUPLES_OK)
            copy_failed(conn, r, &rc, err, errlen);
        PQclear(r);
    }
    if (ok && db_commit(conn, err, errlen) == 0)
        return INGEST_GROUP_STORED;
    if (ok)
        rc = INGEST_GROUP_FAILED;   /* the COMMIT failed: err says why */
    if (PQstatus(conn) != CONNECTION_OK) {
        if (rc != INGEST_GROUP_FAILED)
            copy_failed(conn, NULL, &rc, err, errlen);
        return INGEST_GROUP_FAILED;
    }
    db_rollback(conn);
    return rc;
}

int ingest_group(PGconn *conn, const struct ingest_part *parts, size_t nparts,
                 const char *const *token_hashes, size_t ntokens, char *err, size_t errlen)
{
    struct jbuf tokens = { 0 };
    const char *params[2];
    size_t rows = 0;
    char *json;
    PGresult *r;
    const char *msg;
    int rc;

    if (PQtransactionStatus(conn) != PQTRANS_IDLE)
        return INGEST_GROUP_ALONE;
    JB_LIT(&tokens, "{");
    for (size_t i = 0; i < ntokens; i++) {
        if (i > 0)
            JB_LIT(&tokens, ",");
        jb_put(&tokens, token_hashes[i], strlen(token_hashes[i]));
    }
    jb_put(&tokens, "}", 2);
    if (tokens.failed) {
        err_set(err, errlen, "out of memory");
        return INGEST_GROUP_FAILED;
    }
    for (size_t p = 0; p < nparts; p++)
        rows += parts[p].n;
    if (rows >= INGEST_GROUP_COPY_ROWS) {
        rc = group_copy(conn, parts, nparts, tokens.p, err, errlen);
        free(tokens.p);
        return rc;
    }
    json = parts_json(parts, nparts);
    if (json == NULL) {
        free(tokens.p);
        err_set(err, errlen, "out of memory");
        return INGEST_GROUP_FAILED;
    }
    params[0] = json;
    params[1] = tokens.p;
    r = exec_named(conn, GROUP_NAME, group_sql, 2, params);
    free(json);
    free(tokens.p);
    if (r != NULL && PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1) {
        PQclear(r);
        return INGEST_GROUP_STORED;
    }
    msg = r != NULL ? PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY) : NULL;
    if (state_is(r, "22P02") && msg != NULL && strstr(msg, GROUP_MARK) != NULL) {
        rc = INGEST_GROUP_ALONE;
    } else {
        db_note_failure(r);
        err_set(err, errlen, "database: %s",
                r != NULL ? PQresultErrorMessage(r) : PQerrorMessage(conn));
        err[strcspn(err, "\n")] = '\0';
        rc = INGEST_GROUP_FAILED;
    }
    PQclear(r);
    return rc;
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
static const char *const one_sql =
    "INSERT INTO response (city, id, survey, wave, survey_version, attrs, answers, texts, "
    "weight) VALUES ($1, $2::uuid, $3, $4, $5::integer, $6::smallint[], $7::smallint[], "
    "$8::text[], $9::double precision) ON CONFLICT (city, id) DO NOTHING";

static const char *const one_same_sql =
    "SELECT (survey, wave, survey_version, attrs, answers, texts, weight) IS NOT DISTINCT FROM "
    "($3, $4, $5::integer, $6::smallint[], $7::smallint[], $8::text[], $9::double precision) "
    "FROM response WHERE city = $1 AND id = $2::uuid";

/* texts as a PostgreSQL array literal: every element quoted, quote and
 * backslash escaped, NULL for no text. NULL when out of memory. */
static char *texts_literal(const struct response *r)
{
    struct jbuf b = { 0 };

    JB_LIT(&b, "{");
    for (size_t k = 0; k < r->instrument->nitems; k++) {
        if (k > 0)
            JB_LIT(&b, ",");
        if (r->texts[k] == NULL) {
            JB_LIT(&b, "NULL");
            continue;
        }
        JB_LIT(&b, "\"");
        for (const char *c = r->texts[k]; *c != '\0'; c++) {
            if (*c == '"' || *c == '\\')
                JB_LIT(&b, "\\");
            jb_put(&b, c, 1);
        }
        JB_LIT(&b, "\"");
    }
    jb_put(&b, "}", 2);
    return b.failed ? NULL : b.p;
}

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

/* n int16 values as a PostgreSQL array literal, SURVEY_NA as NULL; NULL
 * when out of memory. */
static char *int16_literal(const int16_t *v, size_t n)
{
    struct jbuf b = { 0 };

    JB_LIT(&b, "{");
    for (size_t i = 0; i < n; i++) {
        if (i > 0)
            JB_LIT(&b, ",");
        if (v[i] == SURVEY_NA)
            JB_LIT(&b, "NULL");
        else
            jb_long(&b, v[i]);
    }
    jb_put(&b, "}", 2);
    return b.failed ? NULL : b.p;
}

static int store_one(PGconn *conn, const struct response *r, struct ingest_result *res)
{
    char version[16], weight[40];
    char *attrs = int16_literal(r->attrs, r->instrument->nattrs);
    char *answers = int16_literal(r->answers, r->instrument->nitems);
    char *texts = r->texts != NULL ? texts_literal(r) : NULL;
    const char *params[9];
    PGresult *pr;
    int w = 0;

    snprintf(version, sizeof version, "%d", r->instrument->version);
    weight[0] = '\0';
    if (r->weight > 0)
        w = snprintf(weight, sizeof weight, "%.17g", r->weight);
    if (attrs == NULL || answers == NULL || (r->texts != NULL && texts == NULL) || w < 0 ||
        (size_t)w >= sizeof weight) {
        set_error(res, 500, "", "out of memory");
        goto done;
    }
    params[0] = r->city;
    params[1] = r->id;
    params[2] = r->survey;
    params[3] = r->wave;
    params[4] = version;
    params[5] = attrs;
    params[6] = answers;
    params[7] = texts;
    params[8] = r->weight > 0 ? weight : NULL;
    pr = exec_named(conn, ONE_NAME, one_sql, 9, params);
    if (result_failed(conn, pr, PGRES_COMMAND_OK, res) != 0)
        goto done;
    res->created = (size_t)strtoul(PQcmdTuples(pr), NULL, 10);
    PQclear(pr);
    if (res->created == 1) {
        res->status = 201;
        goto done;
    }
    pr = exec_named(conn, ONE_NAME "_same", one_same_sql, 9, params);
    if (result_failed(conn, pr, PGRES_TUPLES_OK, res) != 0)
        goto done;
    if (PQntuples(pr) == 1 && strcmp(PQgetvalue(pr, 0, 0), "t") == 0) {
        res->status = 201;
        res->duplicates = 1;
    } else if (PQntuples(pr) == 1) {
        set_error(res, 409, "id", "a response with id \"%s\" for city \"%s\" is already stored "
                  "with different content", r->id, r->city);
    } else {
        set_error(res, 500, "", "the response with id \"%s\" for city \"%s\" was neither "
                  "stored nor found", r->id, r->city);
    }
    PQclear(pr);
done:
    free(attrs);
    free(answers);
    free(texts);
    return res->status;
}

/* The fast statement would count a key given twice as inserted without
 * comparing its copies: such a batch (response_parse keeps one of each, but
 * ingest_batch's callers need not) takes the careful path. */
static int store(PGconn *conn, const struct response *items, size_t n, const struct shape *at,
                 const char *json, struct ingest_result *res)
{
    if (PQtransactionStatus(conn) == PQTRANS_IDLE && !response_repeats_key(items, n) &&
        store_fast(conn, n, json, res) == 0)
        return res->status;
    return store_checked(conn, items, n, at, json, res);
}

static int ingest_items(PGconn *conn, const struct response *items, size_t n,
                        const char *only_city, const struct shape *at, struct ingest_result *res)
{
    char *json;

    memset(res, 0, sizeof *res);
    if (check_scope(items, n, only_city, at, res) != 0)
        return res->status;
    if (n == 0) {
        res->status = 201;
        return 201;
    }
    if (n == 1 && !at->array && PQtransactionStatus(conn) == PQTRANS_IDLE)
        return store_one(conn, &items[0], res);
    json = batch_json(items, n);
    if (json == NULL) {
        set_error(res, 500, "", "out of memory");
        return 500;
    }
    store(conn, items, n, at, json, res);
    free(json);
    return res->status;
}

int ingest_batch(PGconn *conn, const struct response *items, size_t n, const char *only_city,
                 struct ingest_result *res)
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

int ingest_parsed(PGconn *conn, const struct response_batch *b, const char *only_city,
                  struct ingest_result *res)
{
    struct shape at = { b->was_array, b->pos };

    return ingest_items(conn, b->items, b->n, only_city, &at, res);
}

int ingest_body(PGconn *conn, const struct catalog *cat, const char *body, size_t len,
                const char *only_city, struct ingest_result *res)
{
    struct response_batch *b;

    memset(res, 0, sizeof *res);
    if (response_parse(body, len, cat, RESPONSE_MAX_BATCH, &b, &res->error) != 0) {
        res->status = 400;
        return 400;
    }
    ingest_parsed(conn, b, only_city, res);
    response_batch_free(b);
    return res->status;
}
