/*
 * queries: the SQL files under queries/, built into the binary by
 * scripts/embed-sql (build/gen/queries_gen.c). Names are paths below
 * queries/, e.g. "migrations/0001_init.sql", sorted; migrate.c applies the
 * migrations in that order. The table is defined in the generated file.
 */
#ifndef EMPIRIE_QUERIES_H
#define EMPIRIE_QUERIES_H

#include <stddef.h>

struct queries_file {
    const char *name;
    const char *sql;
};

extern const struct queries_file queries_files[];
extern const size_t queries_nfiles;

#endif
