/*
 * ingest_group: group commit's statement (ingest_group, ingest.h): the
 * bodies of several requests in one statement and one commit, by COPY from
 * INGEST_GROUP_COPY_ROWS rows.
 */
#include "ingest.h"

#include "db.h"
#include "err.h"
#include "ingest_encode.h"
#include "ingest_priv.h"

#include <stdlib.h>
#include <string.h>

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
/* group_copy's failure, before ingest_group decides unavailable or internal */
#define GROUP_FAILED OUTCOME_INTERNAL
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
    "ins AS (INSERT INTO response (" RESPONSE_COLUMNS ") SELECT " RESPONSE_COLUMNS " FROM x "
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

/* Records a failure of group_copy's statements: GROUP_FAILED, with its message. */
static void copy_failed(PGconn *conn, const PGresult *r, enum outcome *rc, char *err,
                        size_t errlen)
{
    *rc = GROUP_FAILED;
    if (r != NULL)
        db_note_failure(r);
    err_set(err, errlen, "database: %s",
            r != NULL ? PQresultErrorMessage(r) : PQerrorMessage(conn));
    err[strcspn(err, "\n")] = '\0';
}

static enum outcome group_copy(PGconn *conn, const struct ingest_part *parts, size_t nparts,
                      const char *tokens, char *err, size_t errlen)
{
    struct dynbuf rows;
    const char *params[1] = { tokens };
    PGresult *r;
    enum outcome rc;
    int ok;

    dynbuf_init(&rows, INGEST_ENCODE_MAX);
    for (size_t p = 0; p < nparts; p++)
        for (size_t k = 0; k < parts[p].n; k++)
            ingest_copy_row(&rows, &parts[p].items[k], 0);
    if (dynbuf_error(&rows) != DYNBUF_OK) {
        dynbuf_free(&rows);
        err_set(err, errlen, "out of memory");
        return GROUP_FAILED;
    }
    /* CONFLICT (alone) unless something failed that a body alone would not
     * fix: then GROUP_FAILED with err */
    rc = OUTCOME_CONFLICT;
    r = PQexec(conn, "BEGIN; COPY response (" RESPONSE_COLUMNS ") FROM STDIN");
    ok = r != NULL && PQresultStatus(r) == PGRES_COPY_IN;
    if (!ok)
        copy_failed(conn, r, &rc, err, errlen);
    PQclear(r);
    if (ok) {
        ok = PQputCopyData(conn, dynbuf_ptr(&rows), (int)dynbuf_len(&rows)) == 1 &&
             PQputCopyEnd(conn, NULL) == 1;
        for (r = PQgetResult(conn); r != NULL; r = PQgetResult(conn)) {
            if (PQresultStatus(r) != PGRES_COMMAND_OK) {
                ok = 0;
                /* a key stored already, or by a concurrent insert: alone */
                if (!ingest_state_is(r, "23505"))
                    copy_failed(conn, r, &rc, err, errlen);
            }
            PQclear(r);
        }
    }
    dynbuf_free(&rows);
    if (ok) {
        /* false (a token was deleted) leaves rc CONFLICT: each body then gets 401 */
        r = PQexecParams(conn, group_tokens_sql, 1, NULL, params, NULL, NULL, 0);
        ok = r != NULL && PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1 &&
             strcmp(PQgetvalue(r, 0, 0), "t") == 0;
        if (r == NULL || PQresultStatus(r) != PGRES_TUPLES_OK)
            copy_failed(conn, r, &rc, err, errlen);
        PQclear(r);
    }
    if (ok && db_commit(conn, err, errlen) == 0)
        return OUTCOME_OK;
    if (ok)
        rc = GROUP_FAILED;   /* the COMMIT failed: err says why */
    if (PQstatus(conn) != CONNECTION_OK) {
        if (rc != GROUP_FAILED)
            copy_failed(conn, NULL, &rc, err, errlen);
        return GROUP_FAILED;
    }
    db_rollback(conn);
    return rc;
}

static enum outcome group_store(PGconn *conn, const struct ingest_part *parts, size_t nparts,
                                const char *const *token_hashes, size_t ntokens, char *err,
                                size_t errlen)
{
    struct dynbuf tokens;
    const char *params[2];
    size_t rows = 0;
    char *json;
    PGresult *r;
    const char *msg;
    enum outcome rc;

    if (PQtransactionStatus(conn) != PQTRANS_IDLE)
        return OUTCOME_CONFLICT;
    dynbuf_init(&tokens, INGEST_ENCODE_MAX);
    dynbuf_add(&tokens, "{");
    for (size_t i = 0; i < ntokens; i++) {
        if (i > 0)
            dynbuf_add(&tokens, ",");
        dynbuf_add(&tokens, token_hashes[i]);
    }
    dynbuf_add(&tokens, "}");
    if (dynbuf_error(&tokens) != DYNBUF_OK) {
        dynbuf_free(&tokens);
        err_set(err, errlen, "out of memory");
        return GROUP_FAILED;
    }
    for (size_t p = 0; p < nparts; p++)
        rows += parts[p].n;
    if (rows >= INGEST_GROUP_COPY_ROWS) {
        rc = group_copy(conn, parts, nparts, dynbuf_ptr(&tokens), err, errlen);
        dynbuf_free(&tokens);
        return rc;
    }
    json = ingest_parts_json(parts, nparts);
    if (json == NULL) {
        dynbuf_free(&tokens);
        err_set(err, errlen, "out of memory");
        return GROUP_FAILED;
    }
    params[0] = json;
    params[1] = dynbuf_ptr(&tokens);
    r = ingest_exec_named(conn, GROUP_NAME, group_sql, 2, params);
    free(json);
    dynbuf_free(&tokens);
    if (r != NULL && PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1) {
        PQclear(r);
        return OUTCOME_OK;
    }
    msg = r != NULL ? PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY) : NULL;
    if (ingest_state_is(r, "22P02") && msg != NULL && strstr(msg, GROUP_MARK) != NULL) {
        rc = OUTCOME_CONFLICT;
    } else {
        db_note_failure(r);
        err_set(err, errlen, "database: %s",
                r != NULL ? PQresultErrorMessage(r) : PQerrorMessage(conn));
        err[strcspn(err, "\n")] = '\0';
        rc = GROUP_FAILED;
    }
    PQclear(r);
    return rc;
}

enum outcome ingest_group(PGconn *conn, const struct ingest_part *parts, size_t nparts,
                          const char *const *token_hashes, size_t ntokens, char *err,
                          size_t errlen)
{
    enum outcome rc = group_store(conn, parts, nparts, token_hashes, ntokens, err, errlen);

    if (rc == GROUP_FAILED && db_unavailable(conn))
        return OUTCOME_UNAVAILABLE;
    return rc;
}
