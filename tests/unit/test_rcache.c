/* rcache (engine/serve/rcache.h): what happens to the requests waiting for a
 * computation that fails, or that takes longer than their deadline. (That
 * a computed entry is reused, and shared by concurrent requests, is tested
 * against a real database and daemon: tests/integration/test_http_reuse.c.) */
#include "dbpool.h"
#include "err.h"
#include "rcache.h"

#include <criterion/criterion.h>
#include <pthread.h>
#include <stdatomic.h>
#include <string.h>
#include <time.h>

static atomic_int calls, holds, releases;
static int pin_object;

static void hold(void *pin)
{
    cr_assert_eq(pin, &pin_object);
    atomic_fetch_add(&holds, 1);
}

static void release(void *pin)
{
    cr_assert_eq(pin, &pin_object);
    atomic_fetch_add(&releases, 1);
}

/* A computation that takes ms and fails. */
static struct results_src *failing(void *ctx, char *err, size_t errlen)
{
    int ms = *(int *)ctx;
    struct timespec t = { .tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L };

    atomic_fetch_add(&calls, 1);
    nanosleep(&t, NULL);
    err_set(err, errlen, "the database went away");
    return NULL;
}

#define CROWD 8

struct waiter {
    struct rcache *c;
    int ms;             /* the computation's time */
    int deadline_ms;    /* 0: none */
    pthread_barrier_t *gate;
    int got_null, timeout;
    char err[ERR_MAX];
};

static void *ask(void *arg)
{
    struct waiter *w = arg;
    struct rcache_stamp st = { .survey_gen = 7, .registry_gen = 3, .pin = &pin_object };
    struct rcache_entry *e;

    if (w->deadline_ms > 0) {
        struct timespec d;

        clock_gettime(CLOCK_MONOTONIC, &d);
        d.tv_nsec += (long)w->deadline_ms * 1000000L;
        d.tv_sec += d.tv_nsec / 1000000000L;
        d.tv_nsec %= 1000000000L;
        dbpool_set_deadline(&d);
    }
    if (w->gate != NULL)
        pthread_barrier_wait(w->gate);
    e = rcache_get(w->c, "satysfakcja-pracownikow", NULL, &st, failing, &w->ms, &w->timeout,
                   w->err, sizeof w->err);
    w->got_null = e == NULL;
    rcache_put(w->c, e);
    dbpool_set_deadline(NULL);
    return NULL;
}

Test(rcache, a_failure_wakes_the_waiters_and_each_tries_on_its_own)
{
    struct rcache *c;
    pthread_t t[CROWD];
    struct waiter w[CROWD];
    pthread_barrier_t gate;

    atomic_store(&calls, 0);
    atomic_store(&holds, 0);
    atomic_store(&releases, 0);
    cr_assert(rcache_create(4, hold, release, &c) == 0);
    cr_assert(pthread_barrier_init(&gate, NULL, CROWD) == 0);
    for (int i = 0; i < CROWD; i++) {
        w[i] = (struct waiter){ .c = c, .ms = 30, .gate = &gate };
        cr_assert(pthread_create(&t[i], NULL, ask, &w[i]) == 0);
    }
    for (int i = 0; i < CROWD; i++)
        pthread_join(t[i], NULL);
    pthread_barrier_destroy(&gate);
    for (int i = 0; i < CROWD; i++) {
        cr_expect(w[i].got_null, "request %d", i);
        cr_expect_eq(w[i].timeout, 0);
        cr_expect_str_eq(w[i].err, "the database went away", "its own computation's error");
    }
    /* nobody is handed another's failure: each computed once, in turn */
    cr_expect_eq(atomic_load(&calls), CROWD);
    cr_expect_eq(atomic_load(&holds), CROWD);
    cr_expect_eq(atomic_load(&releases), CROWD, "every failed entry freed");
    rcache_free(c);
}

Test(rcache, a_waiter_gives_up_at_its_deadline)
{
    struct rcache *c;
    pthread_t slow, hurried;
    struct waiter a, b;
    struct timespec pause = { .tv_nsec = 50 * 1000000L };

    atomic_store(&calls, 0);
    cr_assert(rcache_create(4, hold, release, &c) == 0);
    a = (struct waiter){ .c = c, .ms = 600 };
    b = (struct waiter){ .c = c, .ms = 600, .deadline_ms = 100 };
    cr_assert(pthread_create(&slow, NULL, ask, &a) == 0);
    nanosleep(&pause, NULL);   /* a computes; b arrives while it does */
    cr_assert(pthread_create(&hurried, NULL, ask, &b) == 0);
    pthread_join(hurried, NULL);
    cr_expect(b.got_null);
    cr_expect_eq(b.timeout, 1, "%s", b.err);
    cr_expect(strstr(b.err, "still being computed") != NULL, "%s", b.err);
    /* meanwhile the cache is dropped (SIGHUP): the computing request's
     * entry stays its own until it gives it back */
    rcache_clear(c);
    pthread_join(slow, NULL);
    cr_expect(a.got_null);
    cr_expect_eq(a.timeout, 0);
    cr_expect_eq(atomic_load(&calls), 1, "the one that timed out did not compute");
    rcache_free(c);
}
