/*
 * dynarr: room in a growable array (see dynarr.h).
 */
#include "dynarr.h"

#include <assert.h>
#include <stdint.h>
#include <stdlib.h>

#define FIRST 8

void *dynarr_reserve_by(void *(*re)(void *, size_t), void *base, size_t *cap, size_t need,
                        size_t size)
{
    size_t n;
    void *p;

    assert(re != NULL && cap != NULL && need > 0 && size > 0);
    if (need <= *cap)
        return base;
    n = *cap > 0 ? *cap : FIRST;
    while (n < need) {
        if (n > SIZE_MAX / 2)
            return NULL;
        n *= 2;
    }
    if (n > SIZE_MAX / size)
        return NULL;
    p = re(base, n * size);
    if (p == NULL)
        return NULL;
    *cap = n;
    return p;
}

void *dynarr_reserve(void *base, size_t *cap, size_t need, size_t size)
{
    return dynarr_reserve_by(realloc, base, cap, need, size);
}
