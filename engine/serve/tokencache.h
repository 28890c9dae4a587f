/*
 * tokencache: the daemon's memory of recently seen API tokens, so that a
 * submission is admitted without a database round trip for its token.
 *
 * An entry maps a token's hash (auth.h) to its role and scope, which never
 * change for a token (a token is only ever created or deleted). Entries
 * live at most ttl seconds. The cache only admits: whoever relies on an
 * entry must check the token again where it matters -- the daemon uses it
 * for POST /v1/responses only, whose storing statement checks every token
 * of its group in api_token (ingest_group), so a deleted token stores
 * nothing, cached or not. Every other route looks its token up each time.
 *
 * Direct-mapped (a newer entry replaces an older one in its slot), bounded
 * memory, one mutex; safe to use from every request thread.
 */
#ifndef EMPIRIE_TOKENCACHE_H
#define EMPIRIE_TOKENCACHE_H

#include "auth.h"

#include <stddef.h>

struct tokencache;

/* slots: entries kept at most (rounded up to a power of two). NULL when out
 * of memory. */
struct tokencache *tokencache_create(size_t slots, unsigned ttl_seconds);
void tokencache_free(struct tokencache *c);

/* 1 and *who filled when hash has a live entry, else 0. */
int tokencache_get(struct tokencache *c, const char *hash, struct auth_principal *who);

/* Remembers who (who->hash is the key). */
void tokencache_put(struct tokencache *c, const struct auth_principal *who);

/* Drops the entry of hash, if any (the token turned out to be gone). */
void tokencache_forget(struct tokencache *c, const char *hash);

#endif
