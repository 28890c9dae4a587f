/*
 * crew: a fixed set of threads that share one lock, one condition and a
 * stop flag: the machinery under the worker queue (workq.h), group commit
 * (gcommit.h) and the connection reaper (connwatch.h). The owner embeds a
 * struct crew, keeps its own state under crew.lock, and its threads wait
 * on crew.wake until there is work or crew.stopping is set. The condition
 * measures time on CLOCK_MONOTONIC (for pthread_cond_timedwait).
 */
#ifndef EMPIRIE_CREW_H
#define EMPIRIE_CREW_H

#include <pthread.h>
#include <stddef.h>

struct crew {
    pthread_mutex_t lock;
    pthread_cond_t wake;     /* broadcast on stop; the owner signals it for work */
    int stopping;            /* set under lock by crew_stop */
    unsigned n;
    pthread_t *threads;
};

/*
 * Initializes c and starts n (>= 1) threads running fn(arg); the owner's
 * state that fn reads must be ready before. Returns 0, or -1 with nothing
 * left running or allocated and err saying "out of memory", "cannot create
 * a lock" or "cannot start " what (e.g. what = "the worker threads").
 */
int crew_start(struct crew *c, unsigned n, void *(*fn)(void *), void *arg, const char *what,
               char *err, size_t errlen);

/*
 * The same for an owner's constructor: starts the n threads of c, the crew
 * that owner (malloc'd, its state ready) embeds, running fn(owner).
 * Returns owner; or NULL with err as crew_start's, owner then freed.
 */
void *crew_launch(void *owner, struct crew *c, unsigned n, void *(*fn)(void *), const char *what,
                  char *err, size_t errlen);

/* Sets stopping, wakes every thread, joins them all, then destroys the lock
 * and the condition and frees the threads. */
void crew_stop(struct crew *c);

/* *v, a counter of the owner's state, read under c's lock (for the
 * owner's accessors: connections open, jobs waiting). */
size_t crew_read(struct crew *c, const size_t *v);

#endif
