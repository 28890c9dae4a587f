/* crew.h: crew_launch starts an owner's threads, each running the owner's
 * function with the owner, and crew_stop ends them. */
#define _GNU_SOURCE   /* pthread_setattr_default_np */
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

/* The failure path: no thread can start (the default stack made larger than
 * any address space: glibc's pthread_setattr_default_np, this test's
 * process only). crew_launch frees the owner (ASan's leak check sees it),
 * leaves nothing running and says what could not start. */
Test(crew, launch_frees_the_owner_when_no_thread_starts)
{
    struct owner *o = calloc(1, sizeof *o);
    pthread_attr_t huge;
    char err[128] = "";

    cr_assert_not_null(o);
    cr_assert_eq(pthread_attr_init(&huge), 0);
    cr_assert_eq(pthread_attr_setstacksize(&huge, (size_t)1 << 50), 0);
    cr_assert_eq(pthread_setattr_default_np(&huge), 0);
    cr_expect_null(crew_launch(o, &o->crew, 3, count_and_wait, "the test threads", err,
                               sizeof err));
    cr_expect_str_eq(err, "cannot start the test threads");
    pthread_attr_destroy(&huge);
}
