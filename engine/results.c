#include "results.h"

#include "anon.h"
#include "err.h"
#include "stats.h"
#include "vocab.h"

#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ---------- groups ---------- */

enum group_type { GROUP_CITY, GROUP_NETWORK, GROUP_ALL };

struct group {
    enum group_type type;
    const char *slug;             /* NULL for "all" */
    const char *name;
    const struct results_network *network;  /* GROUP_NETWORK */
    size_t *cities;               /* agg city indices counted in the group */
    size_t ncities;
    double headcount;             /* Σ the cities' headcounts (fpc); NaN: not known */
    struct agg_cell **total;      /* per wave, owned */
    struct agg_cell **parts;      /* per wave x part (split by an attribute), owned */
    int *hidden;                  /* per wave: the whole group */
    int *item_hidden;             /* per wave x item */
    int *dim_hidden;              /* per wave x dimension */
    int *part_hidden;             /* per wave x part */
    int *part_item_hidden;        /* per wave x part x item */
};

struct ctx {
    const struct results_input *in;
    const struct agg *agg;
    size_t nwaves, nitems, ndims;
    int t;
    int weighted;
    int split;                    /* parts per group: the attribute's codes + "not given" */
    const struct survey_attr *attr;
    size_t attr_index;            /* the split attribute's index in the survey */
    size_t nparts;
    struct group *groups;
    size_t ngroups;
    size_t first_network, first_all;   /* group index ranges: cities, networks, all */
    unsigned char *asked;         /* per wave x item: the wave's instrument asks it */
};

/* Whether item k was asked in wave w (see results_input.wave_version). */
static int item_asked(const struct ctx *c, size_t w, size_t k)
{
    return c->asked == NULL || c->asked[w * c->nitems + k];
}

static double item_n(const struct agg_item *it, const struct survey_item *def)
{
    double n = 0;

    if (def->type == SURVEY_MULTI)
        return it->answered.n;
    for (size_t v = 0; v < it->nvalues; v++)
        n += it->values[v].n;
    return n;
}

static const char *city_name(const struct results_input *in, const char *slug)
{
    for (size_t i = 0; i < in->ncities; i++)
        if (strcmp(in->cities[i].slug, slug) == 0)
            return in->cities[i].name;
    return slug;
}

static int part_value(const struct ctx *c, size_t p)
{
    return p < c->attr->noptions ? c->attr->options[p].code : SURVEY_NA;
}

/* Sums the cells of the group's cities into its per-wave (and per-part) cells. */
static int group_fill(struct ctx *c, struct group *g)
{
    size_t np = c->split ? c->nparts : 0;

    g->total = calloc(c->nwaves, sizeof *g->total);
    g->parts = calloc(c->nwaves * (np ? np : 1), sizeof *g->parts);
    g->hidden = calloc(c->nwaves, sizeof *g->hidden);
    g->item_hidden = calloc(c->nwaves * (c->nitems ? c->nitems : 1), sizeof(int));
    g->dim_hidden = calloc(c->nwaves * (c->ndims ? c->ndims : 1), sizeof(int));
    g->part_hidden = calloc(c->nwaves * (np ? np : 1), sizeof(int));
    g->part_item_hidden = calloc(c->nwaves * (np ? np : 1) * (c->nitems ? c->nitems : 1),
                                 sizeof(int));
    if (g->total == NULL || g->parts == NULL || g->hidden == NULL || g->item_hidden == NULL ||
        g->dim_hidden == NULL || g->part_hidden == NULL || g->part_item_hidden == NULL)
        return -1;
    for (size_t w = 0; w < c->nwaves; w++) {
        g->total[w] = agg_cell_new(c->agg);
        if (g->total[w] == NULL)
            return -1;
        for (size_t p = 0; p < np; p++) {
            g->parts[w * np + p] = agg_cell_new(c->agg);
            if (g->parts[w * np + p] == NULL)
                return -1;
        }
        for (size_t i = 0; i < g->ncities; i++) {
            if (!c->split) {
                const struct agg_cell *cell = agg_cell_find(c->agg, w, g->cities[i], SURVEY_NA);

                if (cell != NULL)
                    agg_cell_merge(c->agg, g->total[w], cell);
                continue;
            }
            for (size_t p = 0; p < np; p++) {
                const struct agg_cell *cell =
                    agg_cell_find(c->agg, w, g->cities[i], part_value(c, p));

                if (cell == NULL)
                    continue;
                agg_cell_merge(c->agg, g->total[w], cell);
                agg_cell_merge(c->agg, g->parts[w * np + p], cell);
            }
        }
    }
    return 0;
}

static void groups_free(struct ctx *c)
{
    size_t np = c->split ? c->nparts : 0;

    for (size_t i = 0; i < c->ngroups; i++) {
        struct group *g = &c->groups[i];

        for (size_t w = 0; g->total != NULL && w < c->nwaves; w++)
            agg_cell_free(c->agg, g->total[w]);
        for (size_t k = 0; g->parts != NULL && k < c->nwaves * np; k++)
            agg_cell_free(c->agg, g->parts[k]);
        free(g->total);
        free(g->parts);
        free(g->hidden);
        free(g->item_hidden);
        free(g->dim_hidden);
        free(g->part_hidden);
        free(g->part_item_hidden);
        free(g->cities);
    }
    free(c->groups);
}

/* The population of a group for the finite population correction: the
 * sum of its cities' registry headcounts; NaN when the survey does not ask
 * for it or a city has none. */
static double group_headcount(const struct ctx *c, const struct group *g)
{
    double sum = 0;

    if (!c->in->survey->fpc_headcount)
        return NAN;
    for (size_t i = 0; i < g->ncities; i++) {
        const char *slug = agg_city(c->agg, g->cities[i]);
        double h = 0;

        for (size_t j = 0; j < c->in->ncities; j++)
            if (strcmp(c->in->cities[j].slug, slug) == 0)
                h = c->in->cities[j].headcount;
        if (!(h > 0))
            return NAN;
        sum += h;
    }
    return g->ncities > 0 ? sum : NAN;
}

static int groups_build(struct ctx *c)
{
    const struct results_input *in = c->in;
    size_t ncities = agg_ncities(c->agg);

    c->groups = calloc(ncities + in->nnetworks + 1, sizeof *c->groups);
    if (c->groups == NULL)
        return -1;
    for (size_t i = 0; i < ncities; i++) {
        struct group *g = &c->groups[c->ngroups++];

        g->type = GROUP_CITY;
        g->slug = agg_city(c->agg, i);
        g->name = city_name(in, g->slug);
        g->cities = malloc(sizeof *g->cities);
        if (g->cities == NULL)
            return -1;
        g->cities[0] = i;
        g->ncities = 1;
    }
    c->first_network = c->ngroups;
    for (size_t n = 0; n < in->nnetworks; n++) {
        const struct results_network *net = &in->networks[n];
        struct group *g = &c->groups[c->ngroups++];

        g->type = GROUP_NETWORK;
        g->slug = net->slug;
        g->name = net->name;
        g->network = net;
        g->cities = calloc(net->nmembers ? net->nmembers : 1, sizeof *g->cities);
        if (g->cities == NULL)
            return -1;
        for (size_t m = 0; m < net->nmembers; m++) {
            long ci = agg_city_index(c->agg, net->members[m]);

            if (ci >= 0)
                g->cities[g->ncities++] = (size_t)ci;
        }
    }
    c->first_all = c->ngroups;
    {
        struct group *g = &c->groups[c->ngroups++];

        g->type = GROUP_ALL;
        g->name = in->english ? "All cities" : "Wszystkie miasta";
        g->cities = calloc(ncities ? ncities : 1, sizeof *g->cities);
        if (g->cities == NULL)
            return -1;
        for (size_t i = 0; i < ncities; i++)
            g->cities[g->ncities++] = i;
    }
    for (size_t i = 0; i < c->ngroups; i++) {
        if (group_fill(c, &c->groups[i]) != 0)
            return -1;
        c->groups[i].headcount = group_headcount(c, &c->groups[i]);
    }
    return 0;
}

/* ---------- anonymity ---------- */

void results_layout_free(struct results_layout *y)
{
    for (size_t g = 0; y->members != NULL && g < y->L.ngroups; g++)
        free(y->members[g]);
    free(y->members);
    free(y->attr_first);
    free(y->nmembers);
    memset(y, 0, sizeof *y);
}

int results_layout_build(const struct results_input *in, struct results_layout *y)
{
    size_t na = in->survey->nattrs, nc = agg_ncities(in->agg);
    size_t ng = nc + in->nnetworks + 1;

    memset(y, 0, sizeof *y);
    y->attr_first = calloc(na + 1, sizeof *y->attr_first);
    y->members = calloc(ng, sizeof *y->members);
    y->nmembers = calloc(ng, sizeof *y->nmembers);
    y->L.ngroups = ng;
    if (y->attr_first == NULL || y->members == NULL || y->nmembers == NULL)
        goto fail;
    for (size_t a = 0; a <= na; a++)
        y->attr_first[a] = agg_census_first(in->agg, a);
    for (size_t g = 0; g < ng; g++) {
        size_t cap = g < nc ? 1 : g < nc + in->nnetworks ? in->networks[g - nc].nmembers : nc;

        y->members[g] = calloc(cap + 1, sizeof **y->members);
        if (y->members[g] == NULL)
            goto fail;
        if (g < nc) {
            y->members[g][y->nmembers[g]++] = g;
        } else if (g < nc + in->nnetworks) {
            const struct results_network *net = &in->networks[g - nc];

            for (size_t m = 0; m < net->nmembers; m++) {
                long ci = agg_city_index(in->agg, net->members[m]);

                if (ci >= 0)
                    y->members[g][y->nmembers[g]++] = (size_t)ci;
            }
        } else {
            for (size_t c = 0; c < nc; c++)
                y->members[g][y->nmembers[g]++] = c;
        }
    }
    y->L = (struct anon_layout){ .ncities = nc,
                                 .nslots = agg_census_nslots(in->agg),
                                 .nattrs = na,
                                 .attr_first = y->attr_first,
                                 .ngroups = ng,
                                 .members = (const size_t *const *)y->members,
                                 .nmembers = y->nmembers };
    return 0;
fail:
    results_layout_free(y);
    return -1;
}

