/* stats_tests: comparisons (Welch's t, the z test of proportions, the trend,
 * Welch's ANOVA, chi-square, Benjamini-Hochberg), association, and ranks
 * (stats.h for the contracts). */
#include "stats.h"
#include "stats_priv.h"

#include "err.h"

#include <gsl/gsl_cdf.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>

/* ---- comparisons ---- */

static int check_group(const struct stats_group *g, char *err, size_t errlen)
{
    if (g == NULL)
        return err_set(err, errlen, "stats: no group given");
    if (!(g->n >= 0) || g->sd < 0)
        return err_set(err, errlen, "stats: group with n = %g, sd = %g", g->n, g->sd);
    return 0;
}

static double cohen_d(const struct stats_group *a, const struct stats_group *b)
{
    if (a->n < 2 || b->n < 2)
        return NAN;
    double pooled = ((a->n - 1) * a->sd * a->sd + (b->n - 1) * b->sd * b->sd)
                    / (a->n + b->n - 2);

    return pooled > 0 ? (a->mean - b->mean) / sqrt(pooled) : NAN;
}

int stats_welch_t(const struct stats_group *a, const struct stats_group *b,
                  struct stats_ttest *out, char *err, size_t errlen)
{
    if (out == NULL)
        return err_set(err, errlen, "stats: no output");
    if (check_group(a, err, errlen) != 0 || check_group(b, err, errlen) != 0)
        return -1;
    out->diff = a->n > 0 && b->n > 0 ? a->mean - b->mean : NAN;
    out->se = out->t = out->df = out->p = out->ci_lo = out->ci_hi = NAN;
    out->d = cohen_d(a, b);
    if (a->n < 2 || b->n < 2)
        return 0;
    double va = a->sd * a->sd / a->n, vb = b->sd * b->sd / b->n;

    if (!(va + vb > 0))
        return 0;
    out->se = sqrt(va + vb);
    out->t = out->diff / out->se;
    out->df = (va + vb) * (va + vb) / (va * va / (a->n - 1) + vb * vb / (b->n - 1));
    out->p = st_t_two_sided_p(out->t, out->df);
    out->ci_lo = out->diff - st_t_crit(out->df) * out->se;
    out->ci_hi = out->diff + st_t_crit(out->df) * out->se;
    return 0;
}

int stats_prop_ztest(double x1, double n1, double x2, double n2, struct stats_ztest *out,
                     char *err, size_t errlen)
{
    if (out == NULL)
        return err_set(err, errlen, "stats: no output");
    if (!(x1 >= 0 && n1 >= x1 && x2 >= 0 && n2 >= x2) || !isfinite(n1) || !isfinite(n2))
        return err_set(err, errlen, "stats: %g/%g and %g/%g are not proportions", x1, n1,
                       x2, n2);
    out->p1 = n1 > 0 ? x1 / n1 : NAN;
    out->p2 = n2 > 0 ? x2 / n2 : NAN;
    out->diff = out->p1 - out->p2;
    out->se = out->z = out->p = NAN;
    if (n1 == 0 || n2 == 0)
        return 0;
    double pool = (x1 + x2) / (n1 + n2);
    double var = pool * (1.0 - pool) * (1.0 / n1 + 1.0 / n2);

    if (!(var > 0))
        return 0;
    out->se = sqrt(var);
    out->z = out->diff / out->se;
    st_gsl_quiet();
    out->p = 2.0 * gsl_cdf_ugaussian_Q(fabs(out->z));
    return 0;
}

static int wave_usable(double x, double mean, double se)
{
    return isfinite(x) && isfinite(mean) && isfinite(se) && se > 0;
}

static void trend_reset(struct stats_trend *out)
{
    out->slope = out->se = out->se_known = out->se_resid = NAN;
    out->z = out->p = out->chi2 = out->chi2_df = out->chi2_p = NAN;
    out->dir = STATS_TREND_NONE;
    out->k = 0;
}

/* Lack of fit and the residual-scaled SE, given the fitted line. */
static void trend_residuals(const double *x, const double *mean, const double *se,
                            size_t nwaves, double xbar, double ybar, struct stats_trend *out)
{
    double chi2 = 0;

    for (size_t i = 0; i < nwaves; i++) {
        if (!wave_usable(x[i], mean[i], se[i]))
            continue;
        double r = mean[i] - ybar - out->slope * (x[i] - xbar);
        chi2 += r * r / (se[i] * se[i]);
    }
    out->chi2 = chi2;
    if (out->k < 3)
        return;
    out->chi2_df = (double)out->k - 2;
    st_gsl_quiet();
    out->chi2_p = gsl_cdf_chisq_Q(chi2, out->chi2_df);
    out->se_resid = out->se_known * sqrt(chi2 / out->chi2_df);
}

