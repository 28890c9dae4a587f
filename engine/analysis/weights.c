#include "weights.h"

#include "db.h"
#include "dynarr.h"
#include "err.h"
#include "mem.h"
#include "regsnap.h"
#include "stats.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define WEIGHTS_RAKE_TOL 1e-10
#define WEIGHTS_RAKE_ITER 200

/* One city in one wave. */
struct cw {
    char city[64];
    size_t wave;
    double *sample;      /* r x c respondents per cell */
    double *weight;      /* r x c, valid when method is not NULL */
    unsigned char *in_pop;  /* r + c: the category has population figures */
    const char *method;  /* "cells", "raking", or NULL: the given weights */
    char note[256];
};

struct weights {
    const struct survey *newest;
    size_t nr, nc;             /* categories of the first and second stratum */
    const int *codes[2];       /* their codes */
    int *code_buf[2];
    int *pos;                  /* per version: positions of the strata in attrs */
    const struct survey *const *versions;
    size_t nversions;
    const char *const *waves;  /* borrowed from the caller of weights_build */
    size_t nwaves;
    struct cw *cells;
    size_t ncells, cap;
    struct cw ***cache;        /* [agg city index][wave] -> cw, filled on first use */
    size_t ncache;
    int example;               /* any population figure marked as an example */
    json_t *pop;               /* {city: population entry} from the registry */
};

static struct cw *cw_find(struct weights *w, const char *city, size_t wave)
{
    for (size_t i = 0; i < w->ncells; i++)
        if (w->cells[i].wave == wave && strcmp(w->cells[i].city, city) == 0)
            return &w->cells[i];
    return NULL;
}

static struct cw *cw_get(struct weights *w, const char *city, size_t wave)
{
    struct cw *c = cw_find(w, city, wave);
    size_t k = w->nr * w->nc;

    if (c != NULL)
        return c;
    c = dynarr_reserve(w->cells, &w->cap, w->ncells + 1, sizeof *c);
    if (c == NULL)
        return NULL;
    w->cells = c;
    c = &w->cells[w->ncells];
    memset(c, 0, sizeof *c);
    snprintf(c->city, sizeof c->city, "%s", city);
    c->wave = wave;
    c->sample = calloc(k, sizeof *c->sample);
    c->weight = calloc(k, sizeof *c->weight);
    c->in_pop = calloc(w->nr + w->nc, 1);
    if (c->sample == NULL || c->weight == NULL || c->in_pop == NULL) {
        free(c->sample);
        free(c->weight);
        free(c->in_pop);
        return NULL;
    }
    w->ncells++;
    return c;
}

static long code_index(const struct weights *w, int s, long code)
{
    size_t n = s == 0 ? w->nr : w->nc;

    if (s == 1 && w->newest->nstrata == 1)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (w->codes[s][i] == code)
            return (long)i;
    return -1;
}

static int setup_strata(struct weights *w)
{
    for (size_t s = 0; s < 2; s++) {
        const struct survey_attr *at =
            s < w->newest->nstrata ? &w->newest->attrs[w->newest->strata[s]] : NULL;
        size_t n = at ? at->noptions : 1;

        w->code_buf[s] = calloc(n, sizeof(int));
        if (w->code_buf[s] == NULL)
            return -1;
        for (size_t i = 0; at != NULL && i < n; i++)
            w->code_buf[s][i] = at->options[i].code;
        w->codes[s] = w->code_buf[s];
        if (s == 0)
            w->nr = n;
        else
            w->nc = n;
    }
    w->pos = calloc(2 * w->nversions, sizeof *w->pos);
    if (w->pos == NULL)
        return -1;
    for (size_t v = 0; v < w->nversions; v++)
        for (size_t s = 0; s < 2; s++)
            w->pos[2 * v + s] =
                s < w->newest->nstrata
                    ? survey_attr_index(w->versions[v],
                                        w->newest->attrs[w->newest->strata[s]].code)
                    : -1;
    return 0;
}

