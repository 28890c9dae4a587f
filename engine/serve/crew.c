#include "crew.h"

#include "err.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Stops and joins the first started threads, then destroys the rest of c. */
static void stop(struct crew *c, unsigned started)
{
    pthread_mutex_lock(&c->lock);
    c->stopping = 1;
    pthread_cond_broadcast(&c->wake);
    pthread_mutex_unlock(&c->lock);
    for (unsigned i = 0; i < started; i++)
        pthread_join(c->threads[i], NULL);
    pthread_cond_destroy(&c->wake);
    pthread_mutex_destroy(&c->lock);
    free(c->threads);
    c->threads = NULL;
}

static int init_sync(struct crew *c)
{
    pthread_condattr_t attr;
    int rc;

    if (pthread_mutex_init(&c->lock, NULL) != 0)
        return -1;
    if (pthread_condattr_init(&attr) != 0) {
        pthread_mutex_destroy(&c->lock);
        return -1;
    }
    rc = pthread_condattr_setclock(&attr, CLOCK_MONOTONIC) != 0 ||
                 pthread_cond_init(&c->wake, &attr) != 0
             ? -1
             : 0;
    pthread_condattr_destroy(&attr);
    if (rc != 0)
        pthread_mutex_destroy(&c->lock);
    return rc;
}

int crew_start(struct crew *c, unsigned n, void *(*fn)(void *), void *arg, const char *what,
               char *err, size_t errlen)
{
    unsigned started = 0;

    memset(c, 0, sizeof *c);
    c->threads = calloc(n, sizeof *c->threads);
    if (c->threads == NULL)
        return err_set(err, errlen, "out of memory");
    c->n = n;
    if (init_sync(c) != 0) {
        free(c->threads);
        c->threads = NULL;
        return err_set(err, errlen, "cannot create a lock");
    }
    for (; started < n; started++)
        if (pthread_create(&c->threads[started], NULL, fn, arg) != 0)
            break;
    if (started < n) {
        stop(c, started);
        return err_set(err, errlen, "cannot start %s", what);
    }
    return 0;
}

void *crew_launch(void *owner, struct crew *c, unsigned n, void *(*fn)(void *), const char *what,
                  char *err, size_t errlen)
{
    if (crew_start(c, n, fn, owner, what, err, errlen) != 0) {
        free(owner);
        return NULL;
    }
    return owner;
}

void crew_stop(struct crew *c)
{
    stop(c, c->n);
}

size_t crew_read(struct crew *c, const size_t *v)
{
    size_t n;

    pthread_mutex_lock(&c->lock);
    n = *v;
    pthread_mutex_unlock(&c->lock);
    return n;
}
