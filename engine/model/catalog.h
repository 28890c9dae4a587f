/*
 * catalog: the surveys (every version), their waves and the city slugs that
 * the database holds, read once into memory so that parsing and validating
 * responses (response.h) needs no database access. The daemon loads it at
 * start and again after `registry load` changes (catalog_load is cheap).
 */
#ifndef EMPIRIE_CATALOG_H
#define EMPIRIE_CATALOG_H

#include "survey.h"

#include <libpq-fe.h>
#include <stddef.h>

struct catalog;

struct catalog_wave {
    const char *survey;      /* survey slug */
    const char *label;       /* e.g. "2024" */
    int survey_version;      /* the instrument version this wave uses */
    const char *opens_on;    /* YYYY-MM-DD */
    const char *closes_on;
};

/* Reads surveys, waves and cities (the cities from a registry snapshot,
 * regsnap.h). On failure *out is NULL. */
int catalog_load(PGconn *conn, struct catalog **out, char *err, size_t errlen);

/* The same with the cities of reg, the command's registry snapshot (NULL:
 * one is read, as catalog_load does). */
struct regsnap;
int catalog_load_from(PGconn *conn, const struct regsnap *reg, struct catalog **out, char *err,
                      size_t errlen);

/* Building a catalog without a database (tests, the fuzzer, import checks):
 * an empty catalog, then surveys, waves and cities added one by one.
 * catalog_new returns NULL when out of memory. */
struct catalog *catalog_new(void);

/* Adds a parsed survey; the catalog owns it from then on, also on failure
 * (a second survey with the same slug and version is an error). */
int catalog_add_survey(struct catalog *cat, struct survey *s, char *err, size_t errlen);

/* Adds a wave (strings are copied); its survey version must be in the
 * catalog already. */
int catalog_add_wave(struct catalog *cat, const char *survey, const char *label,
                     int survey_version, const char *opens_on, const char *closes_on,
                     char *err, size_t errlen);

/* Adds a city slug (copied). */
int catalog_add_city(struct catalog *cat, const char *slug, char *err, size_t errlen);

void catalog_free(struct catalog *cat);

/* The instrument, or NULL. */
const struct survey *catalog_survey(const struct catalog *cat, const char *slug, int version);

/* The newest version of a survey, or NULL. */
const struct survey *catalog_survey_latest(const struct catalog *cat, const char *slug);

/* The wave, or NULL. */
const struct catalog_wave *catalog_wave(const struct catalog *cat, const char *survey,
                                        const char *label);

/* The waves of a survey in time order (by opens_on): *n receives the count;
 * the array stays valid while the catalog lives. */
const struct catalog_wave *const *catalog_waves(const struct catalog *cat, const char *survey,
                                                size_t *n);

/* True when the city slug is in the registry. */
int catalog_has_city(const struct catalog *cat, const char *city);

/* Every survey (latest version of each), for listings: *n receives the count. */
const struct survey *const *catalog_surveys(const struct catalog *cat, size_t *n);

#endif
