#include "metrics.h"

#include "dynbuf.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const route_names[METRICS_ROUTE_COUNT] = {
    "/v1/responses",
    "/v1/responses/counts",
    "/v1/surveys",
    "/v1/surveys/{slug}",
    "/v1/stats",
    "/v1/reports/city/{slug}.xlsx",
    "/v1/reports/network/{slug}.xlsx",
    "/v1/reports/ministry.{ext}",
    "/healthz",
    "/metrics",
    "other",
};

/* The statuses the daemon answers with; anything else lands in the last. */
static const unsigned statuses[] = { 0, 200, 201, 400, 401, 403, 404, 405, 409, 413, 415, 500, 503, 999 };
#define NSTATUS (sizeof statuses / sizeof statuses[0])

static const double buckets[] = { 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10 };
#define NBUCKET (sizeof buckets / sizeof buckets[0])

static struct {
    pthread_mutex_t lock;
    unsigned long long requests[METRICS_ROUTE_COUNT][NSTATUS];
    unsigned long long bucket[NBUCKET];   /* not cumulative: rendered cumulatively */
    unsigned long long count;
    double sum;
    long in_flight;
    unsigned long long created, duplicates;
    unsigned long long group_commits, group_bodies, group_alone;
    unsigned long long results_computed, results_reused;
} m = { .lock = PTHREAD_MUTEX_INITIALIZER };

void metrics_init(void)
{
    pthread_mutex_lock(&m.lock);
    memset(m.requests, 0, sizeof m.requests);
    memset(m.bucket, 0, sizeof m.bucket);
    m.count = 0;
    m.sum = 0;
    m.in_flight = 0;
    m.created = 0;
    m.duplicates = 0;
    m.group_commits = m.group_bodies = m.group_alone = 0;
    m.results_computed = m.results_reused = 0;
    pthread_mutex_unlock(&m.lock);
}

void metrics_destroy(void)
{
    /* Static storage: nothing to free. Kept for symmetry with metrics_init. */
}

static size_t status_index(unsigned status)
{
    for (size_t i = 0; i + 1 < NSTATUS; i++)
        if (statuses[i] == status)
            return i;
    return NSTATUS - 1;
}

void metrics_request(enum metrics_route route, unsigned status, double seconds)
{
    size_t s = status_index(status);

    if ((int)route < 0 || route >= METRICS_ROUTE_COUNT)
        route = METRICS_ROUTE_OTHER;
    pthread_mutex_lock(&m.lock);
    m.requests[route][s]++;
    for (size_t b = 0; b < NBUCKET; b++) {
        if (seconds <= buckets[b]) {
            m.bucket[b]++;
            break;
        }
    }
    m.count++;
    m.sum += seconds;
    pthread_mutex_unlock(&m.lock);
}

void metrics_in_flight(int delta)
{
    pthread_mutex_lock(&m.lock);
    m.in_flight += delta;
    pthread_mutex_unlock(&m.lock);
}

void metrics_stored(size_t created, size_t duplicates)
{
    pthread_mutex_lock(&m.lock);
    m.created += created;
    m.duplicates += duplicates;
    pthread_mutex_unlock(&m.lock);
}

void metrics_group(size_t bodies, int stored)
{
    pthread_mutex_lock(&m.lock);
    m.group_commits++;
    if (stored)
        m.group_bodies += bodies;
    else
        m.group_alone += bodies;
    pthread_mutex_unlock(&m.lock);
}

void metrics_results(int computed)
{
    pthread_mutex_lock(&m.lock);
    if (computed)
        m.results_computed++;
    else
        m.results_reused++;
    pthread_mutex_unlock(&m.lock);
}

/* The page: a few kilobytes; the cap only stops a runaway. */
#define METRICS_MAX_TEXT (1u << 20)

/* Appends to the page. Not checked call by call: a dynbuf's failure is
 * sticky, and metrics_render looks at it once. */
__attribute__((format(printf, 2, 3))) static void put(struct dynbuf *t, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    (void)dynbuf_vprintf(t, fmt, ap);
    va_end(ap);
}

