/*
 * stats: see stats.h for the contracts and docs/statistics.md for the
 * formulas and their sources.
 *
 * Design notes. GSL's default error handler aborts the process, and setting
 * it off is global state a library module must not touch; so every call into
 * GSL here is guarded to stay inside its domain (df >= 1, 0 < P < 1). Sums of
 * squares are turned into centred quantities as late as possible and clamped
 * at 0: with Likert values and survey-sized n the accumulated sums are exact
 * or nearly so, and the cancellation left is a digit or two, far below what a
 * report shows. A two-pass variance over raw data would be better still, but
 * agg sees each response once and keeps no raw data.
 */
#include "stats.h"

#include "err.h"

#include <gsl/gsl_cdf.h>
#include <gsl/gsl_errno.h>
#include <math.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>

/* ---- small helpers ---- */

/* GSL's default error handler aborts the process, e.g. when an inverse CDF
 * does not converge. This module owns the GSL calls: it turns the handler
 * off once (GSL then returns NaN) and handles NaN results itself. */
static pthread_once_t gsl_once = PTHREAD_ONCE_INIT;

static void gsl_quiet_init(void)
{
    gsl_set_error_handler_off();
}

static void gsl_quiet(void)
{
    pthread_once(&gsl_once, gsl_quiet_init);
}

/*
 * The p-quantile of F(df1, df2). gsl_cdf_fdist_Pinv fails to converge for
 * some parameters (e.g. df1 = 316, df2 = 1896: NaN; 581 of the (n, k) pairs
 * of Cronbach's alpha with n < 3000 and k <= 8 here). Then the quantile is
 * found by bisection on the CDF, which GSL computes reliably, to a relative
 * width of 1e-15 (checked against scipy.stats.f.ppf in test_stats_edges.c).
 */
static double f_quantile(double p, double df1, double df2)
{
    double lo = 0, hi = 1, q;

    gsl_quiet();
    q = gsl_cdf_fdist_Pinv(p, df1, df2);
    if (isfinite(q))
        return q;
    while (gsl_cdf_fdist_P(hi, df1, df2) < p && hi < 1e300)
        hi *= 2;
    for (int i = 0; i < 400 && hi - lo > 1e-15 * hi; i++) {
        double mid = 0.5 * (lo + hi);

        if (gsl_cdf_fdist_P(mid, df1, df2) < p)
            lo = mid;
        else
            hi = mid;
    }
    return 0.5 * (lo + hi);
}

static double z_crit(void)
{
    gsl_quiet();
    return gsl_cdf_ugaussian_Pinv(1.0 - STATS_ALPHA / 2.0);
}

/* Two-sided critical value of t; df >= 1 is the caller's guard. */
static double t_crit(double df)
{
    gsl_quiet();
    return gsl_cdf_tdist_Pinv(1.0 - STATS_ALPHA / 2.0, df);
}

static double t_two_sided_p(double t, double df)
{
    gsl_quiet();
    return 2.0 * gsl_cdf_tdist_Q(fabs(t), df);
}

static double clamp(double v, double lo, double hi)
{
    return v < lo ? lo : (v > hi ? hi : v);
}

static int check_counts(const double *counts, size_t n, char *err, size_t errlen)
{
    if (counts == NULL || n == 0)
        return err_set(err, errlen, "stats: no counts given");
    for (size_t i = 0; i < n; i++)
        if (!isfinite(counts[i]) || counts[i] < 0)
            return err_set(err, errlen, "stats: count %zu is %g (must be finite and >= 0)",
                           i, counts[i]);
    return 0;
}

static double sum_of(const double *v, size_t n)
{
    double s = 0;

    for (size_t i = 0; i < n; i++)
        s += v[i];
    return s;
}

/* Fills sd, se and the t CI from n, mean and the centred sum of squares. */
static void finish_summary(struct stats_summary *out, double ss)
{
    out->sd = out->se = out->ci_lo = out->ci_hi = NAN;
    if (out->n < 2)
        return;
    out->sd = sqrt(ss / (out->n - 1));
    out->se = out->sd / sqrt(out->n);
    double h = t_crit(out->n - 1) * out->se;
    out->ci_lo = out->mean - h;
    out->ci_hi = out->mean + h;
}

