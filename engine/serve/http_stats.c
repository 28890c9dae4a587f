/* http_stats: GET /v1/stats and GET /v1/responses/counts, read from the
 * anonymised results document (http_priv.h), computed once while nothing
 * changes (submit.h). */
#include "http_priv.h"

#include "db.h"
#include "err.h"
#include "policy.h"
#include "results.h"
#include "results_model.h"
#include "submit.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* What both read routes take from their query (?survey=S[&wave=W]) and
 * give back to answer(). */
struct read_query {
    struct submit *submit;   /* owns the cached survey catalog */
    const char *survey, *wave;
    const struct auth_principal *who;
    json_t *answer;       /* on success */
    unsigned status;      /* 200, or the client error to answer */
    char message[ERR_MAX];
};

static void read_query_start(struct read_query *q, struct request *rq,
                             struct MHD_Connection *c)
{
    memset(q, 0, sizeof *q);
    q->submit = rq->srv->submit;
    q->survey = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "survey");
    q->wave = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "wave");
    q->who = &rq->who;
}

/* GET /v1/stats?survey=S[&wave=W][&city=C|&network=N][&by=ATTR][&lang=en]:
 * the same JSON as `empirie stats --json`, computed from the results
 * document (already anonymised). An analyst reads their network and its
 * member cities; ministry and admin read every group. */
struct stats_query {
    struct read_query rd;
    const char *city, *network, *by;
    int english;
};

static int stats_work(PGconn *conn, void *ctx, char *err, size_t errlen)
{
    struct stats_query *q = ctx;
    struct rcache_entry *e;
    json_t *doc, *g;
    const char *wave = q->rd.wave;
    int unknown;

    e = submit_results_get(q->rd.submit, conn, q->rd.survey, q->by, &unknown, q->rd.message,
                           sizeof q->rd.message);
    /* shared with other requests: read, never changed */
    doc = e != NULL ? rcache_doc(e, q->english, q->rd.message, sizeof q->rd.message) : NULL;
    if (doc == NULL) {
        submit_results_put(q->rd.submit, e);
        /* Unknown survey or attribute: the client's error; anything else
         * is ours (500, or 503 when the connection broke underneath). */
        if (!unknown)
            return err_set(err, errlen, "%s", q->rd.message);
        q->rd.status = MHD_HTTP_NOT_FOUND;
        return 0;
    }
    if (wave == NULL) {   /* the latest wave that has opened */
        long w = results_default_wave(rcache_model(e));

        wave = w >= 0 ? agg_wave(rcache_model(e)->in->agg, (size_t)w) : NULL;
    }
    if (wave == NULL) {
        q->rd.status = MHD_HTTP_NOT_FOUND;
        snprintf(q->rd.message, sizeof q->rd.message, "no wave of survey %s has opened yet",
                 q->rd.survey);
    } else if (!policy_may_read(q->rd.who, rcache_model(e)->in->registry,
                         q->city ? POLICY_CITY : q->network ? POLICY_NETWORK : POLICY_ALL,
                         q->city ? q->city : q->network, q->rd.message, sizeof q->rd.message)) {
        q->rd.status = MHD_HTTP_FORBIDDEN;
    } else {
        g = results_group(doc, wave, q->city ? "city" : q->network ? "network" : "all",
                          q->city ? q->city : q->network);
        if (g == NULL) {
            q->rd.status = MHD_HTTP_NOT_FOUND;
            snprintf(q->rd.message, sizeof q->rd.message, "no such group in wave %s of survey %s",
                     wave, q->rd.survey);
        } else {
            q->rd.answer = results_view(doc, g);
            q->rd.status = MHD_HTTP_OK;
        }
    }
    submit_results_put(q->rd.submit, e);
    return 0;
}

/* The answer of a read route after its database work: 503 when the
 * database is away, 500 on its error, the route's own client error
 * (status, about field), else the JSON answer (taken over in every case). */
static enum MHD_Result answer(struct request *rq, struct MHD_Connection *c, enum outcome out,
                              const char *field, const struct read_query *q)
{
    unsigned status = q->status;
    const char *message = q->message;
    json_t *json = q->answer;

    if (out != OUTCOME_OK || status != MHD_HTTP_OK)
        json_decref(json);
    if (out == OUTCOME_UNAVAILABLE)
        return http_reply_unavailable(rq, c);
    if (out != OUTCOME_OK)
        return http_reply_error(rq, c, MHD_HTTP_INTERNAL_SERVER_ERROR, "", "database error");
    if (status != MHD_HTTP_OK)
        return http_reply_error(rq, c, status, field, message);
    return http_reply_json(rq, c, MHD_HTTP_OK, json, NULL);
}

enum MHD_Result http_get_stats(struct request *rq, struct MHD_Connection *c)
{
    struct stats_query q;
    enum outcome out;

    read_query_start(&q.rd, rq, c);
    q.city = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "city");
    q.network = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "network");
    q.by = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "by");
    if (q.rd.survey == NULL || q.rd.survey[0] == '\0')
        return http_reply_error(rq, c, MHD_HTTP_BAD_REQUEST, "survey",
                           "survey: expected a survey slug (?survey=...)");
    if (q.city != NULL && q.network != NULL)
        return http_reply_error(rq, c, MHD_HTTP_BAD_REQUEST, "city",
                           "give city or network, not both");
    if (http_query_lang(c, &q.english) != 0)
        return http_reply_error(rq, c, MHD_HTTP_BAD_REQUEST, "lang", "lang: expected pl or en");
    out = http_with_db(rq->srv, stats_work, &q);
    return answer(rq, c, out, "", &q.rd);
}

