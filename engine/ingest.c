/*
 * ingest: a batch goes to the server as one JSON parameter, unpacked there
 * by json_to_recordset, so a body of 1000 responses costs four round trips
 * (BEGIN, INSERT, the content check, COMMIT), not one per response. The
 * INSERT skips keys already stored (ON CONFLICT DO NOTHING); the check that
 * follows compares each skipped row with what is stored, inside the same
 * transaction, which also serialises against a concurrent insert of the
 * same key (it waits for that transaction and then sees its row).
 *
 * The content check needs every writer (this module and import) to encode a
 * response the same way: answers and attrs as smallint[] in instrument
 * order with NULL for no answer, texts NULL when the instrument has no text
 * item, else one element per item, weight NULL when not weighted.
 */
#include "ingest.h"

#include "db.h"
#include "err.h"

#include <stdarg.h>
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

static const char *const conflict_sql =
    "SELECT x.i FROM json_to_recordset($1::json) AS " INGEST_RECORD " "
    "JOIN response r ON r.city = x.city AND r.id = x.id "
    "WHERE (r.survey, r.wave, r.survey_version, r.attrs, r.answers, r.texts, r.weight) "
    "IS DISTINCT FROM (x.survey, x.wave, x.v, x.attrs, x.answers, x.texts, x.weight) "
    "ORDER BY x.i LIMIT 1";

static json_t *int16_array(const int16_t *v, size_t n)
{
    json_t *arr = json_array();

    for (size_t i = 0; arr != NULL && i < n; i++)
        if (json_array_append_new(arr, v[i] == SURVEY_NA ? json_null() : json_integer(v[i])) != 0) {
            json_decref(arr);
            return NULL;
        }
    return arr;
}

static json_t *texts_array(const struct response *r)
{
    json_t *arr;

    if (r->texts == NULL)
        return json_null();
    arr = json_array();
    for (size_t i = 0; arr != NULL && i < r->instrument->nitems; i++)
        if (json_array_append_new(arr, r->texts[i] != NULL ? json_string(r->texts[i])
                                                           : json_null()) != 0) {
            json_decref(arr);
            return NULL;
        }
    return arr;
}

static json_t *record(const struct response *r, size_t i)
{
    return json_pack("{s:I, s:s, s:s, s:s, s:s, s:i, s:o*, s:o*, s:o*, s:o}", "i", (json_int_t)i,
                     "city", r->city, "id", r->id, "survey", r->survey, "wave", r->wave, "v",
                     r->instrument->version, "attrs",
                     int16_array(r->attrs, r->instrument->nattrs), "answers",
                     int16_array(r->answers, r->instrument->nitems), "texts", texts_array(r),
                     "weight", r->weight > 0 ? json_real(r->weight) : json_null());
}

/* The batch as the JSON text of the statements' parameter; NULL when out of
 * memory. */
static char *batch_json(const struct response *items, size_t n)
{
    json_t *arr = json_array();
    char *text;

    for (size_t i = 0; arr != NULL && i < n; i++) {
        json_t *rec = record(&items[i], i);

        if (rec == NULL || json_object_size(rec) != 10 || json_array_append_new(arr, rec) != 0) {
            json_decref(arr);
            return NULL;
        }
    }
    text = arr != NULL ? json_dumps(arr, JSON_COMPACT) : NULL;
    json_decref(arr);
    return text;
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
    if (PQstatus(conn) != CONNECTION_OK) {
        set_error(res, 503, "", "the database is unavailable: %s", err);
        return 503;
    }
    db_rollback(conn);
    set_error(res, 500, "", "%s", err);
    return 500;
}

/* "[3].id" when the body was an array, "id" for one object. */
static void item_path(char *buf, size_t n, size_t i, int array, const char *field)
{
    if (array)
        snprintf(buf, n, "[%zu].%s", i, field);
    else
        snprintf(buf, n, "%s", field);
}

static int check_scope(const struct response *items, size_t n, const char *only_city,
                       int array, struct ingest_result *res)
{
    for (size_t i = 0; only_city != NULL && i < n; i++)
        if (strcmp(items[i].city, only_city) != 0) {
            char path[64];

            item_path(path, sizeof path, i, array, "city");
            set_error(res, 403, path, "this token may submit responses for city \"%s\" only, "
                      "got \"%s\"", only_city, items[i].city);
            return -1;
        }
    return 0;
}

/* After the INSERT: a stored row with other content is a conflict. */
static int check_conflicts(PGconn *conn, const struct response *items, int array,
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
    item_path(path, sizeof path, (size_t)i, array, "id");
    set_error(res, 409, path, "a response with id \"%s\" for city \"%s\" is already stored "
              "with different content", items[i].id, items[i].city);
    return 409;
}

static int store(PGconn *conn, const struct response *items, size_t n, int array,
                 const char *json, struct ingest_result *res)
{
    const char *params[1] = { json };
    char err[ERR_MAX];
    PGresult *pr;
    size_t inserted;

    if (db_begin(conn, err, sizeof err) != 0)
        return db_failed(conn, res, err);
    if (db_exec(conn, insert_sql, 1, params, &pr, NULL, err, sizeof err) != 0)
        return db_failed(conn, res, err);
    inserted = (size_t)strtoul(PQcmdTuples(pr), NULL, 10);
    PQclear(pr);
    if (inserted < n && check_conflicts(conn, items, array, json, res) != 0)
        return res->status;
    if (db_commit(conn, err, sizeof err) != 0)
        return db_failed(conn, res, err);
    res->status = 201;
    res->created = inserted;
    res->duplicates = n - inserted;
    return 201;
}

static int ingest_items(PGconn *conn, const struct response *items, size_t n,
                        const char *only_city, int array, struct ingest_result *res)
{
    char *json;

    memset(res, 0, sizeof *res);
    if (check_scope(items, n, only_city, array, res) != 0)
        return res->status;
    if (n == 0) {
        res->status = 201;
        return 201;
    }
    json = batch_json(items, n);
    if (json == NULL) {
        set_error(res, 500, "", "out of memory");
        return 500;
    }
    store(conn, items, n, array, json, res);
    free(json);
    return res->status;
}

int ingest_batch(PGconn *conn, const struct response *items, size_t n, const char *only_city,
                 struct ingest_result *res)
{
    return ingest_items(conn, items, n, only_city, n > 1, res);
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
    ingest_items(conn, b->items, b->n, only_city, b->was_array, res);
    response_batch_free(b);
    return res->status;
}
