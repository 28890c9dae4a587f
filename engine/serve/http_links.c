#include "http_links.h"

#include "db.h"
#include "outcome.h"
#include "formlink.h"
#include "jsonv.h"
#include "log.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int http_links_close_url(const char *url, int *id)
{
    static const char prefix[] = "/v1/links/";
    const char *p = url + sizeof prefix - 1;
    long v = 0;
    size_t n = 0;

    if (strncmp(url, prefix, sizeof prefix - 1) != 0)
        return 0;
    while (isdigit((unsigned char)p[n]) && n < 10)
        v = v * 10 + (p[n++] - '0');
    if (n == 0 || p[0] == '0' || strcmp(p + n, "/close") != 0 || v > 2147483647L)
        return 0;
    *id = (int)v;
    return 1;
}

static void fail(struct http_links_answer *a, enum outcome o, const char *path,
                 const char *msg)
{
    a->outcome = o;
    snprintf(a->path, sizeof a->path, "%s", path);
    if (path[0] != '\0')
        snprintf(a->message, sizeof a->message, "%s: %s", path, msg);
    else
        snprintf(a->message, sizeof a->message, "%s", msg);
}

/* An optional string field of obj into *out (NULL when absent or null);
 * -1 with a 400 when it is something else. */
static int opt_string(const json_t *obj, const char *key, const char **out,
                      struct http_links_answer *a)
{
    const json_t *v = json_object_get(obj, key);

    *out = NULL;
    if (v == NULL || json_is_null(v))
        return 0;
    if (!json_is_string(v) || json_string_length(v) == 0) {
        fail(a, OUTCOME_INVALID, key, "expected a non-empty string");
        return -1;
    }
    *out = json_string_value(v);
    return 0;
}

/* The request body as a formlink_new; -1 with a 400. */
static int parse_new(const char *body, size_t len, json_t **root, struct formlink_new *nl,
                     struct http_links_answer *a)
{
    static const char *const fields[] = { "survey", "wave", "city", "label", "opens_on",
                                          "closes_on", "codes", NULL };
    json_error_t je;
    const json_t *codes;
    const char *key;
    json_t *v;

    memset(nl, 0, sizeof *nl);
    *root = json_loadb(body != NULL ? body : "", len, JSON_REJECT_DUPLICATES, &je);
    if (*root == NULL || !json_is_object(*root)) {
        fail(a, OUTCOME_INVALID, "", "expected a JSON object {\"survey\", \"wave\", \"city\", ...}");
        return -1;
    }
    json_object_foreach(*root, key, v) {
        int known = 0;

        for (size_t i = 0; fields[i] != NULL; i++)
            known |= strcmp(fields[i], key) == 0;
        if (!known) {
            fail(a, OUTCOME_INVALID, "", "unknown field (expected survey, wave, city, label, opens_on, "
                             "closes_on, codes)");
            return -1;
        }
    }
    if (opt_string(*root, "survey", &nl->survey, a) != 0 ||
        opt_string(*root, "wave", &nl->wave, a) != 0 ||
        opt_string(*root, "city", &nl->city, a) != 0 ||
        opt_string(*root, "label", &nl->label, a) != 0 ||
        opt_string(*root, "opens_on", &nl->opens_on, a) != 0 ||
        opt_string(*root, "closes_on", &nl->closes_on, a) != 0)
        return -1;
    if (nl->survey == NULL || nl->wave == NULL || nl->city == NULL) {
        fail(a, OUTCOME_INVALID, nl->survey == NULL ? "survey" : nl->wave == NULL ? "wave" : "city",
             "expected a string, but the field is missing");
        return -1;
    }
    if ((nl->opens_on != NULL && !jsonv_is_date(nl->opens_on)) ||
        (nl->closes_on != NULL && !jsonv_is_date(nl->closes_on))) {
        fail(a, OUTCOME_INVALID,
             nl->opens_on != NULL && !jsonv_is_date(nl->opens_on) ? "opens_on" : "closes_on",
             "expected a date YYYY-MM-DD");
        return -1;
    }
    codes = json_object_get(*root, "codes");
    if (codes != NULL && !json_is_null(codes)) {
        if (!json_is_integer(codes) || json_integer_value(codes) < 0 ||
            json_integer_value(codes) > FORMLINK_MAX_CODES) {
            char msg[96];

            snprintf(msg, sizeof msg, "expected a number of codes from 0 to %d",
                     FORMLINK_MAX_CODES);
            fail(a, OUTCOME_INVALID, "codes", msg);
            return -1;
        }
        nl->ncodes = (size_t)json_integer_value(codes);
    }
    return 0;
}

