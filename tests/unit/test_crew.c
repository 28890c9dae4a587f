/* crew.h: crew_launch starts an owner's threads, each running the owner's
 * function with the owner, and crew_stop ends them. */
#include "crew.h"

#include <criterion/criterion.h>
#include <stdlib.h>

struct owner {
    struct crew crew;
    size_t running;     /* the threads that have seen the owner */
    pthread_cond_t seen;
};

static void *count_and_wait(void *arg)
{
    struct owner *o = arg;

    pthread_mutex_lock(&o->crew.lock);
    o->running++;
    pthread_cond_signal(&o->seen);
    while (!o->crew.stopping)
        pthread_cond_wait(&o->crew.wake, &o->crew.lock);
    pthread_mutex_unlock(&o->crew.lock);
    return NULL;
}

Test(crew, launch_runs_every_thread_with_the_owner)
{
    struct owner *o = calloc(1, sizeof *o);
    char err[128] = "";
    struct owner *got;

    cr_assert_not_null(o);
    cr_assert_eq(pthread_cond_init(&o->seen, NULL), 0);
    got = crew_launch(o, &o->crew, 3, count_and_wait, "the test threads", err, sizeof err);
    cr_assert_eq(got, o, "crew_launch: %s", err);
    cr_expect_eq(o->crew.n, 3);
    pthread_mutex_lock(&o->crew.lock);
    while (o->running < 3)
        pthread_cond_wait(&o->seen, &o->crew.lock);
    pthread_mutex_unlock(&o->crew.lock);
    cr_expect_eq(crew_read(&o->crew, &o->running), 3);
    crew_stop(&o->crew);
    cr_expect_eq(o->running, 3);
    cr_expect_null(o->crew.threads);
    pthread_cond_destroy(&o->seen);
    free(o);
}
