#include "submit.h"

#include "catalog.h"
#include "db.h"
#include "err.h"
#include "jarena.h"
#include "rcache.h"
#include "response.h"
#include "results.h"
#include "survey.h"
#include "wavewin.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A loaded catalog and the registry generation it was read at (-1: not
 * known), held by the submit (while current) and by the cached results
 * built with it; freed with the last holder. */
struct catref {
    struct catalog *cat;
    long long registry_gen;
    unsigned refs;   /* under pin_lock */
};

struct submit {
    pthread_rwlock_t lock; /* guards cat (the pointer) and stale */
    struct catref *cat;    /* NULL until loaded */
    int stale;
    int allow_closed;      /* set before the daemon starts serving */
    struct rcache *cache;  /* the computed results (rcache.h) */
};

static pthread_mutex_t pin_lock = PTHREAD_MUTEX_INITIALIZER;

static void catref_hold(void *pin)
{
    struct catref *c = pin;

    pthread_mutex_lock(&pin_lock);
    c->refs++;
    pthread_mutex_unlock(&pin_lock);
}

static void catref_release(void *pin)
{
    struct catref *c = pin;
    unsigned left;

    if (c == NULL)
        return;
    pthread_mutex_lock(&pin_lock);
    left = --c->refs;
    pthread_mutex_unlock(&pin_lock);
    if (left == 0) {
        catalog_free(c->cat);
        free(c);
    }
}

void submit_allow_closed_waves(struct submit *s, int allow)
{
    s->allow_closed = allow;
}

int submit_create(struct submit **out, char *err, size_t errlen)
{
    struct submit *s = calloc(1, sizeof *s);

    *out = NULL;
    if (s == NULL)
        return err_set(err, errlen, "out of memory");
    if (rcache_create(RCACHE_MAX, catref_hold, catref_release, &s->cache) != 0) {
        free(s);
        return err_set(err, errlen, "cannot create the results cache");
    }
    if (pthread_rwlock_init(&s->lock, NULL) != 0) {
        rcache_free(s->cache);
        free(s);
        return err_set(err, errlen, "cannot create a lock");
    }
    *out = s;
    return 0;
}

void submit_free(struct submit *s)
{
    if (s == NULL)
        return;
    rcache_free(s->cache);
    catref_release(s->cat);
    pthread_rwlock_destroy(&s->lock);
    free(s);
}

void submit_mark_stale(struct submit *s)
{
    pthread_rwlock_wrlock(&s->lock);
    s->stale = 1;
    pthread_rwlock_unlock(&s->lock);
    rcache_clear(s->cache);
}

/* Whether the catalog must be (re)loaded: none, stale, or read at another
 * registry generation than registry_gen (-1: not known, not compared).
 * Under the lock. */
static int catalog_outdated(const struct submit *s, long long registry_gen)
{
    return s->cat == NULL || s->stale ||
           (registry_gen >= 0 && s->cat->registry_gen != registry_gen);
}

/* Loads the catalog when there is none, it is stale or the registry changed
 * (registry_gen, read before; -1: not known); a failed reload keeps the old
 * one. A new catalog drops the computed results. Fails only when there is
 * no catalog at all. */
static int ensure_catalog(struct submit *s, PGconn *conn, long long registry_gen, char *err,
                          size_t errlen)
{
    struct catref *fresh;
    int need, rc = 0;

    pthread_rwlock_rdlock(&s->lock);
    need = catalog_outdated(s, registry_gen);
    pthread_rwlock_unlock(&s->lock);
    if (!need)
        return 0;
    pthread_rwlock_wrlock(&s->lock);
    if (catalog_outdated(s, registry_gen)) {
        fresh = calloc(1, sizeof *fresh);
        if (fresh != NULL && catalog_load(conn, &fresh->cat, err, errlen) == 0) {
            fresh->registry_gen = registry_gen;
            fresh->refs = 1;
            catref_release(s->cat);
            s->cat = fresh;
            s->stale = 0;
            rcache_clear(s->cache);
        } else {
            if (fresh == NULL)
                err_set(err, errlen, "out of memory");
            free(fresh);
            if (s->cat == NULL) {
                err_prefix(err, errlen, "the survey catalog cannot be loaded");
                rc = -1;
            }
        }
    }
    pthread_rwlock_unlock(&s->lock);
    return rc;
}

