#include "submit.h"

#include "catalog.h"
#include "err.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*
 * SUBMIT_WITH_INGEST: catalog.c and ingest.c are in the tree. Setting it to 0
 * builds a daemon without them that answers every submission 503 "not
 * available in this build" (how the daemon was built before they landed).
 */
#ifndef SUBMIT_WITH_INGEST
#define SUBMIT_WITH_INGEST 1
#endif

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

#if SUBMIT_WITH_INGEST

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

/* Loads the catalog when there is none or it is stale. */
static int ensure_catalog(struct submit *s, PGconn *conn, struct ingest_result *res)
{
    struct catalog *fresh;
    char err[ERR_MAX];
    int rc = 0;

    pthread_rwlock_wrlock(&s->lock);
    if (s->cat == NULL || s->stale) {
        if (catalog_load(conn, &fresh, err, sizeof err) == 0) {
            catalog_free(s->cat);
            s->cat = fresh;
            s->stale = 0;
        } else if (s->cat == NULL) {
            snprintf(res->error.message, sizeof res->error.message,
                     "the survey catalog cannot be loaded: %s", err);
            rc = -1;
        }
    }
    pthread_rwlock_unlock(&s->lock);
    return rc;
}

int submit_body(struct submit *s, PGconn *conn, const char *body, size_t len,
                const char *only_city, struct ingest_result *res)
{
    int need;

    memset(res, 0, sizeof *res);
    pthread_rwlock_rdlock(&s->lock);
    need = s->cat == NULL || s->stale;
    pthread_rwlock_unlock(&s->lock);
    if (need && ensure_catalog(s, conn, res) != 0) {
        res->status = 503;
        return res->status;
    }
    pthread_rwlock_rdlock(&s->lock);
    ingest_body(conn, s->cat, body, len, only_city, res);
    pthread_rwlock_unlock(&s->lock);
    return res->status;
}

#else

void submit_free(struct submit *s)
{
    if (s == NULL)
        return;
    pthread_rwlock_destroy(&s->lock);
    free(s);
}

void submit_mark_stale(struct submit *s)
{
    pthread_rwlock_wrlock(&s->lock);
    s->stale = 1;
    pthread_rwlock_unlock(&s->lock);
}

int submit_body(struct submit *s, PGconn *conn, const char *body, size_t len,
                const char *only_city, struct ingest_result *res)
{
    (void)s;
    (void)conn;
    (void)body;
    (void)len;
    (void)only_city;
    memset(res, 0, sizeof *res);
    res->status = 503;
    snprintf(res->error.message, sizeof res->error.message,
             "submissions are not available in this build (ingest is missing)");
    return res->status;
}

#endif
