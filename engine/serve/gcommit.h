/*
 * gcommit: group commit for the daemon's submissions.
 *
 * Each request thread of `empirie serve` used to store its body in its own
 * transaction: one statement and one commit (one WAL flush) per request,
 * on one of the pool's connections. Under load many requests wait for the
 * disk at the same time. Here a request hands its validated responses to a
 * queue and waits; a few writer threads each take everything queued (up to
 * max_rows), store it with one statement and one commit (ingest_group) and
 * wake the requests. Under load the groups grow by themselves; alone, a
 * request is a group of one and waits for nothing but its own commit.
 *
 * What a request is told is what happened to its own rows: OUTCOME_OK
 * only after the group's COMMIT returned; when the group cannot take a body
 * as it is (a duplicate, a conflict, a revoked token, any database error
 * with the connection fine), nothing of the group is stored and each
 * request stores its body alone, through the same code as without groups,
 * and gets that answer.
 *
 * Deadlines: a request's deadline (dbpool_set_deadline on its thread) goes
 * with its body; a writer works on a group within the earliest deadline of
 * its bodies, and a body whose deadline passed while it was queued is
 * answered OUTCOME_UNAVAILABLE without a try. A group that fails because
 * the database is unavailable (db_unavailable: the connection lost at any
 * step, a timeout, a shutdown) is tried once more on a fresh connection,
 * then OUTCOME_UNAVAILABLE: never "alone", which would only fail again.
 */
#ifndef EMPIRIE_GCOMMIT_H
#define EMPIRIE_GCOMMIT_H

#include "dbpool.h"
#include "outcome.h"
#include "response.h"

#include <stddef.h>

struct gcommit;

/* writers: threads (each borrows a pool connection per group); max_rows:
 * the most rows in one group (a larger body is a group of its own). */
int gcommit_create(struct dbpool *pool, unsigned writers, size_t max_rows,
                   struct gcommit **out, char *err, size_t errlen);

/* Stores what is queued, then stops the writers and frees. No request may
 * be waiting in gcommit_store any more. */
void gcommit_free(struct gcommit *g);

/* Queues n validated, scope-checked responses admitted by the token with
 * hex hash token_hash and waits for their group: OUTCOME_OK (every row is
 * new and committed), OUTCOME_CONFLICT (nothing stored: the group cannot
 * take this body as it is, so store it alone, ingest_parsed, for its own
 * answer) or OUTCOME_UNAVAILABLE (nothing stored: the database cannot be
 * reached). */
enum outcome gcommit_store(struct gcommit *g, const struct response *items, size_t n,
                           const char *token_hash);

#endif
