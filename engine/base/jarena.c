#include "jarena.h"

#include <jansson.h>
#include <stdalign.h>
#include <stdint.h>
#include <stdlib.h>

#define BLOCK_MIN ((size_t)64 << 10)

struct jarena_block {
    struct jarena_block *next;
    size_t size, used;             /* bytes of data[] */
    alignas(max_align_t) unsigned char data[];
};

static _Thread_local struct jarena *current;

static int owns(const struct jarena *a, const void *p)
{
    const unsigned char *c = p;

    for (const struct jarena_block *b = a->blocks; b != NULL; b = b->next)
        if (c >= b->data && c < b->data + b->size)
            return 1;
    return 0;
}

static void *arena_malloc(size_t n)
{
    struct jarena *a = current;
    struct jarena_block *b;
    size_t need;

    if (a == NULL)
        return malloc(n);
    need = (n + alignof(max_align_t) - 1) & ~(alignof(max_align_t) - 1);
    b = a->blocks;
    if (b == NULL || b->size - b->used < need) {
        size_t size = need > BLOCK_MIN ? need : BLOCK_MIN;

        if (need < n || a->total + size > JARENA_MAX)
            return malloc(n);
        b = malloc(sizeof *b + size);
        if (b == NULL)
            return NULL;
        b->size = size;
        b->used = 0;
        b->next = a->blocks;
        a->blocks = b;
        a->total += size;
    }
    b->used += need;
    return b->data + b->used - need;
}

static void arena_free(void *p)
{
    struct jarena *a = current;

    if (a == NULL || !owns(a, p))
        free(p);
}

void jarena_install(void)
{
    json_set_alloc_funcs(arena_malloc, arena_free);
}

void jarena_enter(struct jarena *a)
{
    current = a;
}

void jarena_leave(struct jarena *a)
{
    struct jarena_block *keep;

    current = NULL;
    if (a->blocks == NULL)
        return;
    /* keep the oldest block (the first one made), free the rest */
    keep = a->blocks;
    while (keep->next != NULL) {
        struct jarena_block *next = keep->next;

        free(keep);
        keep = next;
    }
    keep->used = 0;
    a->blocks = keep;
    a->total = keep->size;
}

void jarena_free(struct jarena *a)
{
    while (a->blocks != NULL) {
        struct jarena_block *next = a->blocks->next;

        free(a->blocks);
        a->blocks = next;
    }
    a->total = 0;
}