/* The census slot of part p of the split attribute. */
static size_t part_slot(const struct ctx *c, size_t p)
{
    return agg_census_first(c->agg, c->attr_index) + p;
}

/* Copies one quantity's flags (measure m, or -1: respondents) into the groups. */
static void flags_apply(struct ctx *c, size_t w, long m, const unsigned char *flags, size_t ns)
{
    size_t np = c->split ? c->nparts : 0;

    for (size_t gi = 0; gi < c->ngroups; gi++) {
        struct group *g = &c->groups[gi];
        const unsigned char *f = flags + gi * ns;

        if (m < 0) {
            g->hidden[w] = f[0];
            for (size_t p = 0; p < np; p++)
                g->part_hidden[w * np + p] = f[part_slot(c, p)];
        } else if ((size_t)m < c->nitems) {
            g->item_hidden[w * c->nitems + (size_t)m] = f[0];
            for (size_t p = 0; p < np; p++)
                g->part_item_hidden[(w * np + p) * c->nitems + (size_t)m] = f[part_slot(c, p)];
        } else {
            g->dim_hidden[w * c->ndims + ((size_t)m - c->nitems)] = f[0];
        }
    }
}

/*
 * Decides every hidden figure of every wave with anon_table, on the census
 * (all attributes at once, whatever this document is split by), so every
 * view of the survey (with or without by, any group) hides the same
 * figures. Respondents first; each item and dimension starts from the
 * respondents' flags. Any failure fails the build.
 */
static int suppress(struct ctx *c, char *err, size_t errlen)
{
    struct results_layout y;
    size_t nc = agg_ncities(c->agg), ns = agg_census_nslots(c->agg), nq = agg_census_nq(c->agg);
    size_t cells = c->ngroups * ns;
    double *n0 = calloc(nc * ns + 1, sizeof *n0), *nq_ = calloc(nc * ns + 1, sizeof *nq_);
    unsigned char *f0 = calloc(cells + 1, 1), *fq = calloc(cells + 1, 1);
    int rc = -1;

    memset(&y, 0, sizeof y);
    if (n0 == NULL || nq_ == NULL || f0 == NULL || fq == NULL ||
        results_layout_build(c->in, &y) != 0) {
        err_set(err, errlen, "out of memory");
        goto done;
    }
    for (size_t w = 0; w < c->nwaves; w++) {
        for (size_t q = 0; q < nq; q++) {
            double *n = q == 0 ? n0 : nq_;

            for (size_t ci = 0; ci < nc; ci++) {
                const double *block = agg_census(c->agg, w, ci);

                for (size_t s = 0; s < ns; s++)
                    n[ci * ns + s] = block[s * nq + q];
            }
            if (q == 0) {
                if (anon_table(&y.L, n0, c->t, NULL, f0, err, errlen) != 0)
                    goto done;
                flags_apply(c, w, -1, f0, ns);
                continue;
            }
            /* an item everyone answered has the respondents' table */
            if (memcmp(n, n0, nc * ns * sizeof *n) == 0)
                memcpy(fq, f0, cells);
            else if (anon_table(&y.L, n, c->t, f0, fq, err, errlen) != 0)
                goto done;
            flags_apply(c, w, (long)q - 1, fq, ns);
        }
    }
    rc = 0;
done:
    results_layout_free(&y);
    free(n0);
    free(nq_);
    free(f0);
    free(fq);
    return rc;
}

/* ---------- estimates ---------- */

/* What the tests between groups and waves need of one measure. */
struct est {
    double n;          /* respondents with an answer */
    double n_eff;      /* Kish effective n (= n when unweighted) */
    double mean, sd, se, ci_lo, ci_hi, median;
    double fav_x, fav_n;             /* favourable answers (weighted: effective) */
    struct stats_prop fav;
    int has_fav;
    double fpc;        /* the finite population correction applied: 1 - n/N, or 1 */
};

/* n respondents of a population of N: 1 - n/N, or 1 (none) when N is not
 * known or smaller than n (docs/statistics.md). */
static double fpc_factor(double n, double N)
{
    return N > 0 && n <= N ? 1.0 - n / N : 1.0;
}

/* Scales the SE, the CI and the favourable share's effective n of e by the
 * finite population correction f (the variance times f, as R survey's
 * svydesign(fpc = ~N)). */
static void est_apply_fpc(struct est *e, double f)
{
    double r = sqrt(f);

    e->fpc = f;
    if (f >= 1.0)
        return;
    e->se *= r;
    e->ci_lo = e->mean - (e->mean - e->ci_lo) * r;
    e->ci_hi = e->mean + (e->ci_hi - e->mean) * r;
    if (e->has_fav) {
        /* the share's variance p(1-p)/n times f: an effective n of n/f */
        double g = f > 1e-12 ? f : 1e-12;

        e->fav_n /= g;
        e->fav_x /= g;
        e->has_fav = stats_wilson(e->fav_x, e->fav_n, &e->fav, NULL, 0) == 0;
    }
}

/* The SD the tests use: with the finite population correction, the one
 * whose square over n is the corrected variance. */
static double sd_test(const struct est *e)
{
    return e->sd * sqrt(e->fpc);
}

/* Welch's t of a against b on the corrected variances; Cohen's d stays
 * the plain standardized difference. */
static int welch_est(const struct est *a, const struct est *b, struct stats_ttest *t)
{
    struct stats_group ga = { a->n_eff, a->mean, sd_test(a) };
    struct stats_group gb = { b->n_eff, b->mean, sd_test(b) };
    struct stats_group ra = { a->n_eff, a->mean, a->sd }, rb = { b->n_eff, b->mean, b->sd };
    struct stats_ttest plain;

    if (stats_welch_t(&ga, &gb, t, NULL, 0) != 0)
        return -1;
    if ((a->fpc < 1.0 || b->fpc < 1.0) && stats_welch_t(&ra, &rb, &plain, NULL, 0) == 0)
        t->d = plain.d;
    return 0;
}

static json_t *jnum(double v)
{
    return isfinite(v) ? json_real(v) : json_null();
}

/* The median from stats_dist_median's answer r in index space: an index,
 * or the midpoint of two indices with counts. */
static double median_at(const double *x, const double *counts, size_t n, double r)
{
    size_t i, j;

    if (!isfinite(r) || n == 0)
        return NAN;
    i = (size_t)floor(r);
    j = (size_t)ceil(r);
    while (i > 0 && counts[i] <= 0)
        i--;
    while (j + 1 < n && counts[j] <= 0)
        j++;
    return i == j ? x[i] : 0.5 * (x[i] + x[j]);
}

/* The calibration sums of an agg_cal as stats' struct. */
static void calsums_of(const struct agg_cal *cal, struct stats_calsums *cs)
{
    cs->cal[0] = cal->cal[0];
    cs->cal[1] = cal->cal[1];
    cs->cal[2] = cal->cal[2];
    cs->unc = (struct stats_wsums){ cal->unc[0], cal->unc[1], cal->unc[3],
                                    cal->unc[2], cal->unc[4], cal->unc[5] };
}

/* The favourable share p of calibrated weights as a weighted mean of its
 * indicator, and the n for which p(1 - p)/n is its linearization variance
 * (the effective n of Korn & Graubard 1998; docs/statistics.md), for the
 * Wilson interval and the two-proportion test. kish when p is 0 or 1 or the
 * variance 0. */
static double fav_effective_n(const struct agg_value *v, size_t n, size_t fav_top,
                              const struct agg_cal *fav, double kish)
{
    struct stats_wsums ws = { 0, 0, 0, 0, 0, 0 };
    struct stats_calsums cs;
    struct stats_wmean wm;

    for (size_t i = 0; i < n; i++) {
        double y = i >= n - fav_top ? 1.0 : 0.0;

        ws.n += v[i].n;
        ws.sw += v[i].w;
        ws.sw2 += v[i].w2;
        ws.swy += v[i].w * y;
        ws.sw2y += v[i].w2 * y;
        ws.sw2y2 += v[i].w2 * y;
    }
    calsums_of(fav, &cs);
    if (stats_calibrated_mean(&ws, &cs, 1.0, &wm, NULL, 0) != 0 || !(wm.se > 0) ||
        !(wm.mean > 0 && wm.mean < 1))
        return kish;
    return wm.mean * (1.0 - wm.mean) / (wm.se * wm.se);
}

/*
 * Mean, SD, SE, CI and median of n values x[0] < x[1] < ... with their
 * counts v, from unweighted counts or, for weighted surveys, from the
 * weight sums (calibrated weights: the linearization of cal, and of fav
 * for the favourable share); % favourable over the top fav_top values.
 */
