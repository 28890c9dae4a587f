/*
 * dynarr: room in a growable array of any element type, the one way the
 * engine and the reports grow an array of structs or pointers (rows of
 * the ministry's tidy table, the cells of the weights, the BH family).
 * The caller keeps its typed pointer, count and capacity; this only
 * makes room, by doubling, with the size_t overflow checked:
 *
 *     struct row *p = dynarr_reserve(t->rows, &t->cap, t->n + 1, sizeof *p);
 *     if (p == NULL)
 *         return -1;              (t->rows and t->cap unchanged)
 *     t->rows = p;
 *
 * Byte buffers use dynbuf.h (with a cap) instead.
 */
#ifndef EMPIRIE_DYNARR_H
#define EMPIRIE_DYNARR_H

#include <stddef.h>

/* base (room for *cap elements of size bytes; NULL when *cap is 0) with
 * room for at least need elements (need > 0): base itself when there is,
 * else the array moved to a larger allocation (at least twice *cap, at
 * least 8 elements) and *cap updated. NULL when out of memory or when
 * need * size overflows size_t: base and *cap are then unchanged and
 * base is still the caller's to free. New elements are not initialized. */
void *dynarr_reserve(void *base, size_t *cap, size_t need, size_t size);

/* The same through another realloc (fail_realloc, for the allocations the
 * fault-injection tests make fail). */
void *dynarr_reserve_by(void *(*re)(void *, size_t), void *base, size_t *cap, size_t need,
                        size_t size);

#endif