/* ---- accumulators ---- */

void stats_moments_add(struct stats_moments *m, double y)
{
    m->n += 1;
    m->sum += y;
    m->sumsq += y * y;
}

void stats_wsums_add(struct stats_wsums *s, double y, double w)
{
    s->n += 1;
    s->sw += w;
    s->sw2 += w * w;
    s->swy += w * y;
    s->sw2y += w * w * y;
    s->sw2y2 += w * w * y * y;
}

void stats_xysums_add(struct stats_xysums *s, double x, double y)
{
    s->n += 1;
    s->sx += x;
    s->sy += y;
    s->sxx += x * x;
    s->syy += y * y;
    s->sxy += x * y;
}

/* ---- distributions ---- */

int stats_dist_summary(const double *counts, size_t nvalues, int min,
                       struct stats_summary *out, char *err, size_t errlen)
{
    if (out == NULL)
        return err_set(err, errlen, "stats: no output");
    if (check_counts(counts, nvalues, err, errlen) != 0)
        return -1;
    double n = sum_of(counts, nvalues), sy = 0, ss = 0;

    for (size_t i = 0; i < nvalues; i++)
        sy += counts[i] * (double)(min + (long)i);
    out->n = n;
    out->mean = n > 0 ? sy / n : NAN;
    /* Second pass over the (few) values: exact centring, no cancellation. */
    for (size_t i = 0; i < nvalues && n > 0; i++) {
        double d = (double)(min + (long)i) - out->mean;
        ss += counts[i] * d * d;
    }
    finish_summary(out, ss);
    out->median = stats_dist_median(counts, nvalues, min);
    return 0;
}

int stats_moments_summary(const struct stats_moments *m, struct stats_summary *out,
                          char *err, size_t errlen)
{
    if (m == NULL || out == NULL)
        return err_set(err, errlen, "stats: no moments or no output");
    if (!(m->n >= 0))
        return err_set(err, errlen, "stats: n is %g", m->n);
    out->n = m->n;
    out->mean = m->n > 0 ? m->sum / m->n : NAN;
    out->median = NAN;
    double ss = m->n > 0 ? m->sumsq - m->sum * out->mean : 0;
    finish_summary(out, ss > 0 ? ss : 0);
    return 0;
}

double stats_dist_median(const double *counts, size_t nvalues, int min)
{
    if (check_counts(counts, nvalues, NULL, 0) != 0)
        return NAN;
    double half = sum_of(counts, nvalues) / 2.0, cum = 0;

    if (!(half > 0))
        return NAN;
    for (size_t i = 0; i < nvalues; i++) {
        cum += counts[i];
        if (cum < half)
            continue;
        double v = (double)(min + (long)i);
        if (cum > half)
            return v;
        /* Exactly half below and at v: the mean of v and the next answer. */
        for (size_t j = i + 1; j < nvalues; j++)
            if (counts[j] > 0)
                return (v + (double)(min + (long)j)) / 2.0;
        return v;
    }
    return NAN;
}

int stats_dist_percent(const double *counts, size_t nvalues, double *pct, char *err,
                       size_t errlen)
{
    if (pct == NULL)
        return err_set(err, errlen, "stats: no output");
    if (check_counts(counts, nvalues, err, errlen) != 0)
        return -1;
    double n = sum_of(counts, nvalues);

    for (size_t i = 0; i < nvalues; i++)
        pct[i] = n > 0 ? 100.0 * counts[i] / n : NAN;
    return 0;
}