static void est_from_points(const struct ctx *c, const double *x, const struct agg_value *v,
                            size_t n, size_t fav_top, const struct agg_cal *cal,
                            const struct agg_cal *fav, struct est *e)
{
    struct stats_moments m = { 0, 0, 0 };
    struct stats_wsums ws = { 0, 0, 0, 0, 0, 0 };
    struct stats_summary s;
    double buf[64];
    double *counts = n <= 64 ? buf : malloc(n * sizeof *counts);

    memset(e, 0, sizeof *e);
    e->mean = e->sd = e->se = e->ci_lo = e->ci_hi = e->median = NAN;
    e->fpc = 1.0;
    if (counts == NULL)
        return;
    for (size_t i = 0; i < n; i++) {
        double y = x[i];

        counts[i] = c->weighted ? v[i].w : v[i].n;
        m.n += v[i].n;
        m.sum += v[i].n * y;
        m.sumsq += v[i].n * y * y;
        ws.n += v[i].n;
        ws.sw += v[i].w;
        ws.sw2 += v[i].w2;
        ws.swy += v[i].w * y;
        ws.sw2y += v[i].w2 * y;
        ws.sw2y2 += v[i].w2 * y * y;
    }
    e->n = m.n;
    e->n_eff = m.n;
    if (n > 0)
        e->median = median_at(x, counts, n, stats_dist_median(counts, n, 0));
    if (c->weighted) {
        struct stats_wmean wm;

        /* Calibrated weights: the linearization of R survey's svymean
         * after postStratify / calibrate (docs/statistics.md). */
        struct stats_calsums cs;
        int rc;

        if (cal != NULL && agg_calibrated(c->agg)) {
            calsums_of(cal, &cs);
            rc = stats_calibrated_mean(&ws, &cs, 1.0, &wm, NULL, 0);
        } else {
            rc = stats_weighted_mean(&ws, &wm, NULL, 0);
        }
        if (rc == 0) {
            e->mean = wm.mean;
            e->se = wm.se;
            e->ci_lo = wm.ci_lo;
            e->ci_hi = wm.ci_hi;
            e->n_eff = wm.n_eff;
            e->sd = isfinite(wm.se) ? wm.se * sqrt(wm.n_eff) : NAN;
        }
    } else if (stats_moments_summary(&m, &s, NULL, 0) == 0) {
        e->mean = s.mean;
        e->sd = s.sd;
        e->se = s.se;
        e->ci_lo = s.ci_lo;
        e->ci_hi = s.ci_hi;
    }
    if (fav_top > 0 && fav_top <= n && m.n > 0) {
        double top = 0, total = 0;

        for (size_t i = 0; i < n; i++) {
            total += counts[i];
            if (i >= n - fav_top)
                top += counts[i];
        }
        /* Weighted: the weighted share on Kish's effective n; calibrated:
         * on the effective n of its linearization variance. */
        e->fav_n = e->n_eff;
        if (c->weighted && fav != NULL && agg_calibrated(c->agg))
            e->fav_n = fav_effective_n(v, n, fav_top, fav, e->n_eff);
        e->fav_x = total > 0 ? top / total * e->fav_n : 0;
        e->has_fav = stats_wilson(e->fav_x, e->fav_n, &e->fav, NULL, 0) == 0;
    }
    if (counts != buf)
        free(counts);
}

static void est_item(const struct ctx *c, const struct agg_cell *cell, size_t k, struct est *e)
{
    const struct survey_item *def = agg_item_def(c->agg, k);
    const struct agg_item *it = &cell->items[k];
    size_t top = def->type == SURVEY_LIKERT ? (size_t)c->in->survey->favourable_top : 0;
    double buf[64] = { 0 };
    double *x = it->nvalues <= 64 ? buf : malloc(it->nvalues * sizeof *x);

    if (x == NULL) {
        est_from_points(c, NULL, NULL, 0, 0, NULL, NULL, e);
        return;
    }
    for (size_t i = 0; i < it->nvalues; i++)
        x[i] = it->min + (double)i;
    est_from_points(c, x, it->values, it->nvalues, top, &it->cal, &it->fav, e);
    if (x != buf)
        free(x);
}

static void est_dim(const struct ctx *c, const struct agg_cell *cell, size_t d, struct est *e)
{
    size_t cap = agg_dim_npoints(c->agg, d);
    double *x = malloc((cap ? cap : 1) * sizeof *x);
    struct agg_value *v = malloc((cap ? cap : 1) * sizeof *v);
    size_t n = 0;

    if (x != NULL && v != NULL)
        n = agg_dim_points(c->agg, d, &cell->dims[d], x, v, cap);
    est_from_points(c, x, v, n, 0, &cell->dims[d].cal, NULL, e);
    free(x);
    free(v);
}

static int is_scored(const struct survey_item *def)
{
    return def->type == SURVEY_LIKERT || def->type == SURVEY_SCALE ||
           def->type == SURVEY_NUMBER;
}

/* ---------- JSON pieces ---------- */

static json_t *json_est(const struct ctx *c, const struct est *e, int with_dist,
                        const struct agg_value *v, size_t nslots)
{
    json_t *o = json_object();

    json_object_set_new(o, "n", json_real(e->n));
    if (c->weighted)
        json_object_set_new(o, "n_eff", jnum(e->n_eff));
    json_object_set_new(o, "mean", jnum(e->mean));
    json_object_set_new(o, "sd", jnum(e->sd));
    json_object_set_new(o, "se", jnum(e->se));
    json_object_set_new(o, "ci_low", jnum(e->ci_lo));
    json_object_set_new(o, "ci_high", jnum(e->ci_hi));
    json_object_set_new(o, "median", jnum(e->median));
    if (e->has_fav) {
        json_object_set_new(o, "favourable",
                            json_pack("{s:o, s:o, s:o}", "share", jnum(e->fav.p), "ci_low",
                                      jnum(e->fav.ci_lo), "ci_high", jnum(e->fav.ci_hi)));
    }
    if (with_dist) {
        json_t *dist = json_array();
        double total = 0;

        for (size_t i = 0; i < nslots; i++)
            total += c->weighted ? v[i].w : v[i].n;
        for (size_t i = 0; i < nslots; i++)
            json_array_append_new(
                dist, jnum(total > 0 ? (c->weighted ? v[i].w : v[i].n) / total : NAN));
        json_object_set_new(o, "distribution", dist);
    }
    return o;
}

/* A hidden figure: why it is hidden (anon_reason_code), never its value. */
static json_t *json_suppressed(int flag)
{
    const char *why = anon_reason_code((enum anon_flag)flag);

    return json_pack("{s:b, s:s}", "suppressed", 1, "reason", why ? why : "below_threshold");
}

/* The first word, from the unadjusted p; label_significance rewrites it
 * from the adjusted p once the group's p-values are adjusted. */
static const char *trend_label(enum stats_trend_dir dir, int english)
{
    return vocab_trend(dir == STATS_TREND_RISING ? 1 : dir == STATS_TREND_FALLING ? -1 : 0,
                       dir != STATS_TREND_NONE, english);
}

static json_t *json_change(const struct ctx *c, size_t prev_wave, const struct est *now,
                           const struct est *prev)
{
    struct stats_ttest t;
    json_t *o;

    if (welch_est(now, prev, &t) != 0)
        return json_null();
    o = json_pack("{s:s, s:o, s:o, s:o, s:o, s:o, s:o}", "previous_wave",
                  agg_wave(c->agg, prev_wave), "diff", jnum(t.diff), "se", jnum(t.se), "t",
                  jnum(t.t), "df", jnum(t.df), "p", jnum(t.p), "cohens_d", jnum(t.d));
    if (now->has_fav && prev->has_fav) {
        struct stats_ztest z;

        if (stats_prop_ztest(now->fav_x, now->fav_n, prev->fav_x, prev->fav_n, &z, NULL, 0) == 0)
            json_object_set_new(o, "favourable",
                                json_pack("{s:o, s:o, s:o}", "diff", jnum(z.diff), "z",
                                          jnum(z.z), "p", jnum(z.p)));
    }
    return o;
}

static json_t *json_trend(const struct ctx *c, const double *mean, const double *se)
{
    struct stats_trend tr;

    /* No slope (times that do not vary): no trend, and no p for BH. */
    if (stats_trend_wls(c->in->wave_x, mean, se, c->nwaves, &tr, NULL, 0) != 0 || tr.k < 2 ||
        !isfinite(tr.slope))
        return json_null();
    return json_pack("{s:i, s:o, s:o, s:o, s:o, s:s, s:s}", "waves", (int)tr.k, "slope",
                     jnum(tr.slope), "se", jnum(tr.se), "se_residual", jnum(tr.se_resid), "p",
                     jnum(tr.p), "direction",
                     tr.dir == STATS_TREND_RISING    ? "rising"
                     : tr.dir == STATS_TREND_FALLING ? "falling"
                                                     : "none",
                     "label", trend_label(tr.dir, c->in->english));
}

static json_t *json_driver(const struct agg_pair *p)
{
    struct stats_xysums s = { p->n, p->sx, p->sy, p->sxx, p->syy, p->sxy };
    struct stats_corr r;

    if (p->n < RESULTS_MIN_DRIVER_N || stats_pearson(&s, &r, NULL, 0) != 0 || !isfinite(r.r))
        return json_null();
    return json_pack("{s:o, s:o, s:o}", "n", json_real(r.n), "r", jnum(r.r), "p", jnum(r.p));
}

