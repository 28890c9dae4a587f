#include "fail.h"

#include <stdatomic.h>
#include <stdlib.h>

static atomic_long made;      /* allocations since the last fail_arm */
static atomic_long fail_at;   /* the one to fail (1-based); 0: none */

/* 1 when this allocation is the one armed to fail. */
static int failing(void)
{
    long n = atomic_fetch_add(&made, 1) + 1;
    long k = atomic_load(&fail_at);

    return k > 0 && n == k;
}

void *fail_malloc(size_t size)
{
    return failing() ? NULL : malloc(size);
}

void *fail_calloc(size_t n, size_t size)
{
    return failing() ? NULL : calloc(n, size);
}

void *fail_realloc(void *p, size_t size)
{
    return failing() ? NULL : realloc(p, size);
}

void fail_arm(long k)
{
    atomic_store(&made, 0);
    atomic_store(&fail_at, k);
}

long fail_count(void)
{
    return atomic_load(&made);
}
