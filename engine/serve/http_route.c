/* http_route: the route table (method, roles, metric, answer), matching a URL to its
 * route, and handing a received request to its route (http_priv.h). */
#include "http_priv.h"

#include "http_form.h"
#include "http_links.h"
#include "jsonv.h"

#include <stdio.h>
#include <string.h>

const struct route_info http_routes[] = {
    [ROUTE_NONE] = { METRICS_ROUTE_OTHER, NULL, NULL, 0, NULL },
    [ROUTE_RESPONSES] = { METRICS_ROUTE_RESPONSES, "POST", "/v1/responses",
                          ALLOW(AUTH_COLLECTOR) | ALLOW(AUTH_COORDINATOR) | ALLOW(AUTH_ADMIN),
                          http_post_responses },
    [ROUTE_RESPONSE_COUNTS] = { METRICS_ROUTE_RESPONSE_COUNTS, "GET", "/v1/responses/counts",
                                ALLOW(AUTH_ANALYST) | ALLOW(AUTH_MINISTRY) | ALLOW(AUTH_ADMIN),
                                http_get_response_counts },
    [ROUTE_SURVEYS] = { METRICS_ROUTE_SURVEYS, "GET", "/v1/surveys", ANY_ROLE, http_get_surveys },
    [ROUTE_SURVEY] = { METRICS_ROUTE_SURVEY, "GET", NULL, ANY_ROLE, http_get_survey },
    /* a coordinator reads its own city only (stats_work, report_allowed) */
    [ROUTE_STATS] = { METRICS_ROUTE_STATS, "GET", "/v1/stats",
                      ALLOW(AUTH_COORDINATOR) | ALLOW(AUTH_ANALYST) | ALLOW(AUTH_MINISTRY) |
                          ALLOW(AUTH_ADMIN), http_get_stats },
    /* City and network workbooks hold aggregates only, the same figures as
     * GET /v1/stats, so the ministry may read them too; the programme-wide
     * export is not for an analyst of one network. */
    [ROUTE_REPORT_CITY] = { METRICS_ROUTE_REPORT_CITY, "GET", NULL,
                            ALLOW(AUTH_COORDINATOR) | ALLOW(AUTH_ANALYST) | ALLOW(AUTH_MINISTRY) |
                                ALLOW(AUTH_ADMIN), http_get_report },
    [ROUTE_REPORT_NETWORK] = { METRICS_ROUTE_REPORT_NETWORK, "GET", NULL,
                               ALLOW(AUTH_ANALYST) | ALLOW(AUTH_MINISTRY) | ALLOW(AUTH_ADMIN),
                               http_get_report },
    [ROUTE_REPORT_MINISTRY] = { METRICS_ROUTE_REPORT_MINISTRY, "GET", NULL,
                                ALLOW(AUTH_MINISTRY) | ALLOW(AUTH_ADMIN), http_get_report },
    [ROUTE_HEALTHZ] = { METRICS_ROUTE_HEALTHZ, "GET", "/healthz", 0, NULL },
    /* Counters only, but still the daemon's business: admin only. */
    [ROUTE_METRICS] = { METRICS_ROUTE_METRICS, "GET", "/metrics", ALLOW(AUTH_ADMIN),
                        http_get_metrics },
    [ROUTE_TOKENS] = { METRICS_ROUTE_OTHER, "GET", "/v1/tokens", ALLOW(AUTH_ADMIN),
                       http_tokens_route },
    [ROUTE_TOKEN_CREATE] = { METRICS_ROUTE_OTHER, "POST", "/v1/tokens", ALLOW(AUTH_ADMIN),
                             http_tokens_route },
    [ROUTE_TOKEN_REVOKE] = { METRICS_ROUTE_OTHER, "DELETE", NULL, ALLOW(AUTH_ADMIN),
                             http_tokens_route },
    [ROUTE_PARTICIPATION] = { METRICS_ROUTE_OTHER, "GET", "/v1/participation",
                              ALLOW(AUTH_COORDINATOR) | ALLOW(AUTH_ANALYST) | ALLOW(AUTH_MINISTRY) |
                                  ALLOW(AUTH_ADMIN), http_get_participation },
    [ROUTE_FORM] = { METRICS_ROUTE_OTHER, "GET", NULL, 0, NULL },
    [ROUTE_LINKS_LIST] = { METRICS_ROUTE_OTHER, "GET", "/v1/links", ALLOW(AUTH_ADMIN),
                           http_links_reply },
    [ROUTE_LINKS_CREATE] = { METRICS_ROUTE_OTHER, "POST", "/v1/links", ALLOW(AUTH_ADMIN),
                             http_links_reply },
    [ROUTE_LINK_CLOSE] = { METRICS_ROUTE_OTHER, "POST", NULL, ALLOW(AUTH_ADMIN), http_links_reply },
};

/* "/v1/reports/city/konin.xlsx" with prefix "/v1/reports/city/": the slug
 * (into slug) and the extension (into ext), when both are well formed. */