/* ---------- the estimate cache: [group][wave][measure] ---------- */

/* measure m: an item (m < nitems) or a dimension (nitems + d) */
static size_t nmeasures(const struct ctx *c)
{
    return c->nitems + c->ndims;
}

static struct est *cache_at(struct est *cache, const struct ctx *c, size_t g, size_t w,
                            size_t m)
{
    return &cache[(g * c->nwaves + w) * nmeasures(c) + m];
}

/* The measure's anon_flag: 0 when shown. */
static int measure_hidden(const struct ctx *c, const struct group *g, size_t w, size_t m)
{
    if (g->hidden[w])
        return g->hidden[w];
    return m < c->nitems ? g->item_hidden[w * c->nitems + m]
                         : g->dim_hidden[w * c->ndims + (m - c->nitems)];
}

static void est_measure(const struct ctx *c, const struct agg_cell *cell, size_t m,
                        struct est *e)
{
    if (m < c->nitems)
        est_item(c, cell, m, e);
    else
        est_dim(c, cell, m - c->nitems, e);
}

static struct est *cache_build(const struct ctx *c)
{
    struct est *cache = calloc(c->ngroups * c->nwaves * nmeasures(c) + 1, sizeof *cache);

    if (cache == NULL)
        return NULL;
    for (size_t g = 0; g < c->ngroups; g++)
        for (size_t w = 0; w < c->nwaves; w++)
            for (size_t m = 0; m < nmeasures(c); m++)
                if (m >= c->nitems || is_scored(agg_item_def(c->agg, m))) {
                    est_measure(c, c->groups[g].total[w], m, cache_at(cache, c, g, w, m));
                    est_apply_fpc(cache_at(cache, c, g, w, m),
                                  fpc_factor(c->groups[g].total[w]->respondents.n,
                                             c->groups[g].headcount));
                }
    return cache;
}

/* ---------- per measure ---------- */

/* The rest of one network without the city being built, in one wave: its
 * estimates for every measure, computed once per (city, network, wave). */
struct rest {
    size_t net;          /* group index of the network */
    struct est *est;     /* nmeasures */
    struct stats_enps enps;   /* the rest's eNPS (has_enps) */
    int has_enps;
};

static int enps_of(const struct ctx *c, const struct agg_cell *cell, struct stats_enps *out);

struct build {
    const struct ctx *c;
    struct est *cache;
    struct rest *rests;  /* the networks of the city group being built */
    size_t nrests;
};

static int group_has_city(const struct group *g, size_t city)
{
    for (size_t i = 0; i < g->ncities; i++)
        if (g->cities[i] == city)
            return 1;
    return 0;
}

/* Fills b->rests for city group gi in wave w: every visible network the
 * city is a member of, minus the city. */
static int rests_build(struct build *b, size_t gi, size_t w)
{
    const struct ctx *c = b->c;
    const struct group *city = &c->groups[gi];

    b->nrests = 0;
    b->rests = calloc(c->first_all - c->first_network + 1, sizeof *b->rests);
    if (b->rests == NULL)
        return -1;
    for (size_t ni = c->first_network; ni < c->first_all; ni++) {
        const struct group *net = &c->groups[ni];
        struct rest *r = &b->rests[b->nrests];
        struct agg_cell *cell;

        if (!group_has_city(net, city->cities[0]) || net->hidden[w])
            continue;
        r->net = ni;
        r->est = calloc(nmeasures(c) + 1, sizeof *r->est);
        cell = agg_cell_new(c->agg);
        if (r->est == NULL || cell == NULL) {
            free(r->est);
            agg_cell_free(c->agg, cell);
            return -1;
        }
        agg_cell_merge(c->agg, cell, net->total[w]);
        agg_cell_subtract(c->agg, cell, city->total[w]);
        for (size_t m = 0; m < nmeasures(c); m++)
            if (m >= c->nitems || is_scored(agg_item_def(c->agg, m))) {
                est_measure(c, cell, m, &r->est[m]);
                est_apply_fpc(&r->est[m], fpc_factor(cell->respondents.n,
                                                     net->headcount - city->headcount));
            }
        r->has_enps = enps_of(c, cell, &r->enps) == 0 && r->enps.n > 0;
        agg_cell_free(c->agg, cell);
        b->nrests++;
    }
    return 0;
}

static void rests_free(struct build *b)
{
    for (size_t i = 0; i < b->nrests; i++)
        free(b->rests[i].est);
    free(b->rests);
    b->rests = NULL;
    b->nrests = 0;
}

/* The rank of city group gi among the visible cities of net for measure m. */
static double rank_in(const struct build *b, const struct group *net, size_t gi, size_t w,
                      size_t m, size_t *of)
{
    const struct ctx *c = b->c;
    double *means = calloc(net->ncities + 1, sizeof *means);
    double *ranks = calloc(net->ncities + 1, sizeof *ranks);
    double rank = NAN;

    *of = 0;
    if (means != NULL && ranks != NULL) {
        size_t pos = 0;

        for (size_t i = 0; i < net->ncities; i++) {
            size_t cg = net->cities[i];   /* city groups come first: index = city */

            means[i] = measure_hidden(c, &c->groups[cg], w, m)
                           ? NAN
                           : cache_at(b->cache, c, cg, w, m)->mean;
            *of += isfinite(means[i]);
            if (cg == gi)
                pos = i;
        }
        if (stats_rank(means, net->ncities, ranks, NULL, 0) == 0)
            rank = ranks[pos];
    }
    free(means);
    free(ranks);
    return rank;
}

/* A city against the rest of each network it is a member of. */
static json_t *json_vs_networks(const struct build *b, size_t gi, size_t w, size_t m)
{
    const struct ctx *c = b->c;
    const struct est *ce = cache_at(b->cache, c, gi, w, m);
    json_t *arr = json_array();

    for (size_t i = 0; i < b->nrests; i++) {
        const struct group *net = &c->groups[b->rests[i].net];
        const struct est *re = &b->rests[i].est[m];
        struct stats_ttest t;
        size_t of;
        double rank;

        /* The rest of the network is itself a group: it may be compared
         * only when it follows from figures shown anyway (the network's
         * and the city's), and is not too small. */
        if (measure_hidden(c, net, w, m) || !anon_visible(re->n, c->t) || re->n == 0)
            continue;
        if (welch_est(ce, re, &t) != 0)
            continue;
        rank = rank_in(b, net, gi, w, m, &of);
        json_array_append_new(
            arr, json_pack("{s:s, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:i}", "network", net->slug,
                           "rest_mean", jnum(re->mean), "diff", jnum(t.diff), "t", jnum(t.t),
                           "df", jnum(t.df), "p", jnum(t.p), "cohens_d", jnum(t.d), "rank",
                           jnum(rank), "of", (int)of));
    }
    return arr;
}

/* Welch's ANOVA across the visible cities of a network or of all. */
static json_t *json_across(const struct build *b, size_t gi, size_t w, size_t m)
{
    const struct ctx *c = b->c;
    const struct group *g = &c->groups[gi];
    struct stats_group *groups = calloc(g->ncities + 1, sizeof *groups);
    struct stats_anova an;
    size_t k = 0;
    json_t *o = json_null();

    if (groups == NULL)
        return o;
    for (size_t i = 0; i < g->ncities; i++) {
        const struct est *e = cache_at(b->cache, c, g->cities[i], w, m);

        if (measure_hidden(c, &c->groups[g->cities[i]], w, m) || !(e->n >= 2) ||
            !(e->sd > 0))
            continue;
        groups[k++] = (struct stats_group){ e->n_eff, e->mean, sd_test(e) };
    }
    if (k >= 2 && stats_welch_anova(groups, k, &an, NULL, 0) == 0 && isfinite(an.f))
        o = json_pack("{s:s, s:i, s:o, s:o, s:o, s:o}", "test", "welch_anova", "cities", (int)k,
                      "f", jnum(an.f), "df1", jnum(an.df1), "df2", jnum(an.df2), "p",
                      jnum(an.p));
    free(groups);
    return o;
}

/* A reverse-coded item's distribution is accumulated on the keyed scale
 * (slot i holds the answer max - i); shown, it is the answers as given:
 * slot i is the answer min + i, under the item's own labels. */
static void raw_order(json_t *dist)
{
    size_t n = json_array_size(dist);

    for (size_t i = 0; i < n / 2; i++) {
        json_t *a = json_incref(json_array_get(dist, i));
        json_t *z = json_incref(json_array_get(dist, n - 1 - i));

        json_array_set_new(dist, i, z);
        json_array_set_new(dist, n - 1 - i, a);
    }
}

