/* http_routes: the routes that hand a request to their module and answer
 * what it says: submissions, the survey catalog, /metrics, tokens,
 * participation, the respondent's form and the form links (http_priv.h). */
#include "http_priv.h"

#include "http_form.h"
#include "http_links.h"
#include "http_participation.h"
#include "http_tokens.h"
#include "log.h"
#include "submit.h"
#include "tokencache.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum MHD_Result http_get_metrics(struct request *rq, struct MHD_Connection *c)
{
    size_t len;
    char *text = metrics_render(&len);
    enum MHD_Result ok;

    if (text == NULL)
        return http_reply_error(rq, c, MHD_HTTP_INTERNAL_SERVER_ERROR, "", "out of memory");
    ok = http_reply(rq, c, MHD_HTTP_OK, "text/plain; version=0.0.4; charset=utf-8", text, len, NULL);
    free(text);
    return ok;
}

enum MHD_Result http_get_surveys(struct request *rq, struct MHD_Connection *c)
{
    struct json_query q = {
        .sql = "SELECT json_build_object('surveys', coalesce(json_agg(x ORDER BY x.slug), '[]'))"
               " FROM (SELECT s.slug, max(s.version) AS version,"
               " array_agg(s.version ORDER BY s.version) AS versions,"
               " (SELECT l.definition->'title' FROM survey l WHERE l.slug = s.slug"
               "  ORDER BY l.version DESC LIMIT 1) AS title,"
               " (SELECT coalesce(json_agg(json_build_object('label', w.label,"
               "  'survey_version', w.survey_version, 'opens_on', w.opens_on,"
               "  'closes_on', w.closes_on) ORDER BY w.opens_on, w.label), '[]')"
               "  FROM wave w WHERE w.survey = s.slug) AS waves"
               " FROM survey s GROUP BY s.slug) x",
    };

    return http_reply_query(rq, c, &q, "no surveys");
}

/* Parses ?version=N (absent: the newest). Returns -1 when it is not a
 * positive integer. */
static int version_arg(struct MHD_Connection *c, char *out, size_t n)
{
    const char *v = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "version");
    char *end;
    long ver;

    out[0] = '\0';
    if (v == NULL)
        return 0;
    errno = 0;
    ver = strtol(v, &end, 10);
    if (errno != 0 || end == v || *end != '\0' || ver < 1 || ver > 1000000)
        return -1;
    snprintf(out, n, "%ld", ver);
    return 0;
}

enum MHD_Result http_get_survey(struct request *rq, struct MHD_Connection *c)
{
    char version[16];
    char msg[160];
    struct json_query q = {
        .sql = "SELECT json_build_object('slug', s.slug, 'version', s.version,"
               " 'definition', s.definition, 'waves',"
               " (SELECT coalesce(json_agg(json_build_object('label', w.label,"
               "  'opens_on', w.opens_on, 'closes_on', w.closes_on)"
               "  ORDER BY w.opens_on, w.label), '[]')"
               "  FROM wave w WHERE w.survey = s.slug AND w.survey_version = s.version))"
               " FROM survey s WHERE s.slug = $1 AND ($2::int IS NULL OR s.version = $2::int)"
               " ORDER BY s.version DESC LIMIT 1",
        .nparams = 2,
    };

    if (version_arg(c, version, sizeof version) != 0)
        return http_reply_error(rq, c, MHD_HTTP_BAD_REQUEST, "version",
                           "version: expected a positive integer");
    q.params[0] = rq->slug;
    q.params[1] = version[0] != '\0' ? version : NULL;
    snprintf(msg, sizeof msg, "no survey '%s'%s%s", rq->slug, version[0] ? " version " : "",
             version);
    return http_reply_query(rq, c, &q, msg);
}

enum MHD_Result http_post_responses(struct request *rq, struct MHD_Connection *c)
{
    struct http_server *srv = rq->srv;
    struct ingest_result res;