/* ensure_catalog on a pooled connection, borrowed only when needed. */
static int ensure_catalog_pooled(struct submit *s, struct dbpool *pool, char *err, size_t errlen)
{
    PGconn *conn;
    int need, rc;

    pthread_rwlock_rdlock(&s->lock);
    need = s->cat == NULL || s->stale;
    pthread_rwlock_unlock(&s->lock);
    if (!need)
        return 0;
    conn = dbpool_get(pool, err, errlen);
    if (conn == NULL)
        return -1;
    rc = ensure_catalog(s, conn, -1, err, errlen);
    dbpool_put(pool, conn);
    return rc;
}

static void unavailable(struct ingest_result *res, const char *why)
{
    memset(res, 0, sizeof *res);
    res->outcome = OUTCOME_UNAVAILABLE;
    snprintf(res->error.message, sizeof res->error.message, "%s", why);
}

/*
 * The body alone (no group): the token is checked again first, as the group
 * statement would have. A pooled connection found dead is replaced once,
 * as in the daemon's other database work.
 */
static enum outcome store_alone(struct dbpool *pool, const struct response_batch *b,
                       const struct auth_principal *who, struct ingest_result *res)
{
    const char *only = auth_city_scope(who);
    char err[ERR_MAX];

    for (int attempt = 0; attempt < 2; attempt++) {
        struct auth_principal again;
        PGconn *conn = dbpool_get(pool, err, sizeof err);
        int known;

        if (conn == NULL)
            break;
        db_clear_failure();
        known = auth_lookup_hash(conn, who->hash, &again, err, sizeof err);
        if (known == 0) {
            dbpool_put(pool, conn);
            memset(res, 0, sizeof *res);
            res->outcome = OUTCOME_UNAUTHENTICATED;
            snprintf(res->error.message, sizeof res->error.message, "%s", again.refused);
            return OUTCOME_UNAUTHENTICATED;
        }
        if (known > 0)
            ingest_parsed(conn, b, only, res);
        /* a dead pooled connection: once more, on a fresh one */
        if (PQstatus(conn) != CONNECTION_OK) {
            dbpool_discard(pool, conn);
            continue;
        }
        if (known < 0 && db_unavailable(conn)) {
            /* a lock or statement timeout, a shutdown under way: 503 */
            dbpool_discard(pool, conn);
            unavailable(res, err);
            return OUTCOME_UNAVAILABLE;
        }
        dbpool_put(pool, conn);
        if (known < 0) {
            memset(res, 0, sizeof *res);
            res->outcome = OUTCOME_INTERNAL;
            snprintf(res->error.message, sizeof res->error.message, "%s", err);
        }
        return res->outcome;
    }
    unavailable(res, "the database is unavailable");
    return OUTCOME_UNAVAILABLE;
}

enum outcome submit_store(struct submit *s, struct gcommit *gc, struct dbpool *pool,
                          const char *body, size_t len, const struct auth_principal *who,
                          struct ingest_result *res)
{
    const char *only = auth_city_scope(who);
    struct response_batch *b = NULL;
    struct jarena arena = { 0 };
    char err[ERR_MAX], today[11];

    memset(res, 0, sizeof *res);
    if (ensure_catalog_pooled(s, pool, err, sizeof err) != 0) {
        unavailable(res, err);
        return OUTCOME_UNAVAILABLE;
    }
    pthread_rwlock_rdlock(&s->lock);
    /* the parsed body's values live in the arena until response_batch_free */
    jarena_enter(&arena);
    if (response_parse(body, len, s->cat->cat, RESPONSE_MAX_BATCH, &b, &res->error) != 0) {
        res->outcome = OUTCOME_INVALID;
    } else if (!s->allow_closed && (wavewin_today(today), 1) &&
               wavewin_check(s->cat->cat, b->items, b->n, b->was_array, b->pos, today,
                             &res->error) != 0) {
        res->outcome = OUTCOME_CONFLICT;
    } else if (ingest_check_scope(b, only, res) == 0) {
        switch (gcommit_store(gc, b->items, b->n, who->hash)) {
        case OUTCOME_OK:
            res->outcome = OUTCOME_OK;
            res->created = b->n;
            break;
        case OUTCOME_UNAVAILABLE:
            unavailable(res, "the database is unavailable");
            break;
        default:   /* OUTCOME_CONFLICT: the group cannot take it as it is */
            store_alone(pool, b, who, res);
            break;
        }
    }
    response_batch_free(b);
    jarena_leave(&arena);
    jarena_free(&arena);
    pthread_rwlock_unlock(&s->lock);
    return res->outcome;
}

