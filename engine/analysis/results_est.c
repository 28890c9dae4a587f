/*
 * results_est: one estimate of one measure in one cell (n, mean, SD, SE,
 * CI, median, % favourable; weighted and calibrated for a weighted survey;
 * the finite population correction), the tests between two estimates, and
 * the cache of every group's estimates (results_ctx.h).
 */
#include "results_ctx.h"

#include "stats.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>


/* n respondents of a population of N: 1 - n/N, or 1 (none) when N is not
 * known or smaller than n (docs/statistics.md). */
double res_fpc_factor(double n, double N)
{
    return N > 0 && n <= N ? 1.0 - n / N : 1.0;
}

/* Scales the SE, the CI and the favourable share's effective n of e by the
 * finite population correction f (the variance times f, as R survey's
 * svydesign(fpc = ~N)). */
void res_est_apply_fpc(struct est *e, double f)
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
double res_sd_test(const struct est *e)
{
    return e->sd * sqrt(e->fpc);
}

/* Welch's t of a against b on the corrected variances; Cohen's d stays
 * the plain standardized difference. */
int res_welch_est(const struct est *a, const struct est *b, struct stats_ttest *t)
{
    struct stats_group ga = { a->n_eff, a->mean, res_sd_test(a) };
    struct stats_group gb = { b->n_eff, b->mean, res_sd_test(b) };
    struct stats_group ra = { a->n_eff, a->mean, a->sd }, rb = { b->n_eff, b->mean, b->sd };
    struct stats_ttest plain;

    if (stats_welch_t(&ga, &gb, t, NULL, 0) != 0)
        return -1;
    if ((a->fpc < 1.0 || b->fpc < 1.0) && stats_welch_t(&ra, &rb, &plain, NULL, 0) == 0)
        t->d = plain.d;
    return 0;
}


/* The median from stats_dist_median's answer r in index space: an index,
 * or the midpoint of two indices with counts. */
static double res_median_at(const double *x, const double *counts, size_t n, double r)
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
static void res_calsums_of(const struct agg_cal *cal, struct stats_calsums *cs)
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
static double res_fav_effective_n(const struct agg_value *v, size_t n, size_t fav_top,
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
    res_calsums_of(fav, &cs);
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
 * item: the values are an item's answers (x[i] = x[0] + i), whose
 * unweighted summary is stats_dist_summary, the tested summary of a
 * distribution; else (a dimension's scores) stats_moments_summary.
 */
static void res_est_from_points(const struct ctx *c, const double *x, const struct agg_value *v,
                                size_t n, int item, size_t fav_top, const struct agg_cal *cal,
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
        e->median = res_median_at(x, counts, n, stats_dist_median(counts, n, 0));
    if (c->weighted) {
        struct stats_wmean wm;

        /* Calibrated weights: the linearization of R survey's svymean
         * after postStratify / calibrate (docs/statistics.md). */
        struct stats_calsums cs;
        int rc;

        if (cal != NULL && agg_calibrated(c->agg)) {
            res_calsums_of(cal, &cs);
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
    } else if ((item && n > 0 ? stats_dist_summary(counts, n, (int)x[0], &s, NULL, 0)
                              : stats_moments_summary(&m, &s, NULL, 0)) == 0) {
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
            e->fav_n = res_fav_effective_n(v, n, fav_top, fav, e->n_eff);
        e->fav_x = total > 0 ? top / total * e->fav_n : 0;
        e->has_fav = stats_wilson(e->fav_x, e->fav_n, &e->fav, NULL, 0) == 0;
    }
    if (counts != buf)
        free(counts);
}

void res_est_item(const struct ctx *c, const struct agg_cell *cell, size_t k, struct est *e)
{
    const struct survey_item *def = agg_item_def(c->agg, k);
    const struct agg_item *it = &cell->items[k];
    size_t top = def->type == SURVEY_LIKERT ? (size_t)c->in->survey->favourable_top : 0;
    double buf[64] = { 0 };
    double *x = it->nvalues <= 64 ? buf : malloc(it->nvalues * sizeof *x);

    if (x == NULL) {
        res_est_from_points(c, NULL, NULL, 0, 1, 0, NULL, NULL, e);
        return;
    }
    for (size_t i = 0; i < it->nvalues; i++)
        x[i] = it->min + (double)i;
    res_est_from_points(c, x, it->values, it->nvalues, 1, top, &it->cal, &it->fav, e);
    if (x != buf)
        free(x);
}

void res_est_dim(const struct ctx *c, const struct agg_cell *cell, size_t d, struct est *e)
{
    size_t cap = agg_dim_npoints(c->agg, d);
    double *x = malloc((cap ? cap : 1) * sizeof *x);
    struct agg_value *v = malloc((cap ? cap : 1) * sizeof *v);
    size_t n = 0;

    if (x != NULL && v != NULL)
        n = agg_dim_points(c->agg, d, &cell->dims[d], x, v, cap);
    res_est_from_points(c, x, v, n, 0, 0, &cell->dims[d].cal, NULL, e);
    free(x);
    free(v);
}



/* ---------- the estimate cache: [group][wave][measure] ---------- */

/* measure m: an item (m < nitems) or a dimension (nitems + d) */
size_t res_nmeasures(const struct ctx *c)
{
    return c->nitems + c->ndims;
}

struct est *res_cache_at(struct est *cache, const struct ctx *c, size_t g, size_t w,
                            size_t m)
{
    return &cache[(g * c->nwaves + w) * res_nmeasures(c) + m];
}

/* The measure's anon_flag: 0 when shown. */
int res_measure_hidden(const struct ctx *c, const struct group *g, size_t w, size_t m)
{
    if (g->hidden[w])
        return g->hidden[w];
    return m < c->nitems ? g->item_hidden[w * c->nitems + m]
                         : g->dim_hidden[w * c->ndims + (m - c->nitems)];
}

void res_est_measure(const struct ctx *c, const struct agg_cell *cell, size_t m,
                        struct est *e)
{
    if (m < c->nitems)
        res_est_item(c, cell, m, e);
    else
        res_est_dim(c, cell, m - c->nitems, e);
}

struct est *res_cache_build(const struct ctx *c)
{
    struct est *cache = calloc(c->ngroups * c->nwaves * res_nmeasures(c) + 1, sizeof *cache);

    if (cache == NULL)
        return NULL;
    for (size_t g = 0; g < c->ngroups; g++)
        for (size_t w = 0; w < c->nwaves; w++)
            for (size_t m = 0; m < res_nmeasures(c); m++)
                if (m >= c->nitems || survey_item_scored(agg_item_def(c->agg, m))) {
                    res_est_measure(c, c->groups[g].total[w], m, res_cache_at(cache, c, g, w, m));
                    res_est_apply_fpc(res_cache_at(cache, c, g, w, m),
                                  res_fpc_factor(c->groups[g].total[w]->respondents.n,
                                             c->groups[g].headcount));
                }
    return cache;
}