static void render_requests(struct dynbuf *t)
{
    put(t, "# HELP empirie_http_requests_total HTTP requests answered, by route and status.\n"
           "# TYPE empirie_http_requests_total counter\n");
    for (size_t r = 0; r < METRICS_ROUTE_COUNT; r++) {
        for (size_t s = 0; s < NSTATUS; s++) {
            if (m.requests[r][s] == 0)
                continue;
            if (statuses[s] == 0)
                put(t, "empirie_http_requests_total{route=\"%s\",status=\"none\"} %llu\n",
                    route_names[r], m.requests[r][s]);
            else if (s == NSTATUS - 1)
                put(t, "empirie_http_requests_total{route=\"%s\",status=\"other\"} %llu\n",
                    route_names[r], m.requests[r][s]);
            else
                put(t, "empirie_http_requests_total{route=\"%s\",status=\"%u\"} %llu\n",
                    route_names[r], statuses[s], m.requests[r][s]);
        }
    }
}

static void render_latency(struct dynbuf *t)
{
    unsigned long long cum = 0;

    put(t, "# HELP empirie_http_request_duration_seconds Time from request headers to the "
           "end of the answer.\n"
           "# TYPE empirie_http_request_duration_seconds histogram\n");
    for (size_t b = 0; b < NBUCKET; b++) {
        cum += m.bucket[b];
        put(t, "empirie_http_request_duration_seconds_bucket{le=\"%g\"} %llu\n", buckets[b], cum);
    }
    put(t, "empirie_http_request_duration_seconds_bucket{le=\"+Inf\"} %llu\n", m.count);
    put(t, "empirie_http_request_duration_seconds_sum %.6f\n", m.sum);
    put(t, "empirie_http_request_duration_seconds_count %llu\n", m.count);
}

char *metrics_render(size_t *len)
{
    struct dynbuf t;

    dynbuf_init(&t, METRICS_MAX_TEXT);
    pthread_mutex_lock(&m.lock);
    render_requests(&t);
    render_latency(&t);
    put(&t, "# HELP empirie_responses_stored_total Survey responses accepted, by result.\n"
            "# TYPE empirie_responses_stored_total counter\n"
            "empirie_responses_stored_total{result=\"created\"} %llu\n"
            "empirie_responses_stored_total{result=\"duplicate\"} %llu\n",
        m.created, m.duplicates);
    put(&t, "# HELP empirie_group_commits_total Group commits of submissions attempted.\n"
            "# TYPE empirie_group_commits_total counter\n"
            "empirie_group_commits_total %llu\n"
            "# HELP empirie_group_bodies_total Request bodies in group commits, by outcome "
            "(alone: stored one by one after the group could not take them).\n"
            "# TYPE empirie_group_bodies_total counter\n"
            "empirie_group_bodies_total{outcome=\"stored\"} %llu\n"
            "empirie_group_bodies_total{outcome=\"alone\"} %llu\n",
        m.group_commits, m.group_bodies, m.group_alone);
    put(&t, "# HELP empirie_results_computed_total Survey results computed from the "
            "responses (statistics, reports, counts).\n"
            "# TYPE empirie_results_computed_total counter\n"
            "empirie_results_computed_total %llu\n"
            "# HELP empirie_results_reused_total Requests served from results computed before "
            "(nothing changed since) or by a concurrent request.\n"
            "# TYPE empirie_results_reused_total counter\n"
            "empirie_results_reused_total %llu\n",
        m.results_computed, m.results_reused);
    put(&t, "# HELP empirie_http_requests_in_flight Requests being handled.\n"
            "# TYPE empirie_http_requests_in_flight gauge\n"
            "empirie_http_requests_in_flight %ld\n",
        m.in_flight);
    pthread_mutex_unlock(&m.lock);
    if (dynbuf_error(&t) != DYNBUF_OK) {
        dynbuf_free(&t);
        return NULL;
    }
    return dynbuf_take(&t, len);
}