int stats_trend_wls(const double *x, const double *mean, const double *se, size_t nwaves,
                    struct stats_trend *out, char *err, size_t errlen)
{
    if (x == NULL || mean == NULL || se == NULL || out == NULL)
        return err_set(err, errlen, "stats: trend needs x, means, SEs and an output");
    double sw = 0, swx = 0, swy = 0, sxx = 0, sxy = 0;

    trend_reset(out);
    for (size_t i = 0; i < nwaves; i++) {
        if (!wave_usable(x[i], mean[i], se[i]))
            continue;
        double w = 1.0 / (se[i] * se[i]);
        sw += w;
        swx += w * x[i];
        swy += w * mean[i];
        out->k++;
    }
    if (out->k < 2)
        return 0;
    double xbar = swx / sw, ybar = swy / sw, xmin = INFINITY, xmax = -INFINITY;

    for (size_t i = 0; i < nwaves; i++) {
        if (!wave_usable(x[i], mean[i], se[i]))
            continue;
        double w = 1.0 / (se[i] * se[i]), dx = x[i] - xbar;
        sxx += w * dx * dx;
        sxy += w * dx * (mean[i] - ybar);
        xmin = x[i] < xmin ? x[i] : xmin;
        xmax = x[i] > xmax ? x[i] : xmax;
    }
    /* Times that do not vary: x̄w is rounded, so Σw(x - x̄w)² can stay a
     * hair above 0 (waves on one date gave slope 5e-4, SE 3e12). The range
     * of the times decides, relative to their size, and S_xx relative to
     * what that range can give (docs/statistics.md). */
    if (!(xmax - xmin > STATS_X_RTOL * fmax(fabs(xmin), fabs(xmax))) ||
        !(sxx > STATS_X_RTOL * sw * (xmax - xmin) * (xmax - xmin)))
        return 0;
    out->slope = sxy / sxx;
    out->se_known = 1.0 / sqrt(sxx);
    out->se = out->se_known;
    out->z = out->slope / out->se;
    st_gsl_quiet();
    out->p = 2.0 * gsl_cdf_ugaussian_Q(fabs(out->z));
    if (out->p < STATS_ALPHA)
        out->dir = out->slope > 0 ? STATS_TREND_RISING : STATS_TREND_FALLING;
    trend_residuals(x, mean, se, nwaves, xbar, ybar, out);
    return 0;
}

int stats_welch_anova(const struct stats_group *g, size_t k, struct stats_anova *out,
                      char *err, size_t errlen)
{
    if (g == NULL || out == NULL)
        return err_set(err, errlen, "stats: ANOVA needs groups and an output");
    for (size_t i = 0; i < k; i++)
        if (check_group(&g[i], err, errlen) != 0)
            return err_prefix(err, errlen, "group %zu", i);
    out->f = out->df1 = out->df2 = out->p = NAN;
    if (k < 2)
        return 0;
    double sw = 0, swm = 0, a = 0, lambda = 0, kk = (double)k;

    for (size_t i = 0; i < k; i++) {
        if (g[i].n < 2 || !(g[i].sd > 0))
            return 0;
        sw += g[i].n / (g[i].sd * g[i].sd);
        swm += g[i].n / (g[i].sd * g[i].sd) * g[i].mean;
    }
    for (size_t i = 0; i < k; i++) {
        double w = g[i].n / (g[i].sd * g[i].sd), d = g[i].mean - swm / sw;
        a += w * d * d;
        lambda += (1.0 - w / sw) * (1.0 - w / sw) / (g[i].n - 1);
    }
    out->df1 = kk - 1;
    out->df2 = (kk * kk - 1) / (3.0 * lambda);
    out->f = (a / (kk - 1)) / (1.0 + 2.0 * (kk - 2) * lambda / (kk * kk - 1));
    st_gsl_quiet();
    out->p = gsl_cdf_fdist_Q(out->f, out->df1, out->df2);
    return 0;
}

static double column_sum(const double *table, size_t r, size_t c, size_t j)
{
    double s = 0;

    for (size_t i = 0; i < r; i++)
        s += table[i * c + j];
    return s;
}