/* Sample counts per city, wave and cell, one query per instrument version. */
static int count_sample(struct weights *w, PGconn *conn, const char *const *waves, char *err,
                        size_t errlen)
{
    for (size_t v = 0; v < w->nversions; v++) {
        char version[16], p1[16], p2[16];
        const char *params[4] = { w->newest->slug, version, p1, p2 };
        PGresult *res;

        if (w->pos[2 * v] < 0)
            continue;
        snprintf(version, sizeof version, "%d", w->versions[v]->version);
        snprintf(p1, sizeof p1, "%d", w->pos[2 * v] + 1);
        snprintf(p2, sizeof p2, "%d", w->pos[2 * v + 1] + 1);  /* 0: attrs[0] is NULL */
        if (db_exec(conn,
                    "SELECT city, wave, attrs[$3::int], attrs[$4::int], count(*) FROM response "
                    "WHERE survey = $1 AND survey_version = $2::int "
                    "AND (city, id) NOT IN (SELECT v.city, v.id FROM response_void v) "
                    "GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4",
                    4, params, &res, NULL, err, errlen) != 0)
            return -1;
        for (int i = 0; i < PQntuples(res); i++) {
            long a, b;
            struct cw *c;
            size_t wave = w->nwaves;

            for (size_t k = 0; k < w->nwaves; k++)
                if (strcmp(waves[k], PQgetvalue(res, i, 1)) == 0)
                    wave = k;
            if (wave == w->nwaves || PQgetisnull(res, i, 2))
                continue;
            a = code_index(w, 0, strtol(PQgetvalue(res, i, 2), NULL, 10));
            b = w->newest->nstrata == 1 ? 0
                : PQgetisnull(res, i, 3) ? -1
                                         : code_index(w, 1, strtol(PQgetvalue(res, i, 3), NULL, 10));
            if (a < 0 || b < 0)
                continue;   /* unclassified: weight 1 */
            c = cw_get(w, PQgetvalue(res, i, 0), wave);
            if (c == NULL) {
                PQclear(res);
                return err_set(err, errlen, "out of memory");
            }
            c->sample[(size_t)a * w->nc + (size_t)b] += strtod(PQgetvalue(res, i, 4), NULL);
        }
        PQclear(res);
    }
    return 0;
}

/* The registry's population entries of the survey, by city (regsnap.h). */
static int load_population(struct weights *w, const struct regsnap *reg, char *err,
                           size_t errlen)
{
    w->pop = json_object();
    if (w->pop == NULL)
        return err_set(err, errlen, "out of memory");
    for (size_t i = 0; i < reg->ncities; i++) {
        const char *text = regsnap_population(&reg->cities[i], w->newest->slug);
        json_t *entry = text != NULL ? json_loads(text, 0, NULL) : NULL;

        if (entry == NULL)
            continue;
        if (json_is_true(json_object_get(entry, "example")))
            w->example = 1;
        if (json_object_set_new(w->pop, reg->cities[i].slug, entry) != 0)
            return err_set(err, errlen, "out of memory");
    }
    return 0;
}

static double count_of(const json_t *obj, int code)
{
    char key[16];
    const json_t *v;

    snprintf(key, sizeof key, "%d", code);
    v = json_object_get(obj, key);
    return json_is_number(v) ? json_number_value(v) : 0;
}

/* Population targets: cells (r x c) and their margins, or margins only.
 * Returns 1 with cells, 0 with margins only, -1 when unusable (note says
 * why). A one-attribute survey's cells are {CODE: count}; a two-attribute
 * survey's {CODE1: {CODE2: count}} (docs/registry.md). */
