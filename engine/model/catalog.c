/*
 * catalog: surveys, waves and cities in memory. The sets are small (a few
 * surveys, tens of waves and cities), so plain arrays and linear search are
 * enough; waves are kept sorted by survey and opening date so that
 * catalog_waves can hand out a slice.
 */
#include "catalog.h"

#include "db.h"
#include "dynarr.h"
#include "err.h"
#include "mem.h"
#include "regsnap.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct catalog {
    struct survey **surveys;    /* every version, owned */
    size_t nsurveys, cap_surveys;
    const struct survey **latest;  /* one per slug */
    size_t nlatest, cap_latest;
    struct catalog_wave **waves;   /* owned, sorted by (survey, opens_on, label) */
    size_t nwaves, cap_waves;
    char **cities;
    size_t ncities, cap_cities;
};

struct catalog *catalog_new(void)
{
    return calloc(1, sizeof(struct catalog));
}

static void free_wave(struct catalog_wave *w)
{
    if (w == NULL)
        return;
    FREE_ALL((void *)w->survey, (void *)w->label, (void *)w->opens_on, (void *)w->closes_on, w);
}

void catalog_free(struct catalog *cat)
{
    if (cat == NULL)
        return;
    for (size_t i = 0; i < cat->nsurveys; i++)
        survey_free(cat->surveys[i]);
    for (size_t i = 0; i < cat->nwaves; i++)
        free_wave(cat->waves[i]);
    FREE_EACH(cat->cities, cat->ncities);
    FREE_ALL(cat->surveys, cat->latest, cat->waves, cat);
}

/* Room for one more element in each of the arrays: 0, or -1 when out of
 * memory (the arrays that grew stay grown, which is harmless). */
static int room_for_survey(struct catalog *cat)
{
    struct survey **s = dynarr_reserve(cat->surveys, &cat->cap_surveys, cat->nsurveys + 1,
                                       sizeof *s);
    const struct survey **l;

    if (s == NULL)
        return -1;
    cat->surveys = s;
    l = dynarr_reserve(cat->latest, &cat->cap_latest, cat->nlatest + 1, sizeof *l);
    if (l == NULL)
        return -1;
    cat->latest = l;
    return 0;
}

static void set_latest(struct catalog *cat, const struct survey *s)
{
    for (size_t i = 0; i < cat->nlatest; i++)
        if (strcmp(cat->latest[i]->slug, s->slug) == 0) {
            if (s->version > cat->latest[i]->version)
                cat->latest[i] = s;
            return;
        }
    cat->latest[cat->nlatest++] = s;
}

int catalog_add_survey(struct catalog *cat, struct survey *s, char *err, size_t errlen)
{
    if (catalog_survey(cat, s->slug, s->version) != NULL) {
        err_set(err, errlen, "survey \"%s\" version %d is given twice", s->slug, s->version);
        survey_free(s);
        return -1;
    }
    if (room_for_survey(cat) != 0) {
        survey_free(s);
        return err_set(err, errlen, "out of memory");
    }
    cat->surveys[cat->nsurveys++] = s;
    set_latest(cat, s);
    return 0;
}

static int wave_cmp(const void *a, const void *b)
{
    const struct catalog_wave *x = *(const struct catalog_wave *const *)a;
    const struct catalog_wave *y = *(const struct catalog_wave *const *)b;
    int c = strcmp(x->survey, y->survey);

    if (c == 0)
        c = strcmp(x->opens_on, y->opens_on);
    return c != 0 ? c : strcmp(x->label, y->label);
}

int catalog_add_wave(struct catalog *cat, const char *survey, const char *label,
                     int survey_version, const char *opens_on, const char *closes_on,
                     char *err, size_t errlen)
{
    struct catalog_wave *w, **grown;

    if (catalog_survey(cat, survey, survey_version) == NULL)
        return err_set(err, errlen, "wave \"%s\" of survey \"%s\": version %d of the survey "
                       "is not loaded", label, survey, survey_version);
    if (catalog_wave(cat, survey, label) != NULL)
        return err_set(err, errlen, "wave \"%s\" of survey \"%s\" is given twice", label,
                       survey);
    w = calloc(1, sizeof *w);
    if (w == NULL)
        goto oom;
    grown = dynarr_reserve(cat->waves, &cat->cap_waves, cat->nwaves + 1, sizeof *grown);
    if (grown == NULL)
        goto oom;
    cat->waves = grown;
    w->survey = strdup(survey);
    w->label = strdup(label);
    w->opens_on = strdup(opens_on);
    w->closes_on = strdup(closes_on);
    w->survey_version = survey_version;
    if (w->survey == NULL || w->label == NULL || w->opens_on == NULL || w->closes_on == NULL)
        goto oom;
    cat->waves[cat->nwaves++] = w;
    qsort(cat->waves, cat->nwaves, sizeof *cat->waves, wave_cmp);
    return 0;
oom:
    free_wave(w);
    return err_set(err, errlen, "out of memory");
}

int catalog_add_city(struct catalog *cat, const char *slug, char *err, size_t errlen)
{
    char *copy, **grown;

    if (catalog_has_city(cat, slug))
        return 0;
    copy = strdup(slug);
    grown = copy == NULL ? NULL
                         : dynarr_reserve(cat->cities, &cat->cap_cities, cat->ncities + 1,
                                          sizeof *grown);
    if (grown == NULL) {
        free(copy);
        return err_set(err, errlen, "out of memory");
    }
    cat->cities = grown;
    cat->cities[cat->ncities++] = copy;
    return 0;
}