    if (rq->too_large) {
        char msg[128];

        snprintf(msg, sizeof msg, "the body is larger than the limit of %zu bytes",
                 rq->srv->body_limit);
        return http_reply_error(rq, c, MHD_HTTP_CONTENT_TOO_LARGE, "", msg);
    }
    if (dynbuf_len(&rq->body) == 0)
        return http_reply_error(rq, c, MHD_HTTP_BAD_REQUEST, "",
                           "empty body: expected a JSON response object or an array of them");
    switch (submit_store(srv->submit, srv->gcommit, srv->pool, dynbuf_ptr(&rq->body),
                         dynbuf_len(&rq->body), &rq->who, &res)) {
    case OUTCOME_OK:
        metrics_stored(res.created, res.duplicates);
        return http_reply_json(rq, c, MHD_HTTP_CREATED,
                          json_pack("{s:I,s:I}", "stored", (json_int_t)res.created,
                                    "duplicates", (json_int_t)res.duplicates),
                          NULL);
    case OUTCOME_UNAUTHENTICATED:
        /* the token was deleted after it was admitted (from the cache) */
        tokencache_forget(srv->tokens, rq->who.hash);
        return http_reply_error(rq, c, outcome_http_status(res.outcome), "",
                           res.error.message[0] != '\0' ? res.error.message : "unknown token");
    case OUTCOME_UNAVAILABLE:
        if (res.error.message[0] != '\0')
            log_warn("POST %s: %s", rq->path, res.error.message);
        return http_reply_unavailable(rq, c);
    case OUTCOME_INVALID:
    case OUTCOME_FORBIDDEN:
    case OUTCOME_CONFLICT:
        return http_reply_error(rq, c, outcome_http_status(res.outcome), res.error.path,
                                res.error.message);
    default:
        log_error("POST %s: %s", rq->path, res.error.message);
        return http_reply_error(rq, c, MHD_HTTP_INTERNAL_SERVER_ERROR, "", "database error");
    }
}

enum MHD_Result http_tokens_route(struct request *rq, struct MHD_Connection *c)
{
    struct http_tokens_req q;
    const char *all = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "all");
    enum outcome out;

    memset(&q, 0, sizeof q);
    if (rq->route == ROUTE_TOKENS) {
        q.op = HTTP_TOKENS_LIST;
        if (all != NULL && strcmp(all, "true") != 0 && strcmp(all, "false") != 0)
            return http_reply_error(rq, c, MHD_HTTP_BAD_REQUEST, "all", "all: expected true or false");
        q.all = all != NULL && strcmp(all, "true") == 0;
    } else if (rq->route == ROUTE_TOKEN_CREATE) {
        q.op = HTTP_TOKENS_CREATE;
        if (rq->too_large)
            return http_reply_error(rq, c, MHD_HTTP_CONTENT_TOO_LARGE, "", "the body is too large");
        q.body = dynbuf_ptr(&rq->body);
        q.len = dynbuf_len(&rq->body);
    } else {
        q.op = HTTP_TOKENS_REVOKE;
        if (!http_tokens_id(rq->slug, &q.id))
            return http_reply_error(rq, c, MHD_HTTP_NOT_FOUND, "", "no such token");
    }
    out = http_with_db(rq->srv, http_tokens_work, &q);
    if (out == OUTCOME_UNAVAILABLE) {
        json_decref(q.doc);
        return http_reply_unavailable(rq, c);
    }
    if (out == OUTCOME_INTERNAL) {
        json_decref(q.doc);
        return http_reply_error(rq, c, MHD_HTTP_INTERNAL_SERVER_ERROR, "", "database error");
    }
    if (q.revoked[0] != '\0')
        tokencache_forget(rq->srv->tokens, q.revoked);
    if (q.status != MHD_HTTP_OK && q.status != MHD_HTTP_CREATED)
        return http_reply_error(rq, c, q.status, q.path, q.message);
    return http_reply_json(rq, c, q.status, q.doc, NULL);
}