static int split_report(const char *url, const char *prefix, char *slug, size_t n, char *ext,
                        size_t extn)
{
    size_t plen = strlen(prefix);
    const char *name, *dot;
    size_t len;

    if (strncmp(url, prefix, plen) != 0)
        return 0;
    name = url + plen;
    dot = strrchr(name, '.');
    if (dot == NULL || strlen(dot + 1) >= extn)
        return 0;
    len = (size_t)(dot - name);
    if (len == 0 || len >= n)
        return 0;
    memcpy(slug, name, len);
    slug[len] = '\0';
    snprintf(ext, extn, "%s", dot + 1);
    return jsonv_is_slug(slug);
}

int http_route_takes(enum route r, const char *method)
{
    const char *want = http_routes[r].method;

    if (strcmp(method, want) == 0)
        return 1;
    return strcmp(want, "GET") == 0 && strcmp(method, "HEAD") == 0;
}

/* The route at a fixed path that takes the method, else the path's first
 * (its GET route, which then answers 405); ROUTE_NONE: no route there. */
static enum route match_exact(const char *url, const char *method)
{
    enum route first = ROUTE_NONE;

    for (size_t i = 0; i < sizeof http_routes / sizeof http_routes[0]; i++) {
        enum route r = (enum route)i;

        if (http_routes[r].path == NULL || strcmp(url, http_routes[r].path) != 0)
            continue;
        if (http_route_takes(r, method))
            return r;
        if (first == ROUTE_NONE)
            first = r;
    }
    return first;
}

/* A city's or a network's workbook: /v1/reports/city/<slug>.xlsx; the
 * ministry's export: /v1/reports/ministry.<xlsx, csv or json>. */
static enum route match_report(const char *url, struct request *rq)
{
    static const struct {
        const char *prefix;
        enum route route;
    } books[] = {
        { "/v1/reports/city/", ROUTE_REPORT_CITY },
        { "/v1/reports/network/", ROUTE_REPORT_NETWORK },
    };
    static const char ministry[] = "/v1/reports/ministry.";
    static const char *const ministry_exts[] = { "xlsx", "csv", "json" };

    for (size_t i = 0; i < sizeof ministry_exts / sizeof ministry_exts[0]; i++)
        if (strncmp(url, ministry, sizeof ministry - 1) == 0 &&
            strcmp(url + sizeof ministry - 1, ministry_exts[i]) == 0) {
            snprintf(rq->ext, sizeof rq->ext, "%s", ministry_exts[i]);
            return ROUTE_REPORT_MINISTRY;
        }

    for (size_t i = 0; i < sizeof books / sizeof books[0]; i++)
        if (split_report(url, books[i].prefix, rq->slug, sizeof rq->slug, rq->ext,
                         sizeof rq->ext) &&
            strcmp(rq->ext, "xlsx") == 0)
            return books[i].route;
    return ROUTE_NONE;
}

/* The fixed paths first, then the paths that carry a name or a number. */
enum route http_match_route(const char *url, struct request *rq)
{
    static const char survey_prefix[] = "/v1/surveys/";
    char *slug = rq->slug;
    size_t n = sizeof rq->slug;
    enum route r = match_exact(url, rq->method);

    if (r != ROUTE_NONE)
        return r;
    if (strncmp(url, "/v1/tokens/", 11) == 0 && strlen(url + 11) < n &&
        strspn(url + 11, "0123456789") == strlen(url + 11) && url[11] != '\0') {
        snprintf(slug, n, "%s", url + 11);
        return ROUTE_TOKEN_REVOKE;
    }
    if (http_form_route(url))
        return ROUTE_FORM;
    if (http_links_close_url(url, &rq->link_id))
        return ROUTE_LINK_CLOSE;
    if (strncmp(url, survey_prefix, sizeof survey_prefix - 1) == 0) {
        const char *s = url + sizeof survey_prefix - 1;

        if (jsonv_is_slug(s) && strlen(s) < n) {
            snprintf(slug, n, "%s", s);
            return ROUTE_SURVEY;
        }
    }
    if (strncmp(url, "/v1/reports/", strlen("/v1/reports/")) == 0)
        return match_report(url, rq);
    return ROUTE_NONE;
}

/* The request is fully received: answer it (on a worker: it may wait on
 * the database, within the request's deadline). */
enum MHD_Result http_answer(struct request *rq, struct MHD_Connection *c)
{
    int done = 0;
    enum MHD_Result ok;

    if (rq->route == ROUTE_FORM)
        return http_form_reply(rq, c);
    ok = http_admit(rq, c, &done, 1);
    if (done)
        return ok;
    if (http_routes[rq->route].answer != NULL)
        return http_routes[rq->route].answer(rq, c);
    return MHD_NO;
}

int http_query_lang(struct MHD_Connection *c, int *english)
{
    const char *lang = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "lang");

    *english = lang != NULL && strcmp(lang, "en") == 0;
    return lang == NULL || *english || strcmp(lang, "pl") == 0 ? 0 : -1;
}
