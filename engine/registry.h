/*
 * registry: the programme's cities, networks and memberships, kept as JSON
 * under surveys/registry/ (cities.json, networks.json, memberships.json; the
 * format is in docs/registry.md).
 *
 * Reading and storing are separate steps: registry_read parses and validates
 * every file completely without touching the database, so a bad file is
 * rejected before anything is written; registry_store then upserts it all in
 * one transaction. Loading the same files twice gives the same database.
 */
#ifndef EMPIRIE_REGISTRY_H
#define EMPIRIE_REGISTRY_H

#include <libpq-fe.h>
#include <stddef.h>

struct registry;

struct registry_counts {
    size_t cities;
    size_t networks;
    size_t memberships;
};

/* Reads and validates the registry in dir. On failure *out is NULL and err
 * names the file, the entry and the field. */
int registry_read(const char *dir, struct registry **out, char *err, size_t errlen);

/*
 * Upserts cities and networks and makes the memberships exactly those of the
 * files (memberships no longer listed are removed), all in one transaction
 * that the caller's connection must not already have open. On failure the
 * database is unchanged.
 */
int registry_store(PGconn *conn, const struct registry *reg, struct registry_counts *counts,
                   char *err, size_t errlen);

void registry_free(struct registry *reg);

#endif