static int targets(const struct weights *w, const json_t *entry, double *cells, double *rows,
                   double *cols, char *note, size_t notelen)
{
    const json_t *jc = json_object_get(entry, "cells");
    const json_t *jm = json_object_get(entry, "margins");
    const char *first = w->newest->attrs[w->newest->strata[0]].code;
    double total = 0;

    memset(rows, 0, w->nr * sizeof *rows);
    memset(cols, 0, w->nc * sizeof *cols);
    if (jc != NULL) {
        const char *key;
        const json_t *row;

        json_object_foreach((json_t *)jc, key, row) {
            if (w->newest->nstrata == 1 && !json_is_number(row)) {
                snprintf(note, notelen, "field \"cells\": a table of two attributes, but the "
                         "survey post-stratifies on %.40s alone: expected {CODE: count}", first);
                return -1;
            }
            if (w->newest->nstrata == 2 && !json_is_object(row)) {
                snprintf(note, notelen, "field \"cells\": counts by %.40s alone, but the survey "
                         "post-stratifies on two attributes: expected {CODE1: {CODE2: count}}",
                         first);
                return -1;
            }
        }
        for (size_t a = 0; a < w->nr; a++) {
            char k[16];

            snprintf(k, sizeof k, "%d", w->codes[0][a]);
            row = json_object_get(jc, k);
            for (size_t b = 0; b < w->nc; b++) {
                double n = w->newest->nstrata == 1 ? (json_is_number(row) ? json_number_value(row) : 0)
                                                   : count_of(row, w->codes[1][b]);

                cells[a * w->nc + b] = n;
                rows[a] += n;
                cols[b] += n;
                total += n;
            }
        }
        if (!(total > 0)) {
            snprintf(note, notelen, "field \"cells\": no count for any category of the "
                     "survey's strata");
            return -1;
        }
        return 1;
    }
    if (jm == NULL) {
        snprintf(note, notelen, "population figures give neither cells nor margins");
        return -1;
    }
    for (size_t a = 0; a < w->nr; a++) {
        rows[a] = count_of(json_object_get(jm, first), w->codes[0][a]);
        total += rows[a];
    }
    for (size_t b = 0; b < w->nc; b++)
        cols[b] = w->newest->nstrata == 1
                      ? 1
                      : count_of(json_object_get(jm, w->newest->attrs[w->newest->strata[1]].code),
                                 w->codes[1][b]);
    if (!(total > 0)) {
        snprintf(note, notelen, "field \"margins\": no count for any category of %.40s", first);
        return -1;
    }
    return 0;
}

/* The sample without the categories the population has no figures for
 * (those respondents are unclassified and keep weight 1). */
static void classify(const struct weights *w, struct cw *c, const double *rows,
                     const double *cols, double *sample)
{
    for (size_t a = 0; a < w->nr; a++)
        c->in_pop[a] = rows[a] > 0;
    for (size_t b = 0; b < w->nc; b++)
        c->in_pop[w->nr + b] = cols[b] > 0;
    for (size_t a = 0; a < w->nr; a++)
        for (size_t b = 0; b < w->nc; b++)
            sample[a * w->nc + b] =
                c->in_pop[a] && c->in_pop[w->nr + b] ? c->sample[a * w->nc + b] : 0;
}

static void compute_one(struct weights *w, struct cw *c)
{
    const json_t *entry = json_object_get(w->pop, c->city);
    size_t k = w->nr * w->nc;
    double *cells = calloc(k, sizeof *cells);
    double *sample = calloc(k, sizeof *sample);
    double *rows = calloc(w->nr, sizeof *rows);
    double *cols = calloc(w->nc, sizeof *cols);
    char err[ERR_MAX];
    int kind;

    c->method = NULL;
    if (cells == NULL || sample == NULL || rows == NULL || cols == NULL) {
        snprintf(c->note, sizeof c->note, "out of memory");
        goto done;
    }
    if (entry == NULL) {
        snprintf(c->note, sizeof c->note, "no population figures in the registry");
        goto done;
    }
    kind = targets(w, entry, cells, rows, cols, c->note, sizeof c->note);
    if (kind < 0)
        goto done;
    classify(w, c, rows, cols, sample);
    if (kind == 1 && stats_poststrat(cells, sample, k, c->weight, err, sizeof err) == 0) {
        c->method = "cells";
        goto done;
    }
    if (stats_rake(sample, w->nr, w->nc, rows, cols, WEIGHTS_RAKE_TOL, WEIGHTS_RAKE_ITER,
                   c->weight, NULL, err, sizeof err) == 0) {
        c->method = "raking";
        if (kind == 1)
            snprintf(c->note, sizeof c->note, "cells could not be used; raked to their margins");
        goto done;
    }
    /* Not stats' message itself: it can carry the sample's counts, and the
     * note is shown for groups whatever their size. */
    snprintf(c->note, sizeof c->note, "%s",
             strstr(err, "no respondents") != NULL
                 ? "a category with population figures has no respondents (collapse categories); "
                   "not weighted to the population"
                 : "raking did not converge; not weighted to the population");
done:
    FREE_ALL(cells, sample, rows, cols);
}

