/*
 * participation: how a survey wave's collection is going, as it goes.
 *
 * Per city: the responses so far (void ones, voids.h, not counted), the
 * response rate against the city hall's staff headcount when the registry
 * knows it (city "headcount"), the responses per day of receipt, and per
 * department when the registry holds department headcounts (city
 * "departments": {"ATTRIBUTE": {"CODE": headcount, ...}}, the attribute
 * being one of the survey's, such as "wydzial"). A department's count is
 * shown only when the anonymity rules allow it (anon.h: below the survey's
 * threshold it is hidden, and so is any further department that would let
 * it be recovered from the city's total); a city the statistics hide in the
 * wave is hidden here too, with no count, day or department, and is in no
 * total.
 *
 * participation_load builds the typed model (struct participation), its
 * anonymity flags read from the typed results model (results_model.h), so
 * participation never shows what the statistics hide. Its views:
 * participation_to_json, the document GET /v1/participation and
 * `empirie participation --json` answer (docs/api.md), and
 * participation_table_print, the command's table. Both render the same
 * numbers of the model.
 */
#ifndef EMPIRIE_PARTICIPATION_H
#define EMPIRIE_PARTICIPATION_H

#include "catalog.h"

#include <jansson.h>
#include <libpq-fe.h>
#include <stddef.h>
#include <stdio.h>

/* Responses received on one day (void ones left out). */
struct participation_day {
    char *day;                   /* YYYY-MM-DD */
    long long responses;
};

/* One department of a city that the registry gives a headcount for. */
struct participation_dept {
    int code;                    /* the department attribute's option code */
    char *label;                 /* its Polish label ("" when it has none) */
    long long headcount;         /* the registry's number, as given */
    int hidden;                  /* an anon_flag: why its count is hidden; 0: shown */
    long long responses;         /* when shown */
    double rate;                 /* responses / headcount; NAN when hidden or headcount <= 0 */
};

struct participation_city {
    char *slug, *name;
    int hidden;                  /* an anon_flag: the statistics hide the city in the wave */
    long long responses;         /* when shown */
    long long headcount;         /* the city hall's staff; 0: not known */
    double rate;                 /* responses / headcount; NAN when hidden or not known */
    int example_headcount;       /* the headcount is an example figure */
    struct participation_day *days;     /* in day order; none when hidden */
    size_t ndays;
    int has_departments;         /* the registry gives the city department headcounts
                                  * (shown cities only) */
    struct participation_dept *depts;   /* in the attribute's option order */
    size_t ndepts;
};

/* The shown cities only: a hidden city's count is in no total. */
struct participation_total {
    long long responses;
    long long headcount;         /* of the cities with a known headcount */
    int cities_with_headcount;
    double rate;                 /* their responses / their headcount; NAN when none */
    size_t hidden_cities;
};

struct participation {
    char *survey, *wave, *opens_on, *closes_on;
    int threshold;               /* anonymity threshold (anon_threshold applied) */
    char *department_attribute;  /* NULL: no city in scope has department headcounts */
    struct participation_city *cities;  /* in slug order */
    size_t ncities;
    struct participation_total total;
};

/*
 * The participation in survey's wave (NULL: the newest wave), for one city
 * (city), the member cities of a network (network), or every city (both
 * NULL). The cities, their headcounts and the network's members come from
 * reg, the caller's registry snapshot (regsnap.h; NULL: one is read), the
 * responses from conn. NULL with err, and *unknown set when the survey or
 * wave does not exist (else a database error or no memory).
 */
struct regsnap;
struct results;
/*
 * Where the typed results of the survey split by an attribute (by_attr:
 * NULL for none) come from: with get NULL (or models NULL) they are
 * computed here; the daemon gives its computed results (serve/rcache.h),
 * which stay valid until the caller gives them back after
 * participation_load. get returns NULL with err on failure.
 */
struct participation_models {
    const struct results *(*get)(void *ctx, const char *by_attr, char *err, size_t errlen);
    void *ctx;
};
struct participation *participation_load(PGconn *conn, const struct catalog *cat,
                                         const struct regsnap *reg, const char *survey,
                                         const char *wave,
                                         const char *city, const char *network,
                                         const struct participation_models *models,
                                         int *unknown, char *err, size_t errlen);
void participation_free(struct participation *p);

/* participation_json.c: the JSON document (a new reference; docs/api.md,
 * GET /v1/participation), or NULL when it cannot be made whole. */
json_t *participation_to_json(const struct participation *p);

/* participation_table.c: the table `empirie participation` prints, its
 * words in English or Polish (the departments' labels stay Polish). */
void participation_table_print(FILE *f, const struct participation *p, int english);

#endif
