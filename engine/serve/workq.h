/*
 * workq: a fixed set of threads running jobs in arrival order. The daemon
 * runs every request that talks to the database on one (its HTTP
 * connection suspended meanwhile), so that libmicrohttpd's few event
 * threads never block on libpq.
 */
#ifndef EMPIRIE_WORKQ_H
#define EMPIRIE_WORKQ_H

#include <stddef.h>

struct workq;

typedef void (*workq_fn)(void *arg);

int workq_create(unsigned threads, struct workq **out, char *err, size_t errlen);

/* Queues fn(arg); -1 when out of memory or stopping (not queued). */
int workq_push(struct workq *q, workq_fn fn, void *arg);

/* Jobs waiting (not yet started). */
size_t workq_waiting(struct workq *q);

/* Runs every job still queued, then stops the threads and frees. */
void workq_free(struct workq *q);

#endif