enum MHD_Result http_get_participation(struct request *rq, struct MHD_Connection *c)
{
    struct http_participation_req q;
    enum outcome out;

    memset(&q, 0, sizeof q);
    q.who = &rq->who;
    q.submit = rq->srv->submit;
    q.survey = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "survey");
    q.wave = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "wave");
    q.city = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "city");
    if (http_participation_check(&q) != 0)
        return http_reply_error(rq, c, q.status, q.path, q.message);
    out = http_with_db(rq->srv, http_participation_work, &q);
    if (out != OUTCOME_OK) {
        json_decref(q.doc);
        return out == OUTCOME_UNAVAILABLE
                   ? http_reply_unavailable(rq, c)
                   : http_reply_error(rq, c, MHD_HTTP_INTERNAL_SERVER_ERROR, "", "database error");
    }
    if (q.status != MHD_HTTP_OK)
        return http_reply_error(rq, c, q.status, q.path, q.message);
    return http_reply_json(rq, c, MHD_HTTP_OK, q.doc, NULL);
}

/* The respondent's pages (http_form.h): HTML with their own headers. */
enum MHD_Result http_form_reply(struct request *rq, struct MHD_Connection *c)
{
    struct http_form_answer a;
    const char *headers[24];
    char retry[16];
    size_t n = 0;
    enum MHD_Result ok;

    http_form_handle(rq->srv->submit, rq->srv->pool, c, rq->method, rq->url,
                     dynbuf_ptr(&rq->body), dynbuf_len(&rq->body), rq->too_large, &a);
    if (a.body == NULL)
        return MHD_NO;
    for (size_t i = 0; http_form_headers[i] != NULL && n + 2 < 18; i += 2) {
        headers[n++] = http_form_headers[i];
        headers[n++] = http_form_headers[i + 1];
    }
    if (a.location[0] != '\0') {
        headers[n++] = MHD_HTTP_HEADER_LOCATION;
        headers[n++] = a.location;
    }
    if (a.retry_after > 0) {
        snprintf(retry, sizeof retry, "%u", a.retry_after);
        headers[n++] = MHD_HTTP_HEADER_RETRY_AFTER;
        headers[n++] = retry;
    }
    if (a.status == MHD_HTTP_METHOD_NOT_ALLOWED) {
        headers[n++] = MHD_HTTP_HEADER_ALLOW;
        headers[n++] = strcmp(rq->url, "/form.css") == 0 ? "GET, HEAD" : "GET, HEAD, POST";
    }
    headers[n] = NULL;
    ok = http_reply(rq, c, a.status, a.type, a.body, a.len, headers);
    free(a.body);
    return ok;
}

/* POST /v1/links, GET /v1/links, POST /v1/links/{id}/close (admin). */
enum MHD_Result http_links_reply(struct request *rq, struct MHD_Connection *c)
{
    struct http_links_answer a;
    enum http_links_op op = rq->route == ROUTE_LINKS_CREATE ? HTTP_LINKS_CREATE
                            : rq->route == ROUTE_LINKS_LIST ? HTTP_LINKS_LIST
                                                            : HTTP_LINKS_CLOSE;

    if (rq->too_large)
        return http_reply_error(rq, c, MHD_HTTP_CONTENT_TOO_LARGE, "", "the body is too large");
    http_links_handle(rq->srv->pool, op, rq->link_id, dynbuf_ptr(&rq->body),
                      dynbuf_len(&rq->body), &a);
    if (a.outcome == OUTCOME_OK)
        return http_reply_json(rq, c, a.created ? MHD_HTTP_CREATED : MHD_HTTP_OK, a.doc, NULL);
    if (a.outcome == OUTCOME_UNAVAILABLE)
        return http_reply_unavailable(rq, c);
    return http_reply_error(rq, c, outcome_http_status(a.outcome), a.path, a.message);
}
