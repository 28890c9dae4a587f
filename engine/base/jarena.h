/*
 * jarena: a bump allocator for jansson's values while one document is
 * parsed, checked and dropped.
 *
 * Parsing a request body with jansson costs one malloc (and later one
 * free) per value: a batch of 100 responses is some 8,000 of them, and
 * malloc/free were a fifth of the daemon's CPU time on batches. Inside an
 * arena they come from a few large blocks and are all released at once.
 *
 * jansson's allocator is process-wide (json_set_alloc_funcs), so
 * jarena_install (once, before any thread uses jansson) routes it through
 * here; a thread that has not entered an arena gets plain malloc and free.
 * Between jarena_enter and jarena_leave, every jansson value the thread
 * creates lives in the arena, and every one of them must be released
 * (json_decref) before jarena_leave: the arena's memory is reused or freed
 * afterwards. An arena holds at most JARENA_MAX bytes; past that,
 * allocations fall back to malloc (and are freed normally).
 */
#ifndef EMPIRIE_JARENA_H
#define EMPIRIE_JARENA_H

#include <stddef.h>

#define JARENA_MAX ((size_t)8 << 20)

struct jarena_block;

struct jarena {
    struct jarena_block *blocks;   /* newest first */
    size_t total;                  /* bytes in blocks */
};

/* Routes jansson's allocations through this module. Call once, before
 * other threads start. */
void jarena_install(void);

/* From now on this thread's jansson values come from a (initialized to
 * {0}, or left by jarena_leave). */
void jarena_enter(struct jarena *a);

/* Back to malloc. Everything allocated in a is forgotten (it must all be
 * released already); its first block is kept for the next jarena_enter. */
void jarena_leave(struct jarena *a);

/* Frees the arena's memory. */
void jarena_free(struct jarena *a);

#endif
