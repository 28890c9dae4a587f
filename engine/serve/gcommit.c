#include "gcommit.h"

#include "crew.h"
#include "db.h"
#include "err.h"
#include "ingest.h"
#include "log.h"
#include "metrics.h"

#include <libpq-fe.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* The most requests in one group: bounds the writer's arrays. */
#define GROUP_MAX_PARTS 256

struct item {
    const struct response *items;
    size_t n;
    const char *token_hash;
    struct timespec deadline;   /* the request's (dbpool_set_deadline) */
    int has_deadline;
    enum outcome outcome;
    int done;
    pthread_cond_t cond;   /* signalled when done */
    struct item *next;
};

struct gcommit {
    struct dbpool *pool;
    size_t max_rows;
    struct crew crew;   /* the writers; its lock guards the queue, wake: it grew, or stop */
    struct item *head, **tail;
};

/* Takes a group off the queue (lock held): at least one item, then more
 * while they fit in max_rows. Returns how many. */
static size_t take(struct gcommit *g, struct item **group)
{
    size_t k = 0, rows = 0;

    while (g->head != NULL && k < GROUP_MAX_PARTS &&
           (k == 0 || rows + g->head->n <= g->max_rows)) {
        struct item *it = g->head;

        g->head = it->next;
        if (g->head == NULL)
            g->tail = &g->head;
        rows += it->n;
        group[k++] = it;
    }
    return k;
}

/* One attempt on a pooled connection: the outcome, or -1 when the
 * connection broke (discarded; worth one more try on a fresh one). */
static int attempt(struct gcommit *g, const struct ingest_part *parts, size_t nparts,
                   const char *const *tokens, size_t ntokens)
{
    char err[ERR_MAX];
    PGconn *conn = dbpool_get(g->pool, err, sizeof err);
    int rc;

    if (conn == NULL)
        return OUTCOME_UNAVAILABLE;
    db_clear_failure();
    rc = ingest_group(conn, parts, nparts, tokens, ntokens, err, sizeof err);
    /* The database away (at any step: BEGIN, the rows, the token check,
     * COMMIT): nothing of the group is stored unless COMMIT returned, and
     * a COMMIT whose answer was lost is settled by the client's retry
     * (the same ids are duplicates then). Never "alone": that would only
     * fail again, as a 500. */
    if (rc == OUTCOME_UNAVAILABLE) {
        log_warn("group commit of %zu bodies: the database is unavailable: %s", nparts, err);
        dbpool_discard(g->pool, conn);
        return -1;
    }
    dbpool_put(g->pool, conn);
    if (rc == OUTCOME_OK)
        return OUTCOME_OK;
    if (rc != OUTCOME_CONFLICT)
        log_error("group commit of %zu bodies failed, storing each alone: %s", nparts, err);
    return OUTCOME_CONFLICT;
}

static enum outcome store_group(struct gcommit *g, struct item **group, size_t k)
{
    struct ingest_part parts[GROUP_MAX_PARTS];
    const char *tokens[GROUP_MAX_PARTS];
    size_t ntokens = 0;
    int rc = -1;

    for (size_t i = 0; i < k; i++) {
        size_t t = 0;

        parts[i].items = group[i]->items;
        parts[i].n = group[i]->n;
        while (t < ntokens && strcmp(tokens[t], group[i]->token_hash) != 0)
            t++;
        if (t == ntokens)
            tokens[ntokens++] = group[i]->token_hash;
    }
    for (int tries = 0; tries < 2 && rc < 0; tries++)
        rc = attempt(g, parts, k, tokens, ntokens);
    if (rc == OUTCOME_OK || rc == OUTCOME_CONFLICT)
        metrics_group(k, rc == OUTCOME_OK);
    return rc < 0 ? OUTCOME_UNAVAILABLE : (enum outcome)rc;
}

/* Moves the items whose request's deadline passed into late (they are
 * answered "unavailable" without a try: their client is told 503 within
 * the bound) and sets this thread's deadline to the earliest of the rest.
 * Returns how many are left in group. */
