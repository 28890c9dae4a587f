#include "submit.h"

#include "catalog.h"
#include "db.h"
#include "err.h"
#include "jarena.h"
#include "response.h"
#include "survey.h"
#include "wavewin.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct submit {
    pthread_rwlock_t lock;
    struct catalog *cat;   /* NULL until loaded */
    int stale;
    int allow_closed;      /* set before the daemon starts serving */
};

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
    if (pthread_rwlock_init(&s->lock, NULL) != 0) {
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
    catalog_free(s->cat);
    pthread_rwlock_destroy(&s->lock);
    free(s);
}

void submit_mark_stale(struct submit *s)
{
    pthread_rwlock_wrlock(&s->lock);
    s->stale = 1;
    pthread_rwlock_unlock(&s->lock);
}

/* Loads the catalog when there is none or it is stale; a failed reload
 * keeps the old one. Fails only when there is no catalog at all. */
static int ensure_catalog(struct submit *s, PGconn *conn, char *err, size_t errlen)
{
    struct catalog *fresh;
    int need, rc = 0;

    pthread_rwlock_rdlock(&s->lock);
    need = s->cat == NULL || s->stale;
    pthread_rwlock_unlock(&s->lock);
    if (!need)
        return 0;
    pthread_rwlock_wrlock(&s->lock);
    if (s->cat == NULL || s->stale) {
        if (catalog_load(conn, &fresh, err, errlen) == 0) {
            catalog_free(s->cat);
            s->cat = fresh;
            s->stale = 0;
        } else if (s->cat == NULL) {
            err_prefix(err, errlen, "the survey catalog cannot be loaded");
            rc = -1;
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
    rc = ensure_catalog(s, conn, err, errlen);
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
    if (response_parse(body, len, s->cat, RESPONSE_MAX_BATCH, &b, &res->error) != 0) {
        res->outcome = OUTCOME_INVALID;
    } else if (!s->allow_closed && (wavewin_today(today), 1) &&
               wavewin_check(s->cat, b->items, b->n, b->was_array, b->pos, today,
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
    rc = fn(s->cat, ctx);
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

struct results_src *submit_results_src(struct submit *s, PGconn *conn, const char *survey,
                                       const char *by_attr, int *unknown, char *err,
                                       size_t errlen)
{
    struct results_src *src = NULL;

    *unknown = 0;
    if (ensure_catalog(s, conn, err, errlen) != 0)
        return NULL;
    pthread_rwlock_rdlock(&s->lock);
    if (known_request(s->cat, survey, by_attr, err, errlen))
        src = results_src_load(conn, s->cat, survey, by_attr, NULL, NULL, err, errlen);
    else
        *unknown = 1;
    pthread_rwlock_unlock(&s->lock);
    return src;
}

json_t *submit_results(struct submit *s, PGconn *conn, const char *survey, const char *by_attr,
                       int english, int *unknown, char *err, size_t errlen)
{
    json_t *doc = NULL;

    *unknown = 0;
    if (ensure_catalog(s, conn, err, errlen) != 0)
        return NULL;
    pthread_rwlock_rdlock(&s->lock);
    if (known_request(s->cat, survey, by_attr, err, errlen))
        doc = results_load(conn, s->cat, survey, by_attr, english, NULL, NULL, err, errlen);
    else
        *unknown = 1;
    pthread_rwlock_unlock(&s->lock);
    return doc;
}
