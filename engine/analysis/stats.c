/*
 * stats: see stats.h for the contracts and docs/statistics.md for the
 * formulas and their sources. This file: the shared helpers (stats_priv.h),
 * accumulators, distributions and scales; comparisons and association are
 * in stats_tests.c, weighted estimates in stats_weighted.c.
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
#include "stats_priv.h"

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

void st_gsl_quiet(void)
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
double st_f_quantile(double p, double df1, double df2)
{
    double lo = 0, hi = 1, q;

    st_gsl_quiet();
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

double st_z_crit(void)
{
    st_gsl_quiet();
    return gsl_cdf_ugaussian_Pinv(1.0 - STATS_ALPHA / 2.0);
}

/* Two-sided critical value of t; df >= 1 is the caller's guard. */
double st_t_crit(double df)
{
    st_gsl_quiet();
    return gsl_cdf_tdist_Pinv(1.0 - STATS_ALPHA / 2.0, df);
}

double st_t_two_sided_p(double t, double df)
{
    st_gsl_quiet();
    return 2.0 * gsl_cdf_tdist_Q(fabs(t), df);
}

double st_clamp(double v, double lo, double hi)
{
    return v < lo ? lo : (v > hi ? hi : v);
}

int st_check_counts(const double *counts, size_t n, char *err, size_t errlen)
{
    if (counts == NULL || n == 0)
        return err_set(err, errlen, "stats: no counts given");
    for (size_t i = 0; i < n; i++)
        if (!isfinite(counts[i]) || counts[i] < 0)
            return err_set(err, errlen, "stats: count %zu is %g (must be finite and >= 0)",
                           i, counts[i]);
    return 0;
}

double st_sum_of(const double *v, size_t n)
{
    double s = 0;

    for (size_t i = 0; i < n; i++)
        s += v[i];
    return s;
}

/* Fills sd, se and the t CI from n, mean and the centred sum of squares. */
void st_finish_summary(struct stats_summary *out, double ss)
{
    out->sd = out->se = out->ci_lo = out->ci_hi = NAN;
    if (out->n < 2)
        return;
    out->sd = sqrt(ss / (out->n - 1));
    out->se = out->sd / sqrt(out->n);
    double h = st_t_crit(out->n - 1) * out->se;
    out->ci_lo = out->mean - h;
    out->ci_hi = out->mean + h;
}

/* ---- accumulators ---- */

/* ---- distributions ---- */

int stats_dist_summary(const double *counts, size_t nvalues, int min,
                       struct stats_summary *out, char *err, size_t errlen)
{
    struct stats_moments m = { 0, 0, 0 };

    if (out == NULL)
        return err_set(err, errlen, "stats: no output");
    if (st_check_counts(counts, nvalues, err, errlen) != 0)
        return -1;
    /* The moments in one pass, in value order: exactly the sums the
     * results add up from the aggregates (results_est.c). */
    for (size_t i = 0; i < nvalues; i++) {
        double y = (double)(min + (long)i);

        m.n += counts[i];
        m.sum += counts[i] * y;
        m.sumsq += counts[i] * y * y;
    }
    if (stats_moments_summary(&m, out, err, errlen) != 0)
        return -1;
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
    st_finish_summary(out, ss > 0 ? ss : 0);
    return 0;
}

double stats_dist_median(const double *counts, size_t nvalues, int min)
{
    if (st_check_counts(counts, nvalues, NULL, 0) != 0)
        return NAN;
    double half = st_sum_of(counts, nvalues) / 2.0, cum = 0;

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
    double p = x / n, z = st_z_crit(), z2n = z * z / n;
    double centre = (p + z2n / 2.0) / (1.0 + z2n);
    double half = z * sqrt(p * (1.0 - p) / n + z2n / (4.0 * n)) / (1.0 + z2n);

    out->p = p;
    out->ci_lo = x == 0 ? 0.0 : centre - half;
    out->ci_hi = x == n ? 1.0 : centre + half;
    return 0;
}

/* ---- scales ---- */

static void feldt_ci(struct stats_alpha *out)
{
    double df1 = out->n - 1, df2 = (out->n - 1) * (double)(out->k - 1);
    double tail = STATS_ALPHA / 2.0;

    out->ci_lo = 1.0 - (1.0 - out->alpha) * st_f_quantile(1.0 - tail, df1, df2);
    out->ci_hi = 1.0 - (1.0 - out->alpha) * st_f_quantile(tail, df1, df2);
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
    if (st_check_counts(counts, 11, err, errlen) != 0)
        return -1;
    double n = st_sum_of(counts, 11);

    out->n = n;
    out->promoters = out->passives = out->detractors = NAN;
    out->enps = out->se = out->ci_lo = out->ci_hi = NAN;
    if (n == 0)
        return 0;
    double pp = st_sum_of(counts + 9, 2) / n, pd = st_sum_of(counts, 7) / n;
    double diff = pp - pd, var = (pp + pd - diff * diff) / n;

    out->promoters = 100.0 * pp;
    out->detractors = 100.0 * pd;
    out->passives = 100.0 * st_sum_of(counts + 7, 2) / n;
    out->enps = 100.0 * diff;
    out->se = 100.0 * sqrt(var > 0 ? var : 0);
    out->ci_lo = st_clamp(out->enps - st_z_crit() * out->se, -100, 100);
    out->ci_hi = st_clamp(out->enps + st_z_crit() * out->se, -100, 100);
    return 0;
}

double stats_z_p(double z)
{
    st_gsl_quiet();
    return isfinite(z) ? 2.0 * gsl_cdf_ugaussian_Q(fabs(z)) : NAN;
}

double stats_z_crit(void)
{
    return st_z_crit();
}