/*
 * GET /v1/responses/counts[?survey=S][&wave=W]: collection progress,
 * responses per survey, wave and city, under the same anonymity rules as
 * the statistics (a count the results document hides is null, with its
 * reason), read from that document so both always agree. An analyst sees
 * the member cities of their network only.
 */
static int count_cmp(const void *x, const void *y)
{
    const json_t *a = *(json_t *const *)x, *b = *(json_t *const *)y;
    static const char *keys[] = { "survey", "wave", "city" };

    for (size_t i = 0; i < 3; i++) {
        int d = strcmp(json_string_value(json_object_get(a, keys[i])),
                       json_string_value(json_object_get(b, keys[i])));

        if (d != 0)
            return d;
    }
    return 0;
}

/* Appends the city rows of doc to rows (a JSON array). */
static int counts_of(const struct read_query *q, const char *survey, json_t *doc,
                     const struct regsnap *reg, json_t *rows)
{
    size_t i;
    json_t *g;

    json_array_foreach(json_object_get(doc, "groups"), i, g) {
        const char *wave = json_string_value(json_object_get(g, "wave"));
        const char *city = json_string_value(json_object_get(g, "slug"));
        json_t *row;

        if (strcmp(json_string_value(json_object_get(g, "type")), "city") != 0 ||
            (q->wave != NULL && strcmp(q->wave, wave) != 0))
            continue;
        if (!policy_may_read(q->who, reg, POLICY_CITY, city, NULL, 0))
            continue;
        row = json_pack("{s:s, s:s, s:s}", "survey", survey, "wave", wave, "city", city);
        if (row == NULL)
            return -1;
        if (json_is_true(json_object_get(g, "suppressed"))) {
            json_object_set_new(row, "responses", json_null());
            json_object_set_new(row, "suppressed", json_true());
            json_object_set(row, "reason", json_object_get(g, "reason"));
        } else {
            json_object_set_new(
                row, "responses",
                json_integer((json_int_t)json_number_value(json_object_get(g, "respondents"))));
            json_object_set_new(row, "suppressed", json_false());
        }
        if (json_array_append_new(rows, row) != 0)
            return -1;
    }
    return 0;
}

static int counts_work(PGconn *conn, void *ctx, char *err, size_t errlen)
{
    struct read_query *q = ctx;
    PGresult *res = NULL;
    json_t *rows = json_array(), *sorted;
    json_t **all = NULL;
    int n, rc = -1;

    json_decref(q->answer);
    q->answer = NULL;
    if (rows == NULL)
        return err_set(err, errlen, "out of memory");
    if (db_exec(conn, "SELECT DISTINCT slug FROM survey WHERE $1::text IS NULL OR slug = $1"
                      " ORDER BY slug",
                1, &q->survey, &res, NULL, err, errlen) != 0)
        goto done;
    n = PQntuples(res);
    if (n == 0 && q->survey != NULL) {
        q->status = MHD_HTTP_NOT_FOUND;
        snprintf(q->message, sizeof q->message, "no survey '%s'", q->survey);
        rc = 0;
        goto done;
    }
    for (int i = 0; i < n; i++) {
        const char *slug = PQgetvalue(res, i, 0);
        int unknown;
        struct rcache_entry *e = submit_results_get(q->submit, conn, slug, NULL, &unknown,
                                                    q->message, sizeof q->message);
        json_t *doc = e != NULL ? rcache_doc(e, 0, q->message, sizeof q->message) : NULL;

        if (doc == NULL && unknown)
            continue;   /* a survey without waves has no counts */
        if (doc == NULL) {
            submit_results_put(q->submit, e);
            err_set(err, errlen, "%s", q->message);
            goto done;
        }
        if (counts_of(q, slug, doc, rcache_model(e)->in->registry, rows) != 0) {
            submit_results_put(q->submit, e);
            err_set(err, errlen, "out of memory");
            goto done;
        }
        submit_results_put(q->submit, e);
    }
    all = calloc(json_array_size(rows) + 1, sizeof *all);
    sorted = json_array();
    if (all == NULL || sorted == NULL) {
        json_decref(sorted);
        err_set(err, errlen, "out of memory");
        goto done;
    }
    for (size_t i = 0; i < json_array_size(rows); i++)
        all[i] = json_array_get(rows, i);
    qsort(all, json_array_size(rows), sizeof *all, count_cmp);
    for (size_t i = 0; i < json_array_size(rows); i++)
        json_array_append(sorted, all[i]);
    q->answer = json_pack("{s:o}", "counts", sorted);
    q->status = q->answer != NULL ? MHD_HTTP_OK : 0;
    rc = q->answer != NULL ? 0 : err_set(err, errlen, "out of memory");
done:
    free(all);
    json_decref(rows);
    PQclear(res);
    return rc;
}

enum MHD_Result http_get_response_counts(struct request *rq, struct MHD_Connection *c)
{
    struct read_query q;
    enum outcome out;

    read_query_start(&q, rq, c);
    out = http_with_db(rq->srv, counts_work, &q);
    return answer(rq, c, out, "survey", &q);
}
