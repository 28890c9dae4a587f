/*
 * fail: fault injection for the allocations whose failure must fail a
 * build loudly (the suppression: anon, audit, results' flags; the
 * Benjamini-Hochberg family). Those allocate through fail_malloc,
 * fail_calloc and fail_realloc, which behave as malloc, calloc and realloc
 * until a test arms a failure: fail_arm(k) makes the k-th of them from now
 * on return NULL (once), fail_arm(0) disarms. fail_count() is how many have
 * been made since the last fail_arm. Thread-safe (results builds groups on
 * two threads).
 */
#ifndef EMPIRIE_FAIL_H
#define EMPIRIE_FAIL_H

#include <stddef.h>

void *fail_malloc(size_t size);
void *fail_calloc(size_t n, size_t size);
void *fail_realloc(void *p, size_t size);

void fail_arm(long k);
long fail_count(void);

#endif