static json_t *json_measure(const struct build *b, size_t gi, size_t w, size_t m)
{
    const struct ctx *c = b->c;
    const struct group *g = &c->groups[gi];
    const struct agg_cell *cell = g->total[w];
    const struct est *e = cache_at(b->cache, c, gi, w, m);
    double *means = calloc(c->nwaves, sizeof *means);
    double *ses = calloc(c->nwaves, sizeof *ses);
    json_t *o;

    if (measure_hidden(c, g, w, m)) {
        free(means);
        free(ses);
        return json_suppressed(measure_hidden(c, g, w, m));
    }
    if (m < c->nitems) {
        o = json_est(c, e, 1, cell->items[m].values, cell->items[m].nvalues);
        if (agg_item_def(c->agg, m)->reverse)
            raw_order(json_object_get(o, "distribution"));
    } else {
        o = json_est(c, e, 0, NULL, 0);
    }
    json_object_set_new(o, "suppressed", json_false());
    if (w > 0 && !measure_hidden(c, g, w - 1, m) &&
        (m >= c->nitems || item_asked(c, w - 1, m)) &&
        cache_at(b->cache, c, gi, w - 1, m)->n > 0)
        json_object_set_new(o, "change",
                            json_change(c, w - 1, e, cache_at(b->cache, c, gi, w - 1, m)));
    else
        json_object_set_new(o, "change", json_null());
    /* The trend runs over the waves up to this one that may be shown. */
    for (size_t v = 0; means != NULL && ses != NULL && v < c->nwaves; v++) {
        const struct est *ev = cache_at(b->cache, c, gi, v, m);

        int shown = v <= w && !measure_hidden(c, g, v, m) &&
                    (m >= c->nitems || item_asked(c, v, m));

        means[v] = shown ? ev->mean : NAN;
        ses[v] = shown ? ev->se : NAN;
    }
    json_object_set_new(o, "trend", means != NULL && ses != NULL ? json_trend(c, means, ses)
                                                                 : json_null());
    free(means);
    free(ses);
    json_object_set_new(o, "driver",
                        json_driver(m < c->nitems ? &cell->items[m].driver
                                                  : &cell->dims[m - c->nitems].driver));
    if (g->type == GROUP_CITY)
        json_object_set_new(o, "vs_networks", json_vs_networks(b, gi, w, m));
    else
        json_object_set_new(o, "across_cities", json_across(b, gi, w, m));
    return o;
}

/* ---------- categorical items, alpha, eNPS ---------- */

/* A choice item's answered base in a cell: the weight of the respondents
 * who answered it (their number when unweighted) and Kish's effective n. */
static void choice_base(const struct ctx *c, const struct agg_item *it,
                        const struct survey_item *def, double *base, double *n_eff)
{
    double sw = 0, sw2 = 0;

    if (def->type == SURVEY_MULTI) {
        sw = it->answered.w;
        sw2 = it->answered.w2;
    } else {
        for (size_t v = 0; v < it->nvalues; v++) {
            sw += it->values[v].w;
            sw2 += it->values[v].w2;
        }
    }
    *base = sw;
    *n_eff = c->weighted ? (sw2 > 0 ? sw * sw / sw2 : 0) : sw;
}

/* Each option's share of a choice item with its Wilson CI (on Kish's
 * effective n for a weighted survey) and its change since the previous
 * wave (two-proportion z test), so the participation shares of the youth
 * survey get an interval, a change and a test like the scored items. */
static json_t *json_shares(const struct ctx *c, const struct group *g, size_t w, size_t k)
{
    const struct survey_item *def = agg_item_def(c->agg, k);
    const struct agg_item *it = &g->total[w]->items[k];
    const struct agg_item *pv = NULL;
    double base, ne, pbase = 0, pne = 0;
    json_t *arr = json_array();

    choice_base(c, it, def, &base, &ne);
    if (w > 0 && !measure_hidden(c, g, w - 1, k) && item_asked(c, w - 1, k)) {
        pv = &g->total[w - 1]->items[k];
        choice_base(c, pv, def, &pbase, &pne);
        if (pbase <= 0)
            pv = NULL;
    }
    for (size_t v = 0; v < it->nvalues && base > 0; v++) {
        struct stats_prop sp;
        double x = it->values[v].w / base * ne;
        json_t *o;

        if (stats_wilson(x, ne, &sp, NULL, 0) != 0)
            continue;
        /* the slot's answer: a single choice's value min + v; a multiple
         * choice's option v */
        o = json_pack("{s:i, s:o, s:o, s:o}", "code",
                      def->type == SURVEY_MULTI && v < def->noptions ? def->options[v].code
                                                                      : it->min + (int)v,
                      "share",
                      jnum(sp.p), "ci_low", jnum(sp.ci_lo), "ci_high", jnum(sp.ci_hi));
        if (pv != NULL) {
            struct stats_ztest z;
            double px = pv->values[v].w / pbase * pne;

            if (stats_prop_ztest(x, ne, px, pne, &z, NULL, 0) == 0)
                json_object_set_new(o, "change",
                                    json_pack("{s:s, s:o, s:o, s:o}", "previous_wave",
                                              agg_wave(c->agg, w - 1), "diff", jnum(z.diff),
                                              "z", jnum(z.z), "p", jnum(z.p)));
        }
        json_array_append_new(arr, o);
    }
    return arr;
}

static json_t *json_categorical(const struct build *b, size_t gi, size_t w, size_t k)
{
    const struct ctx *c = b->c;
    const struct group *g = &c->groups[gi];
    const struct agg_item *it = &g->total[w]->items[k];
    const struct survey_item *def = agg_item_def(c->agg, k);
    double n = item_n(it, def);
    double base = 0;
    json_t *o, *dist = json_array();

    if (measure_hidden(c, g, w, k)) {
        json_decref(dist);
        return json_suppressed(measure_hidden(c, g, w, k));
    }
    /* Shares of respondents who answered (for multiple choice they need not
     * add up to 1). */
    if (def->type == SURVEY_MULTI)
        base = c->weighted ? it->answered.w : it->answered.n;
    else
        for (size_t v = 0; v < it->nvalues; v++)
            base += c->weighted ? it->values[v].w : it->values[v].n;
    for (size_t v = 0; v < it->nvalues; v++) {
        double x = c->weighted ? it->values[v].w : it->values[v].n;

        json_array_append_new(dist, jnum(base > 0 ? x / base : NAN));
    }
    o = json_pack("{s:b, s:f, s:o}", "suppressed", 0, "n", n, "distribution", dist);
    json_object_set_new(o, "shares", json_shares(c, g, w, k));
    if (g->type != GROUP_CITY && def->type == SURVEY_SINGLE) {
        size_t nv = it->nvalues, rows = 0;
        double *table = calloc(g->ncities * nv + 1, sizeof *table);
        struct stats_chisq cs;

        for (size_t i = 0; table != NULL && i < g->ncities; i++) {
            const struct group *city = &c->groups[g->cities[i]];

            if (measure_hidden(c, city, w, k))
                continue;
            for (size_t v = 0; v < nv; v++)
                table[rows * nv + v] = city->total[w]->items[k].values[v].n;
            rows++;
        }
        if (table != NULL && rows >= 2 &&
            stats_chisq_indep(table, rows, nv, &cs, NULL, 0) == 0 && isfinite(cs.chi2))
            json_object_set_new(o, "across_cities",
                                json_pack("{s:s, s:i, s:o, s:o, s:o, s:o}", "test",
                                          "chi_square", "cities", (int)rows, "chi2",
                                          jnum(cs.chi2), "df", jnum(cs.df), "p", jnum(cs.p),
                                          "cramers_v", jnum(cs.v)));
        free(table);
    }
    return o;
}

static void add_alpha(const struct ctx *c, json_t *o, const struct agg_dim *d, size_t k)
{
    struct stats_alpha al;

    if (k < 2 || stats_cronbach_alpha(k, d->cc_n, d->cc_s, d->cc_ss, &al, NULL, 0) != 0) {
        json_object_set_new(o, "alpha", json_null());
        return;
    }
    (void)c;
    json_object_set_new(o, "alpha",
                        json_pack("{s:o, s:o, s:o, s:f, s:i}", "value", jnum(al.alpha), "ci_low",
                                  jnum(al.ci_lo), "ci_high", jnum(al.ci_hi), "n", al.n,
                                  "items", (int)k));
}

static int enps_of(const struct ctx *c, const struct agg_cell *cell, struct stats_enps *out)
{
    int k = agg_enps_item(c->agg);
    const struct agg_item *it;
    double counts[11];

    if (k < 0)
        return -1;
    it = &cell->items[k];
    if (it->nvalues != 11 || it->min != 0)
        return -1;
    for (size_t v = 0; v < 11; v++)
        counts[v] = it->values[v].n;
    return stats_enps(counts, out, NULL, 0);
}

/* eNPS of group g in wave w, with the group's finite population correction
 * on its variance (the CI recomputed, clipped to [-100, 100] as before). */
static int enps_group(const struct ctx *c, const struct group *g, size_t w,
                      struct stats_enps *out)
{
    double f;

    if (enps_of(c, g->total[w], out) != 0)
        return -1;
    f = fpc_factor(g->total[w]->respondents.n, g->headcount);
    if (f < 1.0 && isfinite(out->se)) {
        double h;

        out->se *= sqrt(f);
        h = stats_z_crit() * out->se;
        out->ci_lo = fmax(out->enps - h, -100.0);
        out->ci_hi = fmin(out->enps + h, 100.0);
    }
    return 0;
}

/* A city's eNPS against the rest of each network it is a member of (a z
 * test on the two multinomial SEs) with its rank among the network's
 * visible cities; the rest must itself be large enough to show. */