int weights_build(PGconn *conn, const struct regsnap *reg,
                  const struct survey *const *versions, size_t nversions,
                  const char *const *waves, size_t nwaves, struct weights **out, char *err,
                  size_t errlen)
{
    struct weights *w;

    *out = NULL;
    if (nversions == 0 || !versions[0]->weighted || versions[0]->nstrata == 0)
        return 0;
    w = calloc(1, sizeof *w);
    if (w == NULL)
        return err_set(err, errlen, "out of memory");
    w->newest = versions[0];
    w->versions = versions;
    w->nversions = nversions;
    w->waves = waves;
    w->nwaves = nwaves;
    if (setup_strata(w) != 0) {
        weights_free(w);
        return err_set(err, errlen, "out of memory");
    }
    if (count_sample(w, conn, waves, err, errlen) != 0 ||
        load_population(w, reg, err, errlen) != 0) {
        weights_free(w);
        return -1;
    }
    for (size_t i = 0; i < w->ncells; i++)
        compute_one(w, &w->cells[i]);
    *out = w;
    return 0;
}

static struct cw *cached(struct weights *w, size_t city, const char *slug, size_t wave)
{
    if (city >= w->ncache) {
        size_t n = w->ncache;
        struct cw ***grown = dynarr_reserve(w->cache, &n, city + 1, sizeof *grown);

        if (grown == NULL)
            return NULL;
        for (size_t i = w->ncache; i < n; i++)
            grown[i] = NULL;
        w->cache = grown;
        w->ncache = n;
    }
    if (w->cache[city] == NULL) {
        w->cache[city] = calloc(w->nwaves + 1, sizeof **w->cache);
        if (w->cache[city] == NULL)
            return NULL;
        for (size_t k = 0; k < w->nwaves; k++)
            w->cache[city][k] = cw_find(w, slug, k);
    }
    return wave < w->nwaves ? w->cache[city][wave] : NULL;
}

/* The cell (a * nc + b) of a response in a weighted city, or -1 when it is
 * unclassified; *c gets the city's cw (NULL: no figures, given weights). */
static long cell_of(struct weights *w, size_t city, const char *city_slug, size_t wave,
                    int version, const int16_t *attrs, size_t nattrs, struct cw **cp)
{
    struct cw *c = cached(w, city, city_slug, wave);
    const int *pos = NULL;
    long a, b = 0;

    *cp = c;
    if (c == NULL || c->method == NULL)
        return -1;
    for (size_t v = 0; v < w->nversions; v++)
        if (w->versions[v]->version == version)
            pos = &w->pos[2 * v];
    if (pos == NULL || pos[0] < 0 || (size_t)pos[0] >= nattrs || attrs[pos[0]] == SURVEY_NA)
        return -1;
    a = code_index(w, 0, attrs[pos[0]]);
    if (w->newest->nstrata == 2)
        b = pos[1] < 0 || (size_t)pos[1] >= nattrs || attrs[pos[1]] == SURVEY_NA
                ? -1
                : code_index(w, 1, attrs[pos[1]]);
    if (a < 0 || b < 0 || !c->in_pop[a] || !c->in_pop[w->nr + (size_t)b])
        return -1;
    return a * (long)w->nc + b;
}

