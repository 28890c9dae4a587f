#include "connwatch.h"

#include "crew.h"
#include "err.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define REAPER_TICK_MS 100
#define OVER_MS 1000

struct connwatch_conn {
    int fd;                       /* our dup() of the socket */
    enum connwatch_phase phase;
    struct timespec since;        /* when the phase began */
    int over;
    int reaped;
    struct connwatch_conn *prev, *next;
};

struct connwatch {
    struct crew crew;   /* the one reaper; its lock guards the rest, wake: stop */
    unsigned header_ms, body_ms, soft_limit;
    size_t open;
    size_t reaped;
    struct connwatch_conn *head;
};

static long ms_since(const struct timespec *t, const struct timespec *now)
{
    return (long)(now->tv_sec - t->tv_sec) * 1000L + (now->tv_nsec - t->tv_nsec) / 1000000L;
}

static void *reap(void *arg)
{
    struct connwatch *w = arg;

    pthread_mutex_lock(&w->crew.lock);
    while (!w->crew.stopping) {
        struct timespec now, until;

        clock_gettime(CLOCK_MONOTONIC, &now);
        for (struct connwatch_conn *c = w->head; c != NULL; c = c->next) {
            long limit = c->phase == CONNWATCH_HEADERS ? (c->over ? OVER_MS : (long)w->header_ms)
                         : c->phase == CONNWATCH_BODY ? (long)w->body_ms
                                                      : -1;

            if (limit >= 0 && !c->reaped && ms_since(&c->since, &now) >= limit) {
                shutdown(c->fd, SHUT_RDWR);
                c->reaped = 1;
                w->reaped++;
            }
        }
        until = now;
        until.tv_nsec += REAPER_TICK_MS * 1000000L;
        if (until.tv_nsec >= 1000000000L) {
            until.tv_sec++;
            until.tv_nsec -= 1000000000L;
        }
        pthread_cond_timedwait(&w->crew.wake, &w->crew.lock, &until);
    }
    pthread_mutex_unlock(&w->crew.lock);
    return NULL;
}

int connwatch_create(unsigned header_ms, unsigned body_ms, unsigned soft_limit,
                     struct connwatch **out, char *err, size_t errlen)
{
    struct connwatch *w = calloc(1, sizeof *w);

    *out = NULL;
    if (w == NULL)
        return err_set(err, errlen, "out of memory");
    w->header_ms = header_ms;
    w->body_ms = body_ms;
    w->soft_limit = soft_limit;
    *out = crew_launch(w, &w->crew, 1, reap, "the connection reaper thread", err, errlen);
    return *out != NULL ? 0 : -1;
}

void connwatch_free(struct connwatch *w)
{
    if (w == NULL)
        return;
    crew_stop(&w->crew);
    while (w->head != NULL) {   /* MHD closed them all before; defensive */
        struct connwatch_conn *c = w->head;

        w->head = c->next;
        close(c->fd);
        free(c);
    }
    free(w);
}

struct connwatch_conn *connwatch_started(struct connwatch *w, int fd)
{
    struct connwatch_conn *c = calloc(1, sizeof *c);

    if (c == NULL)
        return NULL;
    c->fd = dup(fd);
    if (c->fd < 0) {
        free(c);
        return NULL;
    }
    clock_gettime(CLOCK_MONOTONIC, &c->since);
    c->phase = CONNWATCH_HEADERS;
    pthread_mutex_lock(&w->crew.lock);
    c->over = w->open >= w->soft_limit;
    w->open++;
    c->next = w->head;
    if (w->head != NULL)
        w->head->prev = c;
    w->head = c;
    pthread_mutex_unlock(&w->crew.lock);
    return c;
}

void connwatch_closed(struct connwatch *w, struct connwatch_conn *c)
{
    if (c == NULL)
        return;
    pthread_mutex_lock(&w->crew.lock);
    if (c->prev != NULL)
        c->prev->next = c->next;
    else
        w->head = c->next;
    if (c->next != NULL)
        c->next->prev = c->prev;
    w->open--;
    pthread_mutex_unlock(&w->crew.lock);
    close(c->fd);
    free(c);
}

void connwatch_phase(struct connwatch *w, struct connwatch_conn *c, enum connwatch_phase p)
{
    if (c == NULL)
        return;
    pthread_mutex_lock(&w->crew.lock);
    c->phase = p;
    clock_gettime(CLOCK_MONOTONIC, &c->since);
    pthread_mutex_unlock(&w->crew.lock);
}

int connwatch_over(const struct connwatch_conn *c)
{
    return c != NULL && c->over;
}

size_t connwatch_open(struct connwatch *w)
{
    return crew_read(&w->crew, &w->open);
}

unsigned long long connwatch_reaped(struct connwatch *w)
{
    return crew_read(&w->crew, &w->reaped);
}
