/*
 * mem: the one way a destructor frees what a struct owns.
 *
 * FREE_ALL(p, q, ...) frees each pointer it is given, once, in the order
 * given; any of them may be NULL. A destructor names every owned field in
 * one list, the struct itself last (the list is read before anything in it
 * is freed):
 *
 *     FREE_ALL(r->starts, r->fields, r);
 *
 * FREE_EACH(v, n) frees the n pointers of the array v and then v itself;
 * v may be NULL (then n is not looked at): the array of owned strings or
 * blocks. v and n are plain lvalues (a field, a variable): the macro reads
 * them more than once.
 *
 * A pointer to const is cast by the caller ((void *)s->name): the cast
 * says the field is owned although it is read through const.
 */
#ifndef EMPIRIE_MEM_H
#define EMPIRIE_MEM_H

#include <stddef.h>
#include <stdlib.h>

/* Frees ptrs[0..n); what FREE_ALL calls. */
void free_all(void *const *ptrs, size_t n);

#define FREE_ALL(...)                                                                      \
    free_all((void *const[]){ __VA_ARGS__ }, sizeof((void *[]){ __VA_ARGS__ }) / sizeof(void *))

#define FREE_EACH(v, n)                                                                    \
    do {                                                                                   \
        for (size_t free_each_i_ = 0; (v) != NULL && free_each_i_ < (n); free_each_i_++)   \
            free((v)[free_each_i_]);                                                       \
        free(v);                                                                           \
    } while (0)

#endif
