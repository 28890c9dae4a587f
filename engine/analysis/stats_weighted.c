/* stats_weighted: weighted estimates: the weighted mean, calibration to a
 * population (post-stratification, raking) and its estimates (stats.h for
 * the contracts). */
#include "stats.h"
#include "stats_priv.h"

#include "err.h"

#include <gsl/gsl_cdf.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>

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
    out->ci_lo = m - st_t_crit(s->n - 1) * out->se;
    out->ci_hi = m + st_t_crit(s->n - 1) * out->se;
    return 0;
}

/* One Gauss-Seidel step of additive_fit: refits the m values self[i] of
 * one margin to the cells i*si + j*sj (j < k) given the other margin's
 * values other[j]; grows *change by the largest step and *scale by the
 * largest value. */
static void refit(const double *n, const double *t, size_t m, size_t k, size_t si, size_t sj,
                  const double *other, double *self, double *change, double *scale)
{
    for (size_t i = 0; i < m; i++) {
        double num = 0, den = 0;

        for (size_t j = 0; j < k; j++) {
            num += t[i * si + j * sj] - n[i * si + j * sj] * other[j];
            den += n[i * si + j * sj];
        }
        if (den > 0) {
            double v = num / den;

            *change = fmax(*change, fabs(v - self[i]));
            self[i] = v;
        }
        *scale = fmax(*scale, fabs(self[i]));
    }
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

        refit(n, t, r, c, c, 1, beta, alpha, &change, &scale);    /* the rows */
        refit(n, t, c, r, 1, c, alpha, beta, &change, &scale);    /* the columns */
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
    out->ci_lo = m - st_t_crit(all->n - 1) * out->se;
    out->ci_hi = m + st_t_crit(all->n - 1) * out->se;
    return 0;
}

int stats_poststrat(const double *pop, const double *sample, size_t ncells, double *weight,
                    char *err, size_t errlen)
{
    if (weight == NULL)
        return err_set(err, errlen, "stats: no output");
    if (st_check_counts(pop, ncells, err, errlen) != 0
        || st_check_counts(sample, ncells, err, errlen) != 0)
        return -1;
    double np = st_sum_of(pop, ncells), ns = st_sum_of(sample, ncells);

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
        double d = fabs(st_sum_of(fit + i * c, c) - target[i]);
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
    double tt = st_sum_of(target, nlines);

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
    double ns = st_sum_of(sample, r * c), gap = INFINITY;
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
    if (st_check_counts(sample, r * c, err, errlen) != 0
        || st_check_counts(row_target, r, err, errlen) != 0
        || st_check_counts(col_target, c, err, errlen) != 0)
        return -1;
    double ns = st_sum_of(sample, r * c);
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
