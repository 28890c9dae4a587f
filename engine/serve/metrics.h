/*
 * metrics: the daemon's counters, rendered in the Prometheus text format
 * (version 0.0.4) for GET /metrics.
 *
 *   empirie_http_requests_total{route, status}   requests answered
 *   empirie_http_request_duration_seconds        latency histogram (all routes)
 *   empirie_responses_stored_total{result}       created / duplicate
 *   empirie_http_requests_in_flight              requests being handled
 *   empirie_group_commits_total                  group commits attempted (gcommit.h)
 *   empirie_group_bodies_total{outcome}          bodies in them: stored / alone
 *   empirie_results_computed_total               results computed from the responses
 *   empirie_results_reused_total                 requests served from computed results
 *
 * Routes and statuses are small fixed sets, so the counters are plain arrays
 * behind one mutex: an increment per request is far below the cost of the
 * request itself. Labels never carry a path segment, a token or a city.
 */
#ifndef EMPIRIE_METRICS_H
#define EMPIRIE_METRICS_H

#include <stddef.h>

/* Route labels; METRICS_ROUTE_OTHER counts unknown paths (404). */
enum metrics_route {
    METRICS_ROUTE_RESPONSES,
    METRICS_ROUTE_RESPONSE_COUNTS,
    METRICS_ROUTE_SURVEYS,
    METRICS_ROUTE_SURVEY,
    METRICS_ROUTE_STATS,
    METRICS_ROUTE_REPORT_CITY,
    METRICS_ROUTE_REPORT_NETWORK,
    METRICS_ROUTE_REPORT_MINISTRY,
    METRICS_ROUTE_HEALTHZ,
    METRICS_ROUTE_METRICS,
    METRICS_ROUTE_OTHER,
    METRICS_ROUTE_COUNT
};

void metrics_init(void);
void metrics_destroy(void);

/* One answered request. status 0 (no answer: the client went away or timed
 * out) is counted under status "none". */
void metrics_request(enum metrics_route route, unsigned status, double seconds);

void metrics_in_flight(int delta);

void metrics_stored(size_t created, size_t duplicates);

/* One group commit of bodies request bodies: stored together, or not
 * (each then stored alone). Not counted when the database was away. */
void metrics_group(size_t bodies, int stored);

/* A request for a survey's results (rcache.h): computed for it (computed
 * 1), or served from results computed before or by a concurrent request. */
void metrics_results(int computed);

/* The text exposition, newly allocated (caller frees), *len its length.
 * NULL when out of memory. */
char *metrics_render(size_t *len);

#endif
