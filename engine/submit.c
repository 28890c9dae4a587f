#include "submit.h"

#include "catalog.h"
#include "err.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct submit {
    pthread_rwlock_t lock;
    struct catalog *cat;   /* NULL until loaded */
    int stale;
};

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

int submit_body(struct submit *s, PGconn *conn, const char *body, size_t len,
                const char *only_city, struct ingest_result *res)
{
    memset(res, 0, sizeof *res);
    if (ensure_catalog(s, conn, res->error.message, sizeof res->error.message) != 0) {
        res->status = 503;
        return res->status;
    }
    pthread_rwlock_rdlock(&s->lock);
    ingest_body(conn, s->cat, body, len, only_city, res);
    pthread_rwlock_unlock(&s->lock);
    return res->status;
}

json_t *submit_results(struct submit *s, PGconn *conn, const char *survey, const char *by_attr,
                       int english, char *err, size_t errlen)
{
    json_t *doc;

    if (ensure_catalog(s, conn, err, errlen) != 0)
        return NULL;
    pthread_rwlock_rdlock(&s->lock);
    doc = results_load(conn, s->cat, survey, by_attr, english, NULL, NULL, err, errlen);
    pthread_rwlock_unlock(&s->lock);
    return doc;
}