static size_t drop_expired(struct item **group, size_t k, struct item **late, size_t *nlate)
{
    struct timespec now, first = { 0, 0 };
    size_t kept = 0;
    int have = 0;

    clock_gettime(CLOCK_MONOTONIC, &now);
    *nlate = 0;
    for (size_t i = 0; i < k; i++) {
        struct item *it = group[i];

        if (it->has_deadline && (it->deadline.tv_sec < now.tv_sec ||
                                 (it->deadline.tv_sec == now.tv_sec &&
                                  it->deadline.tv_nsec <= now.tv_nsec))) {
            late[(*nlate)++] = it;
            continue;
        }
        if (it->has_deadline &&
            (!have || it->deadline.tv_sec < first.tv_sec ||
             (it->deadline.tv_sec == first.tv_sec && it->deadline.tv_nsec < first.tv_nsec))) {
            first = it->deadline;
            have = 1;
        }
        group[kept++] = it;
    }
    dbpool_set_deadline(have ? &first : NULL);
    return kept;
}

static void *writer(void *arg)
{
    struct gcommit *g = arg;
    struct item *group[GROUP_MAX_PARTS];
    struct item *late[GROUP_MAX_PARTS];
    size_t nlate = 0;

    pthread_mutex_lock(&g->crew.lock);
    for (;;) {
        enum outcome outcome;
        size_t k;

        while (g->head == NULL && !g->crew.stopping)
            pthread_cond_wait(&g->crew.wake, &g->crew.lock);
        if (g->head == NULL)
            break;
        k = take(g, group);
        pthread_mutex_unlock(&g->crew.lock);
        k = drop_expired(group, k, late, &nlate);
        outcome = k > 0 ? store_group(g, group, k) : OUTCOME_UNAVAILABLE;
        dbpool_set_deadline(NULL);
        pthread_mutex_lock(&g->crew.lock);
        for (size_t i = 0; i < k; i++) {
            group[i]->outcome = outcome;
            group[i]->done = 1;
            pthread_cond_signal(&group[i]->cond);
        }
        for (size_t i = 0; i < nlate; i++) {
            late[i]->outcome = OUTCOME_UNAVAILABLE;
            late[i]->done = 1;
            pthread_cond_signal(&late[i]->cond);
        }
    }
    pthread_mutex_unlock(&g->crew.lock);
    return NULL;
}

int gcommit_create(struct dbpool *pool, unsigned writers, size_t max_rows,
                   struct gcommit **out, char *err, size_t errlen)
{
    struct gcommit *g = calloc(1, sizeof *g);

    *out = NULL;
    if (writers == 0 || max_rows == 0) {
        free(g);
        return err_set(err, errlen, "group commit needs at least one writer and one row");
    }
    if (g == NULL)
        return err_set(err, errlen, "out of memory");
    g->pool = pool;
    g->max_rows = max_rows;
    g->tail = &g->head;
    *out = crew_launch(g, &g->crew, writers, writer, "the group commit threads", err, errlen);
    return *out != NULL ? 0 : -1;
}

void gcommit_free(struct gcommit *g)
{
    if (g == NULL)
        return;
    crew_stop(&g->crew);
    free(g);
}

enum outcome gcommit_store(struct gcommit *g, const struct response *items, size_t n,
                                   const char *token_hash)
{
    struct item it = { .items = items, .n = n, .token_hash = token_hash };

    it.has_deadline = dbpool_get_deadline(&it.deadline);

    if (pthread_cond_init(&it.cond, NULL) != 0)
        return OUTCOME_CONFLICT;
    pthread_mutex_lock(&g->crew.lock);
    if (g->crew.stopping) {
        pthread_mutex_unlock(&g->crew.lock);
        pthread_cond_destroy(&it.cond);
        return OUTCOME_CONFLICT;
    }
    *g->tail = &it;
    g->tail = &it.next;
    pthread_cond_signal(&g->crew.wake);
    while (!it.done)
        pthread_cond_wait(&it.cond, &g->crew.lock);
    pthread_mutex_unlock(&g->crew.lock);
    pthread_cond_destroy(&it.cond);
    return it.outcome;
}