int stats_chisq_indep(const double *table, size_t r, size_t c, struct stats_chisq *out,
                      char *err, size_t errlen)
{
    if (out == NULL)
        return err_set(err, errlen, "stats: no output");
    if (r == 0 || c == 0 || r > SIZE_MAX / c)
        return err_set(err, errlen, "stats: a %zu x %zu table", r, c);
    if (st_check_counts(table, r * c, err, errlen) != 0)
        return -1;
    double n = st_sum_of(table, r * c), chi2 = 0;
    size_t rows = 0, cols = 0;

    out->n = n;
    out->chi2 = out->df = out->p = out->v = NAN;
    for (size_t j = 0; j < c; j++)
        cols += column_sum(table, r, c, j) > 0;
    for (size_t i = 0; i < r; i++) {
        double ri = st_sum_of(table + i * c, c);
        rows += ri > 0;
        for (size_t j = 0; j < c; j++) {
            double e = ri * column_sum(table, r, c, j) / n;
            double d = table[i * c + j] - e;
            /* Empty rows and columns have e = 0: left out, as dropped. */
            chi2 += e > 0 ? d * d / e : 0;
        }
    }
    if (rows < 2 || cols < 2)
        return 0;
    out->chi2 = chi2;
    out->df = (double)((rows - 1) * (cols - 1));
    st_gsl_quiet();
    out->p = gsl_cdf_chisq_Q(chi2, out->df);
    out->v = sqrt(chi2 / (n * (double)((rows < cols ? rows : cols) - 1)));
    return 0;
}

struct ranked {
    double p;
    size_t idx;
};

static int ranked_cmp(const void *a, const void *b)
{
    double pa = ((const struct ranked *)a)->p, pb = ((const struct ranked *)b)->p;

    return (pa > pb) - (pa < pb);
}

int stats_bh_adjust(const double *p, size_t m, double *q, char *err, size_t errlen)
{
    if ((p == NULL || q == NULL) && m > 0)
        return err_set(err, errlen, "stats: BH needs p-values and an output");
    size_t used = 0;

    for (size_t i = 0; i < m; i++) {
        if (!isnan(p[i]) && !(p[i] >= 0 && p[i] <= 1))
            return err_set(err, errlen, "stats: p-value %zu is %g", i, p[i]);
        used += !isnan(p[i]);
    }
    if (used == 0) {
        for (size_t i = 0; i < m; i++)
            q[i] = NAN;
        return 0;
    }
    struct ranked *s = malloc(used * sizeof *s);
    if (s == NULL)
        return err_set(err, errlen, "stats: out of memory for %zu p-values", used);
    for (size_t i = 0, j = 0; i < m; i++)
        if (!isnan(p[i]))
            s[j++] = (struct ranked){p[i], i};
    qsort(s, used, sizeof *s, ranked_cmp);
    for (size_t i = 0; i < m; i++)
        if (isnan(p[i]))
            q[i] = NAN;
    double run = 1.0;
    for (size_t j = used; j-- > 0;) {
        double adj = s[j].p * (double)used / (double)(j + 1);
        run = adj < run ? adj : run;
        q[s[j].idx] = run;
    }
    free(s);
    return 0;
}

/* ---- association ---- */

int stats_pearson(const struct stats_xysums *s, struct stats_corr *out, char *err,
                  size_t errlen)
{
    if (s == NULL || out == NULL)
        return err_set(err, errlen, "stats: no sums or no output");
    if (!(s->n >= 0))
        return err_set(err, errlen, "stats: correlation with n = %g", s->n);
    out->n = s->n;
    out->r = out->t = out->df = out->p = NAN;
    if (s->n < 2)
        return 0;
    double sxx = s->sxx - s->sx * s->sx / s->n, syy = s->syy - s->sy * s->sy / s->n;
    double sxy = s->sxy - s->sx * s->sy / s->n;

    /* A variance that is rounding only (a constant x with non-integer
     * values) is 0: relative to the raw sum of squares it came from. */
    if (!(sxx > STATS_X_RTOL * s->sxx) || !(syy > STATS_X_RTOL * s->syy))
        return 0;
    out->r = st_clamp(sxy / sqrt(sxx * syy), -1.0, 1.0);
    if (s->n < 3)
        return 0;
    out->df = s->n - 2;
    if (fabs(out->r) == 1.0) {
        out->t = copysign(INFINITY, out->r);
        out->p = 0.0;
        return 0;
    }
    out->t = out->r * sqrt(out->df / (1.0 - out->r * out->r));
    out->p = st_t_two_sided_p(out->t, out->df);
    return 0;
}

/* ---- a city against its network ---- */




int stats_rank(const double *values, size_t n, double *ranks, char *err, size_t errlen)
{
    if ((values == NULL || ranks == NULL) && n > 0)
        return err_set(err, errlen, "stats: no values or no output");
    if (values == ranks && n > 0)
        return err_set(err, errlen, "stats: ranks may not alias values");
    /* Quadratic, and fine: it ranks the cities of one network. */
    for (size_t i = 0; i < n; i++) {
        if (isnan(values[i])) {
            ranks[i] = NAN;
            continue;
        }
        size_t above = 0;
        for (size_t j = 0; j < n; j++)
            above += !isnan(values[j]) && values[j] > values[i];
        ranks[i] = (double)(above + 1);
    }
    return 0;
}