int stats_wilson(double x, double n, struct stats_prop *out, char *err, size_t errlen)
{
    if (out == NULL)
        return err_set(err, errlen, "stats: no output");
    if (!(x >= 0) || !(n >= 0) || x > n || !isfinite(n))
        return err_set(err, errlen, "stats: %g out of %g is not a proportion", x, n);
    out->x = x;
    out->n = n;
    out->p = out->ci_lo = out->ci_hi = NAN;
    if (n == 0)
        return 0;
    double p = x / n, z = z_crit(), z2n = z * z / n;
    double centre = (p + z2n / 2.0) / (1.0 + z2n);
    double half = z * sqrt(p * (1.0 - p) / n + z2n / (4.0 * n)) / (1.0 + z2n);

    out->p = p;
    out->ci_lo = x == 0 ? 0.0 : centre - half;
    out->ci_hi = x == n ? 1.0 : centre + half;
    return 0;
}

int stats_favourable(const double *counts, size_t nvalues, size_t top,
                     struct stats_prop *out, char *err, size_t errlen)
{
    if (check_counts(counts, nvalues, err, errlen) != 0)
        return -1;
    if (top == 0 || top > nvalues)
        return err_set(err, errlen, "stats: top %zu of a %zu-point scale", top, nvalues);
    double n = sum_of(counts, nvalues);
    double x = sum_of(counts + (nvalues - top), top);

    return stats_wilson(x, n, out, err, errlen);
}

/* ---- scales ---- */

static void feldt_ci(struct stats_alpha *out)
{
    double df1 = out->n - 1, df2 = (out->n - 1) * (double)(out->k - 1);
    double tail = STATS_ALPHA / 2.0;

    out->ci_lo = 1.0 - (1.0 - out->alpha) * f_quantile(1.0 - tail, df1, df2);
    out->ci_hi = 1.0 - (1.0 - out->alpha) * f_quantile(tail, df1, df2);
}

int stats_cronbach_alpha(size_t k, double n, const double *sum, const double *sumprod,
                         struct stats_alpha *out, char *err, size_t errlen)
{
    if (sum == NULL || sumprod == NULL || out == NULL)
        return err_set(err, errlen, "stats: alpha needs sums, cross-products and an output");
    if (k < 2)
        return err_set(err, errlen, "stats: alpha needs at least 2 items, got %zu", k);
    if (!(n >= 0))
        return err_set(err, errlen, "stats: alpha with n = %g", n);
    out->k = k;
    out->n = n;
    out->alpha = out->ci_lo = out->ci_hi = NAN;
    if (n < 2)
        return 0;
    double trace = 0, total = 0;

    for (size_t j = 0; j < k; j++)
        for (size_t l = j; l < k; l++) {
            double cov = (sumprod[j * k + l] - sum[j] * sum[l] / n) / (n - 1);
            trace += j == l ? cov : 0;
            total += j == l ? cov : 2 * cov;
        }
    if (!(total > 0))
        return 0;
    out->alpha = (double)k / (double)(k - 1) * (1.0 - trace / total);
    feldt_ci(out);
    return 0;
}