static json_t *json_enps_vs(const struct build *b, size_t gi, size_t w,
                            const struct stats_enps *e)
{
    const struct ctx *c = b->c;
    int k = agg_enps_item(c->agg);
    json_t *arr = json_array();

    for (size_t i = 0; k >= 0 && i < b->nrests; i++) {
        const struct group *net = &c->groups[b->rests[i].net];
        const struct stats_enps *re = &b->rests[i].enps;
        double *v = calloc(net->ncities + 1, sizeof *v);
        double *ranks = calloc(net->ncities + 1, sizeof *ranks);
        double diff, se, z, rank = NAN;
        size_t of = 0, pos = 0;

        /* as for the other measures: only when the network's eNPS is shown
         * too (the rest then follows from figures shown anyway) */
        if (v == NULL || ranks == NULL || !b->rests[i].has_enps || measure_hidden(c, net, w, (size_t)k) ||
            !anon_visible(re->n, c->t)) {
            free(v);
            free(ranks);
            continue;
        }
        for (size_t j = 0; j < net->ncities; j++) {
            size_t cg = net->cities[j];
            struct stats_enps ej;

            v[j] = NAN;
            if (!measure_hidden(c, &c->groups[cg], w, (size_t)k) &&
                enps_of(c, c->groups[cg].total[w], &ej) == 0 && ej.n > 0)
                v[j] = ej.enps;
            of += isfinite(v[j]);
            if (cg == gi)
                pos = j;
        }
        if (stats_rank(v, net->ncities, ranks, NULL, 0) == 0)
            rank = ranks[pos];
        free(v);
        free(ranks);
        diff = e->enps - re->enps;
        se = sqrt(e->se * e->se + re->se * re->se);
        z = se > 0 ? diff / se : NAN;
        json_array_append_new(arr, json_pack("{s:s, s:o, s:o, s:o, s:o, s:o, s:o, s:i}",
                                             "network", net->slug, "rest_mean", jnum(re->enps),
                                             "diff", jnum(diff), "se", jnum(se), "z", jnum(z),
                                             "p", jnum(stats_z_p(z)), "rank", jnum(rank), "of",
                                             (int)of));
    }
    return arr;
}

static json_t *json_enps(const struct build *b, size_t gi, size_t w)
{
    const struct ctx *c = b->c;
    const struct group *g = &c->groups[gi];
    int k = agg_enps_item(c->agg);
    struct stats_enps e, prev;
    double x[64], v[64], se[64];
    size_t nw = 0;
    json_t *o;

    if (k < 0)
        return json_null();
    if (measure_hidden(c, g, w, (size_t)k))
        return json_suppressed(measure_hidden(c, g, w, (size_t)k));
    if (enps_group(c, g, w, &e) != 0 || e.n == 0)
        return json_null();
    o = json_pack("{s:b, s:f, s:o, s:o, s:o, s:o, s:o, s:o, s:o}", "suppressed", 0, "n", e.n,
                  "promoters", jnum(e.promoters / 100), "passives", jnum(e.passives / 100),
                  "detractors", jnum(e.detractors / 100), "value", jnum(e.enps), "se",
                  jnum(e.se), "ci_low", jnum(e.ci_lo), "ci_high", jnum(e.ci_hi));
    if (w > 0 && !measure_hidden(c, g, w - 1, (size_t)k) &&
        enps_group(c, g, w - 1, &prev) == 0 && prev.n > 0) {
        double diff = e.enps - prev.enps;
        double s = sqrt(e.se * e.se + prev.se * prev.se);
        double z = s > 0 ? diff / s : NAN;
        double p = stats_z_p(z);

        json_object_set_new(o, "change",
                            json_pack("{s:s, s:o, s:o, s:o, s:o}", "previous_wave",
                                      agg_wave(c->agg, w - 1), "diff", jnum(diff), "se",
                                      jnum(s), "z", jnum(z), "p", jnum(p)));
    } else {
        json_object_set_new(o, "change", json_null());
    }
    for (size_t u = 0; u <= w && u < 64; u++) {
        struct stats_enps eu;

        x[nw] = c->in->wave_x[u];
        v[nw] = NAN;
        se[nw] = NAN;
        if (!measure_hidden(c, g, u, (size_t)k) && enps_group(c, g, u, &eu) == 0 &&
            eu.n > 0) {
            v[nw] = eu.enps;
            se[nw] = eu.se;
        }
        nw++;
    }
    {
        struct stats_trend tr;

        if (stats_trend_wls(x, v, se, nw, &tr, NULL, 0) == 0 && tr.k >= 2 && isfinite(tr.slope))
            json_object_set_new(
                o, "trend",
                json_pack("{s:i, s:o, s:o, s:o, s:s, s:s}", "waves", (int)tr.k, "slope",
                          jnum(tr.slope), "se", jnum(tr.se), "p", jnum(tr.p), "direction",
                          tr.dir == STATS_TREND_RISING    ? "rising"
                          : tr.dir == STATS_TREND_FALLING ? "falling"
                                                          : "none",
                          "label", trend_label(tr.dir, c->in->english)));
        else
            json_object_set_new(o, "trend", json_null());
    }
    if (g->type == GROUP_CITY)
        json_object_set_new(o, "vs_networks", json_enps_vs(b, gi, w, &e));
    return o;
}

/* ---------- Benjamini-Hochberg over a group's tests ---------- */

static void collect_p(json_t *v, json_t ***found, size_t *n, size_t *cap)
{
    if (json_is_object(v)) {
        const char *key;
        json_t *child;
        json_t *p = json_object_get(v, "p");

        if (json_is_real(p)) {
            if (*n == *cap) {
                size_t nc = *cap ? *cap * 2 : 64;
                json_t **grown = realloc(*found, nc * sizeof *grown);

                if (grown == NULL)
                    return;
                *found = grown;
                *cap = nc;
            }
            (*found)[(*n)++] = v;
        }
        json_object_foreach(v, key, child) {
            if (strcmp(key, "breakdown") != 0)
                collect_p(child, found, n, cap);
        }
    } else if (json_is_array(v)) {
        size_t i;
        json_t *child;

        json_array_foreach(v, i, child)
            collect_p(child, found, n, cap);
    }
}

static void adjust_p(json_t *group)
{
    json_t **found = NULL;
    size_t n = 0, cap = 0;
    double *p, *q;

    collect_p(group, &found, &n, &cap);
    p = calloc(n + 1, sizeof *p);
    q = calloc(n + 1, sizeof *q);
    if (p != NULL && q != NULL && n > 0) {
        for (size_t i = 0; i < n; i++)
            p[i] = json_real_value(json_object_get(found[i], "p"));
        if (stats_bh_adjust(p, n, q, NULL, 0) == 0)
            for (size_t i = 0; i < n; i++)
                json_object_set_new(found[i], "p_adj", jnum(q[i]));
    }
    free(p);
    free(q);
    free(found);
}

/* Every word on a figure follows one rule, the adjusted p (vocab.h): a
 * trend's direction and label, a change's and a network difference's
 * label, written after adjust_p so no word rests on an unadjusted p. */
static void label_one(json_t *m, int english)
{
    json_t *tr = json_object_get(m, "trend"), *ch = json_object_get(m, "change"), *vs;
    size_t i;

    if (json_is_object(tr)) {
        double slope = json_number_value(json_object_get(tr, "slope"));
        int sig = vocab_significant(json_number_value(json_object_get(tr, "p_adj")));

        json_object_set_new(tr, "direction", json_string(vocab_trend_dir(slope, sig)));
        json_object_set_new(tr, "label", json_string(vocab_trend(slope, sig, english)));
    }
    if (json_is_object(ch)) {
        json_t *fav = json_object_get(ch, "favourable");
        double diff = json_number_value(json_object_get(ch, "diff"));
        int sig = vocab_significant(json_number_value(json_object_get(ch, "p_adj")));

        json_object_set_new(ch, "significant", json_boolean(sig));
        json_object_set_new(ch, "label", json_string(vocab_change(diff, sig, english)));
        if (json_is_object(fav)) {
            diff = json_number_value(json_object_get(fav, "diff"));
            sig = vocab_significant(json_number_value(json_object_get(fav, "p_adj")));
            json_object_set_new(fav, "significant", json_boolean(sig));
            json_object_set_new(fav, "label", json_string(vocab_change(diff, sig, english)));
        }
    }
    json_array_foreach(json_object_get(m, "shares"), i, vs) {
        json_t *sc = json_object_get(vs, "change");

        if (json_is_object(sc) && json_is_number(json_object_get(sc, "p_adj"))) {
            int sig = vocab_significant(json_number_value(json_object_get(sc, "p_adj")));

            json_object_set_new(sc, "significant", json_boolean(sig));
            json_object_set_new(sc, "label",
                                json_string(vocab_change(
                                    json_number_value(json_object_get(sc, "diff")), sig,
                                    english)));
        }
    }
    json_array_foreach(json_object_get(m, "vs_networks"), i, vs) {
        double diff = json_number_value(json_object_get(vs, "diff"));
        int sig;

        if (!json_is_number(json_object_get(vs, "p_adj")))
            continue;
        sig = vocab_significant(json_number_value(json_object_get(vs, "p_adj")));
        json_object_set_new(vs, "significant", json_boolean(sig));
        json_object_set_new(vs, "label", json_string(vocab_difference(diff, sig, english)));
        if (json_is_number(json_object_get(vs, "cohens_d")))
            json_object_set_new(vs, "effect",
                                json_string(vocab_effect(
                                    json_number_value(json_object_get(vs, "cohens_d")),
                                    english)));
    }
}