static int load_surveys(PGconn *conn, struct catalog *cat, char *err, size_t errlen)
{
    PGresult *res;
    int rc = 0;

    if (db_exec(conn, "SELECT slug, version, definition::text FROM survey ORDER BY slug, version",
                0, NULL, &res, NULL, err, errlen) != 0)
        return -1;
    for (int i = 0; rc == 0 && i < PQntuples(res); i++) {
        char name[256];
        json_error_t je;
        json_t *doc = json_loads(PQgetvalue(res, i, 2), JSON_REJECT_DUPLICATES, &je);
        struct survey *s;

        snprintf(name, sizeof name, "survey \"%s\" version %s in the database",
                 PQgetvalue(res, i, 0), PQgetvalue(res, i, 1));
        if (doc == NULL) {
            rc = err_set(err, errlen, "%s: %s", name, je.text);
            break;
        }
        rc = survey_parse(doc, name, &s, err, errlen);
        json_decref(doc);
        if (rc == 0)
            rc = catalog_add_survey(cat, s, err, errlen);
    }
    PQclear(res);
    return rc;
}

static int load_waves(PGconn *conn, struct catalog *cat, char *err, size_t errlen)
{
    PGresult *res;
    int rc = 0;

    if (db_exec(conn,
                "SELECT survey, label, survey_version, opens_on::text, closes_on::text "
                "FROM wave ORDER BY survey, opens_on, label",
                0, NULL, &res, NULL, err, errlen) != 0)
        return -1;
    for (int i = 0; rc == 0 && i < PQntuples(res); i++)
        rc = catalog_add_wave(cat, PQgetvalue(res, i, 0), PQgetvalue(res, i, 1),
                              (int)strtol(PQgetvalue(res, i, 2), NULL, 10),
                              PQgetvalue(res, i, 3), PQgetvalue(res, i, 4), err, errlen);
    PQclear(res);
    return rc;
}

/* The registry's city slugs (regsnap.h: read there, as every reader does). */
static int load_cities(PGconn *conn, const struct regsnap *given, struct catalog *cat, char *err,
                       size_t errlen)
{
    struct regsnap *own = NULL;
    const struct regsnap *reg = given;
    int rc = 0;

    if (reg == NULL && regsnap_load(conn, &own, err, errlen) != 0)
        return -1;
    if (reg == NULL)
        reg = own;
    for (size_t i = 0; rc == 0 && i < reg->ncities; i++)
        rc = catalog_add_city(cat, reg->cities[i].slug, err, errlen);
    regsnap_free(own);
    return rc;
}

int catalog_load_from(PGconn *conn, const struct regsnap *reg, struct catalog **out, char *err,
                      size_t errlen)
{
    struct catalog *cat = catalog_new();

    *out = NULL;
    if (cat == NULL)
        return err_set(err, errlen, "out of memory");
    if (load_surveys(conn, cat, err, errlen) != 0 || load_waves(conn, cat, err, errlen) != 0 ||
        load_cities(conn, reg, cat, err, errlen) != 0) {
        catalog_free(cat);
        return err_prefix(err, errlen, "catalog");
    }
    *out = cat;
    return 0;
}

int catalog_load(PGconn *conn, struct catalog **out, char *err, size_t errlen)
{
    return catalog_load_from(conn, NULL, out, err, errlen);
}

const struct survey *catalog_survey(const struct catalog *cat, const char *slug, int version)
{
    for (size_t i = 0; i < cat->nsurveys; i++)
        if (cat->surveys[i]->version == version && strcmp(cat->surveys[i]->slug, slug) == 0)
            return cat->surveys[i];
    return NULL;
}

const struct survey *catalog_survey_latest(const struct catalog *cat, const char *slug)
{
    for (size_t i = 0; i < cat->nlatest; i++)
        if (strcmp(cat->latest[i]->slug, slug) == 0)
            return cat->latest[i];
    return NULL;
}

const struct catalog_wave *catalog_wave(const struct catalog *cat, const char *survey,
                                        const char *label)
{
    for (size_t i = 0; i < cat->nwaves; i++)
        if (strcmp(cat->waves[i]->label, label) == 0 && strcmp(cat->waves[i]->survey, survey) == 0)
            return cat->waves[i];
    return NULL;
}

const struct catalog_wave *const *catalog_waves(const struct catalog *cat, const char *survey,
                                                size_t *n)
{
    size_t first = 0;

    *n = 0;
    while (first < cat->nwaves && strcmp(cat->waves[first]->survey, survey) != 0)
        first++;
    while (first + *n < cat->nwaves && strcmp(cat->waves[first + *n]->survey, survey) == 0)
        (*n)++;
    return *n > 0 ? (const struct catalog_wave *const *)&cat->waves[first] : NULL;
}

int catalog_has_city(const struct catalog *cat, const char *city)
{
    for (size_t i = 0; i < cat->ncities; i++)
        if (strcmp(cat->cities[i], city) == 0)
            return 1;
    return 0;
}

const struct survey *const *catalog_surveys(const struct catalog *cat, size_t *n)
{
    *n = cat->nlatest;
    return cat->latest;
}