double weights_lookup(void *ctx, size_t city, const char *city_slug, size_t wave, int version,
                      const int16_t *attrs, size_t nattrs, double given)
{
    struct weights *w = ctx;
    struct cw *c;
    long h = cell_of(w, city, city_slug, wave, version, attrs, nattrs, &c);

    if (c == NULL || c->method == NULL)
        return given > 0 ? given : 1.0;
    return h < 0 ? 1.0 : c->weight[h];
}

size_t weights_nstrata(const struct weights *w)
{
    return w->nr * w->nc;
}

long weights_stratum(void *ctx, size_t city, const char *city_slug, size_t wave, int version,
                     const int16_t *attrs, size_t nattrs)
{
    struct cw *c;

    return cell_of(ctx, city, city_slug, wave, version, attrs, nattrs, &c);
}

int weights_cal(void *ctx, size_t city, size_t wave, const double *h, double out[3], char *err,
                size_t errlen)
{
    struct weights *w = ctx;
    struct cw *c = city < w->ncache && w->cache[city] != NULL && wave < w->nwaves
                       ? w->cache[city][wave]
                       : NULL;

    out[0] = out[1] = out[2] = 0;
    if (c == NULL || c->method == NULL || h == NULL)
        return 0;
    if (strcmp(c->method, "raking") == 0 &&
        stats_cal_group(c->weight, h, w->nr, w->nc, 1, out, NULL, 0) != 0) {
        /* The fit to the margins did not converge (it should not): the
         * residuals within the cells instead, and the city says so. */
        static const char said[] = "the fit to the margins for the SEs did not converge; "
                                   "residuals within the cells used";
        size_t len = strlen(c->note);

        if (strstr(c->note, said) == NULL && len + sizeof said + 2 < sizeof c->note)
            snprintf(c->note + len, sizeof c->note - len, "%s%s", len ? "; " : "", said);
        return stats_cal_group(c->weight, h, w->nr, w->nc, 0, out, err, errlen);
    }
    if (strcmp(c->method, "raking") == 0)
        return 0;
    return stats_cal_group(c->weight, h, w->nr, w->nc, 0, out, err, errlen);
}

size_t weights_nentries(const struct weights *w)
{
    return w->ncells;
}

const char *weights_entry(const struct weights *w, size_t i, size_t *wave, const char **method,
                          const char **note)
{
    const struct cw *c = &w->cells[i];

    *wave = c->wave;
    *method = c->method ? c->method : "none";
    *note = c->note;
    return c->city;
}

json_t *weights_report(const struct weights *w)
{
    json_t *by = json_array(), *attrs = json_array();

    for (size_t s = 0; s < w->newest->nstrata; s++)
        json_array_append_new(attrs, json_string(w->newest->attrs[w->newest->strata[s]].code));
    for (size_t i = 0; i < w->ncells; i++) {
        const struct cw *c = &w->cells[i];

        json_array_append_new(by, json_pack("{s:s, s:s, s:s, s:s}", "city", c->city, "wave",
                                            w->waves[c->wave], "method",
                                            c->method ? c->method : "none", "note",
                                            c->note));
    }
    return json_pack("{s:s, s:o, s:b, s:o}", "method", "post-stratification", "attributes",
                     attrs, "example_population", w->example, "by_city", by);
}

void weights_free(struct weights *w)
{
    if (w == NULL)
        return;
    for (size_t i = 0; i < w->ncells; i++)
        FREE_ALL(w->cells[i].sample, w->cells[i].weight, w->cells[i].in_pop);
    FREE_EACH(w->cache, w->ncache);
    json_decref(w->pop);
    FREE_ALL(w->cells, w->code_buf[0], w->code_buf[1], w->pos, w);
}