int submit_with_catalog(struct submit *s, struct dbpool *pool, submit_catalog_fn fn, void *ctx,
                        char *err, size_t errlen)
{
    int rc;

    if (ensure_catalog_pooled(s, pool, err, errlen) != 0)
        return -1;
    pthread_rwlock_rdlock(&s->lock);
    rc = fn(s->cat->cat, ctx);
    pthread_rwlock_unlock(&s->lock);
    return rc;
}

/* Whether the survey is known, has waves, and (by_attr) every version its
 * waves use has the attribute: else the request names something that is
 * not there (err says what). */
static int known_request(const struct catalog *cat, const char *survey, const char *by_attr,
                         char *err, size_t errlen)
{
    const struct catalog_wave *const *waves;
    size_t nwaves = 0;

    if (catalog_survey_latest(cat, survey) == NULL) {
        err_set(err, errlen, "unknown survey \"%s\"", survey);
        return 0;
    }
    waves = catalog_waves(cat, survey, &nwaves);
    if (nwaves == 0) {
        err_set(err, errlen, "survey \"%s\" has no waves", survey);
        return 0;
    }
    for (size_t w = 0; by_attr != NULL && w < nwaves; w++) {
        const struct survey *v = catalog_survey(cat, survey, waves[w]->survey_version);

        if (v != NULL && survey_attr_index(v, by_attr) < 0) {
            err_set(err, errlen, "survey %s version %d has no attribute \"%s\"", survey,
                    v->version, by_attr);
            return 0;
        }
    }
    return 1;
}

/* The generations the survey's results depend on (migration 0018: the sum
 * of the survey's rows, one per writing slot): one indexed read. */
static int read_stamp(PGconn *conn, const char *survey, struct rcache_stamp *st, char *err,
                      size_t errlen)
{
    PGresult *res;

    if (db_exec(conn,
                "SELECT (SELECT coalesce(sum(gen), 0) FROM survey_generation WHERE survey = $1), "
                "(SELECT gen FROM registry_generation)",
                1, &survey, &res, NULL, err, errlen) != 0) {
        err_prefix(err, errlen, "the generations of the figures (empirie migrate?)");
        return -1;
    }
    st->survey_gen = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
    st->registry_gen = PQgetisnull(res, 0, 1) ? 0 : strtoll(PQgetvalue(res, 0, 1), NULL, 10);
    PQclear(res);
    return 0;
}

struct compute_ctx {
    PGconn *conn;
    const struct catalog *cat;
    const char *survey, *by_attr;
};

static struct results_src *compute(void *ctx, char *err, size_t errlen)
{
    struct compute_ctx *x = ctx;

    return results_src_load(x->conn, x->cat, NULL, x->survey, x->by_attr, NULL, NULL, err,
                            errlen);
}

struct rcache_entry *submit_results_get(struct submit *s, PGconn *conn, const char *survey,
                                        const char *by_attr, int *unknown, char *err,
                                        size_t errlen)
{
    struct rcache_stamp st;
    struct compute_ctx x = { .conn = conn, .survey = survey, .by_attr = by_attr };
    struct rcache_entry *e;
    struct catref *pin = NULL;
    int timeout;

    *unknown = 0;
    /* the generations first: whatever is committed after this is newer
     * than the stamp, so at worst computed again */
    if (read_stamp(conn, survey, &st, err, errlen) != 0 ||
        ensure_catalog(s, conn, st.registry_gen, err, errlen) != 0)
        return NULL;
    pthread_rwlock_rdlock(&s->lock);
    if (known_request(s->cat->cat, survey, by_attr, err, errlen)) {
        pin = s->cat;
        catref_hold(pin);
    } else {
        *unknown = 1;
    }
    pthread_rwlock_unlock(&s->lock);
    if (pin == NULL)
        return NULL;
    /* the catalog stays alive (pinned) while the results are computed
     * outside the lock, and with the entry after */
    st.pin = pin;
    x.cat = pin->cat;
    e = rcache_get(s->cache, survey, by_attr, &st, compute, &x, &timeout, err, errlen);
    catref_release(pin);
    if (e == NULL && timeout)
        db_note_failure(NULL);   /* the daemon's deadline: 503, as for a slow query */
    return e;
}

void submit_results_put(struct submit *s, struct rcache_entry *e)
{
    rcache_put(s->cache, e);
}
