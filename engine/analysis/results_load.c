/*
 * results_load: the database half of results (results.h): reads the
 * registry and the survey's waves, streams the responses through agg (over
 * several connections at once: agg_par.h), and hands everything to
 * results_build.
 */
#include "results.h"
#include "results_model.h"
#include "agg_par.h"
#include "regsnap.h"

#include "anon.h"
#include "db.h"
#include "err.h"
#include "mem.h"
#include "weights.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The results' view of the registry snapshot (regsnap.h): its cities and
 * networks as results_input takes them, pointing into the snapshot. */
struct registry_data {
    struct regsnap *own;          /* the source's own snapshot, when none was given */
    const struct regsnap *snap;   /* the one it reads: given, or own */
    struct results_city *city;
    size_t ncities;
    struct results_network *net;
    size_t nnets;
};

static void registry_data_free(struct registry_data *r)
{
    regsnap_free(r->own);
    free(r->city);
    free(r->net);
}

/* r's snapshot: reg, or (reg NULL) one read from conn and owned by r. */
static int registry_data_take(PGconn *conn, const struct regsnap *reg, struct registry_data *r,
                              char *err, size_t errlen)
{
    if (reg == NULL && regsnap_load(conn, &r->own, err, errlen) != 0)
        return -1;
    r->snap = reg != NULL ? reg : r->own;
    return 0;
}

static int registry_data_make(struct registry_data *r, char *err, size_t errlen)
{
    const struct regsnap *s = r->snap;

    r->city = calloc(s->ncities + 1, sizeof *r->city);
    r->net = calloc(s->nnetworks + 1, sizeof *r->net);
    if (r->city == NULL || r->net == NULL)
        return err_set(err, errlen, "out of memory");
    for (size_t i = 0; i < s->ncities; i++)
        r->city[i] = (struct results_city){ s->cities[i].slug, s->cities[i].name,
                                            s->cities[i].headcount };
    for (size_t k = 0; k < s->nnetworks; k++) {
        const struct regsnap_network *n = &s->networks[k];

        r->net[k] = (struct results_network){ .slug = n->slug, .name = n->name,
                                              .name_en = n->name_en, .members = n->members,
                                              .nmembers = n->nmembers,
                                              .observers = n->observers,
                                              .nobservers = n->nobservers };
    }
    r->ncities = s->ncities;
    r->nnets = s->nnetworks;
    return 0;
}

/* "2024-03-01" as a year with a fraction: 2024.16... */
static double date_years(const char *d)
{
    static const int before[] = { 0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334 };
    int y = 0, m = 1, day = 1;

    if (sscanf(d, "%d-%d-%d", &y, &m, &day) != 3 || m < 1 || m > 12)
        return (double)y;
    return y + (before[m - 1] + day - 1) / 365.25;
}

struct results_src {
    struct registry_data reg;
    struct results_input in;
    struct agg *agg;
    struct weights *wts;
    const struct survey **versions;
    const char **labels;
    char (*opens)[11];         /* per wave: its opens_on */
    const char **opens_of;     /* per wave: opens[w], as results_input takes them */
    double *x;
    int *wave_version;    /* per wave: its instrument version (0: not loaded) */
    size_t rows;
    struct results *model;    /* computed once (results_src_model) */
};

void results_src_free(struct results_src *src)
{
    if (src == NULL)
        return;
    results_free(src->model);
    registry_data_free(&src->reg);
    weights_free(src->wts);
    agg_free(src->agg);
    FREE_ALL(src->versions, src->labels, src->opens, src->opens_of, src->x, src->wave_version,
             src);
}

/* Everything of a source but the stream: its accumulator made (split by
 * by_attr), the weights built. */