static void label_significance(json_t *group, int english)
{
    size_t i;
    json_t *m;

    json_array_foreach(json_object_get(group, "items"), i, m)
        label_one(m, english);
    json_array_foreach(json_object_get(group, "dimensions"), i, m)
        label_one(m, english);
    if (json_is_object(json_object_get(group, "enps")))
        label_one(json_object_get(group, "enps"), english);
}

/* ---------- a group ---------- */

static json_t *json_breakdown(const struct build *b, size_t gi, size_t w)
{
    const struct ctx *c = b->c;
    const struct group *g = &c->groups[gi];
    size_t np = c->nparts;
    json_t *parts = json_array();

    for (size_t p = 0; p < np; p++) {
        const struct agg_cell *cell = g->parts[w * np + p];
        json_t *part, *items;

        if (cell->respondents.n == 0)
            continue;
        part = json_pack("{s:o, s:s}", "value",
                         p < c->attr->noptions ? json_integer(c->attr->options[p].code)
                                               : json_null(),
                         "label",
                         p < c->attr->noptions
                             ? (c->in->english && c->attr->options[p].label_en
                                    ? c->attr->options[p].label_en
                                    : c->attr->options[p].label_pl)
                             : (c->in->english ? "not given" : "brak odpowiedzi"));
        if (g->part_hidden[w * np + p]) {
            json_t *why = json_suppressed(g->part_hidden[w * np + p]);

            json_object_update(part, why);
            json_decref(why);
            json_array_append_new(parts, part);
            continue;
        }
        json_object_set_new(part, "suppressed", json_false());
        json_object_set_new(part, "respondents", json_real(cell->respondents.n));
        items = json_array();
        for (size_t k = 0; k < c->nitems; k++) {
            const struct survey_item *def = agg_item_def(c->agg, k);
            struct est e;
            json_t *io;

            if (!is_scored(def) || !item_asked(c, w, k))
                continue;
            if (g->part_item_hidden[(w * np + p) * c->nitems + k]) {
                io = json_suppressed(g->part_item_hidden[(w * np + p) * c->nitems + k]);
            } else {
                est_item(c, cell, k, &e);
                /* a domain of the group: the group's sampling fraction */
                est_apply_fpc(&e, fpc_factor(g->total[w]->respondents.n, g->headcount));
                io = json_est(c, &e, 0, NULL, 0);
                json_object_set_new(io, "suppressed", json_false());
            }
            json_object_set_new(io, "code", json_string(def->code));
            json_array_append_new(items, io);
        }
        json_object_set_new(part, "items", items);
        json_array_append_new(parts, part);
    }
    return json_pack("{s:s, s:s, s:o}", "attribute", c->attr->code, "label",
                     c->in->english && c->attr->label_en ? c->attr->label_en
                                                         : c->attr->label_pl,
                     "parts", parts);
}

static json_t *json_group_header(const struct ctx *c, const struct group *g, size_t w)
{
    json_t *o = json_pack("{s:s, s:s, s:o, s:s}", "wave", agg_wave(c->agg, w), "type",
                          g->type == GROUP_CITY ? "city"
                          : g->type == GROUP_NETWORK ? "network"
                                                     : "all",
                          "slug", g->slug ? json_string(g->slug) : json_null(), "name",
                          g->name);

    if (g->type == GROUP_NETWORK) {
        json_t *members = json_array(), *observers = json_array();

        for (size_t i = 0; i < g->network->nmembers; i++)
            json_array_append_new(members, json_string(g->network->members[i]));
        for (size_t i = 0; i < g->network->nobservers; i++)
            json_array_append_new(observers, json_string(g->network->observers[i]));
        json_object_set_new(o, "members", members);
        json_object_set_new(o, "observers", observers);
    }
    return o;
}

static json_t *json_group(struct build *b, size_t gi, size_t w)
{
    const struct ctx *c = b->c;
    const struct group *g = &c->groups[gi];
    json_t *o = json_group_header(c, g, w);
    json_t *items, *dims;

    if (g->hidden[w]) {
        json_t *why = json_suppressed(g->hidden[w]);

        json_object_update(o, why);
        json_decref(why);
        json_object_set_new(o, "respondents", json_null());
        return o;
    }
    json_object_set_new(o, "suppressed", json_false());
    json_object_set_new(o, "respondents", json_real(g->total[w]->respondents.n));
    if (c->in->survey->fpc_headcount) {
        double f = fpc_factor(g->total[w]->respondents.n, g->headcount);

        /* factor 1: no correction (no headcount, or one below the respondents) */
        json_object_set_new(o, "fpc", json_pack("{s:o, s:f}", "population", jnum(g->headcount),
                                                "factor", f));
    }
    if (g->type == GROUP_CITY && rests_build(b, gi, w) != 0) {
        rests_free(b);
        json_decref(o);
        return NULL;
    }
    items = json_array();
    for (size_t k = 0; k < c->nitems; k++) {
        const struct survey_item *def = agg_item_def(c->agg, k);
        json_t *io;

        if (def->type == SURVEY_TEXT)
            continue;
        if (!item_asked(c, w, k))
            io = json_pack("{s:b}", "not_asked", 1);
        else
            io = is_scored(def) ? json_measure(b, gi, w, k) : json_categorical(b, gi, w, k);
        json_object_set_new(io, "code", json_string(def->code));
        json_array_append_new(items, io);
    }
    json_object_set_new(o, "items", items);
    dims = json_array();
    for (size_t d = 0; d < c->ndims; d++) {
        json_t *dobj = json_measure(b, gi, w, c->nitems + d);

        json_object_set_new(dobj, "code", json_string(agg_dim_def(c->agg, d)->code));
        if (!json_is_true(json_object_get(dobj, "suppressed")))
            add_alpha(c, dobj, &g->total[w]->dims[d], agg_dim_def(c->agg, d)->nitems);
        json_array_append_new(dims, dobj);
    }
    json_object_set_new(o, "dimensions", dims);
    json_object_set_new(o, "enps", json_enps(b, gi, w));
    rests_free(b);
    adjust_p(o);
    label_significance(o, c->in->english);
    if (c->split)
        json_object_set_new(o, "breakdown", json_breakdown(b, gi, w));
    return o;
}

/* ---------- the instrument, for labels ---------- */

static const char *label(const struct ctx *c, const char *pl, const char *en)
{
    return c->in->english && en != NULL ? en : pl;
}

static const char *type_name(enum survey_item_type t)
{
    static const char *const names[] = { "likert", "scale", "single", "multi", "number", "text" };

    return names[t];
}

static json_t *json_options(const struct ctx *c, const struct survey_option *o, size_t n)
{
    json_t *arr = json_array();

    for (size_t i = 0; i < n; i++)
        json_array_append_new(arr, json_pack("{s:i, s:s}", "code", o[i].code, "label",
                                             label(c, o[i].label_pl, o[i].label_en)));
    return arr;
}

static json_t *json_instrument(const struct ctx *c)
{
    const struct survey *s = c->in->survey;
    json_t *items = json_array(), *dims = json_array();
    int enps = agg_enps_item(c->agg);

    for (size_t k = 0; k < c->nitems; k++) {
        const struct survey_item *it = agg_item_def(c->agg, k);
        const struct agg_item *shape = &c->groups[c->first_all].total[0]->items[k];
        json_t *values, *io;

        if (it->type == SURVEY_TEXT)
            continue;
        values = json_array();
        /* The value of each distribution slot, so readers need no rules. */
        for (size_t v = 0; v < shape->nvalues; v++)
            json_array_append_new(values, json_integer(shape->min + (long)v));
        json_array_append_new(
            items, json_pack("{s:s, s:s, s:s, s:i, s:i, s:b, s:o, s:o, s:o}", "code", it->code,
                             "text", label(c, it->text_pl, it->text_en), "type",
                             type_name(it->type), "min", it->min, "max", it->max, "reverse",
                             it->reverse, "dimension",
                             it->dimension >= 0 && (size_t)it->dimension < s->ndimensions &&
                                     survey_item_index(s, it->code) >= 0
                                 ? json_string(s->dimensions[it->dimension].code)
                                 : json_null(),
                             "values", values, "options",
                             json_options(c, it->options, it->noptions)));
        io = json_array_get(items, json_array_size(items) - 1);
        /* A reverse-coded item: its distribution is the answers as given,
         * its scores are keyed (higher is better); the note says so. */
        if (it->reverse && io != NULL)
            json_object_set_new(io, "note", json_string(c->in->english ? VOCAB_REVERSED_EN
                                                                       : VOCAB_REVERSED_PL));
        if (io != NULL) {
            json_t *asked = json_array();

            for (size_t w = 0; w < c->nwaves; w++)
                if (item_asked(c, w, k))
                    json_array_append_new(asked, json_string(agg_wave(c->agg, w)));
            json_object_set_new(io, "waves_asked", asked);
        }
    }
    for (size_t d = 0; d < c->ndims; d++) {
        const struct survey_dimension *dim = agg_dim_def(c->agg, d);
        json_t *codes = json_array();

        for (size_t j = 0; j < dim->nitems; j++)
            json_array_append_new(codes,
                                  json_string(agg_item_def(c->agg, agg_dim_items(c->agg, d)[j])->code));
        json_array_append_new(dims, json_pack("{s:s, s:s, s:o, s:i}", "code", dim->code,
                                              "label", label(c, dim->label_pl, dim->label_en),
                                              "items", codes, "min_items", (int)dim->min_items));
    }
    {
        json_t *o = json_pack("{s:o, s:o, s:o, s:i}", "items", items, "dimensions", dims,
                              "enps_item",
                              enps >= 0 ? json_string(agg_item_def(c->agg, (size_t)enps)->code)
                                        : json_null(),
                              "favourable_top", s->favourable_top);
        /* the networks a city's report compares it with, as the instrument
         * says; absent: none preferred */
        if (o != NULL && s->nbenchmark_networks > 0) {
            json_t *bench = json_array();

            for (size_t i = 0; i < s->nbenchmark_networks; i++)
                json_array_append_new(bench, json_string(s->benchmark_networks[i]));
            json_object_set_new(o, "benchmark_networks", bench);
        }
        return o;
    }
}

