#include "dbpool.h"

#include "db.h"
#include "err.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct dbpool {
    pthread_mutex_t lock;
    pthread_cond_t freed;
    char *conninfo;
    char timeout[16];      /* connect_timeout as text, "" for libpq's default */
    unsigned wait_ms;
    size_t size;
    PGconn **conns;        /* NULL: not connected */
    unsigned char *busy;
};

int dbpool_create(const char *conninfo, size_t size, unsigned connect_timeout, unsigned wait_ms,
                  struct dbpool **out, char *err, size_t errlen)
{
    struct dbpool *p = calloc(1, sizeof *p);

    *out = NULL;
    if (p == NULL || size == 0)
        goto fail;
    p->conninfo = strdup(conninfo);
    p->conns = calloc(size, sizeof *p->conns);
    p->busy = calloc(size, 1);
    if (p->conninfo == NULL || p->conns == NULL || p->busy == NULL)
        goto fail;
    if (connect_timeout > 0)
        snprintf(p->timeout, sizeof p->timeout, "%u", connect_timeout);
    p->size = size;
    p->wait_ms = wait_ms;
    if (pthread_mutex_init(&p->lock, NULL) != 0)
        goto fail;
    if (pthread_cond_init(&p->freed, NULL) != 0) {
        pthread_mutex_destroy(&p->lock);
        goto fail;
    }
    *out = p;
    return 0;
fail:
    if (p != NULL) {
        free(p->conninfo);
        free(p->conns);
        free(p->busy);
        free(p);
    }
    return err_set(err, errlen, size == 0 ? "database pool: size must be at least 1"
                                          : "database pool: out of memory");
}

void dbpool_free(struct dbpool *pool)
{
    if (pool == NULL)
        return;
    for (size_t i = 0; i < pool->size; i++)
        if (pool->conns[i] != NULL)
            PQfinish(pool->conns[i]);
    pthread_cond_destroy(&pool->freed);
    pthread_mutex_destroy(&pool->lock);
    free(pool->conninfo);
    free(pool->conns);
    free(pool->busy);
    free(pool);
}

/* Waits for a free slot; returns its index, or -1 after wait_ms. */
static long take_slot(struct dbpool *p)
{
    struct timespec until;
    long slot = -1;

    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += p->wait_ms / 1000;
    until.tv_nsec += (long)(p->wait_ms % 1000) * 1000000L;
    if (until.tv_nsec >= 1000000000L) {
        until.tv_sec++;
        until.tv_nsec -= 1000000000L;
    }
    pthread_mutex_lock(&p->lock);
    for (;;) {
        /* Prefer a slot that is already connected. */
        for (size_t i = 0; i < p->size && slot < 0; i++)
            if (!p->busy[i] && p->conns[i] != NULL)
                slot = (long)i;
        for (size_t i = 0; i < p->size && slot < 0; i++)
            if (!p->busy[i])
                slot = (long)i;
        if (slot >= 0 || pthread_cond_timedwait(&p->freed, &p->lock, &until) == ETIMEDOUT)
            break;
    }
    if (slot >= 0)
        p->busy[slot] = 1;
    pthread_mutex_unlock(&p->lock);
    return slot;
}

static void release_slot(struct dbpool *p, size_t slot, PGconn *conn)
{
    pthread_mutex_lock(&p->lock);
    p->conns[slot] = conn;
    p->busy[slot] = 0;
    pthread_cond_signal(&p->freed);
    pthread_mutex_unlock(&p->lock);
}

/* Opens a connection; the timeout given after the conninfo overrides one
 * inside it (PQconnectdbParams with expand_dbname). */
static PGconn *open_conn(struct dbpool *p, char *err, size_t errlen)
{
    const char *keys[] = { "dbname", "connect_timeout", NULL };
    const char *vals[] = { p->conninfo, p->timeout, NULL };
    PGconn *c;

    if (p->timeout[0] == '\0')
        keys[1] = NULL;
    c = PQconnectdbParams(keys, vals, 1);
    if (c == NULL) {
        err_set(err, errlen, "database: out of memory");
        return NULL;
    }
    if (PQstatus(c) != CONNECTION_OK || PQsetClientEncoding(c, "UTF8") != 0) {
        char *nl;

        err_set(err, errlen, "database: %s", PQerrorMessage(c));
        nl = strchr(err, '\n');
        if (nl != NULL)
            *nl = '\0';
        PQfinish(c);
        return NULL;
    }
    return c;
}

PGconn *dbpool_get(struct dbpool *pool, char *err, size_t errlen)
{
    long slot = take_slot(pool);
    PGconn *c;

    if (slot < 0) {
        err_set(err, errlen, "database pool: no connection free after %u ms", pool->wait_ms);
        return NULL;
    }
    /* Only the borrower uses a busy slot's connection; find_slot reads the
     * pointer, so it is read and written under the lock. */
    pthread_mutex_lock(&pool->lock);
    c = pool->conns[slot];
    pthread_mutex_unlock(&pool->lock);
    if (c != NULL && PQstatus(c) != CONNECTION_OK) {
        PQfinish(c);
        c = NULL;
    }
    if (c == NULL)
        c = open_conn(pool, err, errlen);
    if (c == NULL) {
        release_slot(pool, (size_t)slot, NULL);
        return NULL;
    }
    pthread_mutex_lock(&pool->lock);
    pool->conns[slot] = c;
    pthread_mutex_unlock(&pool->lock);
    return c;
}

static long find_slot(struct dbpool *p, PGconn *conn)
{
    long slot = -1;

    pthread_mutex_lock(&p->lock);
    for (size_t i = 0; i < p->size; i++)
        if (p->busy[i] && p->conns[i] == conn)
            slot = (long)i;
    pthread_mutex_unlock(&p->lock);
    return slot;
}

void dbpool_put(struct dbpool *pool, PGconn *conn)
{
    long slot;

    if (conn == NULL)
        return;
    slot = find_slot(pool, conn);
    if (slot < 0)
        return;
    if (PQstatus(conn) == CONNECTION_OK)
        db_rollback(conn);
    if (PQstatus(conn) != CONNECTION_OK) {
        PQfinish(conn);
        conn = NULL;
    }
    release_slot(pool, (size_t)slot, conn);
}

void dbpool_discard(struct dbpool *pool, PGconn *conn)
{
    long slot;

    if (conn == NULL)
        return;
    slot = find_slot(pool, conn);
    if (slot < 0)
        return;
    PQfinish(conn);
    release_slot(pool, (size_t)slot, NULL);
}