int stats_enps(const double counts[11], struct stats_enps *out, char *err, size_t errlen)
{
    if (out == NULL)
        return err_set(err, errlen, "stats: no output");
    if (check_counts(counts, 11, err, errlen) != 0)
        return -1;
    double n = sum_of(counts, 11);

    out->n = n;
    out->promoters = out->passives = out->detractors = NAN;
    out->enps = out->se = out->ci_lo = out->ci_hi = NAN;
    if (n == 0)
        return 0;
    double pp = sum_of(counts + 9, 2) / n, pd = sum_of(counts, 7) / n;
    double diff = pp - pd, var = (pp + pd - diff * diff) / n;

    out->promoters = 100.0 * pp;
    out->detractors = 100.0 * pd;
    out->passives = 100.0 * sum_of(counts + 7, 2) / n;
    out->enps = 100.0 * diff;
    out->se = 100.0 * sqrt(var > 0 ? var : 0);
    out->ci_lo = clamp(out->enps - z_crit() * out->se, -100, 100);
    out->ci_hi = clamp(out->enps + z_crit() * out->se, -100, 100);
    return 0;
}

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
    out->p = t_two_sided_p(out->t, out->df);
    out->ci_lo = out->diff - t_crit(out->df) * out->se;
    out->ci_hi = out->diff + t_crit(out->df) * out->se;
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
    gsl_quiet();
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
    gsl_quiet();
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
    gsl_quiet();
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
    gsl_quiet();
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
    if (check_counts(table, r * c, err, errlen) != 0)
        return -1;
    double n = sum_of(table, r * c), chi2 = 0;
    size_t rows = 0, cols = 0;

    out->n = n;
    out->chi2 = out->df = out->p = out->v = NAN;
    for (size_t j = 0; j < c; j++)
        cols += column_sum(table, r, c, j) > 0;
    for (size_t i = 0; i < r; i++) {
        double ri = sum_of(table + i * c, c);
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
    gsl_quiet();
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

/* ---- weighted estimates ---- */

int stats_weighted_mean(const struct stats_wsums *s, struct stats_wmean *out, char *err,
                        size_t errlen)
{
    if (s == NULL || out == NULL)
        return err_set(err, errlen, "stats: no sums or no output");
    if (!(s->n >= 0) || !(s->sw >= 0) || !(s->sw2 >= 0))
        return err_set(err, errlen, "stats: weighted sums with n = %g, sum of weights %g",
                       s->n, s->sw);
    out->n = s->n;
    out->sum_w = s->sw;
    out->mean = out->se = out->ci_lo = out->ci_hi = out->n_eff = NAN;
    if (!(s->sw > 0))
        return 0;
    double m = s->swy / s->sw;

    out->mean = m;
    out->n_eff = s->sw * s->sw / s->sw2;
    if (s->n < 2)
        return 0;
    /* Σw²(y - m)² expanded into the accumulated sums. */
    double ss = s->sw2y2 - 2.0 * m * s->sw2y + m * m * s->sw2;
    double var = s->n / (s->n - 1) * (ss > 0 ? ss : 0) / (s->sw * s->sw);

    out->se = sqrt(var);
    out->ci_lo = m - t_crit(s->n - 1) * out->se;
    out->ci_hi = m + t_crit(s->n - 1) * out->se;
    return 0;
}

/* The least-squares fit f[a*c+b] = alpha[a] + beta[b] to the cell sums t
 * with counts n (minimising Σ n (t/n - f)²), by Gauss-Seidel on the normal
 * equations: each step refits one margin exactly, the fitted values are
 * unique and the iteration converges to them. Rows and columns without
 * answers are left at 0. Returns 0, or -1 when it has not converged. */
static int additive_fit(const double *n, const double *t, size_t r, size_t c, double *f,
                        double *alpha, double *beta)
{
    for (size_t a = 0; a < r; a++)
        alpha[a] = 0;
    for (size_t b = 0; b < c; b++)
        beta[b] = 0;
    for (int it = 0; it < 100000; it++) {
        double change = 0, scale = 0;

        for (size_t a = 0; a < r; a++) {
            double num = 0, den = 0;

            for (size_t b = 0; b < c; b++) {
                num += t[a * c + b] - n[a * c + b] * beta[b];
                den += n[a * c + b];
            }
            if (den > 0) {
                double v = num / den;

                change = fmax(change, fabs(v - alpha[a]));
                alpha[a] = v;
            }
            scale = fmax(scale, fabs(alpha[a]));
        }
        for (size_t b = 0; b < c; b++) {
            double num = 0, den = 0;

            for (size_t a = 0; a < r; a++) {
                num += t[a * c + b] - n[a * c + b] * alpha[a];
                den += n[a * c + b];
            }
            if (den > 0) {
                double v = num / den;

                change = fmax(change, fabs(v - beta[b]));
                beta[b] = v;
            }
            scale = fmax(scale, fabs(beta[b]));
        }
        if (change <= 1e-15 * (1.0 + scale)) {
            for (size_t a = 0; a < r; a++)
                for (size_t b = 0; b < c; b++)
                    f[a * c + b] = alpha[a] + beta[b];
            return 0;
        }
    }
    return -1;
}

int stats_cal_group(const double *w, const double *nsq, size_t r, size_t c, int raked,
                    double out[3], char *err, size_t errlen)
{
    if (w == NULL || nsq == NULL || out == NULL || r == 0 || c == 0 || r > SIZE_MAX / c / 3)
        return err_set(err, errlen, "stats: calibration group of %zu x %zu cells", r, c);
    size_t k = r * c;
    double ng = 0, sw = 0, swy = 0, r1 = 0, r2 = 0;

    for (size_t h = 0; h < k; h++) {
        if (!(w[h] >= 0) || !(nsq[3 * h] >= 0))
            return err_set(err, errlen, "stats: cell %zu has weight %g and count %g", h, w[h],
                           nsq[3 * h]);
        ng += nsq[3 * h];
        sw += w[h] * nsq[3 * h];
        swy += w[h] * nsq[3 * h + 1];
    }
    out[0] = out[1] = out[2] = 0;
    if (!(ng > 0) || !(sw > 0))
        return 0;
    double yg = swy / sw;
    double *buf = malloc((3 * k + r + c) * sizeof *buf);

    if (buf == NULL)
        return err_set(err, errlen, "stats: out of memory");
    double *n = buf, *t = buf + k, *f = buf + 2 * k;

    for (size_t h = 0; h < k; h++) {
        n[h] = nsq[3 * h];
        t[h] = nsq[3 * h + 1] - yg * n[h];   /* Σ (y - ȳ_g) in the cell */
        f[h] = n[h] > 0 ? t[h] / n[h] : 0;   /* post-strata: the cell's own mean */
    }
    if (raked && additive_fit(n, t, r, c, f, buf + 3 * k, buf + 3 * k + r) != 0) {
        free(buf);
        return err_set(err, errlen, "stats: the fit to the margins did not converge");
    }
    for (size_t h = 0; h < k; h++) {
        double d = yg + f[h];   /* r_i = w_h (y_i - d) */
        /* Σ (y - d)² = Σy² - 2dΣy + n d², centred on the cell's mean for
         * post-strata so nothing cancels there. */
        double ss;

        if (n[h] == 0)
            continue;
        if (!raked) {
            double m = nsq[3 * h + 1] / n[h];

            ss = nsq[3 * h + 2] - m * nsq[3 * h + 1];
        } else {
            ss = nsq[3 * h + 2] - 2.0 * d * nsq[3 * h + 1] + n[h] * d * d;
        }
        r1 += w[h] * (nsq[3 * h + 1] - d * n[h]);
        r2 += w[h] * w[h] * (ss > 0 ? ss : 0);
    }
    free(buf);
    out[0] = ng;
    out[1] = r1 + ng * yg;
    out[2] = r2 + 2.0 * yg * r1 + ng * yg * yg;
    return 0;
}

int stats_calibrated_mean(const struct stats_wsums *all, const struct stats_calsums *cs,
                          double fpc, struct stats_wmean *out, char *err, size_t errlen)
{
    if (cs == NULL)
        return err_set(err, errlen, "stats: no calibration sums");
    if (stats_weighted_mean(all, out, err, errlen) != 0)
        return -1;
    out->se = out->ci_lo = out->ci_hi = NAN;
    if (!(all->sw > 0) || all->n < 2)
        return 0;
    double m = out->mean;
    const struct stats_wsums *u = &cs->unc;
    /* Σ e² and Σ e, each the calibrated part plus the rest. */
    double ss = cs->cal[2] - 2.0 * m * cs->cal[1] + m * m * cs->cal[0] + u->sw2y2 -
                2.0 * m * u->sw2y + m * m * u->sw2;
    double se1 = cs->cal[1] - m * cs->cal[0] + u->swy - m * u->sw;
    double cen = ss - se1 * se1 / all->n;
    double var = all->n / (all->n - 1) * (cen > 0 ? cen : 0) / (all->sw * all->sw);

    if (fpc >= 0 && fpc < 1)
        var *= fpc;
    out->se = sqrt(var);
    out->ci_lo = m - t_crit(all->n - 1) * out->se;
    out->ci_hi = m + t_crit(all->n - 1) * out->se;
    return 0;
}

int stats_poststrat(const double *pop, const double *sample, size_t ncells, double *weight,
                    char *err, size_t errlen)
{
    if (weight == NULL)
        return err_set(err, errlen, "stats: no output");
    if (check_counts(pop, ncells, err, errlen) != 0
        || check_counts(sample, ncells, err, errlen) != 0)
        return -1;
    double np = sum_of(pop, ncells), ns = sum_of(sample, ncells);

    for (size_t h = 0; h < ncells; h++) {
        if (pop[h] > 0 && sample[h] == 0)
            return err_set(err, errlen,
                           "stats: cell %zu has population %g but no respondents: "
                           "collapse it with a neighbour", h, pop[h]);
        if (pop[h] == 0 && sample[h] > 0)
            return err_set(err, errlen,
                           "stats: cell %zu has %g respondents but no population", h,
                           sample[h]);
        weight[h] = sample[h] > 0 ? (pop[h] / np) / (sample[h] / ns) : 0.0;
    }
    return 0;
}

/* Scales the r×c table fit so that its margins along one direction match
 * target; stride/step walk a row (1, c) or a column (c, 1). */
static void rake_scale(double *fit, size_t nlines, size_t len, size_t line_step,
                       size_t cell_step, const double *target)
{
    for (size_t i = 0; i < nlines; i++) {
        double m = 0;
        for (size_t j = 0; j < len; j++)
            m += fit[i * line_step + j * cell_step];
        double f = m > 0 ? target[i] / m : 0.0;
        for (size_t j = 0; j < len; j++)
            fit[i * line_step + j * cell_step] *= f;
    }
}

static double rake_row_gap(const double *fit, size_t r, size_t c, const double *target)
{
    double gap = 0;

    for (size_t i = 0; i < r; i++) {
        double d = fabs(sum_of(fit + i * c, c) - target[i]);
        gap = d > gap ? d : gap;
    }
    return gap;
}

/* Normalises target to total ts into out; fails when a positive target has
 * an empty sample margin. */
static int rake_targets(const double *sample, size_t nlines, size_t len, size_t line_step,
                        size_t cell_step, const double *target, double ns, double *out,
                        const char *what, char *err, size_t errlen)
{
    double tt = sum_of(target, nlines);

    if (!(tt > 0))
        return err_set(err, errlen, "stats: %s targets sum to %g", what, tt);
    for (size_t i = 0; i < nlines; i++) {
        double m = 0;
        for (size_t j = 0; j < len; j++)
            m += sample[i * line_step + j * cell_step];
        if (target[i] > 0 && m == 0)
            return err_set(err, errlen,
                           "stats: %s %zu has a target but no respondents: collapse it",
                           what, i);
        out[i] = target[i] / tt * ns;
    }
    return 0;
}

static int rake_fit(const double *sample, size_t r, size_t c, const double *rt,
                    const double *ct, double tol, int max_iter, double *fit, int *iterations,
                    char *err, size_t errlen)
{
    double ns = sum_of(sample, r * c), gap = INFINITY;
    int it = 0;

    for (size_t i = 0; i < r * c; i++)
        fit[i] = sample[i];
    while (it < max_iter && !(gap <= tol * ns)) {
        rake_scale(fit, r, c, c, 1, rt);
        rake_scale(fit, c, r, 1, c, ct);
        gap = rake_row_gap(fit, r, c, rt);
        it++;
    }
    if (iterations != NULL)
        *iterations = it;
    if (!(gap <= tol * ns))
        return err_set(err, errlen,
                       "stats: raking did not converge in %d iterations (largest margin "
                       "gap %g of %g)", it, gap, ns);
    return 0;
}

int stats_rake(const double *sample, size_t r, size_t c, const double *row_target,
               const double *col_target, double tol, int max_iter, double *weight,
               int *iterations, char *err, size_t errlen)
{
    if (weight == NULL || r == 0 || c == 0 || r > SIZE_MAX / c)
        return err_set(err, errlen, "stats: raking a %zu x %zu table with no output", r, c);
    if (!(tol > 0) || max_iter < 1)
        return err_set(err, errlen, "stats: raking with tol %g, max_iter %d", tol, max_iter);
    if (check_counts(sample, r * c, err, errlen) != 0
        || check_counts(row_target, r, err, errlen) != 0
        || check_counts(col_target, c, err, errlen) != 0)
        return -1;
    double ns = sum_of(sample, r * c);
    if (!(ns > 0))
        return err_set(err, errlen, "stats: raking an empty sample");
    double *rt = malloc((r + c) * sizeof *rt);
    if (rt == NULL)
        return err_set(err, errlen, "stats: out of memory");
    double *ct = rt + r;
    int rc = -1;

    if (rake_targets(sample, r, c, c, 1, row_target, ns, rt, "row", err, errlen) != 0
        || rake_targets(sample, c, r, 1, c, col_target, ns, ct, "column", err, errlen) != 0)
        goto out;
    if (rake_fit(sample, r, c, rt, ct, tol, max_iter, weight, iterations, err, errlen) != 0)
        goto out;
    for (size_t i = 0; i < r * c; i++)
        weight[i] = sample[i] > 0 ? weight[i] / sample[i] : 0.0;
    rc = 0;
out:
    free(rt);
    return rc;
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
    out->r = clamp(sxy / sqrt(sxx * syy), -1.0, 1.0);
    if (s->n < 3)
        return 0;
    out->df = s->n - 2;
    if (fabs(out->r) == 1.0) {
        out->t = copysign(INFINITY, out->r);
        out->p = 0.0;
        return 0;
    }
    out->t = out->r * sqrt(out->df / (1.0 - out->r * out->r));
    out->p = t_two_sided_p(out->t, out->df);
    return 0;
}

/* ---- a city against its network ---- */

int stats_moments_rest(const struct stats_moments *total, const struct stats_moments *part,
                       struct stats_moments *rest, char *err, size_t errlen)
{
    if (total == NULL || part == NULL || rest == NULL)
        return err_set(err, errlen, "stats: no moments or no output");
    if (!(part->n >= 0) || !(part->n <= total->n))
        return err_set(err, errlen, "stats: a part of %g answers out of %g", part->n,
                       total->n);
    rest->n = total->n - part->n;
    rest->sum = rest->n > 0 ? total->sum - part->sum : 0;
    rest->sumsq = rest->n > 0 ? total->sumsq - part->sumsq : 0;
    /* Rounding in the subtraction must not leave a negative variance. */
    if (rest->n > 0 && rest->sumsq < rest->sum * rest->sum / rest->n)
        rest->sumsq = rest->sum * rest->sum / rest->n;
    return 0;
}

int stats_group_from_moments(const struct stats_moments *m, struct stats_group *out,
                             char *err, size_t errlen)
{
    struct stats_summary s;

    if (out == NULL)
        return err_set(err, errlen, "stats: no output");
    if (stats_moments_summary(m, &s, err, errlen) != 0)
        return -1;
    out->n = s.n;
    out->mean = s.mean;
    out->sd = s.sd;
    return 0;
}

int stats_vs_rest(const struct stats_moments *city, const struct stats_moments *network,
                  struct stats_ttest *out, char *err, size_t errlen)
{
    struct stats_moments rest;
    struct stats_group a, b;

    if (stats_moments_rest(network, city, &rest, err, errlen) != 0
        || stats_group_from_moments(city, &a, err, errlen) != 0
        || stats_group_from_moments(&rest, &b, err, errlen) != 0)
        return -1;
    return stats_welch_t(&a, &b, out, err, errlen);
}

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

double stats_z_p(double z)
{
    gsl_quiet();
    return isfinite(z) ? 2.0 * gsl_cdf_ugaussian_Q(fabs(z)) : NAN;
}

double stats_f_quantile(double p, double df1, double df2)
{
    return f_quantile(p, df1, df2);
}

double stats_z_crit(void)
{
    return z_crit();
}