static struct results_src *src_prepare(PGconn *conn, const struct catalog *cat,
                                       const struct regsnap *reg, const char *survey,
                                       const struct results_src_want *want, char *err,
                                       size_t errlen)
{
    const char *by_attr = want->by_attr;
    long only = -1;
    const struct survey *newest = catalog_survey_latest(cat, survey);
    const struct catalog_wave *const *waves;
    struct results_src *src;
    size_t nwaves = 0, nversions = 0;

    if (newest == NULL) {
        err_set(err, errlen, "no survey \"%s\"", survey);
        return NULL;
    }
    waves = catalog_waves(cat, survey, &nwaves);
    if (nwaves == 0) {
        err_set(err, errlen, "survey \"%s\" has no waves", survey);
        return NULL;
    }
    src = calloc(1, sizeof *src);
    if (src == NULL) {
        err_set(err, errlen, "out of memory");
        return NULL;
    }
    src->versions = calloc(nwaves + 1, sizeof *src->versions);
    src->labels = calloc(nwaves, sizeof *src->labels);
    src->x = calloc(nwaves, sizeof *src->x);
    src->opens = calloc(nwaves, sizeof *src->opens);
    src->opens_of = calloc(nwaves, sizeof *src->opens_of);
    src->wave_version = calloc(nwaves, sizeof *src->wave_version);
    if (registry_data_take(conn, reg, &src->reg, err, errlen) != 0)
        goto fail;
    if (src->versions == NULL || src->labels == NULL || src->x == NULL ||
        src->opens == NULL || src->opens_of == NULL || src->wave_version == NULL) {
        err_set(err, errlen, "out of memory");
        goto fail;
    }
    src->versions[nversions++] = newest;
    for (size_t w = 0; w < nwaves; w++) {
        const struct survey *v = catalog_survey(cat, survey, waves[w]->survey_version);
        int seen = 0;

        src->labels[w] = waves[w]->label;
        if (want->wave != NULL && strcmp(want->wave, waves[w]->label) == 0)
            only = (long)w;
        src->x[w] = date_years(waves[w]->opens_on);
        snprintf(src->opens[w], sizeof src->opens[w], "%s", waves[w]->opens_on);
        src->opens_of[w] = src->opens[w];
        src->wave_version[w] = v != NULL ? v->version : 0;
        for (size_t i = 0; i < nversions; i++)
            seen |= src->versions[i] == v;
        if (v != NULL && !seen)
            src->versions[nversions++] = v;
    }
    if (want->wave != NULL && only < 0) {
        err_set(err, errlen, "survey \"%s\" has no wave \"%s\"", survey, want->wave);
        goto fail;
    }
    src->agg = agg_new(src->versions, nversions, src->labels, nwaves, by_attr, err, errlen);
    if (src->agg != NULL && only >= 0)
        agg_keep_only_wave(src->agg, (size_t)only);
    if (src->agg != NULL && want->breakdown_only)
        agg_breakdown_only(src->agg);
    if (src->agg == NULL ||
        weights_build(conn, src->reg.snap, src->versions, nversions, src->labels, nwaves,
                      &src->wts, err, errlen) != 0)
        goto fail;
    if (src->wts != NULL) {
        agg_set_weight_fn(src->agg, weights_lookup, src->wts);
        if (agg_set_strata(src->agg, weights_nstrata(src->wts), weights_stratum, src->wts, err,
                           errlen) != 0)
            goto fail;
    }
    src->in.survey = newest;
    src->in.by_attr = by_attr;
    return src;
fail:
    results_src_free(src);
    return NULL;
}

/* After the stream: calibration, the registry's cities and networks, the
 * input. */
static int src_finish(struct results_src *src, size_t rows, char *err, size_t errlen)
{
    src->rows = rows;
    if ((src->wts != NULL && agg_calibrate(src->agg, weights_cal, src->wts, err, errlen) != 0) ||
        registry_data_make(&src->reg, err, errlen) != 0)
        return -1;
    src->in.agg = src->agg;
    src->in.wave_x = src->x;
    src->in.cities = src->reg.city;
    src->in.ncities = src->reg.ncities;
    src->in.networks = src->reg.net;
    src->in.nnetworks = src->reg.nnets;
    src->in.registry = src->reg.snap;
    src->in.threshold = anon_threshold(src->in.survey->anonymity_threshold);
    src->in.wave_version = src->wave_version;
    src->in.wave_opens = src->opens_of;
    src->in.weights = src->wts;
    return 0;
}

/* The census of breakdown-only source i, from a source of the same pass
 * that has one (not breakdown-only) and keeps i's wave. */
static int census_of(const struct results_src_want *want, struct results_src **out, size_t n,
                     size_t i, char *err, size_t errlen)
{
    for (size_t j = 0; j < n; j++)
        if (!want[j].breakdown_only &&
            (want[j].wave == NULL ||
             (want[i].wave != NULL && strcmp(want[i].wave, want[j].wave) == 0)))
            return agg_census_take(out[i]->agg, out[j]->agg, err, errlen);
    return err_set(err, errlen, "a breakdown-only source without a census in its pass");
}

