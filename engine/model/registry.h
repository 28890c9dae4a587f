/*
 * registry: the programme's cities, networks and memberships, kept as JSON
 * under surveys/registry/ (cities.json, networks.json, memberships.json; the
 * format is in docs/registry.md), and the instruments (the *.json files in surveys/) with
 * their waves (surveys/registry/waves.json; docs/survey-format.md).
 *
 * Reading and storing are separate steps: registry_read parses and validates
 * every file completely without touching the database, so a bad file is
 * rejected before anything is written; registry_store then upserts it all in
 * one transaction. Loading the same files twice gives the same database.
 */
#ifndef EMPIRIE_REGISTRY_H
#define EMPIRIE_REGISTRY_H

#include "catalog.h"

#include <libpq-fe.h>
#include <stddef.h>

struct registry;

struct registry_counts {
    size_t cities;
    size_t networks;
    size_t memberships;
    size_t surveys;      /* instrument versions in the files */
    size_t waves;
};

/* The TERC code ("30") of a voivodeship given by its lowercase name
 * ("wielkopolskie"), or NULL when it is not one of the 16. */
const char *registry_voivodeship_code(const char *name);

/* True when s is the 7-digit TERC code of a gmina: a voivodeship's code,
 * powiat, gmina, and the kind 1 (urban), 2 (rural) or 3 (urban-rural). */
int registry_teryt_valid(const char *s);

/* Reads and validates the registry in dir and, when surveys_dir is not NULL,
 * every instrument, each *.json file in surveys_dir (one file per survey
 * version), and the
 * waves in dir/waves.json. On failure *out is NULL and err names the file,
 * the entry (item, attribute, ...) and the field. */
int registry_read(const char *dir, const char *surveys_dir, struct registry **out, char *err,
                  size_t errlen);

/*
 * Upserts cities and networks and makes the memberships exactly those of the
 * files (memberships no longer listed are removed); inserts survey versions
 * not stored yet and upserts waves. All in one transaction that the caller's
 * connection must not already have open. On failure the database is
 * unchanged. A survey version is immutable once stored: a file whose
 * definition differs from the stored one (comments "_..." aside) is an error,
 * and so is moving a wave that has responses to another survey version.
 */
int registry_store(PGconn *conn, const struct registry *reg, struct registry_counts *counts,
                   char *err, size_t errlen);

/* A catalog of what the files hold (instruments, waves, cities), without a
 * database: for tests, the fuzzer and checks before loading. reg must have
 * been read with a surveys_dir. */
int registry_catalog(const struct registry *reg, struct catalog **out, char *err,
                     size_t errlen);

/* Advice found while reading (figures that will not be used: population
 * codes the instrument does not have, figures for a survey that is not
 * post-stratified), one line each; `registry load` prints them. */
size_t registry_nwarnings(const struct registry *reg);
const char *registry_warning(const struct registry *reg, size_t i);

void registry_free(struct registry *reg);

#endif