/* ---------- building the groups on two threads ---------- */

/*
 * Every (wave, group) object is a function of the context and the cache
 * alone (each builder has its own struct build for the rest-of-network
 * cells), so they are built on two threads, each taking every other one,
 * into slots that are then appended in order: the document does not
 * depend on the threads.
 */
#define RESULTS_THREADS 2

struct part {
    struct build b;
    json_t **slots;         /* per wave x group */
    size_t n, first;        /* builds slots first, first + RESULTS_THREADS, ... */
    int failed;
};

static void *build_part(void *arg)
{
    struct part *p = arg;
    size_t ngroups = p->b.c->ngroups;

    for (size_t i = p->first; i < p->n && !p->failed; i += RESULTS_THREADS) {
        p->slots[i] = json_group(&p->b, i % ngroups, i / ngroups);
        if (p->slots[i] == NULL)
            p->failed = 1;
    }
    return NULL;
}

/* The groups array, or NULL when out of memory. */
static json_t *groups_json(const struct ctx *c, struct est *cache)
{
    size_t n = c->nwaves * c->ngroups;
    json_t **slots = calloc(n + 1, sizeof *slots);
    struct part parts[RESULTS_THREADS];
    pthread_t helpers[RESULTS_THREADS];
    int started[RESULTS_THREADS] = { 0 };
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    json_t *groups = NULL;
    int failed = 0;

    if (slots == NULL)
        return NULL;
    memset(parts, 0, sizeof parts);
    for (size_t t = 0; t < RESULTS_THREADS; t++) {
        parts[t].b.c = c;
        parts[t].b.cache = cache;
        parts[t].slots = slots;
        parts[t].n = n;
        parts[t].first = t;
    }
    /* Part 0 on this thread; the others on helpers when there are cores
     * for them (else here too). */
    for (size_t t = 1; t < RESULTS_THREADS; t++)
        if ((long)t < cpus && n > t)
            started[t] = pthread_create(&helpers[t], NULL, build_part, &parts[t]) == 0;
    build_part(&parts[0]);
    for (size_t t = 1; t < RESULTS_THREADS; t++) {
        if (!started[t])
            build_part(&parts[t]);
        else if (pthread_join(helpers[t], NULL) != 0)
            abort();    /* cannot happen for a joinable thread of ours */
        failed |= parts[t].failed;
    }
    failed |= parts[0].failed;
    if (!failed)
        groups = json_array();
    for (size_t i = 0; i < n; i++) {
        if (groups != NULL && json_array_append_new(groups, slots[i]) != 0) {
            json_decref(groups);
            groups = NULL;
        } else if (groups == NULL) {
            json_decref(slots[i]);
        }
    }
    free(slots);
    return groups;
}

/* ---------- entry points ---------- */

json_t *results_build(const struct results_input *in, char *err, size_t errlen)
{
    struct ctx c;
    struct build b;
    json_t *doc = NULL, *groups, *waves;

    memset(&c, 0, sizeof c);
    c.in = in;
    c.agg = in->agg;
    c.nwaves = agg_nwaves(in->agg);
    c.nitems = agg_nitems(in->agg);
    c.ndims = agg_ndims(in->agg);
    c.t = anon_threshold(in->threshold);
    c.weighted = in->survey->weighted;
    if (c.nwaves == 0) {
        err_set(err, errlen, "survey %s has no waves", in->survey->slug);
        return NULL;
    }
    if (in->by_attr != NULL) {
        int a = survey_attr_index(in->survey, in->by_attr);

        if (a < 0) {
            err_set(err, errlen, "survey %s has no attribute \"%s\"", in->survey->slug,
                    in->by_attr);
            return NULL;
        }
        c.split = 1;
        c.attr = &in->survey->attrs[a];
        c.attr_index = (size_t)a;
        c.nparts = c.attr->noptions + 1;   /* every code, and "not given" */
    }
    if (in->wave_version != NULL) {
        c.asked = calloc(c.nwaves * c.nitems + 1, 1);
        if (c.asked == NULL) {
            err_set(err, errlen, "out of memory");
            return NULL;
        }
        for (size_t w = 0; w < c.nwaves; w++)
            for (size_t k = 0; k < c.nitems; k++)
                c.asked[w * c.nitems + k] =
                    in->wave_version[w] <= 0 ||
                    agg_item_in_version(c.agg, in->wave_version[w], k) != 0;
    }
    if (groups_build(&c) != 0) {
        err_set(err, errlen, "out of memory");
        goto done;
    }
    if (suppress(&c, err, errlen) != 0)
        goto done;
    memset(&b, 0, sizeof b);
    b.c = &c;
    b.cache = cache_build(&c);
    if (b.cache == NULL) {
        err_set(err, errlen, "out of memory");
        goto done;
    }
    groups = groups_json(&c, b.cache);
    free(b.cache);
    if (groups == NULL) {
        err_set(err, errlen, "out of memory");
        goto done;
    }
    waves = json_array();
    for (size_t w = 0; w < c.nwaves; w++)
        json_array_append_new(waves, json_pack("{s:s, s:f}", "label", agg_wave(c.agg, w), "x",
                                               in->wave_x[w]));
    doc = json_pack("{s:s, s:s, s:i, s:b, s:i, s:s, s:o, s:o, s:o}", "survey", in->survey->slug,
                    "title", label(&c, in->survey->title_pl, in->survey->title_en), "version",
                    in->survey->version, "weighted", c.weighted, "threshold", c.t, "language",
                    in->english ? "en" : "pl", "waves", waves, "instrument",
                    json_instrument(&c), "groups", groups);
done:
    groups_free(&c);
    free(c.asked);
    return doc;
}

json_t *results_group(json_t *doc, const char *wave, const char *type, const char *slug)
{
    size_t i;
    json_t *g;

    json_array_foreach(json_object_get(doc, "groups"), i, g) {
        const char *gs = json_string_value(json_object_get(g, "slug"));

        if (strcmp(json_string_value(json_object_get(g, "wave")), wave) == 0 &&
            strcmp(json_string_value(json_object_get(g, "type")), type) == 0 &&
            (slug == NULL ? gs == NULL : (gs != NULL && strcmp(gs, slug) == 0)))
            return g;
    }
    return NULL;
}

/* The document's weighting for one group: by_city cut to the group's
 * wave and cities (a city; a network's members; every city for "all"),
 * a hidden city's entry reduced to {"city", "wave", "suppressed": true}. */
json_t *results_weighting(json_t *doc, json_t *group)
{
    json_t *wt = json_object_get(doc, "weighting"), *out, *by, *e;
    const char *type = json_string_value(json_object_get(group, "type"));
    const char *slug = json_string_value(json_object_get(group, "slug"));
    const char *wave = json_string_value(json_object_get(group, "wave"));
    json_t *members = json_object_get(group, "members");
    size_t i;

    if (!json_is_object(wt))
        return json_null();
    out = json_deep_copy(wt);
    by = json_array();
    if (out == NULL || by == NULL) {
        json_decref(out);
        json_decref(by);
        return json_null();
    }
    json_array_foreach(json_object_get(wt, "by_city"), i, e) {
        const char *city = json_string_value(json_object_get(e, "city"));
        int in = type != NULL && strcmp(type, "all") == 0;
        size_t j;
        json_t *m;

        if (city == NULL || wave == NULL ||
            strcmp(json_string_value(json_object_get(e, "wave")), wave) != 0)
            continue;
        in |= type != NULL && strcmp(type, "city") == 0 && slug != NULL && strcmp(slug, city) == 0;
        json_array_foreach(members, j, m)
            in |= strcmp(json_string_value(m), city) == 0;
        if (!in)
            continue;
        /* A hidden city's weighting could tell about its cells (a category
         * without respondents): only that it is hidden. */
        {
            json_t *cg = results_group(doc, wave, "city", city);

            if (cg == NULL || json_is_true(json_object_get(cg, "suppressed")))
                json_array_append_new(by, json_pack("{s:s, s:s, s:b}", "city", city, "wave",
                                                    wave, "suppressed", 1));
            else
                json_array_append(by, e);
        }
    }
    json_object_set_new(out, "by_city", by);
    return out;
}

json_t *results_view(json_t *doc, json_t *group)
{
    return json_pack("{s:O, s:O, s:O, s:O, s:o, s:O, s:O}", "survey",
                     json_object_get(doc, "survey"), "title", json_object_get(doc, "title"),
                     "threshold", json_object_get(doc, "threshold"), "weighted",
                     json_object_get(doc, "weighted"), "weighting", results_weighting(doc, group),
                     "instrument", json_object_get(doc, "instrument"), "group", group);
}
