#include "rcache.h"

#include "dbpool.h"
#include "err.h"
#include "metrics.h"
#include "results.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

enum state { COMPUTING, READY, FAILED };

struct rcache_entry {
    struct rcache_entry *next;   /* in the cache's list, while in_list */
    int in_list;
    char *survey, *by;           /* by NULL: not split */
    struct rcache_stamp st;
    enum state state;
    unsigned refs;               /* the cache's list does not count */
    unsigned long long used;     /* the cache's tick when last used */
    struct results_src *src;     /* READY */
    const struct results *model;
    pthread_mutex_t render;      /* doc[] and results_src_build on src */
    json_t *doc[2];              /* Polish, English; made on first use */
};

struct rcache {
    pthread_mutex_t mu;          /* the list, states, refs, ticks */
    pthread_cond_t done;         /* broadcast when a computation ends */
    struct rcache_entry *head;
    size_t n, max;
    unsigned long long tick;
    void (*hold)(void *pin);
    void (*release)(void *pin);
};

int rcache_create(size_t max, void (*hold)(void *pin), void (*release)(void *pin),
                  struct rcache **out)
{
    struct rcache *c = calloc(1, sizeof *c);
    pthread_condattr_t ca;
    int ok;

    *out = NULL;
    if (c == NULL)
        return -1;
    /* waits are bounded by deadlines on CLOCK_MONOTONIC (dbpool.h) */
    if (pthread_condattr_init(&ca) != 0) {
        free(c);
        return -1;
    }
    ok = pthread_condattr_setclock(&ca, CLOCK_MONOTONIC) == 0 &&
         pthread_cond_init(&c->done, &ca) == 0;
    pthread_condattr_destroy(&ca);
    if (!ok) {
        free(c);
        return -1;
    }
    if (pthread_mutex_init(&c->mu, NULL) != 0) {
        pthread_cond_destroy(&c->done);
        free(c);
        return -1;
    }
    c->max = max > 0 ? max : 1;
    c->hold = hold;
    c->release = release;
    *out = c;
    return 0;
}

static void entry_free(struct rcache *c, struct rcache_entry *e)
{
    json_decref(e->doc[0]);
    json_decref(e->doc[1]);
    results_src_free(e->src);
    if (e->st.pin != NULL && c->release != NULL)
        c->release(e->st.pin);
    pthread_mutex_destroy(&e->render);
    free(e->survey);
    free(e->by);
    free(e);
}

/* Takes e out of the list (under mu); freed now when no request holds it. */
static void detach(struct rcache *c, struct rcache_entry *e)
{
    for (struct rcache_entry **p = &c->head; *p != NULL; p = &(*p)->next) {
        if (*p == e) {
            *p = e->next;
            e->next = NULL;
            e->in_list = 0;
            c->n--;
            break;
        }
    }
    if (e->refs == 0)
        entry_free(c, e);
}

void rcache_clear(struct rcache *c)
{
    pthread_mutex_lock(&c->mu);
    while (c->head != NULL)
        detach(c, c->head);
    pthread_mutex_unlock(&c->mu);
}

void rcache_free(struct rcache *c)
{
    if (c == NULL)
        return;
    rcache_clear(c);
    pthread_cond_destroy(&c->done);
    pthread_mutex_destroy(&c->mu);
    free(c);
}

static int same_key(const struct rcache_entry *e, const char *survey, const char *by)
{
    return strcmp(e->survey, survey) == 0 &&
           (by == NULL ? e->by == NULL : e->by != NULL && strcmp(e->by, by) == 0);
}

static int same_stamp(const struct rcache_stamp *a, const struct rcache_stamp *b)
{
    return a->survey_gen == b->survey_gen && a->registry_gen == b->registry_gen &&
           a->pin == b->pin;
}

static struct rcache_entry *find(struct rcache *c, const char *survey, const char *by)
{
    for (struct rcache_entry *e = c->head; e != NULL; e = e->next)
        if (same_key(e, survey, by))
            return e;
    return NULL;
}

void rcache_put(struct rcache *c, struct rcache_entry *e)
{
    if (e == NULL)
        return;
    pthread_mutex_lock(&c->mu);
    if (--e->refs == 0 && !e->in_list)
        entry_free(c, e);
    pthread_mutex_unlock(&c->mu);
}

/* A new entry in the list (under mu), computing, held by the caller; the
 * least recently used go when there are more than max. */