static void create(PGconn *conn, const char *body, size_t len, struct http_links_answer *a)
{
    struct formlink_new nl;
    char key[FORMLINK_KEY_SIZE], path[64], err[ERR_MAX];
    char *codes = NULL;
    json_t *root = NULL, *list;
    int id;

    if (parse_new(body, len, &root, &nl, a) != 0)
        goto done;
    if (nl.ncodes > 0)
        codes = malloc(nl.ncodes * FORMLINK_CODE_SIZE);
    if (nl.ncodes > 0 && codes == NULL) {
        fail(a, OUTCOME_INTERNAL, "", "out of memory");
        goto done;
    }
    if (formlink_create(conn, &nl, &id, key, codes, err, sizeof err) != 0) {
        /* an unknown survey, wave or city is the client's; the rest ours */
        if (db_unavailable(conn))
            fail(a, OUTCOME_UNAVAILABLE, "", "the database is not available; try again later");
        else if (strstr(err, "has no wave") != NULL || strstr(err, "unknown city") != NULL)
            fail(a, OUTCOME_NOT_FOUND, "", err);
        else if (strstr(err, "date") != NULL || strstr(err, "check constraint") != NULL)
            fail(a, OUTCOME_INVALID, "closes_on",
                 "expected real dates, closes_on not before opens_on");
        else {
            log_error("POST /v1/links: %s", err);
            fail(a, OUTCOME_INTERNAL, "", "database error");
        }
        goto done;
    }
    snprintf(path, sizeof path, "/s/%s", key);
    list = json_array();
    for (size_t i = 0; list != NULL && i < nl.ncodes; i++)
        json_array_append_new(list, json_string(codes + i * FORMLINK_CODE_SIZE));
    a->doc = json_pack("{s:i,s:s,s:o*}", "id", id, "path", path, "codes", list);
    a->outcome = a->doc != NULL ? OUTCOME_OK : OUTCOME_INTERNAL;
    a->created = 1;
done:
    free(codes);
    json_decref(root);
}

static void list_links(PGconn *conn, struct http_links_answer *a)
{
    char err[ERR_MAX];
    PGresult *res;

    if (db_exec(conn,
                "SELECT json_build_object('links', coalesce(json_agg(json_build_object("
                " 'id', l.id, 'label', l.label, 'survey', l.survey, 'wave', l.wave,"
                " 'city', l.city, 'created_on', l.created_on,"
                " 'opens_on', coalesce(l.opens_on, w.opens_on),"
                " 'closes_on', coalesce(l.closes_on, w.closes_on),"
                " 'state', CASE WHEN l.closed THEN 'closed'"
                "  WHEN current_date < coalesce(l.opens_on, w.opens_on) THEN 'not-yet-open'"
                "  WHEN current_date > coalesce(l.closes_on, w.closes_on) THEN 'ended'"
                "  ELSE 'open' END,"
                " 'codes', CASE WHEN l.with_codes THEN cardinality(s.used) + cardinality(s.unused) END,"
                " 'codes_used', CASE WHEN l.with_codes THEN cardinality(s.used) END,"
                " 'responses', l.received) ORDER BY l.id), '[]'))::text"
                " FROM form_link l JOIN wave w ON w.survey = l.survey AND w.label = l.wave"
                " LEFT JOIN form_code_set s ON s.link = l.id",
                0, NULL, &res, NULL, err, sizeof err) != 0) {
        if (db_unavailable(conn)) {
            fail(a, OUTCOME_UNAVAILABLE, "", "the database is not available; try again later");
        } else {
            log_error("GET /v1/links: %s", err);
            fail(a, OUTCOME_INTERNAL, "", "database error");
        }
        return;
    }
    a->doc = json_loads(PQgetvalue(res, 0, 0), 0, NULL);
    a->outcome = a->doc != NULL ? OUTCOME_OK : OUTCOME_INTERNAL;
    PQclear(res);
}

static void close_one(PGconn *conn, int id, struct http_links_answer *a)
{
    char err[ERR_MAX];

    if (formlink_close(conn, id, err, sizeof err) != 0) {
        if (db_unavailable(conn))
            fail(a, OUTCOME_UNAVAILABLE, "", "the database is not available; try again later");
        else
            fail(a, OUTCOME_NOT_FOUND, "", err);
        return;
    }
    a->doc = json_pack("{s:i,s:b}", "id", id, "closed", 1);
    a->outcome = a->doc != NULL ? OUTCOME_OK : OUTCOME_INTERNAL;
}

void http_links_handle(struct dbpool *pool, enum http_links_op op, int id, const char *body,
                       size_t len, struct http_links_answer *a)
{
    char err[ERR_MAX];
    PGconn *conn;

    memset(a, 0, sizeof *a);
    conn = dbpool_get(pool, err, sizeof err);
    if (conn == NULL) {
        fail(a, OUTCOME_UNAVAILABLE, "", "the database is not available; try again later");
        return;
    }
    db_clear_failure();
    if (op == HTTP_LINKS_CREATE)
        create(conn, body, len, a);
    else if (op == HTTP_LINKS_LIST)
        list_links(conn, a);
    else
        close_one(conn, id, a);
    if (PQstatus(conn) == CONNECTION_OK)
        dbpool_put(pool, conn);
    else
        dbpool_discard(pool, conn);
}