int results_src_load_many(PGconn *conn, const struct catalog *cat, const struct regsnap *reg,
                          const char *survey, const char *const *by_attr, size_t n,
                          struct results_src **out, void (*progress)(size_t rows, void *arg),
                          void *arg, char *err, size_t errlen)
{
    struct results_src_want *want = calloc(n + 1, sizeof *want);
    int rc;

    if (want == NULL)
        return err_set(err, errlen, "out of memory");
    for (size_t i = 0; i < n; i++)
        want[i].by_attr = by_attr[i];
    rc = results_src_load_wants(conn, cat, reg, survey, want, n, out, progress, arg, err, errlen);
    free(want);
    return rc;
}

int results_src_load_wants(PGconn *conn, const struct catalog *cat, const struct regsnap *reg,
                           const char *survey, const struct results_src_want *want, size_t n,
                           struct results_src **out, void (*progress)(size_t rows, void *arg),
                           void *arg, char *err, size_t errlen)
{
    struct agg **aggs = calloc(n + 1, sizeof *aggs);
    size_t rows = 0, made = 0;

    if (aggs == NULL)
        return err_set(err, errlen, "out of memory");
    for (size_t i = 0; i < n; i++)
        out[i] = NULL;
    for (; made < n; made++) {
        out[made] = src_prepare(conn, cat, reg, survey, &want[made], err, errlen);
        if (out[made] == NULL)
            goto fail;
        aggs[made] = out[made]->agg;
    }
    /* over several connections when there are cores for them (agg_par.h:
     * the same sums as one stream, to the last bit) */
    if (agg_read_db_par(aggs, n, conn, survey, agg_par_streams(), &rows, progress, arg, err,
                        errlen) != 0)
        goto fail;
    for (size_t i = 0; i < n; i++)
        if ((want[i].breakdown_only && census_of(want, out, n, i, err, errlen) != 0) ||
            src_finish(out[i], rows, err, errlen) != 0)
            goto fail;
    free(aggs);
    return 0;
fail:
    for (size_t i = 0; i < n; i++) {
        results_src_free(out[i]);
        out[i] = NULL;
    }
    free(aggs);
    return -1;
}

struct results_src *results_src_load(PGconn *conn, const struct catalog *cat,
                                     const struct regsnap *reg, const char *survey,
                                     const char *by_attr,
                                     void (*progress)(size_t rows, void *arg), void *arg,
                                     char *err, size_t errlen)
{
    struct results_src *src;

    return results_src_load_many(conn, cat, reg, survey, &by_attr, 1, &src, progress, arg, err,
                                 errlen) == 0
               ? src
               : NULL;
}

const struct results_input *results_src_input(const struct results_src *src)
{
    return &src->in;
}

const struct results *results_src_model(struct results_src *src, char *err, size_t errlen)
{
    if (src->model == NULL)
        src->model = results_compute(&src->in, err, errlen);
    return src->model;
}

const struct weights *results_src_weights(const struct results_src *src)
{
    return src->wts;
}

size_t results_src_rows(const struct results_src *src)
{
    return src->rows;
}

json_t *results_src_build(struct results_src *src, int english, char *err, size_t errlen)
{
    const struct results *r = results_src_model(src, err, errlen);
    json_t *doc;

    doc = r != NULL ? results_to_json(r, english, err, errlen) : NULL;
    if (doc != NULL &&
        (json_object_set_new(doc, "responses_read", json_integer((json_int_t)src->rows)) != 0 ||
         json_object_set_new(doc, "weighting",
                             src->wts != NULL ? weights_report(src->wts) : json_null()) != 0)) {
        json_decref(doc);
        err_set(err, errlen, "out of memory (the results document)");
        return NULL;
    }
    return doc;
}

json_t *results_load(PGconn *conn, const struct catalog *cat, const char *survey,
                     const char *by_attr, int english,
                     void (*progress)(size_t rows, void *arg), void *arg, char *err,
                     size_t errlen)
{
    struct results_src *src =
        results_src_load(conn, cat, NULL, survey, by_attr, progress, arg, err, errlen);
    json_t *doc = src != NULL ? results_src_build(src, english, err, errlen) : NULL;

    results_src_free(src);
    return doc;
}