static struct rcache_entry *start(struct rcache *c, const char *survey, const char *by,
                                  const struct rcache_stamp *st)
{
    struct rcache_entry *e = calloc(1, sizeof *e);

    if (e == NULL)
        return NULL;
    e->survey = strdup(survey);
    e->by = by != NULL ? strdup(by) : NULL;
    if (e->survey == NULL || (by != NULL && e->by == NULL) ||
        pthread_mutex_init(&e->render, NULL) != 0) {
        free(e->survey);
        free(e->by);
        free(e);
        return NULL;
    }
    e->st = *st;
    if (e->st.pin != NULL && c->hold != NULL)
        c->hold(e->st.pin);
    e->state = COMPUTING;
    e->refs = 1;
    e->used = ++c->tick;
    e->next = c->head;
    e->in_list = 1;
    c->head = e;
    c->n++;
    while (c->n > c->max) {
        struct rcache_entry *old = NULL;

        for (struct rcache_entry *x = c->head; x != NULL; x = x->next)
            if (x != e && (old == NULL || x->used < old->used))
                old = x;
        detach(c, old);
    }
    return e;
}

/* Waits (under mu) until e is no longer computing or the caller's deadline
 * passes: 0, or -1 on the deadline. */
static int wait_for(struct rcache *c, struct rcache_entry *e)
{
    struct timespec deadline;
    int bounded = dbpool_get_deadline(&deadline);

    while (e->state == COMPUTING) {
        int rc = bounded ? pthread_cond_timedwait(&c->done, &c->mu, &deadline)
                         : pthread_cond_wait(&c->done, &c->mu);

        if (rc == ETIMEDOUT && e->state == COMPUTING)
            return -1;
    }
    return 0;
}

struct rcache_entry *rcache_get(struct rcache *c, const char *survey, const char *by_attr,
                                const struct rcache_stamp *st, rcache_compute compute,
                                void *ctx, int *timeout, char *err, size_t errlen)
{
    struct rcache_entry *e;
    struct results_src *src;
    const struct results *model = NULL;

    *timeout = 0;
    pthread_mutex_lock(&c->mu);
    for (;;) {
        e = find(c, survey, by_attr);
        if (e == NULL || !same_stamp(&e->st, st))
            break;   /* missing or stale: this request computes */
        e->refs++;
        if (wait_for(c, e) != 0) {
            e->refs--;   /* still listed: the computing request holds it */
            pthread_mutex_unlock(&c->mu);
            *timeout = 1;
            return err_set(err, errlen, "the figures of survey %s are still being computed",
                           survey), NULL;
        }
        if (e->state == READY) {
            e->used = ++c->tick;
            pthread_mutex_unlock(&c->mu);
            metrics_results(0);
            return e;
        }
        /* failed (and dropped from the list): look again, maybe compute */
        if (--e->refs == 0)
            entry_free(c, e);
    }
    if (e != NULL)
        detach(c, e);   /* stale: replaced by the one computed now */
    e = start(c, survey, by_attr, st);
    pthread_mutex_unlock(&c->mu);
    if (e == NULL)
        return err_set(err, errlen, "out of memory"), NULL;

    src = compute(ctx, err, errlen);
    if (src != NULL)
        model = results_src_model(src, err, errlen);
    if (src != NULL && model == NULL) {
        results_src_free(src);
        src = NULL;
    }

    pthread_mutex_lock(&c->mu);
    if (src != NULL) {
        e->src = src;
        e->model = model;
        e->state = READY;
    } else {
        e->state = FAILED;
        if (e->in_list)
            detach(c, e);   /* held by this request: not freed yet */
    }
    pthread_cond_broadcast(&c->done);
    if (src == NULL && --e->refs == 0)
        entry_free(c, e);
    pthread_mutex_unlock(&c->mu);
    if (src == NULL)
        return NULL;
    metrics_results(1);
    return e;
}

json_t *rcache_doc(struct rcache_entry *e, int english, char *err, size_t errlen)
{
    json_t *doc;

    english = english != 0;
    pthread_mutex_lock(&e->render);
    if (e->doc[english] == NULL)
        e->doc[english] = results_src_build(e->src, english, err, errlen);
    doc = e->doc[english];
    pthread_mutex_unlock(&e->render);
    return doc;
}

const struct results *rcache_model(const struct rcache_entry *e)
{
    return e->model;
}
